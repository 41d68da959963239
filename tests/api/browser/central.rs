//! Central Management and applying for partnership, in the browser.

use super::{Browser, WIDTHS};
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_customer_watches_a_simulated_pbx_come_online_and_restarts_it() {
    for width in WIDTHS {
        let app = spawn_app().await;
        let (_, partner) = app.partner("sales@cm-partner.test").await;
        app.customer_of(partner, "it@cm-customer.test").await;
        let mut browser = Browser::start("central-management", width, &app.address).await;
        browser.sign_in("it@cm-customer.test", "/customer").await;
        browser.goto("/customer/trials").await;
        browser
            .click("form[action='/customer/trials/cloud_pbx'] button")
            .await;
        browser.goto("/customer/central-management").await;
        assert!(browser.text().await.contains("Offline"));
        browser.step("list-offline").await;
        browser.click("tbody a").await;
        browser.click("form[action$='/token'] button").await;
        let token = browser.text_of("#pbx-token").await;
        browser.step("token-shown-once").await;

        let (status, _) =
            yeastar_portal::simulator::heartbeat(&app.address, &token, "37.20.0.16", 14, 4)
                .await
                .unwrap();
        assert_eq!(status, 200);
        browser.goto("/customer/central-management").await;
        let text = browser.text().await;
        assert!(
            text.contains("Online") && text.contains("37.20.0.16"),
            "{text}"
        );
        browser.step("list-online").await;
        browser.click("tbody a").await;
        browser.click("a[href$='/restart']").await;
        assert!(browser
            .text()
            .await
            .contains("Calls in progress are cut off"));
        browser.step("restart-confirm").await;
        browser.click("form[action$='/restart'] button").await;
        assert!(browser.text().await.contains("A restart was queued"));
        browser.step("restart-queued").await;
        browser.press(".user-menu summary").await;
        browser.click(".user-menu button").await;
        browser.expect_path("/login").await;

        // The customer's partner manages the same PBX from the Partner Portal.
        browser
            .sign_in("sales@cm-partner.test", "/partner/customers")
            .await;
        browser.goto("/partner/central-management").await;
        assert!(browser.text().await.contains("it@cm-customer.test"));
        browser.step("partner-list").await;
        browser.click("tbody a").await;
        assert!(browser.text().await.contains("Restart requested"));
        browser.step("partner-instance").await;
        browser.close().await;
    }
}

#[tokio::test]
async fn a_customer_applies_for_partnership_and_the_manager_approves() {
    for width in WIDTHS {
        let app = spawn_app().await;
        let (_, partner) = app.partner("sales@apply-partner.test").await;
        app.customer_of(partner, "boss@future-partner.test").await;
        let mut browser = Browser::start("partnership", width, &app.address).await;
        browser
            .sign_in("boss@future-partner.test", "/customer")
            .await;
        browser.goto("/customer/partnership").await;
        browser.step("application-form").await;
        browser
            .fill("#website", "https://future-partner.example")
            .await;
        browser.select("#business_type", "System integrator").await;
        browser
            .select("#yearly_volume", "50 to 500 extensions")
            .await;
        browser.click("form.stack button[type=submit]").await;
        assert!(browser.text().await.contains("Your application was sent."));
        browser.step("application-pending").await;
        browser.press(".user-menu summary").await;
        browser.click(".user-menu button").await;
        browser.expect_path("/login").await;

        browser
            .sign_in("manager-of-sales@apply-partner.test", "/manager/partners")
            .await;
        browser.follow_nav("/manager/applications").await;
        assert!(
            browser.text().await.contains("Germany"),
            "the country's name"
        );
        browser.step("manager-applications").await;
        browser.click("button[value=approve]").await;
        let decided = browser.text().await;
        assert!(decided.contains("Approved") && decided.contains("Decided"));
        browser.step("approved").await;
        browser.scroll_to("#decided").await;
        browser.step("application-decided").await;
        browser.close().await;
    }
}
