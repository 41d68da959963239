//! A customer starts a trial, estimates a configuration (live, with JavaScript), subscribes
//! with it, upgrades it through the review, schedules a downgrade and cancels it, and sees the
//! product on the products page.

use super::{Browser, WIDTHS};
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_customer_tries_estimates_subscribes_and_sees_the_product() {
    for width in WIDTHS {
        let app = spawn_app().await;
        let (_, partner) = app.partner("sales@self-partner.test").await;
        app.customer_of(partner, "lee@self-service.test").await;
        let mut browser = Browser::start("customer-self-service", width, &app.address).await;

        browser.sign_in("lee@self-service.test", "/customer").await;
        browser.goto("/customer/trials").await;
        browser.step("trials").await;
        browser
            .click("form[action='/customer/trials/cloud_pbx'] button")
            .await;
        assert!(browser
            .text()
            .await
            .contains("Your free trial has started."));
        browser.step("trial-started").await;

        browser.goto("/customer/estimate").await;
        browser.select("#plan", "workplace_standard").await;
        browser.fill("#units", "40").await;
        browser.select("#term", "2y").await;
        // With JavaScript the result follows the form without a submit:
        // 40 users × 6.50 × 24 = 6,240.00, 15 % off = 5,304.00.
        let mut shown = String::new();
        for _ in 0..100 {
            shown = browser.text_of("#estimate-result").await;
            if shown.contains("USD 5,304.00") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(shown.contains("USD 5,304.00"), "{shown}");
        browser.step("estimate-live").await;
        browser.click("#estimate-result a.button").await;
        browser
            .expect_path("/customer/subscribe?plan=workplace_standard&units=40&term=2y")
            .await;
        browser.step("subscribe-with-estimate").await;
        browser.click("form.stack button[type=submit]").await;
        assert!(
            browser.text().await.contains("USD 5,304.00"),
            "the review equals the estimate"
        );
        browser.step("review").await;
        browser
            .click("form[action='/customer/subscribe/confirm'] button.button")
            .await;
        assert!(browser.text().await.contains("You are subscribed."));
        browser.step("subscribed").await;
        change_then_downgrade_and_cancel(&mut browser).await;

        browser.goto("/customer/products").await;
        let text = browser.text().await;
        assert!(
            text.contains("Workplace SaaS")
                && text.contains("Cloud PBX")
                && text.contains("Free trial"),
            "{text}"
        );
        browser.step("my-products").await;

        browser.follow_nav("/customer").await;
        let text = browser.text().await;
        assert!(
            // The journey upgraded Standard to Pro through the change review above.
            text.contains("Workplace SaaS Pro")
                && text.contains("days left")
                && text.contains("Offline")
                && text.contains("Two-factor authentication is off."),
            "the dashboard sums it up: {text}"
        );
        browser.step("dashboard-summary").await;
        browser.close().await;
    }
}

/// On the subscription page: an upgrade is reviewed (with its price) before it is confirmed;
/// a downgrade's review says it costs nothing now; the scheduled downgrade is then cancelled
/// through its confirmation page.
async fn change_then_downgrade_and_cancel(browser: &mut Browser) {
    browser.select("#plan", "workplace_pro").await;
    browser.fill("#units", "50").await;
    browser.click("form[action$='/change'] button.button").await;
    let review = browser.text().await;
    assert!(
        review.contains("Review your change") && review.contains("To pay now"),
        "{review}"
    );
    let amount = browser.text_of("#change-amount").await;
    assert!(amount.starts_with("USD "), "{amount}");
    browser.step("change-review").await;
    browser
        .click("form[action$='/change/confirm'] button.button")
        .await;
    let changed = browser.text().await;
    assert!(
        changed.contains("The change takes effect now") && changed.contains(&amount),
        "the order is for the amount reviewed: {changed}"
    );
    browser.step("changed").await;

    browser.select("#plan", "workplace_basic").await;
    browser.click("form[action$='/change'] button.button").await;
    let review = browser.text().await;
    assert!(
        review.contains("Takes effect at the end of the term")
            && review.contains("Nothing to pay now"),
        "{review}"
    );
    browser.step("downgrade-review").await;
    browser
        .click("form[action$='/change/confirm'] button.button")
        .await;
    assert!(browser
        .text()
        .await
        .contains("The downgrade is scheduled for the end of the term"));
    browser.step("downgrade-scheduled").await;
    browser.click("a[href$='/scheduled-change/cancel']").await;
    assert!(browser
        .text()
        .await
        .contains("Cancel the scheduled downgrade?"));
    browser.step("cancel-downgrade").await;
    browser
        .click("form[action$='/scheduled-change/cancel'] button.button")
        .await;
    assert!(browser
        .text()
        .await
        .contains("The scheduled downgrade is cancelled"));
    browser.step("downgrade-cancelled").await;
}
