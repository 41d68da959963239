//! Live links (activation, password reset) do not rest in plain text: delivered emails keep no
//! body, and no log line carries a token.

use std::path::PathBuf;
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

/// The portal binary in file-outbox mode (no SMTP_URL) over a test app's database, printing
/// request spans (tower-http logs at debug) to a log file.
struct FileOutboxServer {
    child: std::process::Child,
    base: String,
    scratch: PathBuf,
}

impl FileOutboxServer {
    async fn start(app: &TestApp) -> Self {
        let scratch = std::env::temp_dir().join(format!("yp-logs-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(scratch.join("mail")).unwrap();
        // Port 0: the server binds a port of its own and logs it. The links it writes name no
        // port; only their tokens are read here.
        let child = Command::new(env!("CARGO_BIN_EXE_yeastar-portal"))
            .arg("serve")
            .env("DATABASE_URL", app.config.database_url.expose())
            .env("BIND_ADDR", "127.0.0.1:0")
            .env("PUBLIC_URL", "http://127.0.0.1")
            .env("MAIL_DIR", scratch.join("mail"))
            .env_remove("SMTP_URL")
            .env("RUST_LOG", "info,tower_http=debug")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(scratch.join("stderr.log")).unwrap())
            .spawn()
            .unwrap();
        let log = scratch.join("stderr.log");
        let mut base = String::new();
        wait_until("the server's address in its log", async || {
            let logged = std::fs::read_to_string(&log).unwrap_or_default();
            base = listening_address(&logged).map_or_else(String::new, |at| format!("http://{at}"));
            !base.is_empty()
        })
        .await;
        let probe = client();
        wait_until("the server", async || {
            probe.get(format!("{base}/healthz")).send().await.is_ok()
        })
        .await;
        Self {
            child,
            base,
            scratch,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The token of the reset link in the `.eml` the file outbox wrote.
    fn reset_token(&self) -> String {
        for entry in std::fs::read_dir(self.scratch.join("mail")).unwrap() {
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
        panic!("no reset email in the file outbox");
    }

    /// Stops the server; returns everything it logged.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let logged = std::fs::read_to_string(self.scratch.join("stderr.log")).unwrap();
        let _ = std::fs::remove_dir_all(&self.scratch);
        logged
    }
}

/// The address in the server's `portal listening address=…` log line.
fn listening_address(logged: &str) -> Option<String> {
    let line = logged.lines().find(|l| l.contains("portal listening"))?;
    let at = line.split("address=").nth(1)?;
    Some(at.split_whitespace().next()?.to_owned())
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

/// Asks `server` for a reset link for `email` and waits until the file outbox wrote it.
async fn request_reset(app: &TestApp, server: &FileOutboxServer, email: &str) -> String {
    let browser = client();
    let page = browser.get(server.url("/forgot-password")).send().await;
    let csrf = crate::helpers::csrf_token(&page.unwrap().text().await.unwrap());
    let form = [("csrf_token", csrf.as_str()), ("email", email)];
    let answer = browser.post(server.url("/forgot-password")).form(&form);
    assert_eq!(answer.send().await.unwrap().status(), StatusCode::OK);
    let sent =
        "select count(*) from email_outbox where kind = 'password_reset' and status = 'sent'";
    wait_until("the reset email", async || app.count(sent).await == 1).await;
    server.reset_token()
}

/// Opens the page at `path`, then posts its form with a wrong CSRF token (a refusal is logged
/// with its path).
async fn visit(server: &FileOutboxServer, path: &str) {
    let browser = client();
    let page = browser.get(server.url(path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "{path}");
    let form = [
        ("csrf_token", "wrong"),
        ("password", "x"),
        ("password_confirm", "x"),
    ];
    let refused = browser.post(server.url(path)).form(&form).send().await;
    assert_eq!(refused.unwrap().status(), StatusCode::FORBIDDEN, "{path}");
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

    let server = FileOutboxServer::start(&app).await;
    let reset = request_reset(&app, &server, email).await;
    visit(&server, &format!("/reset-password/{reset}")).await;
    visit(&server, &format!("/activate/{}", token_of(&delivered))).await;
    let pending = "select count(*) from email_outbox where status = 'pending'";
    wait_until("the queued activation email", async || {
        app.count(pending).await == 0
    })
    .await;
    let logged = server.stop();

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
