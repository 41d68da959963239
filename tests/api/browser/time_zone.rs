//! A customer signs in (the page's script hands the browser's zone to the server), finds the
//! time zone on Account Information, chooses Berlin and sees their sessions in Berlin time; a
//! partner finds the same setting on the Security page.

use fantoccini::Locator;
use serde_json::Value;

use super::{Browser, WIDTHS};
use crate::helpers::{spawn_app, PASSWORD};

/// Brings `css` to the middle of the window, so the step's screenshot shows it.
async fn scroll_to(browser: &Browser, css: &str) {
    browser
        .client()
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'center'})",
            vec![Value::String(css.to_owned())],
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_customer_sees_and_chooses_their_time_zone() {
    for width in WIDTHS {
        let app = spawn_app().await;
        let (_, partner) = app.partner("sales@zone-partner.test").await;
        let customer = app.customer_of(partner, "ana@zone-customer.test").await;
        let mut browser = Browser::start("time-zone", width, &app.address).await;

        browser
            .submit_sign_in("ana@zone-customer.test", PASSWORD)
            .await;
        browser.expect_path("/customer").await;
        // The sign-in form carried the browser's own zone, and the account took it.
        let reported = browser
            .client()
            .execute(
                "return Intl.DateTimeFormat().resolvedOptions().timeZone",
                vec![],
            )
            .await
            .unwrap();
        let Value::String(reported) = reported else {
            panic!("the browser reports a zone: {reported:?}")
        };
        let expected = yeastar_portal::format::Zone::parse(&reported).unwrap();
        assert_eq!(
            app.stored_zone(customer).await.as_deref(),
            Some(expected.name())
        );

        browser.goto("/customer/account").await;
        let selected = browser
            .client()
            .find(Locator::Css("#time_zone option:checked"))
            .await
            .unwrap()
            .attr("value")
            .await
            .unwrap();
        assert_eq!(selected.as_deref(), Some(expected.name()));
        scroll_to(&browser, "#time_zone").await;
        browser.step("account-time-zone").await;

        browser.select("#time_zone", "Europe/Berlin").await;
        browser
            .click("form[action='/customer/account'] button[type=submit]")
            .await;
        let text = browser.text().await;
        assert!(
            text.contains("Your account information was saved."),
            "{text}"
        );
        assert!(text.contains("(Europe/Berlin)"), "{text}");
        scroll_to(&browser, "#time_zone").await;
        browser.step("time-zone-saved").await;

        browser.goto("/customer/security").await;
        let sessions = browser.text_of("table.data-table").await;
        assert!(
            sessions.contains(" CET") || sessions.contains(" CEST"),
            "sessions in Berlin time: {sessions}"
        );
        scroll_to(&browser, "table.data-table").await;
        browser.step("security-in-berlin-time").await;
        browser.close().await;

        let mut browser = Browser::start("time-zone-partner", width, &app.address).await;
        browser
            .submit_sign_in("sales@zone-partner.test", PASSWORD)
            .await;
        browser.expect_path("/partner/customers").await;
        browser.goto("/partner/security").await;
        browser.select("#time_zone", "Asia/Singapore").await;
        browser
            .click("form[action='/partner/security/time-zone'] button[type=submit]")
            .await;
        let text = browser.text().await;
        assert!(
            text.contains("Times are now shown in Asia/Singapore."),
            "{text}"
        );
        assert!(text.contains("UTC+8"), "{text}");
        scroll_to(&browser, "#time_zone").await;
        browser.step("partner-security-time-zone").await;
        browser.close().await;
    }
}
