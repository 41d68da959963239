//! A person turns on two-factor authentication and signs in with it.

use time::Duration;

use super::{Browser, WIDTHS};
use crate::helpers::{spawn_app, PASSWORD};

#[tokio::test]
async fn a_customer_turns_on_two_factor_and_signs_in_with_a_code() {
    for width in WIDTHS {
        let app = spawn_app().await;
        let (_, partner) = app.partner("sales@tfa-partner.test").await;
        app.customer_of(partner, "ana@secure.test").await;
        let mut browser = Browser::start("two-factor", width, &app.address).await;

        browser.sign_in("ana@secure.test", "/customer").await;
        browser.goto("/customer/security").await;
        browser.step("security-off").await;
        browser
            .click("a.button[href='/customer/security/two-factor']")
            .await;
        browser.expect_path("/customer/security/two-factor").await;
        browser.step("setup-qr-code").await;

        // Read the key the way a person types it into an authenticator app; turning 2FA on
        // asks for the password again.
        let secret = browser.confirm_two_factor_setup(app.now(), PASSWORD).await;
        let text = browser.text().await;
        assert!(text.contains("Two-factor authentication is on."), "{text}");
        let codes = browser
            .client()
            .find_all(fantoccini::Locator::Css(".recovery-codes code"))
            .await
            .unwrap();
        assert_eq!(codes.len(), 10, "ten recovery codes are shown");
        browser.step("recovery-codes").await;

        browser.click(".page-header ~ .card a.button").await;
        browser.expect_path("/customer/security").await;
        assert!(browser.text().await.contains("10 recovery codes left"));
        browser.step("security-on").await;
        browser.sign_out().await;

        browser.fill("#email", "ana@secure.test").await;
        browser.fill("#password", PASSWORD).await;
        browser.click("form.stack button[type=submit]").await;
        browser.expect_path("/login/two-factor").await;
        browser.step("code-prompt").await;
        app.clock.advance(Duration::seconds(30));
        let code = app.current_code(&secret);
        browser.fill("#code", &code).await;
        browser.click("form.stack button[type=submit]").await;
        browser.expect_path("/customer").await;
        browser.step("signed-in-with-code").await;
        browser.close().await;
    }
}
