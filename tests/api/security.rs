//! Sign-in security: 2FA, recovery codes, throttling, password reset, session lifetimes.

use reqwest::{Client, StatusCode};
use time::Duration;
use yeastar_portal::accounts::model::Role;
use yeastar_portal::auth::totp;

use crate::helpers::{client, csrf_token, location, spawn_app, TestApp, PASSWORD};

/// Turns 2FA on the way a person does (see `TestApp::enable_two_factor`).
pub async fn enable_two_factor(
    app: &TestApp,
    browser: &Client,
    portal: &str,
) -> (Vec<u8>, Vec<String>) {
    app.enable_two_factor(browser, portal).await
}

/// Password, then the second factor; returns the response to the code form.
async fn sign_in_with_code(
    app: &TestApp,
    browser: &Client,
    email: &str,
    code: &str,
) -> reqwest::Response {
    let response = app.login(browser, email, PASSWORD).await;
    assert_eq!(location(&response), "/login/two-factor");
    let csrf = app.csrf_for(browser, "/login/two-factor").await;
    app.post_form(
        browser,
        "/login/two-factor",
        &[("csrf_token", &csrf), ("code", code)],
    )
    .await
}

fn current_code(app: &TestApp, secret: &[u8]) -> String {
    totp::code_at(secret, app.now().unix_timestamp() as u64)
}

async fn customer(app: &TestApp, email: &str) -> Client {
    let (_, partner) = app.partner(&format!("partner-of-{email}")).await;
    app.active_account(Role::Customer, email, None, Some(partner))
        .await;
    let browser = client();
    assert_eq!(
        location(&app.login(&browser, email, PASSWORD).await),
        "/customer"
    );
    browser
}

#[tokio::test]
async fn two_factor_is_enabled_from_the_key_on_the_page_and_then_required_to_sign_in() {
    let app = spawn_app().await;
    let browser = customer(&app, "two@factor.test").await;
    let (secret, _) = enable_two_factor(&app, &browser, "/customer").await;
    let (_, page) = app.get_html(&browser, "/customer/security").await;
    assert!(page.contains("10 recovery codes left"));
    app.drain_outbox().await;
    assert!(app.smtp.to("two@factor.test").iter().any(|m| m
        .subject()
        .contains("two-factor authentication was turned on")));
    let stored: Vec<u8> =
        sqlx::query_scalar("select totp_secret from accounts where email = 'two@factor.test'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(
        !stored.windows(secret.len()).any(|w| w == secret.as_slice()),
        "the secret is stored encrypted"
    );

    let fresh = client();
    let response = app.login(&fresh, "two@factor.test", PASSWORD).await;
    assert_eq!(location(&response), "/login/two-factor");
    // Half signed in: no portal page opens yet.
    let blocked = fresh.get(app.url("/customer")).send().await.unwrap();
    assert!(location(&blocked).starts_with("/login"));

    let csrf = app.csrf_for(&fresh, "/login/two-factor").await;
    let wrong = app
        .post_form(
            &fresh,
            "/login/two-factor",
            &[("csrf_token", &csrf), ("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong
        .text()
        .await
        .unwrap()
        .contains("That code is not valid"));

    app.clock.advance(Duration::seconds(30));
    let code = current_code(&app, &secret);
    let ok = app
        .post_form(
            &fresh,
            "/login/two-factor",
            &[("csrf_token", &csrf), ("code", &code)],
        )
        .await;
    assert_eq!(location(&ok), "/customer");
    assert_eq!(
        fresh
            .get(app.url("/customer"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_code_is_accepted_once_even_when_submitted_twice_at_the_same_moment() {
    let app = spawn_app().await;
    let browser = customer(&app, "replay@factor.test").await;
    let (secret, _) = enable_two_factor(&app, &browser, "/customer").await;
    app.clock.advance(Duration::seconds(30));
    let code = current_code(&app, &secret);

    let (a, b) = (client(), client());
    for c in [&a, &b] {
        assert_eq!(
            location(&app.login(c, "replay@factor.test", PASSWORD).await),
            "/login/two-factor"
        );
    }
    let (csrf_a, csrf_b) = (
        app.csrf_for(&a, "/login/two-factor").await,
        app.csrf_for(&b, "/login/two-factor").await,
    );
    let fields_a = [("csrf_token", csrf_a.as_str()), ("code", code.as_str())];
    let fields_b = [("csrf_token", csrf_b.as_str()), ("code", code.as_str())];
    let (ra, rb) = tokio::join!(
        app.post_form(&a, "/login/two-factor", &fields_a),
        app.post_form(&b, "/login/two-factor", &fields_b),
    );
    let accepted = [&ra, &rb]
        .iter()
        .filter(|r| location(r) == "/customer")
        .count();
    assert_eq!(
        accepted, 1,
        "exactly one of two simultaneous submissions passes"
    );

    // Later, the same code (same time step) is refused again.
    let c = client();
    let replay = sign_in_with_code(&app, &c, "replay@factor.test", &code).await;
    assert_eq!(replay.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_and_not_twice() {
    let app = spawn_app().await;
    let browser = customer(&app, "recover@factor.test").await;
    let (_, codes) = enable_two_factor(&app, &browser, "/customer").await;

    let first = client();
    let response = sign_in_with_code(
        &app,
        &first,
        "recover@factor.test",
        &codes[3].to_uppercase(),
    )
    .await;
    assert_eq!(location(&response), "/customer");
    let (_, page) = app.get_html(&first, "/customer").await;
    assert!(page.contains("9 recovery codes left"));

    let second = client();
    let response = sign_in_with_code(&app, &second, "recover@factor.test", &codes[3]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_security_page_warns_when_fewer_than_three_recovery_codes_are_left() {
    let app = spawn_app().await;
    let browser = customer(&app, "few@factor.test").await;
    let (_, codes) = enable_two_factor(&app, &browser, "/customer").await;
    for code in &codes[..8] {
        let c = client();
        assert_eq!(
            location(&sign_in_with_code(&app, &c, "few@factor.test", code).await),
            "/customer"
        );
    }
    let (_, page) = app.get_html(&browser, "/customer/security").await;
    assert!(page.contains("2 recovery codes left"));
    assert!(page.contains("You are running out of recovery codes."));
}

#[tokio::test]
async fn turning_two_factor_off_needs_the_password_and_a_current_code() {
    let app = spawn_app().await;
    let browser = customer(&app, "off@factor.test").await;
    let (secret, _) = enable_two_factor(&app, &browser, "/customer").await;
    app.clock.advance(Duration::seconds(30));
    let csrf = app.csrf_for(&browser, "/customer/security").await;
    let code = current_code(&app, &secret);
    let refused = app
        .post_form(
            &browser,
            "/customer/security/two-factor/disable",
            &[
                ("csrf_token", &csrf),
                ("password", "wrong password 1"),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .text()
        .await
        .unwrap()
        .contains("The password is incorrect."));
    let done = app
        .post_form(
            &browser,
            "/customer/security/two-factor/disable",
            &[
                ("csrf_token", &csrf),
                ("password", PASSWORD),
                ("code", &code),
            ],
        )
        .await;
    assert_eq!(location(&done), "/customer/security");
    let fresh = client();
    assert_eq!(
        location(&app.login(&fresh, "off@factor.test", PASSWORD).await),
        "/customer"
    );
    assert_eq!(app.count("select count(*) from recovery_codes").await, 0);
    assert_eq!(
        app.count("select count(*) from audit_log where action = 'two_factor.disabled'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_partner_turns_off_a_lost_phone_customers_two_factor_and_the_customer_is_emailed() {
    let app = spawn_app().await;
    let (_, partner_id) = app.partner("helpful@partner.test").await;
    let customer_id = app
        .active_account(Role::Customer, "lost@phone.test", None, Some(partner_id))
        .await;
    let customer_browser = client();
    app.login(&customer_browser, "lost@phone.test", PASSWORD)
        .await;
    enable_two_factor(&app, &customer_browser, "/customer").await;

    let partner = client();
    app.login(&partner, "helpful@partner.test", PASSWORD).await;
    let (_, page) = app
        .get_html(&partner, &format!("/partner/customers/{customer_id}"))
        .await;
    assert!(page.contains("Turn off (lost phone)"));
    let confirm_path = format!("/partner/customers/{customer_id}/two-factor/disable");
    let csrf = app.csrf_for(&partner, &confirm_path).await;
    let response = app
        .post_form(&partner, &confirm_path, &[("csrf_token", &csrf)])
        .await;
    assert_eq!(
        location(&response),
        format!("/partner/customers/{customer_id}")
    );

    assert_eq!(
        location(&app.login(&client(), "lost@phone.test", PASSWORD).await),
        "/customer"
    );
    let actor: uuid::Uuid =
        sqlx::query_scalar("select actor_id from audit_log where action = 'two_factor.disabled'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(actor, partner_id.0, "audited under the partner's name");
    app.drain_outbox().await;
    assert!(app.smtp.to("lost@phone.test").iter().any(|m| m
        .text()
        .contains("Your Yeastar partner turned off two-factor authentication")));

    // Another partner cannot do it.
    let (other, _) = app.signed_in_partner("other@partner.test").await;
    let (status, _) = app.get_html(&other, &confirm_path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_and_a_success_resets_the_counter() {
    let app = spawn_app().await;
    app.partner("throttled@partner.test").await;
    for _ in 0..5 {
        let r = app
            .login(&client(), "throttled@partner.test", "wrong password 1")
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Now even the right password waits, with a message that does not reveal the account.
    let locked = app
        .login(&client(), "throttled@partner.test", PASSWORD)
        .await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(locked
        .text()
        .await
        .unwrap()
        .contains("Too many failed sign-in attempts."));
    for _ in 0..5 {
        app.login(&client(), "nobody@partner.test", "wrong password 1")
            .await;
    }
    let unknown = app.login(&client(), "nobody@partner.test", PASSWORD).await;
    assert_eq!(
        unknown.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "unknown emails are throttled the same way"
    );

    app.clock.advance(Duration::seconds(2));
    let ok = app
        .login(&client(), "throttled@partner.test", PASSWORD)
        .await;
    assert_eq!(location(&ok), "/partner/customers");
    assert_eq!(
        app.count(
            "select count(*) from login_throttle where key = 'account:throttled@partner.test'"
        )
        .await,
        0
    );
    // The delay grows with each failure past the free ones.
    for _ in 0..5 {
        app.login(&client(), "throttled@partner.test", "wrong password 1")
            .await;
    }
    app.clock.advance(Duration::seconds(2));
    app.login(&client(), "throttled@partner.test", "wrong password 1")
        .await;
    app.clock.advance(Duration::seconds(1));
    let still = app
        .login(&client(), "throttled@partner.test", PASSWORD)
        .await;
    assert_eq!(
        still.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the second lock lasts 2 s"
    );
}

pub async fn request_reset(app: &TestApp, email: &str) -> String {
    let browser = client();
    let csrf = app.csrf_for(&browser, "/forgot-password").await;
    let response = app
        .post_form(
            &browser,
            "/forgot-password",
            &[("csrf_token", &csrf), ("email", email)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("If an active account uses"));
    app.reset_requests_handled().await;
    app.drain_outbox().await;
    app.smtp
        .to(email)
        .iter()
        .rev()
        .find_map(|m| m.link("/reset-password/"))
        .unwrap_or_default()
}

pub async fn submit_reset(
    app: &TestApp,
    link: &str,
    password: &str,
    code: Option<&str>,
) -> reqwest::Response {
    let browser = client();
    let path = link.strip_prefix(&app.address).unwrap().to_owned();
    let (_, page) = app.get_html(&browser, "/login").await;
    let csrf = csrf_token(&page);
    let mut fields = vec![
        ("csrf_token", csrf.as_str()),
        ("password", password),
        ("password_confirm", password),
    ];
    if let Some(code) = code {
        fields.push(("code", code));
    }
    app.post_form(&browser, &path, &fields).await
}

#[tokio::test]
async fn a_reset_link_works_once_ends_every_session_and_gives_the_same_answer_for_unknown_emails() {
    let app = spawn_app().await;
    let signed_in = customer(&app, "forgetful@reset.test").await;
    assert!(
        request_reset(&app, "nobody@reset.test").await.is_empty(),
        "no email for an unknown address"
    );
    let link = request_reset(&app, "forgetful@reset.test").await;
    assert!(!link.is_empty());

    let response = submit_reset(&app, &link, "A brand new password 7", None).await;
    assert_eq!(location(&response), "/login");
    let old = signed_in.get(app.url("/customer")).send().await.unwrap();
    assert!(
        location(&old).starts_with("/login"),
        "the old session ended"
    );
    assert_eq!(
        location(
            &app.login(&client(), "forgetful@reset.test", "A brand new password 7")
                .await
        ),
        "/customer"
    );

    let again = submit_reset(&app, &link, "Yet another password 8", None).await;
    assert_eq!(again.status(), StatusCode::GONE);
    assert!(again.text().await.unwrap().contains("already used"));
}

#[tokio::test]
async fn a_reset_link_expires_after_one_hour() {
    let app = spawn_app().await;
    customer(&app, "slow@reset.test").await;
    let link = request_reset(&app, "slow@reset.test").await;
    app.clock.advance(Duration::hours(1));
    let response = submit_reset(&app, &link, "A brand new password 7", None).await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("This reset link has expired"));
    assert_eq!(
        location(&app.login(&client(), "slow@reset.test", PASSWORD).await),
        "/customer"
    );
}

#[tokio::test]
async fn a_reset_never_bypasses_two_factor() {
    let app = spawn_app().await;
    let browser = customer(&app, "guarded@reset.test").await;
    let (secret, _) = enable_two_factor(&app, &browser, "/customer").await;
    let link = request_reset(&app, "guarded@reset.test").await;
    let path = link.strip_prefix(&app.address).unwrap();
    let (_, form) = app.get_html(&client(), path).await;
    assert!(form.contains("Authentication code"));

    let without = submit_reset(&app, &link, "A brand new password 7", None).await;
    assert_eq!(without.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(without
        .text()
        .await
        .unwrap()
        .contains("That code is not valid"));
    app.clock.advance(Duration::seconds(30));
    let code = current_code(&app, &secret);
    let with = submit_reset(&app, &link, "A brand new password 7", Some(&code)).await;
    assert_eq!(location(&with), "/login");
}

#[tokio::test]
async fn sessions_end_after_30_idle_minutes_and_12_hours_in_all() {
    let app = spawn_app().await;
    let idle = customer(&app, "idle@session.test").await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        idle.get(app.url("/customer"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        idle.get(app.url("/customer"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "each visit extends the idle timeout"
    );
    app.clock.advance(Duration::minutes(31));
    let expired = idle.get(app.url("/customer")).send().await.unwrap();
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
        assert_eq!(
            busy.get(app.url("/customer"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
    }
    app.clock.advance(Duration::minutes(20));
    let too_old = busy.get(app.url("/customer")).send().await.unwrap();
    assert!(
        location(&too_old).starts_with("/login"),
        "12 hours end it however active"
    );
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions_and_emails_the_owner() {
    let app = spawn_app().await;
    let here = customer(&app, "changer@session.test").await;
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
        .post_form(
            &here,
            "/customer/security/password",
            &[
                ("csrf_token", &csrf),
                ("current_password", PASSWORD),
                ("password", "Changed password 99"),
                ("password_confirm", "Changed password 99"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/customer/security");
    assert_eq!(
        here.get(app.url("/customer"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert!(
        location(&elsewhere.get(app.url("/customer")).send().await.unwrap()).starts_with("/login")
    );
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
    let here = customer(&app, "owner@session.test").await;
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
    assert!(
        location(&elsewhere.get(app.url("/customer")).send().await.unwrap()).starts_with("/login")
    );
    let (_, page) = app.get_html(&here, "/customer/security").await;
    assert!(page.contains("Signed out 1 other session."));
}

#[tokio::test]
async fn every_role_has_its_own_security_page_and_not_anothers() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("sec@partner.test").await;
    let (status, _) = app.get_html(&partner, "/partner/security").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.get_html(&partner, "/customer/security").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let manager = client();
    app.login(&manager, "manager-of-sec@partner.test", PASSWORD)
        .await;
    enable_two_factor(&app, &manager, "/manager").await;
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
    let browser = customer(&app, "quiet@session.test").await;
    browser
        .get(app.url("/customer/account"))
        .send()
        .await
        .unwrap();
    // The one signed-in session (its data holds the "auth" key); a save, even of unchanged data,
    // would move its expiry date.
    let signed_in = "select expiry_date::text || encode(data, 'hex') from tower_sessions.session \
                     where position('\\x61757468'::bytea in data) > 0";
    let before: String = sqlx::query_scalar(signed_in)
        .fetch_one(&app.db)
        .await
        .unwrap();
    app.clock.advance(Duration::minutes(2));
    for _ in 0..3 {
        assert_eq!(
            browser
                .get(app.url("/customer"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
    }
    let after: String = sqlx::query_scalar(signed_in)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        before, after,
        "no write within five minutes of the last one"
    );
    app.clock.advance(Duration::minutes(4));
    browser.get(app.url("/customer")).send().await.unwrap();
    let touched: String = sqlx::query_scalar(signed_in)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_ne!(
        before, touched,
        "after five minutes the idle timeout is extended"
    );
}
