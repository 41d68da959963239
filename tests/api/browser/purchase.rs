//! A partner buys a licence, finds it by search, associates it with a customer, and the
//! customer sees it.

use super::{Browser, WIDTHS};
use crate::helpers::{spawn_app, PASSWORD};

#[tokio::test]
async fn a_partner_buys_finds_and_associates_a_licence_and_the_customer_sees_it() {
    for width in WIDTHS {
        let app = spawn_app().await;
        let (_, partner) = app.partner("sales@buy-partner.test").await;
        app.customer_of(partner, "owner@dental-clinic.test").await;
        let mut browser = Browser::start("purchase-and-associate", width, &app.address).await;

        browser
            .sign_in("sales@buy-partner.test", "/partner/customers")
            .await;
        browser.goto("/partner/purchase").await;
        browser.select("#plan", "cloud_pbx_ultimate").await;
        browser.fill("#units", "25").await;
        browser.select("#term", "1y").await;
        browser.fill("#licenses", "2").await;
        browser.step("purchase-form").await;
        browser.click("form.stack button[type=submit]").await;
        browser.expect_path("/partner/purchase/review").await;
        // UP 25 × 8.00 × 12 = 2,400.00 per licence, 10 % off: 2 × 2,160.00.
        assert!(browser.text().await.contains("USD 4,320.00"));
        browser.step("review").await;
        browser
            .click("form[action='/partner/purchase/confirm'] button.button")
            .await;
        assert!(browser.text().await.contains("Order YP-001001 placed"));
        browser.step("order-placed").await;
        browser.click("a[href$='/invoice']").await;
        let invoice = browser.text().await;
        assert!(
            invoice.contains("Invoice YP-001001") && invoice.contains("USD 4,320.00"),
            "{invoice}"
        );
        browser.step("invoice").await;
        browser.goto("/partner/orders").await;
        assert!(browser.text().await.contains("YP-001001"));
        browser.step("orders").await;

        let key: String = app
            .one("select key from licenses order by key limit 1")
            .await;
        browser.goto("/partner/products").await;
        browser.step("products-and-purchase").await;
        browser.click("a[href='/partner/products/cloud_pbx']").await;
        browser.expect_path("/partner/products/cloud_pbx").await;
        browser.fill("#q", &key[..9]).await;
        browser.click(".list-controls button").await;
        let text = browser.text().await;
        assert!(
            text.contains(&key) && text.contains("Not associated"),
            "{text}"
        );
        browser.step("found-by-key").await;

        browser.press(".row-menu summary").await;
        browser.step("more-menu").await;
        browser.click(".row-menu a").await;
        assert!(browser.text().await.contains("Associate a User"));
        browser.press("label[for^='customer-']").await;
        browser.step("associate-a-user").await;
        browser.click("form.stack button[type=submit]").await;
        let text = browser.text().await;
        assert!(
            text.contains("is now associated") && text.contains("owner@dental-clinic.test"),
            "{text}"
        );
        browser.step("associated").await;

        browser.press(".user-menu:not(.row-menu) summary").await;
        browser.click(".user-menu:not(.row-menu) button").await;
        browser.expect_path("/login").await;
        browser.fill("#email", "owner@dental-clinic.test").await;
        browser.fill("#password", PASSWORD).await;
        browser.click("form.stack button[type=submit]").await;
        browser.expect_path("/customer").await;
        browser.goto("/customer/products").await;
        assert!(browser.text().await.contains(&key));
        browser.step("customer-sees-product").await;
        browser.close().await;
    }
}
