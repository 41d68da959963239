//! A partner searches, filters and sorts the lists they use every day: customers, licences and
//! orders.

use time::Duration;
use yeastar_portal::accounts::model::{AccountId, Role};

use super::{Browser, WIDTHS};
use crate::helpers::buy;
use crate::helpers::{spawn_app, TestApp};

async fn name(app: &TestApp, id: AccountId, first: &str, last: &str, company: &str) {
    sqlx::query("update accounts set first_name = $2, last_name = $3, company = $4 where id = $1")
        .bind(id)
        .bind(first)
        .bind(last)
        .bind(company)
        .execute(&app.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_partner_searches_filters_and_sorts_customers_licences_and_orders() {
    for width in WIDTHS {
        let app = spawn_app().await;
        let (_, partner) = app.partner("sales@lists-partner.test").await;
        let (late, _) = app
            .create_account(
                Role::Customer,
                "it@late-logistics.test",
                None,
                Some(partner),
            )
            .await;
        name(&app, late, "Lena", "Okafor", "Late Logistics GmbH").await;
        app.clock.advance(Duration::hours(49));
        let (new, _) = app
            .create_account(
                Role::Customer,
                "office@new-dental.test",
                None,
                Some(partner),
            )
            .await;
        name(&app, new, "Noah", "Brandt", "New Dental Practice").await;
        for (email, first, last, company) in [
            ("ops@acme-freight.test", "Alice", "Martin", "Acme Freight"),
            (
                "it@blue-harbour.test",
                "Ben",
                "Yilmaz",
                "Blue Harbour Hotels",
            ),
        ] {
            let id = app.customer_of(partner, email).await;
            name(&app, id, first, last, company).await;
        }
        let seller = app.signed_in_as("sales@lists-partner.test").await;
        buy(
            &app,
            &seller,
            &[
                ("licenses", "2"),
                ("customer_email", "ops@acme-freight.test"),
            ],
        )
        .await;
        buy(&app, &seller, &[("licenses", "3"), ("term", "monthly")]).await;
        let key: String = app
            .one(
                "select l.key from licenses l join orders o on o.id = l.order_id \
             where o.number = 'YP-001002' order by l.key limit 1",
            )
            .await;

        let mut browser = Browser::start("partner-filters-lists", width, &app.address).await;
        browser
            .sign_in("sales@lists-partner.test", "/partner/customers")
            .await;
        browser.step("customers").await;

        browser.fill("#q", "pending").await;
        browser.click(".list-controls button").await;
        let text = browser.text().await;
        assert!(
            text.contains("Showing customers with the status “Pending activation”.")
                && text.contains("office@new-dental.test")
                && !text.contains("it@late-logistics.test"),
            "{text}"
        );
        browser.step("customers-pending-by-word").await;

        browser.select("#status", "active").await;
        browser.select("#sort", "name_desc").await;
        browser.click(".list-controls button").await;
        let rows = browser.text_of("tbody").await;
        let (ben, alice) = (
            rows.find("Ben Yilmaz").expect("Ben listed"),
            rows.find("Alice Martin").expect("Alice listed"),
        );
        assert!(ben < alice, "Z–A: {rows}");
        browser.step("customers-active-by-name").await;

        browser.goto("/partner/products/cloud_pbx").await;
        // The middle of the key, in lower case, as someone reads it off a label.
        browser.fill("#q", &key[8..17].to_lowercase()).await;
        browser.select("#status", "unassigned").await;
        browser.select("#sort", "expiry").await;
        browser.click(".list-controls button").await;
        let text = browser.text().await;
        assert!(text.contains(&key), "{text}");
        browser.step("licences-by-middle-of-key").await;

        browser.goto("/partner/products/cloud_pbx?q=001002").await;
        assert_eq!(
            browser.text().await.matches("order YP-001002").count(),
            3,
            "by order number"
        );
        browser.step("licences-by-order-number").await;

        browser.goto("/partner/orders").await;
        browser.select("#status", "awaiting_payment").await;
        browser.select("#sort", "total_desc").await;
        browser.click(".list-controls button").await;
        let rows = browser.text_of("tbody").await;
        assert!(
            rows.find("YP-001001").unwrap() < rows.find("YP-001002").unwrap(),
            "the larger order first: {rows}"
        );
        browser.step("orders-by-total").await;

        browser.goto("/partner/orders?status=shipped").await;
        assert!(browser.text().await.contains("is not one of the choices"));
        browser.step("orders-unknown-status").await;
        browser.close().await;
    }
}
