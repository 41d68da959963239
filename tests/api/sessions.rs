//! Signing in over a signed-in session ends the earlier one; where a sign-in lands.

use reqwest::StatusCode;
use yeastar_portal::accounts::model::Role;

use crate::helpers::{client, location, spawn_app, PASSWORD};

const CHROME_ON_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const SAFARI_ON_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

#[tokio::test]
async fn signing_in_over_a_signed_in_session_ends_the_earlier_one() {
    let app = spawn_app().await;
    let (browser, first) = app.signed_in_customer("first@sessions.test").await;
    assert_eq!(app.sessions_of(first).await, 1);
    let (_, partner) = app.partner("p@sessions.test").await;
    let second = app
        .active_account(Role::Customer, "second@sessions.test", None, Some(partner))
        .await;
    let response = app.login(&browser, "second@sessions.test", PASSWORD).await;
    assert_eq!(location(&response), "/customer");
    assert_eq!(app.sessions_of(first).await, 0, "the earlier sign-in ended");
    assert_eq!(app.sessions_of(second).await, 1);
    // Signing in again as the same account replaces the session too.
    app.login(&browser, "second@sessions.test", PASSWORD).await;
    assert_eq!(app.sessions_of(second).await, 1);
}

#[tokio::test]
async fn a_half_signed_in_session_no_longer_opens_the_earlier_accounts_portal() {
    let app = spawn_app().await;
    let (guarded, _) = app.signed_in_customer("guarded@sessions.test").await;
    app.enable_two_factor(&guarded, "/customer").await;
    let (browser, first) = app.signed_in_customer("first@sessions.test").await;
    let response = app.login(&browser, "guarded@sessions.test", PASSWORD).await;
    assert_eq!(location(&response), "/login/two-factor");
    assert_eq!(app.sessions_of(first).await, 0, "the earlier sign-in ended");
    let portal = browser.get(app.url("/customer")).send().await.unwrap();
    assert_eq!(portal.status(), StatusCode::SEE_OTHER);
    assert!(location(&portal).starts_with("/login"));
}

#[tokio::test]
async fn a_next_address_that_cannot_be_a_location_header_lands_on_the_portal_home() {
    let app = spawn_app().await;
    app.partner("next@sessions.test").await;
    for next in [
        "/partner/customers/\u{e9}",
        "/partner/customers?q=caf\u{e9}",
    ] {
        let browser = client();
        let csrf = app.csrf_for(&browser, "/login").await;
        let fields = [
            ("csrf_token", csrf.as_str()),
            ("email", "next@sessions.test"),
            ("password", PASSWORD),
            ("next", next),
        ];
        let response = app.post_form(&browser, "/login", &fields).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "next={next}");
        let landed = response.headers()["location"].as_bytes();
        assert_eq!(String::from_utf8_lossy(landed), "/partner/customers");
    }
}

#[tokio::test]
async fn the_security_page_names_each_signed_in_device_in_words() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@devices.test").await;
    app.active_account(Role::Customer, "me@devices.test", None, Some(partner))
        .await;
    let mut browsers = Vec::new();
    for agent in [SAFARI_ON_IPHONE, CHROME_ON_LINUX] {
        let browser = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(agent)
            .build()
            .unwrap();
        let response = app.login(&browser, "me@devices.test", PASSWORD).await;
        assert_eq!(location(&response), "/customer");
        browsers.push(browser);
    }

    let (status, html) = app.get_html(&browsers[1], "/customer/security").await;

    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(">Chrome on Linux</td>") && html.contains(">Safari on iPhone</td>"),
        "{html}"
    );
    assert!(
        !html.contains(">Mozilla/5.0"),
        "the raw header is not the device's name"
    );
}
