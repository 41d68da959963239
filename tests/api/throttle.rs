//! The sign-in throttle: failures lock an email (known or not) for a growing delay and a success
//! resets the counter; it holds under bursts, as attempts are counted before they are checked,
//! so parallel requests cannot all get a verdict.

use reqwest::StatusCode;
use time::Duration;

use crate::helpers::{assert_says, client, location, spawn_app, TestApp, PASSWORD};

const BURST: usize = 60;
/// Free failures per account (`throttle::ACCOUNT`): the most verdicts a burst may get.
const FREE: usize = 5;

/// Signs in `times` times to `email` with a wrong password; each is refused as such (422).
async fn refused_sign_ins(app: &TestApp, email: &str, times: usize) {
    for _ in 0..times {
        let wrong = app.login(&client(), email, "wrong password 1").await;
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}

fn tally(responses: &[(StatusCode, String)]) -> (usize, usize) {
    let verdicts = responses
        .iter()
        .filter(|(status, _)| *status == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let throttled = responses
        .iter()
        .filter(|(status, body)| {
            *status == StatusCode::TOO_MANY_REQUESTS
                && body.contains("Too many failed sign-in attempts.")
        })
        .count();
    (verdicts, throttled)
}

/// Of a burst, the free attempts got a verdict (422) and every other one was throttled.
fn assert_only_the_free_attempts_checked(responses: &[(StatusCode, String)]) {
    let (verdicts, throttled) = tally(responses);
    assert_eq!(verdicts, FREE, "only the free attempts were checked");
    assert_eq!(
        throttled,
        BURST - FREE,
        "every other attempt was refused unchecked"
    );
}

#[tokio::test]
async fn sixty_concurrent_wrong_passwords_for_one_email_get_at_most_five_verdicts() {
    let app = spawn_app().await;
    // The short locks must not run out while a loaded machine works through the burst.
    app.clock.freeze();
    app.partner("burst@throttle.test").await;
    let mut forms = Vec::new();
    for _ in 0..BURST {
        let browser = client();
        let csrf = app.csrf_for(&browser, "/login").await;
        let fields = [
            ("csrf_token", csrf.as_str()),
            ("email", "burst@throttle.test"),
            ("password", "wrong password 1"),
            ("next", ""),
        ];
        let fields = fields.map(|(k, v)| (k.to_owned(), v.to_owned())).to_vec();
        forms.push((browser, "/login".to_owned(), fields));
    }
    let responses = app.post_all_at_once(forms).await;

    assert_only_the_free_attempts_checked(&responses);
    assert!(responses
        .iter()
        .filter(|(status, _)| *status == StatusCode::UNPROCESSABLE_ENTITY)
        .all(|(_, body)| body.contains("The email address or password is incorrect.")));
    assert_eq!(app.audit_count("sign_in.failed").await, FREE as i64);
    // Even the right password waits now.
    let locked = app.login(&client(), "burst@throttle.test", PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn sixty_concurrent_wrong_codes_at_the_two_factor_step_get_at_most_five_verdicts() {
    let app = spawn_app().await;
    app.clock.freeze();
    let (browser, _) = app.signed_in_customer("codes@throttle.test").await;
    app.enable_two_factor(&browser, "/customer").await;
    let pending = client();
    let response = app.login(&pending, "codes@throttle.test", PASSWORD).await;
    assert_eq!(location(&response), "/login/two-factor");
    let csrf = app.csrf_for(&pending, "/login/two-factor").await;
    let fields = vec![
        ("csrf_token".to_owned(), csrf),
        ("code".to_owned(), "000000".to_owned()),
    ];
    let forms = (0..BURST)
        .map(|_| {
            (
                pending.clone(),
                "/login/two-factor".to_owned(),
                fields.clone(),
            )
        })
        .collect();
    let responses = app.post_all_at_once(forms).await;

    assert_only_the_free_attempts_checked(&responses);
}

#[tokio::test]
async fn a_right_password_gives_its_attempt_back() {
    let app = spawn_app().await;
    app.clock.freeze();
    app.partner("careful@throttle.test").await;
    refused_sign_ins(&app, "careful@throttle.test", FREE - 1).await;
    // The fifth attempt is right: it was counted while checked, then given back, so nothing
    // stays locked for the client address or the account.
    let right = app
        .login(&client(), "careful@throttle.test", PASSWORD)
        .await;
    assert_eq!(location(&right), "/partner/customers");
    let locked: i64 = app
        .count("select count(*) from login_throttle where locked_until is not null")
        .await;
    assert_eq!(locked, 0);
    let client_failures: i32 = app
        .one("select failures from login_throttle where key = 'ip:127.0.0.1'")
        .await;
    assert_eq!(
        client_failures,
        (FREE - 1) as i32,
        "only the wrong ones count"
    );
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_and_a_success_resets_the_counter() {
    let app = spawn_app().await;
    app.partner("throttled@partner.test").await;
    refused_sign_ins(&app, "throttled@partner.test", 5).await;
    // Now even the right password waits, with a message that does not reveal the account.
    let locked = app
        .login(&client(), "throttled@partner.test", PASSWORD)
        .await;
    assert_says(
        locked,
        StatusCode::TOO_MANY_REQUESTS,
        "Too many failed sign-in attempts.",
    )
    .await;
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
