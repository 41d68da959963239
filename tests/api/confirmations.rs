//! Acts that cannot be taken back go through a confirmation page: approving a customer's
//! removal, and restarting a PBX. A post without the page's `confirm=yes` only leads there.

use reqwest::{Client, StatusCode};
use uuid::Uuid;
use yeastar_portal::accounts::model::AccountId;

use crate::fixtures::{id, removal_requests, sign_in};
use crate::helpers::{client, hidden_fields, location, spawn_app, TestApp, PASSWORD};

async fn send_form(app: &TestApp, browser: &Client, path: &str, html: &str) -> reqwest::Response {
    let fields = hidden_fields(html, path);
    browser
        .post(app.url(path))
        .form(&fields)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn approving_a_removal_takes_the_confirmation_page_that_says_what_it_does() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("sales@confirm.test").await;
    let leaving = app.customer_of(partner, "leaving@confirm.test").await;
    let partner_browser = sign_in(&app, "sales@confirm.test", "/partner/customers").await;
    let request = removal_requests(&app, &partner_browser, &[leaving]).await[&leaving];
    let (manager, csrf) = sign_in(&app, "manager-of-sales@confirm.test", "/manager/removals").await;
    let path = format!("/manager/removals/{request}/approve");

    // The old one-click form: no removal, only the way to the confirmation.
    let (_, queue) = app.get_html(&manager, "/manager/removals").await;
    assert!(queue.contains(&format!("href=\"{path}\"")));
    let one_click = app
        .post_form(&manager, &path, &[("csrf_token", &csrf), ("reason", "")])
        .await;
    assert_eq!(one_click.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&one_click), path);
    let removed = "select count(*) from accounts where status = 'removed'";
    assert_eq!(app.count(removed).await, 0);
    assert_eq!(app.audit_count("removal.approved").await, 0);

    let (status, page) = app.get_html(&manager, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("leaving@confirm.test") && page.contains("Left the company"));
    assert!(page.contains("can no longer sign in"));
    assert!(page.contains("orders, licences and subscriptions are kept"));

    let long = "n".repeat(1001);
    let mut fields = hidden_fields(&page, &path);
    fields.push(("reason".into(), long.clone()));
    let too_long = manager
        .post(app.url(&path))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(too_long.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = too_long.text().await.unwrap();
    assert!(refused.contains("at most 1000 characters") && refused.contains(&long));
    assert_eq!(app.count(removed).await, 0);

    let confirmed = send_form(&app, &manager, &path, &page).await;
    assert_eq!(location(&confirmed), "/manager/removals");
    assert_eq!(app.count(removed).await, 1);
    assert!(app
        .login(&client(), "leaving@confirm.test", PASSWORD)
        .await
        .text()
        .await
        .unwrap()
        .contains("This account is no longer available."));

    // Decided: the confirmation page is gone, with a word why.
    let late = app.get(&manager, &path).await;
    assert_eq!(location(&late), "/manager/removals");
    let (_, queue) = app.get_html(&manager, "/manager/removals").await;
    assert!(queue.contains("already decided"));
}

#[tokio::test]
async fn another_manager_gets_no_confirmation_page_and_no_redirect() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("sales@scoped-confirm.test").await;
    app.partner("sales@elsewhere.test").await;
    let leaving = app.customer_of(partner, "c@scoped-confirm.test").await;
    let partner_browser = sign_in(&app, "sales@scoped-confirm.test", "/partner/customers").await;
    let request = removal_requests(&app, &partner_browser, &[leaving]).await[&leaving];
    let path = format!("/manager/removals/{request}/approve");
    let (other, csrf) = sign_in(&app, "manager-of-sales@elsewhere.test", "/manager/removals").await;

    let (status, page) = app.get_html(&other, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!page.contains("c@scoped-confirm.test"));
    for fields in [vec![], vec![("confirm", "yes")]] {
        let mut form = vec![("csrf_token", csrf.as_str())];
        form.extend(fields);
        let response = app.post_form(&other, &path, &form).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(
        app.count("select count(*) from removal_requests where status = 'pending'")
            .await,
        1
    );
}

/// A customer with a Cloud PBX trial, signed in: (browser, instance id).
async fn customer_with_pbx(app: &TestApp, email: &str, partner: AccountId) -> (Client, Uuid) {
    app.customer_of(partner, email).await;
    let (browser, csrf) = sign_in(app, email, "/customer/trials").await;
    app.post_form(
        &browser,
        "/customer/trials/cloud_pbx",
        &[("csrf_token", &csrf)],
    )
    .await;
    (browser, id(app, "select id from pbx_instances").await)
}

#[tokio::test]
async fn a_pbx_restart_takes_the_confirmation_page_for_customers_and_partners() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("sales@restart-confirm.test").await;
    app.partner("sales@not-theirs.test").await;
    let (customer, instance) = customer_with_pbx(&app, "it@restart-confirm.test", partner).await;
    let base = format!("/customer/central-management/{instance}");
    let restart = format!("{base}/restart");
    let commands = "select count(*) from pbx_commands where kind = 'restart'";

    let (_, instance_page) = app.get_html(&customer, &base).await;
    assert!(instance_page.contains(&format!("href=\"{restart}\"")));
    let csrf = app.csrf_for(&customer, &base).await;
    let one_click = app
        .post_form(&customer, &restart, &[("csrf_token", &csrf)])
        .await;
    assert_eq!(location(&one_click), restart);
    assert_eq!(
        app.count(commands).await,
        0,
        "nothing queued without confirming"
    );

    let (status, page) = app.get_html(&customer, &restart).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Calls in progress are cut off"));
    assert!(page.contains("it is offline now, so the restart waits"));
    let confirmed = send_form(&app, &customer, &restart, &page).await;
    assert_eq!(location(&confirmed), base);
    assert_eq!(app.count(commands).await, 1);

    // The customer's partner confirms the same way; another partner finds nothing.
    let (partner_browser, _) =
        sign_in(&app, "sales@restart-confirm.test", "/partner/customers").await;
    let partner_restart = format!("/partner/central-management/{instance}/restart");
    let (status, page) = app.get_html(&partner_browser, &partner_restart).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("it@restart-confirm.test"),
        "names the customer"
    );
    let confirmed = send_form(&app, &partner_browser, &partner_restart, &page).await;
    assert_eq!(
        location(&confirmed),
        format!("/partner/central-management/{instance}")
    );
    assert_eq!(app.count(commands).await, 2);

    let (stranger, csrf) = sign_in(&app, "sales@not-theirs.test", "/partner/customers").await;
    assert_eq!(
        app.get_html(&stranger, &partner_restart).await.0,
        StatusCode::NOT_FOUND
    );
    for confirm in ["", "yes"] {
        let fields = [("csrf_token", csrf.as_str()), ("confirm", confirm)];
        let response = app.post_form(&stranger, &partner_restart, &fields).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(app.count(commands).await, 2);
}
