//! Live links (activation, password reset) do not rest in plain text: delivered emails keep no
//! body, and no log line carries a token.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use uuid::Uuid;
use yeastar_portal::accounts::model::Role;

use crate::helpers::{client, spawn_app, TestApp};

/// The token at the end of a link like `http://host/activate/<token>`.
fn token_of(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_owned()
}

async fn outbox_rows_mentioning(app: &TestApp, token: &str) -> i64 {
    sqlx::query_scalar(
        "select count(*) from email_outbox \
         where strpos(text_body, $1) > 0 or strpos(html_body, $1) > 0",
    )
    .bind(token)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_delivered_email_no_longer_holds_its_link_in_the_outbox() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("kept@partner.test").await;
    let (_, link) = app
        .create_account(Role::Customer, "pending@customer.test", None, Some(partner))
        .await;
    let token = token_of(&link);
    assert_eq!(
        outbox_rows_mentioning(&app, &token).await,
        1,
        "queued with its link"
    );

    app.drain_outbox().await;
    let delivered = app.smtp.to("pending@customer.test");
    assert_eq!(delivered.len(), 1);
    assert_eq!(
        delivered[0].link("/activate/").as_deref(),
        Some(link.as_str())
    );
    assert_eq!(
        outbox_rows_mentioning(&app, &token).await,
        0,
        "gone once sent"
    );
    // What the activation page needs to show delivery state stays.
    let (status, recipient, subject): (String, String, String) = sqlx::query_as(
        "select status::text, recipient, subject from email_outbox \
         where recipient = 'pending@customer.test'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(status, "sent");
    assert_eq!(recipient, "pending@customer.test");
    assert!(!subject.is_empty());
}

/// The portal binary in file-outbox mode (no SMTP_URL) over `app`'s database, logging request
/// spans; its stderr goes to `log`.
fn serve_with_file_outbox(
    app: &TestApp,
    port: u16,
    mail_dir: &std::path::Path,
    log: &std::path::Path,
) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_yeastar-portal"))
        .arg("serve")
        .env("DATABASE_URL", app.config.database_url.expose())
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        .env("MAIL_DIR", mail_dir)
        .env_remove("SMTP_URL")
        // Request spans are printed with the events inside them (tower-http logs at debug).
        .env("RUST_LOG", "info,tower_http=debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap()
}

async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !done().await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The reset link of the `.eml` the file outbox wrote.
fn reset_token_in(mail_dir: &std::path::Path) -> String {
    for entry in std::fs::read_dir(mail_dir).unwrap() {
        let raw = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        // Quoted-printable soft line breaks would split the token.
        let text = raw.replace("=\r\n", "").replace("=3D", "=");
        if let Some(start) = text.find("/reset-password/") {
            return text[start + "/reset-password/".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "-_".contains(*c))
                .collect();
        }
    }
    panic!("no reset email in {}", mail_dir.display());
}

#[tokio::test]
async fn no_log_line_carries_a_reset_or_activation_token() {
    let app = spawn_app().await;
    let email = "logged@partner.test";
    app.partner(email).await;
    let (_, delivered) = app
        .create_account(Role::Manager, "sent@manager.test", None, None)
        .await;
    // Delivered already (over SMTP), so the server below has no reason to mention it.
    app.drain_outbox().await;
    // Still queued: the file outbox logs its activation link for the newcomer.
    let (_, queued) = app
        .create_account(Role::Manager, "queued@manager.test", None, None)
        .await;

    let scratch = std::env::temp_dir().join(format!("yp-logs-{}", Uuid::new_v4().simple()));
    let mail_dir = scratch.join("mail");
    std::fs::create_dir_all(&mail_dir).unwrap();
    let log = scratch.join("stderr.log");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = serve_with_file_outbox(&app, port, &mail_dir, &log);
    let base = format!("http://127.0.0.1:{port}");
    let browser = client();
    wait_until("the server", async || {
        browser.get(format!("{base}/healthz")).send().await.is_ok()
    })
    .await;

    let page = browser
        .get(format!("{base}/forgot-password"))
        .send()
        .await
        .unwrap();
    let csrf = crate::helpers::csrf_token(&page.text().await.unwrap());
    let form = [("csrf_token", csrf.as_str()), ("email", email)];
    let answer = browser
        .post(format!("{base}/forgot-password"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    wait_until("the reset email", async || {
        app.count(
            "select count(*) from email_outbox where kind = 'password_reset' and status = 'sent'",
        )
        .await
            == 1
    })
    .await;
    let reset = reset_token_in(&mail_dir);

    let wrong_csrf = [
        ("csrf_token", "wrong"),
        ("password", "x"),
        ("password_confirm", "x"),
    ];
    for path in [
        format!("/reset-password/{reset}"),
        format!("/activate/{}", token_of(&delivered)),
    ] {
        let page = browser.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        // A refused form is logged with its path.
        let refused = browser
            .post(format!("{base}{path}"))
            .form(&wrong_csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
    }
    wait_until("the queued activation email", async || {
        app.count("select count(*) from email_outbox where status = 'pending'")
            .await
            == 0
    })
    .await;
    let _ = server.kill();
    let _ = server.wait();

    let logged = std::fs::read_to_string(&log).unwrap();
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(
        !logged.contains(&reset),
        "the reset token is logged:\n{logged}"
    );
    assert!(
        !logged.contains(&token_of(&delivered)),
        "an activation token of a request is logged:\n{logged}"
    );
    // The requests were logged, with the token cut out...
    assert!(logged.contains("/reset-password/[redacted]"), "{logged}");
    assert!(logged.contains("/activate/[redacted]"), "{logged}");
    // ...and the newcomer without a mail server still gets the activation link.
    assert!(logged.contains(&token_of(&queued)), "{logged}");
}
