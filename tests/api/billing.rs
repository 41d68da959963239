//! The customer's Billing page: the orders of their subscriptions, each with its invoice.

use reqwest::StatusCode;

use crate::fixtures::{paid_pbx, purchase, sign_in};
use crate::helpers::spawn_app;

#[tokio::test]
async fn billing_lists_the_orders_of_the_customers_subscriptions_with_their_invoices() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@bill.test").await;
    let customer = app.customer_of(partner, "c@bill.test").await;
    let customer_browser = sign_in(&app, "c@bill.test", "/customer").await;
    let partner_browser = sign_in(&app, "p@bill.test", "/partner/customers").await;
    paid_pbx(&app, &customer_browser).await;
    // The partner's own licence purchase, even if associated later, is not the customer's bill.
    purchase(&app, &partner_browser).await;
    let (order, number, total): (uuid::Uuid, String, i64) = sqlx::query_as(
        "select id, number, total_minor from orders where customer_id = $1 and subscription_id is not null",
    )
    .bind(customer)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let partner_order: String = app
        .one("select number from orders where subscription_id is null")
        .await;

    let (status, html) = app.get_html(&customer_browser.0, "/customer/billing").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&number), "{html}");
    assert!(html.contains("Cloud PBX Enterprise Plan") && html.contains("New subscription"));
    let amount = yeastar_portal::pricing::format_money(total, "USD");
    assert!(html.contains(&amount), "the total {amount}");
    assert!(!html.contains(&partner_order), "not the partner's purchase");
    assert!(
        html.contains("href=\"/customer/billing\""),
        "Billing is in the navigation"
    );
    let invoice = format!("/customer/billing/{order}/invoice");
    assert!(html.contains(&format!("href=\"{invoice}\"")));

    let (status, page) = app.get_html(&customer_browser.0, &invoice).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("Invoice {number}")) && page.contains(&amount));
    assert!(
        page.contains("href=\"/customer/billing\""),
        "it links back to Billing"
    );
}

#[tokio::test]
async fn an_invoice_is_found_only_among_the_customers_own_subscription_orders() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@bill.test").await;
    app.customer_of(partner, "c@bill.test").await;
    app.customer_of(partner, "neighbour@bill.test").await;
    let owner = sign_in(&app, "c@bill.test", "/customer").await;
    let neighbour = sign_in(&app, "neighbour@bill.test", "/customer").await;
    let partner_browser = sign_in(&app, "p@bill.test", "/partner/customers").await;
    paid_pbx(&app, &owner).await;
    let (partner_order, _) = purchase(&app, &partner_browser).await;
    let order: uuid::Uuid = app
        .one("select id from orders where subscription_id is not null")
        .await;

    let (status, _) = app
        .get_html(&neighbour.0, &format!("/customer/billing/{order}/invoice"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another customer's invoice");
    let (_, list) = app.get_html(&neighbour.0, "/customer/billing").await;
    assert!(list.contains("You have no orders yet"), "{list}");
    let (status, _) = app
        .get_html(
            &owner.0,
            &format!("/customer/billing/{partner_order}/invoice"),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the partner's licence purchase"
    );
}

#[tokio::test]
async fn billing_pages_through_many_orders_with_a_cursor() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@bill.test").await;
    let customer = app.customer_of(partner, "c@bill.test").await;
    let browser = sign_in(&app, "c@bill.test", "/customer").await;
    paid_pbx(&app, &browser).await;
    // 29 more orders of the same subscription (as renewals would make), one second apart.
    sqlx::query(
        "insert into orders (id, number, partner_id, placed_by, customer_id, status, plan_code, term, \
           licenses, units, currency, subtotal_minor, discount_minor, total_minor, starts_on, ends_on, \
           idempotency_key, placeholder_prices, created_at, kind, subscription_id) \
         select gen_random_uuid(), 'YP-R' || n, o.partner_id, o.placed_by, o.customer_id, o.status, \
           o.plan_code, o.term, 1, o.units, o.currency, o.subtotal_minor, 0, o.total_minor, o.starts_on, \
           o.ends_on, gen_random_uuid(), true, o.created_at + n * interval '1 second', 'renewal', \
           o.subscription_id \
         from orders o, generate_series(1, 29) n where o.customer_id = $1",
    )
    .bind(customer)
    .execute(&app.db)
    .await
    .unwrap();

    let (_, first) = app.get_html(&browser.0, "/customer/billing").await;
    assert_eq!(first.matches("View invoice").count(), 25);
    assert!(first.contains("YP-R29") && !first.contains("YP-R4<"));
    let next = first
        .split("href=\"/customer/billing?after=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a next page link");
    let (_, second) = app
        .get_html(&browser.0, &format!("/customer/billing?after={next}"))
        .await;
    assert_eq!(second.matches("View invoice").count(), 5);
    assert!(second.contains("YP-R4<") && second.contains("YP-R1<") && !second.contains("YP-R29"));
    assert!(!second.contains("?after="), "no page after the last");
}
