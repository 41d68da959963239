//! Step-up checks on the Security page (the current password, the code to turn 2FA off) are
//! counted like sign-in attempts, end the session after repeated failures, and turning 2FA on
//! asks for the password again.

use reqwest::{Client, StatusCode};
use time::Duration;

use crate::helpers::{
    assert_refused_with, assert_says, client, location, spawn_app, TestApp, PASSWORD,
};

const SIGNED_OUT: &str =
    "You were signed out because a password or code was entered incorrectly too many times.";

async fn change_password(app: &TestApp, browser: &Client, current: &str) -> reqwest::Response {
    let csrf = app.csrf_for(browser, "/customer/security").await;
    app.post_form(
        browser,
        "/customer/security/password",
        &[
            ("csrf_token", &csrf),
            ("current_password", current),
            ("password", "Changed password 99"),
            ("password_confirm", "Changed password 99"),
        ],
    )
    .await
}

/// The session was ended server-side, and the sign-in page says why.
async fn assert_signed_out(app: &TestApp, browser: &Client, response: reqwest::Response) {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login");
    let (_, page) = app.get_html(browser, "/login").await;
    assert!(page.contains(SIGNED_OUT), "the reason is shown");
    let portal = app.get(browser, "/customer").await;
    assert!(location(&portal).starts_with("/login"), "the session ended");
    assert_eq!(
        app.audit_count("session.ended_after_failed_step_up").await,
        1
    );
}

#[tokio::test]
async fn five_wrong_current_passwords_on_the_security_page_end_the_session() {
    let app = spawn_app().await;
    app.clock.freeze();
    let (browser, id) = app.signed_in_customer("guess@step-up.test").await;
    for _ in 0..4 {
        let refused = change_password(&app, &browser, "wrong password 1").await;
        assert_refused_with(refused, "The current password is incorrect.").await;
    }
    let fifth = change_password(&app, &browser, "wrong password 1").await;
    assert_signed_out(&app, &browser, fifth).await;
    assert_eq!(app.sessions_of(id).await, 0);
    // The password did not change: the owner signs in with the old one once the lock is over.
    app.clock.advance(Duration::seconds(2));
    let again = app.login(&client(), "guess@step-up.test", PASSWORD).await;
    assert_eq!(location(&again), "/customer");
}

#[tokio::test]
async fn wrong_codes_when_turning_two_factor_off_are_counted_and_end_the_session() {
    let app = spawn_app().await;
    app.clock.freeze();
    let (browser, id) = app.signed_in_customer("codes@step-up.test").await;
    app.enable_two_factor(&browser, "/customer").await;
    let mut last = None;
    for _ in 0..5 {
        let csrf = app.csrf_for(&browser, "/customer/security").await;
        let fields = [
            ("csrf_token", csrf.as_str()),
            ("password", PASSWORD),
            ("code", "000000"),
        ];
        let response = app
            .post_form(&browser, "/customer/security/two-factor/disable", &fields)
            .await;
        if response.status() == StatusCode::UNPROCESSABLE_ENTITY {
            assert!(response
                .text()
                .await
                .unwrap()
                .contains("That code is not valid."));
        } else {
            last = Some(response);
            break;
        }
    }
    let last = last.expect("the fifth wrong code ends the session");
    assert_signed_out(&app, &browser, last).await;
    assert_eq!(app.sessions_of(id).await, 0);
    assert_eq!(
        app.count("select count(*) from accounts where two_factor_enabled")
            .await,
        1,
        "two-factor authentication is still on"
    );
}

#[tokio::test]
async fn every_step_up_check_shares_one_count() {
    let app = spawn_app().await;
    app.clock.freeze();
    let (browser, _) = app.signed_in_customer("mixed@step-up.test").await;
    app.enable_two_factor(&browser, "/customer").await;
    for _ in 0..3 {
        let csrf = app.csrf_for(&browser, "/customer/security").await;
        let fields = [
            ("csrf_token", csrf.as_str()),
            ("password", "wrong password 1"),
        ];
        let refused = app
            .post_form(&browser, "/customer/security/recovery-codes", &fields)
            .await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let fourth = change_password(&app, &browser, "wrong password 1").await;
    assert_eq!(fourth.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fifth = change_password(&app, &browser, "wrong password 1").await;
    assert_signed_out(&app, &browser, fifth).await;
}

#[tokio::test]
async fn turning_two_factor_on_needs_the_current_password() {
    let app = spawn_app().await;
    let (browser, id) = app.signed_in_customer("reauth@step-up.test").await;
    let elsewhere = client();
    app.login(&elsewhere, "reauth@step-up.test", PASSWORD).await;
    let (secret, csrf) = app.start_two_factor_setup(&browser, "/customer").await;
    for password in ["", "wrong password 1"] {
        let refused = app
            .confirm_two_factor_setup(&browser, "/customer", (&secret, &csrf), password, false)
            .await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = refused.text().await.unwrap();
        let field = html
            .split("id=\"setup_password\"")
            .nth(1)
            .expect("the password field");
        let message = field.split("</div>").next().unwrap();
        assert!(
            message.contains("<p class=\"error\">The password is incorrect.</p>"),
            "the message is next to the password field"
        );
        assert_eq!(
            app.count("select count(*) from accounts where two_factor_enabled")
                .await,
            0
        );
    }
    app.clock.advance(Duration::seconds(30));
    let done = app
        .confirm_two_factor_setup(&browser, "/customer", (&secret, &csrf), PASSWORD, false)
        .await;
    assert_says(done, StatusCode::OK, "Two-factor authentication is on.").await;
    assert_eq!(app.sessions_of(id).await, 2, "the box was not ticked");
    let code = app.current_code(&secret);
    assert_eq!(code.len(), 6);
}

#[tokio::test]
async fn turning_two_factor_on_can_sign_out_every_other_session() {
    let app = spawn_app().await;
    let (browser, id) = app.signed_in_customer("others@step-up.test").await;
    let (phone, laptop) = (client(), client());
    for other in [&phone, &laptop] {
        app.login(other, "others@step-up.test", PASSWORD).await;
    }
    assert_eq!(app.sessions_of(id).await, 3);
    let (secret, csrf) = app.start_two_factor_setup(&browser, "/customer").await;
    let done = app
        .confirm_two_factor_setup(&browser, "/customer", (&secret, &csrf), PASSWORD, true)
        .await;
    assert_says(
        done,
        StatusCode::OK,
        "Your 2 other sessions were signed out.",
    )
    .await;
    for other in [&phone, &laptop] {
        let page = app.get(other, "/customer").await;
        assert!(location(&page).starts_with("/login"));
    }
    let (status, _) = app.get_html(&browser, "/customer/security").await;
    assert_eq!(status, StatusCode::OK, "this session stays");
    assert_eq!(app.sessions_of(id).await, 1);
}
