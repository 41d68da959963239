//! Licences and their customers: Associate a User only with the partner's own activated
//! customers (and dissociate), and a customer sees exactly their own products.

use reqwest::{Client, StatusCode};
use yeastar_portal::accounts::model::Role;

use crate::helpers::{assert_refused_with, buy, client, spawn_app, TestApp, PASSWORD};

async fn first_license(app: &TestApp) -> uuid::Uuid {
    app.one("select id from licenses order by created_at limit 1")
        .await
}

async fn associate(
    app: &TestApp,
    partner: &Client,
    license: uuid::Uuid,
    customer: &str,
) -> reqwest::Response {
    let path = format!("/partner/licenses/{license}/associate");
    let csrf = app.csrf_for(partner, "/partner/products").await;
    app.post_form(
        partner,
        &path,
        &[("csrf_token", &csrf), ("customer_id", customer)],
    )
    .await
}

#[tokio::test]
async fn licences_are_associated_only_with_my_own_activated_customers() {
    let app = spawn_app().await;
    let (partner, partner_id) = app.signed_in_partner("assoc@orders.test").await;
    let active = app.customer_of(partner_id, "active@assoc.test").await;
    app.customer_of(partner_id, "bravo@assoc.test").await;
    let (pending, _) = app
        .create_account(Role::Customer, "pending@assoc.test", None, Some(partner_id))
        .await;
    let (_, other_partner) = app.partner("other@assoc-partner.test").await;
    let theirs = app.customer_of(other_partner, "theirs@assoc.test").await;
    buy(&app, &partner, &[]).await;
    let license = first_license(&app).await;

    let (_, page) = app
        .get_html(&partner, &format!("/partner/licenses/{license}/associate"))
        .await;
    assert!(page.contains("active@assoc.test"));
    assert!(
        !page.contains("pending@assoc.test") && !page.contains("theirs@assoc.test"),
        "only activated own customers are offered"
    );
    // The picker searches the partner's activated customers by name, company or email.
    let (_, found) = app
        .get_html(
            &partner,
            &format!("/partner/licenses/{license}/associate?q=BRAVO@"),
        )
        .await;
    assert!(
        found.contains("bravo@assoc.test") && !found.contains("active@assoc.test"),
        "{found}"
    );

    let refused = associate(&app, &partner, license, &pending.to_string()).await;
    assert_refused_with(refused, "only with your customers who have activated").await;
    assert_eq!(
        associate(&app, &partner, license, &theirs.to_string())
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.count("select count(*) from licenses where customer_id is not null")
            .await,
        0,
        "nothing changed"
    );

    let ok = associate(&app, &partner, license, &active.to_string()).await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("license.associated").await, 1);
    // Another partner cannot touch this licence.
    let (stranger, _) = app.signed_in_partner("stranger@orders.test").await;
    let (status, _) = app
        .get_html(&stranger, &format!("/partner/licenses/{license}/associate"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Dissociate, audited too.
    let csrf = app.csrf_for(&partner, "/partner/products").await;
    app.post_form(
        &partner,
        &format!("/partner/licenses/{license}/dissociate"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(
        app.count("select count(*) from licenses where customer_id is not null")
            .await,
        0
    );
    assert_eq!(app.audit_count("license.dissociated").await, 1);
}

#[tokio::test]
async fn a_customer_sees_exactly_their_products() {
    let app = spawn_app().await;
    let (partner, partner_id) = app.signed_in_partner("seller@orders.test").await;
    app.customer_of(partner_id, "mine@products.test").await;
    app.customer_of(partner_id, "notmine@products.test").await;
    buy(
        &app,
        &partner,
        &[("licenses", "2"), ("customer_email", "mine@products.test")],
    )
    .await;
    buy(
        &app,
        &partner,
        &[
            ("licenses", "3"),
            ("customer_email", "notmine@products.test"),
            ("plan", "cloud_pbx_enterprise"),
            ("addon.high_availability", ""),
        ],
    )
    .await;
    let customer = client();
    app.login(&customer, "mine@products.test", PASSWORD).await;
    let (_, page) = app.get_html(&customer, "/customer/products").await;
    assert_eq!(
        page.matches("<td data-label=\"Licence key\" class=\"ident\">")
            .count(),
        2
    );
    assert!(page.contains("Ultimate") && !page.contains("Enterprise"));
}
