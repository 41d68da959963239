//! The error paths a person meets: a wrong password, an expired link, a missing field.

use time::Duration;
use yeastar_portal::accounts::model::Role;

use super::{Browser, WIDTHS};
use crate::helpers::{spawn_app, PASSWORD};

#[tokio::test]
async fn a_person_sees_clear_messages_for_a_wrong_password_an_expired_link_and_a_missing_field() {
    for width in WIDTHS {
        let app = spawn_app().await;
        let (_, partner) = app.partner("sales@errors-partner.test").await;
        let (_, link) = app
            .create_account(Role::Customer, "late@customer.test", None, Some(partner))
            .await;
        let mut browser = Browser::start("error-paths", width, &app.address).await;

        browser
            .submit_sign_in("sales@errors-partner.test", "not my password")
            .await;
        assert!(browser
            .text_of(".error-summary")
            .await
            .contains("The email address or password is incorrect."));
        browser.step("wrong-password").await;

        app.clock.advance(Duration::hours(49));
        browser.goto(&link).await;
        let text = browser.text().await;
        assert!(text.contains("This activation link has expired"));
        assert!(
            text.contains("Test Manager"),
            "the page names the account manager: {text}"
        );
        browser.step("expired-link").await;

        browser
            .submit_sign_in("sales@errors-partner.test", PASSWORD)
            .await;
        browser.goto("/partner/customers/new").await;
        browser.fill("#email", "someone@customer.test").await;
        browser.fill("#first_name", "Sam").await;
        browser.fill("#company", "Sam's Shop").await;
        browser.select("#country", "US").await;
        browser.click("form.stack button[type=submit]").await;
        let error = browser.text_of(".field.has-error .error").await;
        assert_eq!(error, "Enter the last name.");
        let kept = browser
            .client()
            .find(fantoccini::Locator::Css("#company"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(
            kept.as_deref(),
            Some("Sam's Shop"),
            "the other input is kept"
        );
        browser.step("missing-field").await;
        browser.close().await;
    }
}
