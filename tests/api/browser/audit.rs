//! The audit logs in the browser: a manager and a partner read what happened as sentences
//! with labelled details, filter by action and date, and are told next to the field when a
//! date cannot be read.

use reqwest::StatusCode;
use time::Duration;

use super::{Browser, WIDTHS};
use crate::helpers::{add_named_customer_form, location, TestApp, PASSWORD};

const NORA: &str = "nora.winters@harbour-telecom.test";
const ALICE: &str = "accounts-payable.alice@harbour-logistics-international.test";

/// A log with a bit of everything: Nora adds Alice, Alice activates, fails a sign-in, signs
/// in, subscribes, renames her PBX and upgrades; Nora asks for Alice's removal.
async fn a_busy_log(app: &TestApp) {
    let (manager, partner) = app.partner(NORA).await;
    app.rename(partner, "Nora", "Winters").await;
    app.rename(manager, "Sam", "Okafor").await;
    sqlx::query("update accounts set company = 'Harbour Telecom' where id = $1")
        .bind(partner)
        .execute(&app.db)
        .await
        .unwrap();
    let nora = app.signed_in_as(NORA).await;
    let csrf = app.csrf_for(&nora, "/partner/customers/new").await;
    let form = add_named_customer_form(&csrf, ALICE, "Alice", "Martin");
    let added = app
        .post_multipart(&nora, "/partner/customers/new", form)
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    app.drain_outbox().await;
    let link = app.smtp.to(ALICE)[0].link("/activate/").unwrap();
    app.activate(&link, PASSWORD).await;
    app.login(&crate::helpers::client(), ALICE, "not the password")
        .await;
    app.clock.advance(Duration::days(1));

    let alice = app.signed_in_as(ALICE).await;
    let plan = [
        ("plan", "cloud_pbx_enterprise"),
        ("units", "20"),
        ("term", "1y"),
    ];
    let sub = location(&app.subscribe(&alice, &plan).await);
    let pbx: uuid::Uuid = app.one("select id from pbx_instances").await;
    let page = format!("/customer/central-management/{pbx}");
    let csrf = app.csrf_for(&alice, &page).await;
    let rename = [
        ("csrf_token", csrf.as_str()),
        ("name", "Harbour head office"),
    ];
    app.post_form(&alice, &format!("{page}/rename"), &rename)
        .await;
    let upgrade = [("plan", "cloud_pbx_ultimate"), ("units", "30")];
    app.change_subscription(&alice, &sub, &upgrade).await;

    let customer: uuid::Uuid = sqlx::query_scalar("select id from accounts where email = $1")
        .bind(ALICE)
        .fetch_one(&app.db)
        .await
        .unwrap();
    // A day has passed: Nora signs in again.
    let nora = app.signed_in_as(NORA).await;
    let path = format!("/partner/customers/{customer}/removal-request");
    let csrf = app.csrf_for(&nora, &path).await;
    let reason = "The customer moved their telephony to another provider in November.";
    let fields = [("csrf_token", csrf.as_str()), ("reason", reason)];
    app.post_form(&nora, &path, &fields).await;
}

#[tokio::test]
async fn a_manager_and_a_partner_read_the_audit_log_as_sentences() {
    for width in WIDTHS {
        let app = crate::helpers::spawn_app().await;
        a_busy_log(&app).await;
        let mut browser = Browser::start("audit-logs", width, &app.address).await;

        browser
            .sign_in(
                "manager-of-nora.winters@harbour-telecom.test",
                "/manager/partners",
            )
            .await;
        browser.goto("/manager/audit").await;
        let text = browser.text().await;
        assert!(text.contains("Nora Winters added customer Alice Martin"));
        assert!(text.contains("Alice Martin changed their Cloud PBX subscription"));
        assert!(text.contains("Alice Martin renamed PBX"));
        assert!(text.contains("Nora Winters requested the removal of Alice Martin"));
        browser.step("manager-audit-log").await;

        browser.fill("#account", ALICE).await;
        browser.click("form.audit-filter button[type=submit]").await;
        let text = browser.text().await;
        assert!(text.contains("Alice Martin changed their Cloud PBX subscription"));
        assert!(text.contains("Cloud PBX Ultimate Plan (UP)"));
        assert!(!text.contains("Sam Okafor signed in"));
        browser.step("manager-audit-by-account").await;

        browser.fill("#account", "").await;
        browser.select("#action", "removal.requested").await;
        browser.click("form.audit-filter button[type=submit]").await;
        let text = browser.text().await;
        assert!(text.contains("Nora Winters requested the removal of Alice Martin"));
        assert!(!text.contains("Alice Martin signed in"));
        browser.step("manager-audit-filtered").await;

        let today = app.now().date();
        browser
            .goto(&format!("/manager/audit?from={today}&to=2026-02-30"))
            .await;
        assert!(browser.text_of("#to-error").await.contains("is not a date"));
        browser.step("manager-audit-bad-date").await;
        browser.sign_out().await;

        browser.sign_in(NORA, "/partner/customers").await;
        browser.goto("/partner/audit").await;
        let text = browser.text().await;
        assert!(text.contains("Alice Martin subscribed to Cloud PBX"));
        assert!(text.contains("A sign-in as Alice Martin failed"));
        browser.step("partner-audit-log").await;
        browser.close().await;
    }
}
