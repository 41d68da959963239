//! The actions partners and customers expect: a partner chooses the customer at purchase,
//! reads and edits a customer's page; a customer asks for a new activation link, signs in with
//! the email filled in, reads Billing and an invoice, and saves their recovery codes.

use time::Duration;
use yeastar_portal::accounts::model::Role;

use super::{Browser, WIDTHS};
use crate::fixtures::{paid_pbx, sign_in};
use crate::helpers::{spawn_app, PASSWORD};

#[tokio::test]
async fn a_partner_chooses_the_customer_at_purchase_and_edits_the_customers_information() {
    for width in WIDTHS {
        let app = spawn_app().await;
        let (_, partner) = app.partner("sales@edit-partner.test").await;
        let customer = app.customer_of(partner, "it@harbour-freight.test").await;
        // The customer runs a paid Cloud PBX, so their page has a subscription and a PBX.
        let customer_browser = sign_in(&app, "it@harbour-freight.test", "/customer").await;
        paid_pbx(&app, &customer_browser).await;
        let mut browser = Browser::start("partner-customer-actions", width, &app.address).await;

        browser
            .sign_in("sales@edit-partner.test", "/partner/customers")
            .await;
        browser.goto("/partner/purchase").await;
        browser.select("#plan", "cloud_pbx_enterprise").await;
        browser.fill("#units", "10").await;
        browser.fill("#customer_email", "it@harbour").await;
        let offered = browser
            .client()
            .execute(
                "return [...document.querySelectorAll('#customer-choices option')].map(o => o.value)",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(offered, serde_json::json!(["it@harbour-freight.test"]));
        browser
            .fill("#customer_email", "it@harbour-freight.test")
            .await;
        browser.step("purchase-choose-customer").await;
        browser.click("form.stack button[type=submit]").await;
        assert!(browser.text().await.contains("it@harbour-freight.test"));
        browser
            .click("form[action='/partner/purchase/confirm'] button.button")
            .await;
        assert!(browser.text().await.contains("placed"));

        browser
            .goto(&format!("/partner/customers/{customer}"))
            .await;
        let text = browser.text().await;
        assert!(
            text.contains("Cloud PBX Enterprise Plan")
                && text.contains("View order")
                && text.contains("Offline")
                && text.contains("YS-"),
            "the customer's subscription, PBX and licence: {text}"
        );
        browser.step("customer-page").await;
        scroll_to(&browser, "#subscriptions").await;
        browser.step("customer-subscriptions-and-licences").await;
        scroll_to(&browser, "#pbxs").await;
        browser.step("customer-pbxs").await;

        browser
            .click(&format!("a[href='/partner/customers/{customer}/edit']"))
            .await;
        browser.step("edit-form").await;
        browser.fill("#company", "").await;
        browser.fill("#city", "Rotterdam").await;
        browser.click("form.stack button[type=submit]").await;
        let text = browser.text().await;
        assert!(text.contains("Enter the company name."), "{text}");
        browser.step("edit-refused").await;
        browser.fill("#company", "Harbour Freight B.V.").await;
        browser.select("#country", "NL").await;
        browser.click("form.stack button[type=submit]").await;
        browser
            .expect_path(&format!("/partner/customers/{customer}"))
            .await;
        let text = browser.text().await;
        assert!(
            text.contains("was saved")
                && text.contains("Harbour Freight B.V.")
                && text.contains("Rotterdam")
                && text.contains("Netherlands"),
            "{text}"
        );
        browser.step("edit-saved").await;
        browser.close().await;
    }
}

#[tokio::test]
async fn a_customer_renews_an_expired_link_signs_in_reads_billing_and_saves_recovery_codes() {
    for width in WIDTHS {
        let app = spawn_app().await;
        let (_, partner) = app.partner("sales@bill-partner.test").await;
        let (_, old_link) = app
            .create_account(Role::Customer, "mia@late-starter.test", None, Some(partner))
            .await;
        app.drain_outbox().await;
        app.clock.advance(Duration::hours(49));
        let mut browser = Browser::start("customer-account-actions", width, &app.address).await;

        browser.goto(&old_link).await;
        assert!(browser
            .text()
            .await
            .contains("This activation link has expired"));
        browser.step("link-expired").await;
        browser.click("form[action$='/resend'] button").await;
        assert!(browser.text().await.contains("Check your email"));
        browser.step("new-link-requested").await;
        app.drain_outbox().await;
        let new_link = app
            .smtp
            .to("mia@late-starter.test")
            .last()
            .and_then(|m| m.link("/activate/"))
            .unwrap();
        assert_ne!(new_link, old_link);
        browser.goto(&new_link).await;
        browser.fill("#password", PASSWORD).await;
        browser.fill("#password_confirm", PASSWORD).await;
        browser.click("form.stack button[type=submit]").await;
        browser.expect_path("/login").await;
        let email = browser
            .client()
            .execute("return document.querySelector('#email').value", vec![])
            .await
            .unwrap();
        assert_eq!(email, "mia@late-starter.test", "the email is filled in");
        browser.step("sign-in-prefilled").await;
        browser.fill("#password", PASSWORD).await;
        browser.click("form.stack button[type=submit]").await;
        browser.expect_path("/customer").await;

        // A paid subscription (through the same forms, in another session) to bill.
        let other_session = sign_in(&app, "mia@late-starter.test", "/customer").await;
        paid_pbx(&app, &other_session).await;
        browser.press(".user-menu summary").await;
        browser
            .click(".user-menu a[href='/customer/billing']")
            .await;
        browser.expect_path("/customer/billing").await;
        let text = browser.text().await;
        assert!(
            text.contains("YP-001001") && text.contains("New subscription"),
            "{text}"
        );
        browser.step("billing").await;
        browser.click("a[href$='/invoice']").await;
        assert!(browser.text().await.contains("Invoice YP-001001"));
        browser.step("invoice").await;

        browser.goto("/customer/security/two-factor").await;
        browser.confirm_two_factor_setup(app.now(), PASSWORD).await;
        assert!(browser.text().await.contains("Save these codes now"));
        browser.press("#copy-codes").await;
        let mut status = String::new();
        for _ in 0..100 {
            status = browser.text_of("#copy-status").await;
            if !status.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(
            status == "Copied." || status.starts_with("Selected"),
            "the Copy button answers: {status:?}"
        );
        browser.step("recovery-codes-copy").await;
        browser.close().await;
    }
}

/// Brings a section of a long page to the top of the window, for its screenshot.
async fn scroll_to(browser: &Browser, css: &str) {
    browser
        .client()
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView()",
            vec![serde_json::json!(css)],
        )
        .await
        .unwrap();
}
