//! The core journey, end to end, through the operator CLI, HTTP and real email.

use reqwest::StatusCode;
use std::process::Command;

use crate::helpers::{add_customer_form, client, location, spawn_app, PASSWORD};

/// Runs the real binary against the test's database and returns its stdout.
fn portal_cli(app: &crate::helpers::TestApp, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_yeastar-portal"))
        .args(args)
        .env("DATABASE_URL", app.config.database_url.expose())
        .env("PUBLIC_URL", &app.config.public_url)
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn printed_link(stdout: &str) -> String {
    stdout
        .lines()
        .find(|l| l.contains("/activate/"))
        .expect("the activation link is printed")
        .trim()
        .to_owned()
}

#[tokio::test]
async fn partner_adds_a_customer_who_activates_from_the_email_and_signs_in() {
    let app = spawn_app().await;

    // An operator bootstraps the account manager and a partner with the CLI.
    let out = portal_cli(
        &app,
        &[
            "create-manager",
            "morgan@yeastar.test",
            "--name",
            "Morgan Lee",
        ],
    );
    let manager_link = printed_link(&out);
    let out = portal_cli(
        &app,
        &[
            "create-partner",
            "sales@northwind.test",
            "--company",
            "Northwind Telecom",
            "--manager",
            "morgan@yeastar.test",
        ],
    );
    let partner_link = printed_link(&out);
    assert_eq!(
        app.activate(&manager_link, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );

    // The partner activates from the emailed link (the same one the CLI printed).
    app.drain_outbox().await;
    let partner_mail = app.smtp.to("sales@northwind.test");
    assert_eq!(partner_mail.len(), 1);
    assert_eq!(partner_mail[0].link("/activate/").unwrap(), partner_link);
    assert_eq!(
        app.activate(&partner_link, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );

    // The partner signs in and adds a customer.
    let partner = client();
    let response = app.login(&partner, "sales@northwind.test", PASSWORD).await;
    assert_eq!(location(&response), "/partner/customers");
    let csrf = app.csrf_for(&partner, "/partner/customers/new").await;
    let response = app
        .post_multipart(
            &partner,
            "/partner/customers/new",
            add_customer_form(&csrf, "wei.zhang@harbour.test"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let customer_page = location(&response);
    let (_, html) = app.get_html(&partner, &customer_page).await;
    assert!(html.contains("An activation email was sent to wei.zhang@harbour.test"));
    assert!(html.contains("Pending activation"));
    let (_, list) = app.get_html(&partner, "/partner/customers").await;
    assert!(
        list.contains("wei.zhang@harbour.test")
            && list.contains("<span class=\"badge badge-pending\">Pending activation</span>")
    );

    // The email arrives, names the partner, and carries the link.
    app.drain_outbox().await;
    let mail = app.smtp.to("wei.zhang@harbour.test");
    assert_eq!(mail.len(), 1, "exactly one activation email");
    assert!(mail[0]
        .subject()
        .contains("Activate your Yeastar Customer Portal account"));
    assert!(mail[0].text().contains("Northwind Telecom"));
    let link = mail[0]
        .link("/activate/")
        .expect("the email has an activation link");

    // The customer opens the link, sets a password and signs in.
    let customer = client();
    let path = link.strip_prefix(&app.address).unwrap();
    let (status, form) = app.get_html(&customer, path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("wei.zhang@harbour.test"));
    let csrf = crate::helpers::csrf_token(&form);
    let response = app
        .post_form(
            &customer,
            path,
            &[
                ("csrf_token", &csrf),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(location(&response), "/login");
    let response = app
        .login(&customer, "Wei.Zhang@Harbour.test", PASSWORD)
        .await;
    assert_eq!(location(&response), "/customer");
    let (status, dashboard) = app.get_html(&customer, "/customer").await;
    assert_eq!(status, StatusCode::OK);
    assert!(dashboard.contains("Welcome, Wei"));
    assert!(
        dashboard.contains("Northwind Telecom"),
        "the dashboard names the partner"
    );

    // The partner now sees the customer as active.
    let (_, list) = app.get_html(&partner, "/partner/customers").await;
    assert!(list.contains("badge-active"));
    // The status select names every status; the row no longer shows the pending badge.
    assert!(!list.contains("<span class=\"badge badge-pending\">Pending activation</span>"));
}
