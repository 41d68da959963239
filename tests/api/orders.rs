//! Purchase, orders, licences and Associate a User.

use reqwest::{Client, StatusCode};
use yeastar_portal::accounts::model::Role;

use crate::helpers::{client, csrf_token, hidden_fields, location, spawn_app, TestApp, PASSWORD};

/// The purchase form as a partner fills it in; `extra` adds or overrides fields.
fn purchase_fields(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = [
        ("plan", "cloud_pbx_ultimate"),
        ("units", "20"),
        ("term", "2y"),
        ("licenses", "1"),
        ("addon.high_availability", "1"),
        ("addon.recording_minutes", ""),
        ("customer_email", ""),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        fields.retain(|(key, _)| key != k);
        fields.push((k.to_string(), v.to_string()));
    }
    fields
}

async fn post(
    app: &TestApp,
    browser: &Client,
    path: &str,
    csrf: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    let mut form: Vec<(String, String)> = vec![("csrf_token".into(), csrf.into())];
    form.extend_from_slice(fields);
    browser
        .post(app.url(path))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// Reviews, then confirms; returns the review page's hidden fields and the confirm response.
pub(crate) async fn buy(
    app: &TestApp,
    browser: &Client,
    extra: &[(&str, &str)],
) -> (Vec<(String, String)>, reqwest::Response) {
    let csrf = app.csrf_for(browser, "/partner/purchase").await;
    let review = post(
        app,
        browser,
        "/partner/purchase/review",
        &csrf,
        &purchase_fields(extra),
    )
    .await;
    assert_eq!(review.status(), StatusCode::OK);
    let html = review.text().await.unwrap();
    let hidden = hidden_fields(&html, "/partner/purchase/confirm");
    let confirm = browser
        .post(app.url("/partner/purchase/confirm"))
        .form(&hidden)
        .send()
        .await
        .unwrap();
    (hidden, confirm)
}

#[tokio::test]
async fn a_partner_reviews_and_confirms_a_purchase_priced_by_the_engine() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("buyer@orders.test").await;
    let csrf = app.csrf_for(&partner, "/partner/purchase").await;
    let review = post(
        &app,
        &partner,
        "/partner/purchase/review",
        &csrf,
        &purchase_fields(&[]),
    )
    .await;
    let html = review.text().await.unwrap();
    // UP 20 ext × 8.00 × 24 + HA 30.00 × 24 = 4,560.00; 15 % off = 684.00; total 3,876.00.
    assert!(
        html.contains("USD 4,560.00")
            && html.contains("USD 684.00")
            && html.contains("USD 3,876.00"),
        "{html}"
    );

    let (_, confirm) = buy(&app, &partner, &[]).await;
    let order_path = location(&confirm);
    assert!(order_path.starts_with("/partner/orders/"));
    let (_, order) = app.get_html(&partner, &order_path).await;
    assert!(order.contains("Order YP-001001 placed") && order.contains("USD 3,876.00"));
    let (status, invoice) = app
        .get_html(&partner, &format!("{order_path}/invoice"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        invoice.contains("Invoice YP-001001")
            && invoice.contains("Total due")
            && invoice.contains("USD 3,876.00")
    );
    let (_, products) = app.get_html(&partner, "/partner/products").await;
    assert!(products.contains("<strong>1</strong>"));
    assert_eq!(
        app.count("select count(*) from licenses where capacity = 20")
            .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from audit_log where action = 'order.placed'")
            .await,
        1
    );
}

#[tokio::test]
async fn bad_configurations_are_refused_next_to_their_fields() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("bad@orders.test").await;
    let csrf = app.csrf_for(&partner, "/partner/purchase").await;
    for (extra, message) in [
        (vec![("units", "0")], "Choose at least 1 extension."),
        (vec![("units", "501")], "at most 500 extensions"),
        (
            vec![("plan", "cloud_pbx_enterprise")],
            "High Availability is not available with the",
        ),
        (vec![("licenses", "0")], "Choose from 1 to 100 licences."),
        (vec![("units", "lots")], "Enter a whole number."),
        (
            vec![("customer_email", "nobody@orders.test")],
            "one of your customers who has activated",
        ),
    ] {
        let response = post(
            &app,
            &partner,
            "/partner/purchase/review",
            &csrf,
            &purchase_fields(&extra),
        )
        .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{extra:?}"
        );
        let html = response.text().await.unwrap();
        assert!(html.contains(message), "{message:?} for {extra:?}");
    }
    assert_eq!(app.count("select count(*) from orders").await, 0);
}

#[tokio::test]
async fn confirming_the_same_review_twice_makes_one_order() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("twice@orders.test").await;
    let (hidden, first) = buy(&app, &partner, &[]).await;
    let confirm = || {
        partner
            .post(app.url("/partner/purchase/confirm"))
            .form(&hidden)
            .send()
    };
    let (second, third) = tokio::join!(confirm(), confirm());
    let (second, third) = (second.unwrap(), third.unwrap());
    assert_eq!(location(&second), location(&first));
    assert_eq!(location(&third), location(&first));
    assert_eq!(app.count("select count(*) from orders").await, 1);
    assert_eq!(app.count("select count(*) from licenses").await, 1);
}

#[tokio::test]
async fn a_purchase_that_fails_half_way_leaves_nothing() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("atomic@orders.test").await;
    // A real fault in the middle of the transaction: the third licence cannot be written.
    sqlx::raw_sql(
        "create function fail_third_license() returns trigger language plpgsql as $$ \
         begin if (select count(*) from licenses where order_id = new.order_id) >= 2 then \
           raise exception 'disk full (simulated)'; end if; return new; end; $$; \
         create trigger fail_third before insert on licenses for each row execute function fail_third_license();",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let (_, response) = buy(&app, &partner, &[("licenses", "5")]).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(response.text().await.unwrap().contains("Request id"));
    for table in ["orders", "order_lines", "licenses"] {
        assert_eq!(
            app.count(&format!("select count(*) from {table}")).await,
            0,
            "{table} is empty"
        );
    }
    assert_eq!(
        app.count("select count(*) from audit_log where action = 'order.placed'")
            .await,
        0
    );
}

async fn first_license(app: &TestApp) -> uuid::Uuid {
    sqlx::query_scalar("select id from licenses order by created_at limit 1")
        .fetch_one(&app.db)
        .await
        .unwrap()
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
    let active = app
        .active_account(Role::Customer, "active@assoc.test", None, Some(partner_id))
        .await;
    let (pending, _) = app
        .create_account(Role::Customer, "pending@assoc.test", None, Some(partner_id))
        .await;
    let (_, other_partner) = app.partner("other@assoc-partner.test").await;
    let theirs = app
        .active_account(
            Role::Customer,
            "theirs@assoc.test",
            None,
            Some(other_partner),
        )
        .await;
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

    let refused = associate(&app, &partner, license, &pending.to_string()).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("only with your customers who have activated"));
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
    assert_eq!(
        app.count("select count(*) from audit_log where action = 'license.associated'")
            .await,
        1
    );
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
    assert_eq!(
        app.count("select count(*) from audit_log where action = 'license.dissociated'")
            .await,
        1
    );
}

#[tokio::test]
async fn the_purchased_product_list_is_searchable_and_paginated_over_hundreds_of_licences() {
    let app = spawn_app().await;
    let (partner, partner_id) = app.signed_in_partner("many@orders.test").await;
    app.active_account(
        Role::Customer,
        "zoe@acme-dental.test",
        None,
        Some(partner_id),
    )
    .await;
    for _ in 0..3 {
        buy(&app, &partner, &[("licenses", "100")]).await;
    }
    buy(
        &app,
        &partner,
        &[
            ("licenses", "2"),
            ("customer_email", "zoe@acme-dental.test"),
        ],
    )
    .await;
    assert_eq!(app.count("select count(*) from licenses").await, 302);

    let (_, first) = app.get_html(&partner, "/partner/products/cloud_pbx").await;
    assert_eq!(first.matches("<td data-label=\"Licence key\">").count(), 25);
    let mut next = first;
    let mut pages = 1;
    while let Some(start) = next.find("/partner/products/cloud_pbx?after=") {
        let url: String = next[start..].chars().take_while(|c| *c != '"').collect();
        next = app.get_html(&partner, &url.replace("&amp;", "&")).await.1;
        pages += 1;
    }
    assert_eq!(pages, 13, "302 licences in pages of 25");

    let key: String = sqlx::query_scalar("select key from licenses order by created_at limit 1")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let (_, by_key) = app
        .get_html(
            &partner,
            &format!("/partner/products/cloud_pbx?q={}", &key[..9].to_lowercase()),
        )
        .await;
    assert!(by_key.contains(&key));
    let (_, by_customer) = app
        .get_html(&partner, "/partner/products/cloud_pbx?q=acme")
        .await;
    assert_eq!(
        by_customer
            .matches("<td data-label=\"Licence key\">")
            .count(),
        2
    );
}

#[tokio::test]
async fn a_customer_sees_exactly_their_products() {
    let app = spawn_app().await;
    let (partner, partner_id) = app.signed_in_partner("seller@orders.test").await;
    app.active_account(Role::Customer, "mine@products.test", None, Some(partner_id))
        .await;
    app.active_account(
        Role::Customer,
        "notmine@products.test",
        None,
        Some(partner_id),
    )
    .await;
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
    assert_eq!(page.matches("<td data-label=\"Licence key\">").count(), 2);
    assert!(page.contains("Ultimate") && !page.contains("Enterprise"));
}

#[tokio::test]
async fn orders_and_licences_survive_the_customers_removal() {
    let app = spawn_app().await;
    let (partner, partner_id) = app.signed_in_partner("keeps@orders.test").await;
    let customer = app
        .active_account(Role::Customer, "leaver@orders.test", None, Some(partner_id))
        .await;
    buy(
        &app,
        &partner,
        &[("licenses", "2"), ("customer_email", "leaver@orders.test")],
    )
    .await;
    let path = format!("/partner/customers/{customer}/removal-request");
    let csrf = app.csrf_for(&partner, &path).await;
    app.post_form(
        &partner,
        &path,
        &[("csrf_token", &csrf), ("reason", "moved away")],
    )
    .await;
    let manager = client();
    app.login(&manager, "manager-of-keeps@orders.test", PASSWORD)
        .await;
    let request: uuid::Uuid = sqlx::query_scalar("select id from removal_requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let (_, queue) = app.get_html(&manager, "/manager/removals").await;
    app.post_form(
        &manager,
        &format!("/manager/removals/{request}/approve"),
        &[("csrf_token", &csrf_token(&queue))],
    )
    .await;

    assert_eq!(
        app.count("select count(*) from licenses where customer_id is not null")
            .await,
        2
    );
    let (_, orders) = app.get_html(&partner, "/partner/orders").await;
    assert!(orders.contains("leaver@orders.test") && orders.contains("Removed customer"));
    let (_, licences) = app.get_html(&partner, "/partner/products/cloud_pbx").await;
    assert_eq!(licences.matches("Removed customer").count(), 2);
}

/// The part of a page after `<footer`, or "" when it has none.
fn footer(html: &str) -> &str {
    html.find("<footer").map_or("", |at| &html[at..])
}

#[tokio::test]
async fn placeholder_prices_are_marked_and_explained_once_at_the_foot_of_each_page() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("notes@orders.test").await;
    let note = "Prices are placeholders until Yeastar publishes its price list.";
    let csrf = app.csrf_for(&partner, "/partner/purchase").await;
    let review = post(
        &app,
        &partner,
        "/partner/purchase/review",
        &csrf,
        &purchase_fields(&[]),
    )
    .await
    .text()
    .await
    .unwrap();
    let (_, confirm) = buy(&app, &partner, &[]).await;
    let order_path = location(&confirm);
    let (_, order) = app.get_html(&partner, &order_path).await;
    let (_, invoice) = app
        .get_html(&partner, &format!("{order_path}/invoice"))
        .await;

    for (page, html) in [("review", &review), ("order", &order)] {
        assert_eq!(html.matches(note).count(), 1, "one note on the {page}");
        assert!(
            footer(html).contains(note),
            "the {page}'s note is in its footer"
        );
        assert!(
            html.contains("</strong><sup class=\"price-mark\"><a href=\"#price-note\""),
            "the {page}'s total carries the mark: {html}"
        );
    }
    // The printable invoice has no site footer: the note closes the invoice itself.
    assert_eq!(invoice.matches(note).count(), 1);
    assert!(invoice.contains("id=\"price-note\"") && invoice.contains("href=\"#price-note\""));

    // A page without prices has no note.
    let (_, customers) = app.get_html(&partner, "/partner/customers").await;
    assert!(!customers.contains(note) && !customers.contains("price-mark"));
}
