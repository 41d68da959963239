//! Sessions: signing in over a signed-in session ends the earlier one; where a sign-in lands;
//! idle and absolute lifetimes; a password change or the security page ends the other sessions;
//! the cookie behind TLS; a read-only view does not write the session.

use reqwest::StatusCode;
use time::Duration;

use crate::helpers::{client, csrf_token, location, spawn_app, PASSWORD};

const CHROME_ON_LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const SAFARI_ON_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

#[tokio::test]
async fn signing_in_over_a_signed_in_session_ends_the_earlier_one() {
    let app = spawn_app().await;
    let (browser, first) = app.signed_in_customer("first@sessions.test").await;
    assert_eq!(app.sessions_of(first).await, 1);
    let (_, partner) = app.partner("p@sessions.test").await;
    let second = app.customer_of(partner, "second@sessions.test").await;
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
    let portal = app.get(&browser, "/customer").await;
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
    app.customer_of(partner, "me@devices.test").await;
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

#[tokio::test]
async fn sessions_end_after_30_idle_minutes_and_12_hours_in_all() {
    let app = spawn_app().await;
    let idle = app.signed_in_customer("idle@session.test").await.0;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(app.status_of(&idle, "/customer").await, StatusCode::OK);
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        app.status_of(&idle, "/customer").await,
        StatusCode::OK,
        "each visit extends the idle timeout"
    );
    app.clock.advance(Duration::minutes(31));
    let expired = app.get(&idle, "/customer").await;
    assert!(
        location(&expired).starts_with("/login"),
        "31 idle minutes end it"
    );

    let busy = client();
    assert_eq!(
        location(&app.login(&busy, "idle@session.test", PASSWORD).await),
        "/customer"
    );
    for _ in 0..(12 * 60 / 20 - 1) {
        app.clock.advance(Duration::minutes(20));
        assert_eq!(app.status_of(&busy, "/customer").await, StatusCode::OK);
    }
    app.clock.advance(Duration::minutes(20));
    let too_old = app.get(&busy, "/customer").await;
    assert!(
        location(&too_old).starts_with("/login"),
        "12 hours end it however active"
    );
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions_and_emails_the_owner() {
    let app = spawn_app().await;
    let here = app.signed_in_customer("changer@session.test").await.0;
    let elsewhere = client();
    app.login(&elsewhere, "changer@session.test", PASSWORD)
        .await;
    let (_, page) = app.get_html(&here, "/customer/security").await;
    assert_eq!(
        page.matches("<td data-label=\"Signed in\" class=\"date\">")
            .count(),
        2,
        "both sessions are listed"
    );
    assert!(page.contains("This session"));

    let csrf = csrf_token(&page);
    let response = app
        .change_password(&here, &csrf, "Changed password 99")
        .await;
    assert_eq!(location(&response), "/customer/security");
    assert_eq!(app.status_of(&here, "/customer").await, StatusCode::OK);
    assert!(location(&app.get(&elsewhere, "/customer").await).starts_with("/login"));
    app.drain_outbox().await;
    assert!(app
        .smtp
        .to("changer@session.test")
        .iter()
        .any(|m| m.subject().contains("your password was changed")));
}

#[tokio::test]
async fn the_owner_signs_out_another_session_from_the_security_page() {
    let app = spawn_app().await;
    let here = app.signed_in_customer("owner@session.test").await.0;
    let elsewhere = client();
    app.login(&elsewhere, "owner@session.test", PASSWORD).await;
    let csrf = app.csrf_for(&here, "/customer/security").await;
    let response = app
        .post_form(
            &here,
            "/customer/security/sessions/end-others",
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(location(&response), "/customer/security");
    assert!(location(&app.get(&elsewhere, "/customer").await).starts_with("/login"));
    let (_, page) = app.get_html(&here, "/customer/security").await;
    assert!(page.contains("Signed out 1 other session."));
}

#[tokio::test]
async fn behind_tls_the_session_cookie_is_secure_and_host_prefixed() {
    let app = crate::helpers::spawn_app_configured(crate::smtp::SmtpSink::start().await, |c| {
        c.cookie_secure = true
    })
    .await;
    let response = client().get(app.url("/login")).send().await.unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("__Host-portal_session="), "{cookie}");
    for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    assert!(
        !cookie.contains("Domain="),
        "__Host- cookies have no Domain"
    );
}

#[tokio::test]
async fn a_read_only_page_view_does_not_write_the_session() {
    let app = spawn_app().await;
    let browser = app.signed_in_customer("quiet@session.test").await.0;
    app.get(&browser, "/customer/account").await;
    // The one signed-in session (its data holds the "auth" key); a save, even of unchanged data,
    // would move its expiry date.
    let signed_in = "select expiry_date::text || encode(data, 'hex') from tower_sessions.session \
                     where position('\\x61757468'::bytea in data) > 0";
    let before: String = app.one(signed_in).await;
    app.clock.advance(Duration::minutes(2));
    for _ in 0..3 {
        assert_eq!(app.status_of(&browser, "/customer").await, StatusCode::OK);
    }
    let after: String = app.one(signed_in).await;
    assert_eq!(
        before, after,
        "no write within five minutes of the last one"
    );
    app.clock.advance(Duration::minutes(4));
    app.get(&browser, "/customer").await;
    let touched: String = app.one(signed_in).await;
    assert_ne!(
        before, touched,
        "after five minutes the idle timeout is extended"
    );
}
