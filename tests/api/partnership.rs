//! Applying for partnership, from the application to the manager's decision.

use reqwest::{Client, StatusCode};
use yeastar_portal::accounts::model::AccountId;

use crate::helpers::{
    assert_refused_with, assert_says, client, location, spawn_app, TestApp, PASSWORD,
};

async fn apply(app: &TestApp, browser: &Client, company: &str) -> reqwest::Response {
    let csrf = app.csrf_for(browser, "/customer/partnership").await;
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("company", company),
        ("website", "https://voip-shop.example"),
        ("country", "PL"),
        ("business_type", "Reseller"),
        ("yearly_volume", "50 to 500 extensions"),
        ("message", "We sell to dentists."),
    ];
    app.post_form(browser, "/customer/partnership", &fields)
        .await
}

async fn decide(
    app: &TestApp,
    manager: &Client,
    decision: &str,
    reason: &str,
) -> reqwest::Response {
    let id: uuid::Uuid = app
        .one("select id from partnership_applications where status = 'pending'")
        .await;
    let csrf = app.csrf_for(manager, "/manager/applications").await;
    app.post_form(
        manager,
        &format!("/manager/applications/{id}"),
        &[
            ("csrf_token", &csrf),
            ("decision", decision),
            ("reason", reason),
        ],
    )
    .await
}

#[tokio::test]
async fn an_application_is_reviewed_by_the_partners_manager_and_the_applicant_is_emailed() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@apply.test").await;
    app.customer_of(partner, "owner@voip-shop.test").await;
    let customer = client();
    app.login(&customer, "owner@voip-shop.test", PASSWORD).await;

    let csrf = app.csrf_for(&customer, "/customer/partnership").await;
    let bad = app
        .post_form(
            &customer,
            "/customer/partnership",
            &[
                ("csrf_token", &csrf),
                ("company", "VoIP Shop"),
                ("website", "voip-shop"),
                ("country", "PL"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text().await.unwrap();
    assert!(
        html.contains("https://example.com")
            && html.contains("Choose a business type.")
            && html.contains("value=\"VoIP Shop\"")
    );

    assert_eq!(
        location(&apply(&app, &customer, "VoIP Shop").await),
        "/customer/partnership"
    );
    let (_, page) = app.get_html(&customer, "/customer/partnership").await;
    assert!(page.contains(">Under review</span>") && page.contains("Withdraw the application"));
    assert!(
        !page.contains(">pending<"),
        "the status is a label, not its code"
    );
    let second = apply(&app, &customer, "VoIP Shop").await;
    assert_eq!(
        second.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "one open application at a time"
    );
    let csrf = app.csrf_for(&customer, "/customer/partnership").await;
    app.post_form(
        &customer,
        "/customer/partnership/withdraw",
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(
        location(&apply(&app, &customer, "VoIP Shop Ltd").await),
        "/customer/partnership"
    );

    // Another manager cannot see or decide it.
    app.partner("p@elsewhere.test").await;
    let stranger = client();
    app.login(&stranger, "manager-of-p@elsewhere.test", PASSWORD)
        .await;
    let (_, queue) = app.get_html(&stranger, "/manager/applications").await;
    assert!(!queue.contains("VoIP Shop"));
    assert_eq!(
        decide(&app, &stranger, "approve", "").await.status(),
        StatusCode::NOT_FOUND
    );

    let manager = client();
    app.login(&manager, "manager-of-p@apply.test", PASSWORD)
        .await;
    let (_, queue) = app.get_html(&manager, "/manager/applications").await;
    assert!(queue.contains("VoIP Shop Ltd") && queue.contains("We sell to dentists."));
    assert_eq!(
        decide(&app, &manager, "reject", "").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        location(
            &decide(
                &app,
                &manager,
                "reject",
                "Please add a website with your products first."
            )
            .await
        ),
        "/manager/applications"
    );
    app.drain_outbox().await;
    assert!(app.smtp.to("owner@voip-shop.test").iter().any(|m| m
        .text()
        .contains("Please add a website with your products first.")));
    let (status, _) = app.get_html(&customer, "/partner/customers").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "no Partner Portal before approval"
    );

    apply(&app, &customer, "VoIP Shop Ltd").await;
    assert_eq!(
        location(&decide(&app, &manager, "approve", "Welcome aboard").await),
        "/manager/applications"
    );
    app.drain_outbox().await;
    assert!(app
        .smtp
        .to("owner@voip-shop.test")
        .iter()
        .any(|m| m.text().contains("was approved")));
    // New privileges, new session: the applicant signs in again.
    let (status, _) = app.get_html(&customer, "/partner/customers").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the old session ended");
    let customer = client();
    app.login(&customer, "owner@voip-shop.test", PASSWORD).await;
    let (status, partner_page) = app.get_html(&customer, "/partner/customers").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "Partner Portal access after approval"
    );
    assert!(
        partner_page.contains("Customer Portal"),
        "a way back to the Customer Portal"
    );
    let (status, _) = app.get_html(&customer, "/customer/products").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "still a customer with their own products"
    );
    for action in [
        "partnership.applied",
        "partnership.withdrawn",
        "partnership.rejected",
        "partnership.approved",
    ] {
        assert!(
            app.count(&format!(
                "select count(*) from audit_log where action = '{action}'"
            ))
            .await
                >= 1,
            "{action}"
        );
    }
}

/// A customer of a new partner, signed in, with a pending application; returns the customer's
/// client, their id, the partner's email and the signed-in manager.
async fn pending_application(app: &TestApp, email: &str) -> (Client, AccountId, String, Client) {
    let partner_email = format!("partner-of-{email}");
    let (browser, id) = app.signed_in_customer(email).await;
    assert_eq!(
        location(&apply(app, &browser, "VoIP Shop").await),
        "/customer/partnership"
    );
    let manager = client();
    app.login(&manager, &format!("manager-of-{partner_email}"), PASSWORD)
        .await;
    (browser, id, partner_email, manager)
}

#[tokio::test]
async fn approving_a_partnership_ends_the_applicants_sessions() {
    let app = spawn_app().await;
    let (browser, id, _, manager) = pending_application(&app, "rotate@apply.test").await;
    let elsewhere = client();
    app.login(&elsewhere, "rotate@apply.test", PASSWORD).await;
    assert_eq!(app.sessions_of(id).await, 2);
    assert_eq!(
        location(&decide(&app, &manager, "approve", "").await),
        "/manager/applications"
    );
    assert_eq!(app.sessions_of(id).await, 0);
    for old in [&browser, &elsewhere] {
        let page = app.get(old, "/partner/customers").await;
        assert!(location(&page).starts_with("/login"), "signed out");
    }
    let fresh = client();
    app.login(&fresh, "rotate@apply.test", PASSWORD).await;
    let (status, _) = app.get_html(&fresh, "/partner/customers").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a new session has the new privileges"
    );
}

#[tokio::test]
async fn a_removed_applicant_cannot_be_approved() {
    let app = spawn_app().await;
    let (_, id, partner_email, manager) = pending_application(&app, "gone@apply.test").await;
    let partner = client();
    app.login(&partner, &partner_email, PASSWORD).await;
    let path = format!("/partner/customers/{id}/removal-request");
    let csrf = app.csrf_for(&partner, &path).await;
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("reason", "Closed the business"),
    ];
    app.post_form(&partner, &path, &fields).await;
    let request: uuid::Uuid = app.one("select id from removal_requests").await;
    let csrf = app.csrf_for(&manager, "/manager/removals").await;
    let removed = app
        .post_form(
            &manager,
            &format!("/manager/removals/{request}/approve"),
            &[("csrf_token", &csrf), ("reason", ""), ("confirm", "yes")],
        )
        .await;
    assert_eq!(location(&removed), "/manager/removals");

    let refused = decide(&app, &manager, "approve", "").await;
    assert_refused_with(
        refused,
        "account was removed, so it cannot be given Partner Portal access",
    )
    .await;
    assert_eq!(
        app.count("select count(*) from accounts where partner_access")
            .await,
        0
    );
    assert_eq!(
        app.count("select count(*) from partnership_applications where status = 'pending'")
            .await,
        1,
        "nothing changed"
    );
}

#[tokio::test]
async fn a_partner_cannot_turn_off_two_factor_of_a_customer_with_partner_access() {
    let app = spawn_app().await;
    let (_, id, partner_email, manager) = pending_application(&app, "own@apply.test").await;
    decide(&app, &manager, "approve", "").await;
    let customer = client();
    app.login(&customer, "own@apply.test", PASSWORD).await;
    app.enable_two_factor(&customer, "/customer").await;

    let partner = client();
    app.login(&partner, &partner_email, PASSWORD).await;
    let (_, page) = app
        .get_html(&partner, &format!("/partner/customers/{id}"))
        .await;
    assert!(!page.contains("Turn off (lost phone)"));
    let path = format!("/partner/customers/{id}/two-factor/disable");
    let (status, page) = app.get_html(&partner, &path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("This account has Partner Portal access of its own"));
    let csrf = app.csrf_for(&partner, "/partner/customers").await;
    let refused = app
        .post_form(&partner, &path, &[("csrf_token", &csrf)])
        .await;
    assert_says(
        refused,
        StatusCode::FORBIDDEN,
        "This account has Partner Portal access of its own",
    )
    .await;
    assert_eq!(
        app.count("select count(*) from accounts where two_factor_enabled")
            .await,
        1,
        "two-factor authentication is still on"
    );
}
