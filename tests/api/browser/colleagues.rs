//! A partner organization in the browser: the Owner adds a Sales colleague, the colleague
//! activates from the email, adds a customer, cannot open Purchase, and the Owner sees the
//! colleague's action in the audit log.

use super::{Browser, WIDTHS};
use crate::helpers::{spawn_app, PASSWORD};

#[tokio::test]
async fn the_owner_adds_a_sales_colleague_who_adds_a_customer_but_cannot_purchase() {
    for width in WIDTHS {
        let app = spawn_app().await;
        app.partner("owner@harbour-partner.test").await;
        let mut browser = Browser::start("owner-adds-colleague", width, &app.address).await;
        browser
            .sign_in("owner@harbour-partner.test", "/partner/customers")
            .await;
        browser.open_user_menu().await;
        browser
            .click(".user-menu a[href='/partner/colleagues']")
            .await;
        browser.expect_path("/partner/colleagues").await;
        assert!(browser.text().await.contains("Every permission (Owner)"));
        browser.step("colleagues").await;

        browser.click(".page-header .button").await;
        browser
            .click("a[href='/partner/colleagues/new?template=sales']")
            .await;
        browser.fill("#email", "sam@harbour-partner.test").await;
        browser.fill("#first_name", "Sam").await;
        browser.fill("#last_name", "Seller").await;
        browser.step("add-colleague-sales").await;
        browser.click("form.stack button[type=submit]").await;
        let text = browser.text().await;
        assert!(
            text.contains("sam@harbour-partner.test was added"),
            "{text}"
        );
        assert!(text.contains("Pending activation") && text.contains("Customers"));
        browser.step("colleague-added").await;
        browser.scroll_to("form[action$='/permissions']").await;
        browser.step("colleague-permissions-and-access").await;
        browser.sign_out().await;

        app.drain_outbox().await;
        let mail = app.smtp.to("sam@harbour-partner.test");
        let link = mail.last().unwrap().link("/activate/").unwrap();
        browser.goto(&link).await;
        browser.fill("#password", PASSWORD).await;
        browser.fill("#password_confirm", PASSWORD).await;
        browser.click("form.stack button[type=submit]").await;
        browser.expect_path("/login").await;
        browser
            .sign_in("sam@harbour-partner.test", "/partner/customers")
            .await;
        // The navigation (the main row, or the compact menu on a phone) lists only Customers.
        let nav = browser
            .client()
            .execute(
                "return [...document.querySelectorAll('nav.portal-nav a')].map(a => a.getAttribute('href'))",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(nav, serde_json::json!(["/partner/customers"]));
        browser.step("colleague-customers").await;

        browser.click(".page-header .button").await;
        browser.fill("#email", "it@quay-clinic.test").await;
        browser.fill("#first_name", "Quinn").await;
        browser.fill("#last_name", "Quay").await;
        browser.fill("#company", "Quay Clinic").await;
        browser.select("#country", "DE").await;
        browser.click("form.stack button[type=submit]").await;
        assert!(browser
            .text()
            .await
            .contains("An activation email was sent to it@quay-clinic.test"));
        browser.goto("/partner/purchase").await;
        let refused = browser.text().await;
        assert!(refused.contains("Permission needed") && refused.contains("Purchase & Billing"));
        browser.step("purchase-refused").await;
        // The way back leads to a page the colleague may open.
        browser.click(".error-page .button").await;
        browser.expect_path("/partner/customers").await;
        browser.sign_out().await;

        browser
            .sign_in("owner@harbour-partner.test", "/partner/customers")
            .await;
        browser.goto("/partner/audit").await;
        let log = browser.text().await;
        assert!(log.contains("Sam Seller"), "{log}");
        assert!(log.contains("it@quay-clinic.test"));
        browser.step("owner-reads-audit").await;
        browser.close().await;
    }
}
