//! At purchase the partner chooses the customer from a list of their activated customers.

use reqwest::StatusCode;
use yeastar_portal::accounts::model::Role;

use crate::fixtures::{review_and_confirm, sign_in};
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_purchase_form_offers_only_the_partners_activated_customers_to_choose_from() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@choose.test").await;
    let (_, other) = app.partner("other@choose.test").await;
    app.customer_of(partner, "ready@choose.test").await;
    app.create_account(Role::Customer, "pending@choose.test", None, Some(partner))
        .await;
    app.customer_of(other, "theirs@choose.test").await;
    let browser = sign_in(&app, "p@choose.test", "/partner/customers").await;

    let (status, html) = app.get_html(&browser.0, "/partner/purchase").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("list=\"customer-choices\"")
            && html.contains("<datalist id=\"customer-choices\">"),
        "the customer field has a list to choose from: {html}"
    );
    assert!(
        html.contains(
            "<option value=\"ready@choose.test\" label=\"Test Customer · ready@choose.test Ltd\">"
        ),
        "an activated customer is offered with their name and company: {html}"
    );
    assert!(!html.contains("pending@choose.test"), "not a pending one");
    assert!(
        !html.contains("theirs@choose.test"),
        "not another partner's"
    );

    // Choosing it associates the licences at purchase, as before.
    review_and_confirm(
        &app,
        &browser,
        "/partner/purchase/review",
        "/partner/purchase/confirm",
        &[
            ("plan", "cloud_pbx_enterprise"),
            ("units", "10"),
            ("term", "1y"),
            ("licenses", "2"),
            ("customer_email", "ready@choose.test"),
        ],
    )
    .await;
    let associated = app
        .count(
            "select count(*) from licenses l join accounts a on a.id = l.customer_id \
             where a.email = 'ready@choose.test'",
        )
        .await;
    assert_eq!(associated, 2);

    // A refused review keeps offering the list.
    let form = [
        ("csrf_token", browser.1.as_str()),
        ("plan", "cloud_pbx_enterprise"),
        ("units", "10"),
        ("term", "1y"),
        ("licenses", "1"),
        ("customer_email", "pending@choose.test"),
    ];
    let refused = app
        .post_form(&browser.0, "/partner/purchase/review", &form)
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("Enter the email of one of your customers who has activated"));
    assert!(html.contains("<option value=\"ready@choose.test\""));
}
