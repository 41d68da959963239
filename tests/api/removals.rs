//! Customer removals: a partner requests one for their own customer (with a reason) or
//! withdraws it; the manager approves (the customer is signed out at once and cannot sign in,
//! the row and email stay) or rejects it with a reason the partner sees.

use reqwest::{Client, StatusCode};
use yeastar_portal::accounts::model::{AccountId, Role};

use crate::helpers::{
    assert_refused_with, client, csrf_token, location, spawn_app, TestApp, PASSWORD,
};

pub async fn request_removal(
    app: &TestApp,
    partner: &Client,
    customer: AccountId,
    reason: &str,
) -> reqwest::Response {
    let path = format!("/partner/customers/{customer}/removal-request");
    let csrf = app.csrf_for(partner, &path).await;
    app.post_form(partner, &path, &[("csrf_token", &csrf), ("reason", reason)])
        .await
}

#[tokio::test]
async fn a_partner_cannot_request_removal_of_another_partners_customer() {
    let app = spawn_app().await;
    let (_, other) = app.partner("p@other-removal.test").await;
    let (customer, _) = app
        .create_account(Role::Customer, "c@other-removal.test", None, Some(other))
        .await;
    let (me, _) = app.signed_in_partner("p@me-removal.test").await;
    let path = format!("/partner/customers/{customer}/removal-request");
    let (status, _) = app.get_html(&me, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let csrf = app.csrf_for(&me, "/partner/customers").await;
    let response = app
        .post_form(&me, &path, &[("csrf_token", &csrf), ("reason", "mine now")])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("select count(*) from removal_requests").await, 0);
}

#[tokio::test]
async fn an_approved_removal_signs_the_customer_out_at_once_and_blocks_sign_in() {
    let app = spawn_app().await;
    let (_, partner_id) = app.partner("p@remove.test").await;
    let customer_id = app.customer_of(partner_id, "gone@remove.test").await;
    let customer = app.signed_in_as("gone@remove.test").await;
    let partner = app.signed_in_as("p@remove.test").await;

    let (status, form) = app
        .get_html(
            &partner,
            &format!("/partner/customers/{customer_id}/removal-request"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let empty = app
        .post_form(
            &partner,
            &format!("/partner/customers/{customer_id}/removal-request"),
            &[("csrf_token", &csrf_token(&form)), ("reason", " ")],
        )
        .await;
    assert_refused_with(empty, "Give a reason for the removal").await;
    let response = request_removal(
        &app,
        &partner,
        customer_id,
        "Customer moved to another provider",
    )
    .await;
    assert_eq!(
        location(&response),
        format!("/partner/customers/{customer_id}")
    );
    let (_, list) = app.get_html(&partner, "/partner/customers").await;
    assert!(list.contains("Removal requested"));
    assert_eq!(app.audit_count("removal.requested").await, 1);
    // Until decided, the customer keeps access.
    assert_eq!(app.status_of(&customer, "/customer").await, StatusCode::OK);

    let manager = app.signed_in_as("manager-of-p@remove.test").await;
    let (_, queue) = app.get_html(&manager, "/manager/removals").await;
    assert!(queue.contains("Customer moved to another provider"));
    let request_id: uuid::Uuid = app.one("select id from removal_requests").await;
    let csrf = csrf_token(&queue);
    let response = app
        .post_form(
            &manager,
            &format!("/manager/removals/{request_id}/approve"),
            &[("csrf_token", &csrf), ("reason", ""), ("confirm", "yes")],
        )
        .await;
    assert_eq!(location(&response), "/manager/removals");
    assert_eq!(app.audit_count("removal.approved").await, 1);

    // The live session is signed out on its very next request.
    let next = app.get(&customer, "/customer").await;
    assert!(location(&next).starts_with("/login"));
    let again = app.login(&client(), "gone@remove.test", PASSWORD).await;
    assert!(again
        .text()
        .await
        .unwrap()
        .contains("This account is no longer available."));
    let (_, list) = app.get_html(&partner, "/partner/customers").await;
    assert!(
        !list.contains("gone@remove.test"),
        "gone from the partner's list"
    );
    let status: String = sqlx::query_scalar("select status::text from accounts where id = $1")
        .bind(customer_id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "removed", "the row is kept, marked removed");
    // The email stays reserved.
    let csrf = app.csrf_for(&partner, "/partner/customers/new").await;
    let form = crate::helpers::add_customer_form(&csrf, "GONE@remove.test");
    let reuse = app
        .post_multipart(&partner, "/partner/customers/new", form)
        .await;
    assert_eq!(reuse.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_rejected_request_leaves_the_customer_untouched_and_the_partner_sees_why() {
    let app = spawn_app().await;
    let (_, partner_id) = app.partner("p@reject.test").await;
    let customer_id = app.customer_of(partner_id, "stays@reject.test").await;
    let customer = app.signed_in_as("stays@reject.test").await;
    let partner = app.signed_in_as("p@reject.test").await;
    request_removal(&app, &partner, customer_id, "Unpaid invoices").await;
    let manager = app.signed_in_as("manager-of-p@reject.test").await;
    let request_id: uuid::Uuid = app.one("select id from removal_requests").await;
    let csrf = app.csrf_for(&manager, "/manager/removals").await;

    let no_reason = app
        .post_form(
            &manager,
            &format!("/manager/removals/{request_id}/reject"),
            &[("csrf_token", &csrf), ("reason", "")],
        )
        .await;
    assert_refused_with(no_reason, "give the partner a reason").await;
    let response = app
        .post_form(
            &manager,
            &format!("/manager/removals/{request_id}/reject"),
            &[
                ("csrf_token", &csrf),
                ("reason", "They paid yesterday; keep them."),
            ],
        )
        .await;
    assert_eq!(location(&response), "/manager/removals");
    assert_eq!(app.audit_count("removal.rejected").await, 1);
    assert_eq!(app.status_of(&customer, "/customer").await, StatusCode::OK);
    let (_, page) = app
        .get_html(&partner, &format!("/partner/customers/{customer_id}"))
        .await;
    assert!(page.contains("They paid yesterday; keep them."));
}

#[tokio::test]
async fn a_pending_request_can_be_withdrawn_once() {
    let app = spawn_app().await;
    let (_, partner_id) = app.partner("p@withdraw.test").await;
    let customer_id = app.customer_of(partner_id, "c@withdraw.test").await;
    let partner = app.signed_in_as("p@withdraw.test").await;
    request_removal(&app, &partner, customer_id, "Mistake").await;
    let again = request_removal(&app, &partner, customer_id, "Twice").await;
    assert_eq!(
        location(&again),
        format!("/partner/customers/{customer_id}")
    );
    assert_eq!(
        app.count("select count(*) from removal_requests").await,
        1,
        "one open request at a time"
    );
    let path = format!("/partner/customers/{customer_id}/removal-request/withdraw");
    let csrf = app.csrf_for(&partner, "/partner/customers").await;
    app.post_form(&partner, &path, &[("csrf_token", &csrf)])
        .await;
    app.post_form(&partner, &path, &[("csrf_token", &csrf)])
        .await;
    assert_eq!(app.audit_count("removal.withdrawn").await, 1);
    let (_, queue) = app
        .get_html(
            &app.signed_in_as("manager-of-p@withdraw.test").await,
            "/manager/removals",
        )
        .await;
    assert!(queue.contains("No removal requests are waiting for you."));
}
