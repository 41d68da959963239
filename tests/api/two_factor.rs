//! Two-factor authentication: turning it on from the key on the page, signing in with a code
//! or a recovery code (each accepted once), the recovery-code warning, and turning it off (by
//! the owner, or by the partner for a customer who lost the phone).

use reqwest::StatusCode;
use time::Duration;

use crate::helpers::{assert_refused_with, client, location, spawn_app, PASSWORD};

#[tokio::test]
async fn two_factor_is_enabled_from_the_key_on_the_page_and_then_required_to_sign_in() {
    let app = spawn_app().await;
    let browser = app.signed_in_customer("two@factor.test").await.0;
    let (secret, _) = app.enable_two_factor(&browser, "/customer").await;
    let (_, page) = app.get_html(&browser, "/customer/security").await;
    assert!(page.contains("10 recovery codes left"));
    app.drain_outbox().await;
    assert!(app.smtp.to("two@factor.test").iter().any(|m| m
        .subject()
        .contains("two-factor authentication was turned on")));
    let stored: Vec<u8> = app
        .one("select totp_secret from accounts where email = 'two@factor.test'")
        .await;
    assert!(
        !stored.windows(secret.len()).any(|w| w == secret.as_slice()),
        "the secret is stored encrypted"
    );

    let fresh = client();
    let response = app.login(&fresh, "two@factor.test", PASSWORD).await;
    assert_eq!(location(&response), "/login/two-factor");
    // Half signed in: no portal page opens yet.
    let blocked = app.get(&fresh, "/customer").await;
    assert!(location(&blocked).starts_with("/login"));

    let csrf = app.csrf_for(&fresh, "/login/two-factor").await;
    let wrong = app
        .post_form(
            &fresh,
            "/login/two-factor",
            &[("csrf_token", &csrf), ("code", "000000")],
        )
        .await;
    assert_refused_with(wrong, "That code is not valid").await;

    app.clock.advance(Duration::seconds(30));
    let code = app.current_code(&secret);
    let ok = app
        .post_form(
            &fresh,
            "/login/two-factor",
            &[("csrf_token", &csrf), ("code", &code)],
        )
        .await;
    assert_eq!(location(&ok), "/customer");
    assert_eq!(app.status_of(&fresh, "/customer").await, StatusCode::OK);
}

#[tokio::test]
async fn a_code_is_accepted_once_even_when_submitted_twice_at_the_same_moment() {
    let app = spawn_app().await;
    let browser = app.signed_in_customer("replay@factor.test").await.0;
    let (secret, _) = app.enable_two_factor(&browser, "/customer").await;
    app.clock.advance(Duration::seconds(30));
    let code = app.current_code(&secret);

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
    let replay = app.sign_in_with_code(&c, "replay@factor.test", &code).await;
    assert_eq!(replay.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once_and_not_twice() {
    let app = spawn_app().await;
    let browser = app.signed_in_customer("recover@factor.test").await.0;
    let (_, codes) = app.enable_two_factor(&browser, "/customer").await;

    let first = client();
    let response = app
        .sign_in_with_code(&first, "recover@factor.test", &codes[3].to_uppercase())
        .await;
    assert_eq!(location(&response), "/customer");
    let (_, page) = app.get_html(&first, "/customer").await;
    assert!(page.contains("9 recovery codes left"));

    let second = client();
    let response = app
        .sign_in_with_code(&second, "recover@factor.test", &codes[3])
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_security_page_warns_when_fewer_than_three_recovery_codes_are_left() {
    let app = spawn_app().await;
    let browser = app.signed_in_customer("few@factor.test").await.0;
    let (_, codes) = app.enable_two_factor(&browser, "/customer").await;
    for code in &codes[..8] {
        let c = client();
        assert_eq!(
            location(&app.sign_in_with_code(&c, "few@factor.test", code).await),
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
    let browser = app.signed_in_customer("off@factor.test").await.0;
    let (secret, _) = app.enable_two_factor(&browser, "/customer").await;
    app.clock.advance(Duration::seconds(30));
    let csrf = app.csrf_for(&browser, "/customer/security").await;
    let code = app.current_code(&secret);
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
    assert_refused_with(refused, "The password is incorrect.").await;
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
    assert_eq!(app.audit_count("two_factor.disabled").await, 1);
}

#[tokio::test]
async fn a_partner_turns_off_a_lost_phone_customers_two_factor_and_the_customer_is_emailed() {
    let app = spawn_app().await;
    let (_, partner_id) = app.partner("helpful@partner.test").await;
    let customer_id = app.customer_of(partner_id, "lost@phone.test").await;
    let customer_browser = client();
    app.login(&customer_browser, "lost@phone.test", PASSWORD)
        .await;
    app.enable_two_factor(&customer_browser, "/customer").await;

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
    let actor: uuid::Uuid = app
        .one("select actor_id from audit_log where action = 'two_factor.disabled'")
        .await;
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
