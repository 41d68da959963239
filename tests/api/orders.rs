//! Purchases and orders: review and confirm priced by the engine, refused configurations, one
//! order per review, all or nothing; the order list's filters and sorts; orders outliving the
//! customer; placeholder prices marked once per page.

use reqwest::StatusCode;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::helpers::list_pages::{set, sorted, walk};
use crate::helpers::purchase_steps::{post, purchase_fields, review};
use crate::helpers::{buy, client, csrf_token, location, spawn_app, PASSWORD};

#[tokio::test]
async fn a_partner_reviews_and_confirms_a_purchase_priced_by_the_engine() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("buyer@orders.test").await;
    let review = review(&app, &partner, &[]).await;
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
    assert_eq!(app.audit_count("order.placed").await, 1);
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
    assert_eq!(app.audit_count("order.placed").await, 0);
}

#[tokio::test]
async fn orders_filtered_by_status_and_sorted_by_date_or_total_page_through_ties_once_each() {
    let app = spawn_app().await;
    let (partner, partner_id) = app.signed_in_partner("p@order-list.test").await;
    // 27 orders in three sizes (ties on the total), created in groups of ten (ties on time).
    for i in 0..27 {
        let units = ["10", "20", "30"][i % 3];
        buy(&app, &partner, &[("units", units)]).await;
        if i % 10 == 9 {
            app.clock.advance(Duration::seconds(1));
        }
    }
    let (other, _) = app.signed_in_partner("p@other-order-list.test").await;
    buy(&app, &other, &[]).await;
    // Payment is recorded outside the portal; mark some orders paid and one cancelled.
    sqlx::query("update orders set status = 'paid' where units = 20")
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("update orders set status = 'cancelled' where number = 'YP-001003'")
        .execute(&app.db)
        .await
        .unwrap();

    let rows: Vec<(String, OffsetDateTime, i64, Uuid, String)> = sqlx::query_as(
        "select number, created_at, total_minor, id, status::text from orders where partner_id = $1",
    )
    .bind(partner_id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    let numbers = |rows: Vec<(String, OffsetDateTime, i64, Uuid, String)>| {
        rows.into_iter().map(|r| r.0).collect::<Vec<_>>()
    };
    let by_time = sorted(&rows, |a, b| (a.1, a.3).cmp(&(b.1, b.3)));
    let by_total = sorted(&rows, |a, b| (a.2, a.3).cmp(&(b.2, b.3)));
    let cases = [
        ("oldest", numbers(by_time.clone())),
        ("newest", numbers(by_time.into_iter().rev().collect())),
        ("total", numbers(by_total.clone())),
        ("total_desc", numbers(by_total.into_iter().rev().collect())),
    ];
    for (sort, expected) in cases {
        let seen = walk(
            &app,
            &partner,
            &format!("/partner/orders?sort={sort}"),
            "Order",
        )
        .await;
        assert_eq!(seen.len(), 27, "{sort}: every order once");
        assert_eq!(seen, expected, "{sort}");
    }
    for status in ["paid", "cancelled", "awaiting_payment"] {
        let expected = set(rows
            .iter()
            .filter(|r| r.4 == status)
            .map(|r| r.0.clone())
            .collect());
        let seen = walk(
            &app,
            &partner,
            &format!("/partner/orders?status={status}&sort=total"),
            "Order",
        )
        .await;
        assert_eq!(set(seen), expected, "{status}");
    }
    let (_, paid) = app.get_html(&partner, "/partner/orders?status=paid").await;
    assert_eq!(
        paid.matches("<td data-label=\"Status\">Paid</td>").count(),
        9
    );
    assert!(!paid.contains("YP-001028"), "another partner's order");
}

#[tokio::test]
async fn orders_and_licences_survive_the_customers_removal() {
    let app = spawn_app().await;
    let (partner, partner_id) = app.signed_in_partner("keeps@orders.test").await;
    let customer = app.customer_of(partner_id, "leaver@orders.test").await;
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
    let request: uuid::Uuid = app.one("select id from removal_requests").await;
    let (_, queue) = app.get_html(&manager, "/manager/removals").await;
    app.post_form(
        &manager,
        &format!("/manager/removals/{request}/approve"),
        &[("csrf_token", &csrf_token(&queue)), ("confirm", "yes")],
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
    let review = review(&app, &partner, &[]).await.text().await.unwrap();
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
