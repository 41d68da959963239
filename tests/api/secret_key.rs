//! SECRET_KEY: required (and strong) outside loopback, and rotatable without losing the TOTP
//! secrets sealed under the old key.

use std::process::{Command, Stdio};
use std::time::{Duration as StdDuration, Instant};

use reqwest::StatusCode;
use time::Duration;
use yeastar_portal::accounts::model::AccountId;
use yeastar_portal::app::App;
use yeastar_portal::auth::secretbox::SecretBox;
use yeastar_portal::config::{Secret, DEV_SECRET_KEY};

use crate::helpers::logs::CapturedLogs;
use crate::helpers::{client, location, spawn_app, spawn_app_configured, TestApp, PASSWORD};
use crate::smtp::SmtpSink;

const KEY_A: &str = "first-production-key-0123456789abcdef";
const KEY_B: &str = "second-production-key-fedcba9876543210";

#[tokio::test]
async fn the_server_refuses_a_public_address_with_the_development_or_a_short_key() {
    let app = spawn_app().await;
    for key in [DEV_SECRET_KEY, "only-31-bytes-long-0123456789ab"] {
        let mut config = app.config.clone();
        config.bind_addr = "0.0.0.0:0".parse().unwrap();
        config.secret_key = Secret::new(key);
        let err = match App::build(config).await {
            Ok(_) => panic!("started on 0.0.0.0 with the key {key:?}"),
            Err(err) => format!("{err:#}"),
        };
        assert!(err.contains("SECRET_KEY"), "{err}");
        assert!(err.contains("32 bytes"), "{err}");
    }
    // A key of 32 bytes or more is accepted on any address.
    let mut config = app.config.clone();
    config.bind_addr = "0.0.0.0:0".parse().unwrap();
    config.secret_key = Secret::new("exactly-32-bytes-long-0123456789");
    assert!(App::build(config).await.is_ok());
}

#[tokio::test]
async fn the_development_key_still_serves_on_loopback() {
    let app = spawn_app_configured(SmtpSink::start().await, |c| {
        c.secret_key = Secret::new(DEV_SECRET_KEY)
    })
    .await;
    let (status, _) = app.get_html(&client(), "/login").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn serve_without_a_secret_key_on_a_public_address_exits_with_a_clear_message() {
    let app = spawn_app().await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_yeastar-portal"))
        .arg("serve")
        .env("DATABASE_URL", app.config.database_url.expose())
        .env("BIND_ADDR", "0.0.0.0:0")
        .env_remove("SECRET_KEY")
        .env_remove("SECRET_KEY_PREVIOUS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > StdDuration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("serve kept running on 0.0.0.0 without SECRET_KEY");
        }
        std::thread::sleep(StdDuration::from_millis(100));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success());
    assert!(stderr.contains("SECRET_KEY"), "{stderr}");
    assert!(stderr.contains("loopback"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A server sealing with `KEY_A` and a signed-in customer (of a new partner) who turned
/// two-factor on: the app, the customer's id, the secret and the recovery codes.
async fn two_factor_customer_under_key_a(
    email: &str,
) -> (TestApp, AccountId, Vec<u8>, Vec<String>) {
    let app = spawn_app_configured(SmtpSink::start().await, |c| {
        c.secret_key = Secret::new(KEY_A)
    })
    .await;
    let (browser, account) = app.signed_in_customer(email).await;
    let (secret, codes) = app.enable_two_factor(&browser, "/customer").await;
    (app, account, secret, codes)
}

/// Signs `email` in with its password and the current code of `secret`.
async fn sign_in_with_totp(app: &TestApp, email: &str, secret: &[u8]) -> String {
    // Each sign-in needs a fresh time step: a spent one is refused as a replay.
    app.clock.advance(Duration::seconds(30));
    let code = app.current_code(secret);
    location(&app.sign_in_with_code(&client(), email, &code).await)
}

async fn stored_secret(app: &TestApp, email: &str) -> Vec<u8> {
    sqlx::query_scalar("select totp_secret from accounts where email = $1")
        .bind(email)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_totp_secret_survives_a_key_rotation_and_is_resealed_under_the_new_key() {
    let email = "rotation@customer.test";
    let (mut app, _, secret, _) = two_factor_customer_under_key_a(email).await;
    assert!(SecretBox::new(KEY_A)
        .open(&stored_secret(&app, email).await)
        .is_ok());

    // Rotate: the new key seals, the old one only opens.
    app.restart_with(|c| {
        c.secret_key = Secret::new(KEY_B);
        c.secret_key_previous = Some(Secret::new(KEY_A));
    })
    .await;
    assert_eq!(sign_in_with_totp(&app, email, &secret).await, "/customer");
    let stored = stored_secret(&app, email).await;
    assert_eq!(SecretBox::new(KEY_B).open(&stored).unwrap(), secret);
    assert!(
        SecretBox::new(KEY_A).open(&stored).is_err(),
        "re-sealed under the new key at sign-in"
    );

    // The old key can now go.
    app.restart_with(|c| c.secret_key_previous = None).await;
    assert_eq!(sign_in_with_totp(&app, email, &secret).await, "/customer");
}

/// `yeastar-portal reseal-secrets` with the given keys over `app`'s database.
fn reseal(app: &TestApp, key: &str, previous: Option<&str>) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_yeastar-portal"));
    command
        .arg("reseal-secrets")
        .env("DATABASE_URL", app.config.database_url.expose())
        .env("SECRET_KEY", key)
        .env_remove("SECRET_KEY_PREVIOUS");
    if let Some(previous) = previous {
        command.env("SECRET_KEY_PREVIOUS", previous);
    }
    command.output().unwrap()
}

#[tokio::test]
async fn reseal_secrets_completes_a_rotation_for_accounts_that_have_not_signed_in() {
    let email = "dormant@customer.test";
    let (mut app, _, secret, _) = two_factor_customer_under_key_a(email).await;

    // A key that sealed nothing here: refused, nothing changed.
    let wrong = reseal(&app, "an-unrelated-key-0123456789abcdefgh", None);
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("1 TOTP secrets open with neither"));
    assert!(SecretBox::new(KEY_A)
        .open(&stored_secret(&app, email).await)
        .is_ok());

    let done = reseal(&app, KEY_B, Some(KEY_A));
    let stdout = String::from_utf8_lossy(&done.stdout).into_owned();
    assert!(
        done.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(
        stdout.contains("1 re-sealed, 0 already under SECRET_KEY, 0 unreadable"),
        "{stdout}"
    );
    assert_eq!(
        SecretBox::new(KEY_B)
            .open(&stored_secret(&app, email).await)
            .unwrap(),
        secret
    );
    let again = reseal(&app, KEY_B, None);
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 re-sealed, 1 already"));

    // The previous key is gone and the account never signed in meanwhile: still works.
    app.restart_with(|c| c.secret_key = Secret::new(KEY_B))
        .await;
    assert_eq!(sign_in_with_totp(&app, email, &secret).await, "/customer");
}

#[tokio::test]
async fn a_totp_secret_no_key_opens_gets_a_clear_answer_and_recovery_codes_still_sign_in() {
    let email = "lost-key@customer.test";
    let (mut app, account, secret, codes) = two_factor_customer_under_key_a(email).await;

    // Rotated without SECRET_KEY_PREVIOUS: nothing opens the stored secret any more.
    app.restart_with(|c| c.secret_key = Secret::new(KEY_B))
        .await;
    app.clock.advance(Duration::seconds(30));
    let logs = CapturedLogs::start();
    let browser = client();
    let response = app.login(&browser, email, PASSWORD).await;
    assert_eq!(location(&response), "/login/two-factor");
    let csrf = app.csrf_for(&browser, "/login/two-factor").await;
    let code = app.current_code(&secret);
    let form = [("csrf_token", csrf.as_str()), ("code", code.as_str())];
    let refused = app.post_form(&browser, "/login/two-factor", &form).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("Your two-factor key cannot be read; use a recovery code"),
        "{page}"
    );
    let logged = logs.text();
    let account = account.to_string();
    let about_this_account: Vec<&str> = logged.lines().filter(|l| l.contains(&account)).collect();
    assert!(
        about_this_account
            .iter()
            .any(|l| l.contains("ERROR") && l.contains("SECRET_KEY_PREVIOUS")),
        "the operator is told which account and which keys: {about_this_account:?}"
    );

    // The same pending sign-in finishes with a recovery code.
    let form = [("csrf_token", csrf.as_str()), ("code", codes[0].as_str())];
    let response = app.post_form(&browser, "/login/two-factor", &form).await;
    assert_eq!(location(&response), "/customer");
}

#[tokio::test]
async fn a_reset_for_an_account_whose_totp_secret_no_key_opens_takes_a_recovery_code() {
    let email = "lost-key-reset@customer.test";
    let (mut app, _, secret, codes) = two_factor_customer_under_key_a(email).await;
    app.restart_with(|c| c.secret_key = Secret::new(KEY_B))
        .await;

    let link = app.request_reset(email).await;
    app.clock.advance(Duration::seconds(30));
    let code = app.current_code(&secret);
    let refused = app
        .submit_reset(&link, "A brand new password 7", Some(&code))
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("Your two-factor key cannot be read"),
        "{page}"
    );
    let done = app
        .submit_reset(&link, "A brand new password 7", Some(&codes[0]))
        .await;
    assert_eq!(location(&done), "/login");
}
