//! Shutdown: the real binary and a real SIGTERM. It drains first (readiness 503, pages still
//! served, connections closed after each answer), then under load requests in flight finish,
//! every order is whole or absent, and the outbox keeps what it had.

use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, StatusCode};
use uuid::Uuid;

use crate::helpers::{client, csrf_token, hidden_fields, spawn_app, PASSWORD};
use crate::smtp::SmtpSink;

const PURCHASES: usize = 24;

/// `yeastar-portal serve` on its own port, over the test's database, configured by env vars.
async fn serve(database_url: &str, port: u16, smtp_port: u16) -> tokio::process::Child {
    serve_draining(database_url, port, smtp_port, 0).await
}

/// As `serve`, draining for `drain_seconds` after SIGTERM.
async fn serve_draining(
    database_url: &str,
    port: u16,
    smtp_port: u16,
    drain_seconds: u64,
) -> tokio::process::Child {
    std::fs::create_dir_all("target").unwrap();
    let log = std::fs::File::create(format!("target/shutdown-{port}.log")).unwrap();
    tokio::process::Command::new(env!("CARGO_BIN_EXE_yeastar-portal"))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("PUBLIC_URL", format!("http://127.0.0.1:{port}"))
        // Nothing listens there: the outbox must keep every email through the shutdown.
        .env("SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}"))
        .env(
            "SECRET_KEY",
            "shutdown-test-key-0123456789abcdef-0123456789",
        )
        .env("SCHEDULED_JOBS", "false")
        .env("SHUTDOWN_DRAIN_SECONDS", drain_seconds.to_string())
        // Few connections, so that confirmations queue and are still in flight at SIGTERM.
        .env("DATABASE_MAX_CONNECTIONS", "2")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts")
}

async fn wait_until_up(base: &str) {
    for _ in 0..200 {
        if let Ok(response) = reqwest::get(format!("{base}/readyz")).await {
            if response.status() == StatusCode::OK {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not come up; see target/shutdown-<port>.log");
}

/// Reviews one purchase; returns the confirmation form the review page carries.
async fn review(base: &str, browser: &Client, csrf: &str) -> Vec<(String, String)> {
    let review = browser
        .post(format!("{base}/partner/purchase/review"))
        .form(&[
            ("csrf_token", csrf),
            ("plan", "cloud_pbx_enterprise"),
            ("units", "10"),
            ("term", "1y"),
            ("licenses", "3"),
            ("customer_email", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(review.status(), StatusCode::OK);
    hidden_fields(&review.text().await.unwrap(), "/partner/purchase/confirm")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_while_purchases_are_confirmed_lets_them_finish_and_leaves_every_order_whole() {
    let fixtures = spawn_app().await;
    fixtures.partner("p@shutdown.test").await;
    let dead_smtp = SmtpSink::unused_port().await;
    let port = SmtpSink::unused_port().await;
    let base = format!("http://127.0.0.1:{port}");
    let mut server = serve(fixtures.config.database_url.expose(), port, dead_smtp).await;
    wait_until_up(&base).await;

    let browser = client();
    let login = browser.get(format!("{base}/login")).send().await.unwrap();
    let csrf = csrf_token(&login.text().await.unwrap());
    let signed_in = browser
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "p@shutdown.test"),
            ("password", PASSWORD),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let page = browser
        .get(format!("{base}/partner/purchase"))
        .send()
        .await
        .unwrap();
    let csrf = csrf_token(&page.text().await.unwrap());
    let mut forms = Vec::new();
    for _ in 0..PURCHASES {
        forms.push(review(&base, &browser, &csrf).await);
    }
    let outbox_before: Vec<Uuid> = sqlx::query_scalar("select id from email_outbox order by id")
        .fetch_all(&fixtures.db)
        .await
        .unwrap();
    assert!(!outbox_before.is_empty());

    // Every confirmation at once; SIGTERM as soon as the first few are answered.
    let answered = Arc::new(AtomicUsize::new(0));
    let signalled = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let confirms: Vec<_> = forms
        .into_iter()
        .map(|form| {
            let (browser, base) = (browser.clone(), base.clone());
            let (answered, signalled) = (answered.clone(), signalled.clone());
            tokio::spawn(async move {
                let result = browser
                    .post(format!("{base}/partner/purchase/confirm"))
                    .form(&form)
                    .send()
                    .await;
                answered.fetch_add(1, Ordering::SeqCst);
                let after_signal = signalled.load(Ordering::SeqCst);
                let key = form
                    .iter()
                    .find(|(name, _)| name == "idempotency_key")
                    .map(|(_, value)| value.clone());
                (result.map(|r| r.status()), after_signal, key)
            })
        })
        .collect();
    while answered.load(Ordering::SeqCst) < 3 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let pid = server.id().expect("the server is running").to_string();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    signalled.store(true, Ordering::SeqCst);

    let mut confirmed = Vec::new();
    let mut finished_after_signal = 0;
    for confirm in confirms {
        let (result, after_signal, key) = confirm.await.unwrap();
        // A request the server never took (connection refused or closed unused) is absent;
        // one it answered must be a success, never a 5xx.
        if let Ok(status) = result {
            assert_eq!(
                status,
                StatusCode::SEE_OTHER,
                "a confirmation answered {status}"
            );
            confirmed.push(key.expect("the form has its idempotency key"));
            finished_after_signal += usize::from(after_signal);
        }
    }
    let exit = tokio::time::timeout(Duration::from_secs(20), server.wait())
        .await
        .expect("the server stops after SIGTERM")
        .unwrap();
    assert!(exit.success(), "clean exit: {exit}");
    eprintln!(
        "shutdown under load: {} of {PURCHASES} confirmations answered, {finished_after_signal} \
         of them after SIGTERM",
        confirmed.len()
    );
    assert!(
        finished_after_signal > 0,
        "requests in flight at SIGTERM were answered"
    );

    // Every answered confirmation has its order; every order is whole.
    for key in &confirmed {
        let orders = fixtures
            .count(&format!(
                "select count(*) from orders where idempotency_key = '{key}'"
            ))
            .await;
        assert_eq!(orders, 1, "the order confirmed with {key} exists");
    }
    let broken = fixtures
        .count(
            "select count(*) from orders o where \
               not exists (select 1 from order_lines l where l.order_id = o.id) \
               or (select count(*) from licenses l where l.order_id = o.id) <> o.licenses",
        )
        .await;
    assert_eq!(broken, 0, "no half-written order");
    let outbox_after: Vec<Uuid> = sqlx::query_scalar("select id from email_outbox order by id")
        .fetch_all(&fixtures.db)
        .await
        .unwrap();
    assert!(
        outbox_before.iter().all(|id| outbox_after.contains(id)),
        "the outbox kept its emails"
    );
    assert_eq!(
        fixtures
            .count("select count(*) from email_outbox where status = 'sent'")
            .await,
        0
    );
}

#[tokio::test]
async fn on_sigterm_page_views_move_elsewhere_while_forms_in_hand_are_still_served_then_it_exits() {
    let fixtures = spawn_app().await;
    let dead_smtp = SmtpSink::unused_port().await;
    let port = SmtpSink::unused_port().await;
    let base = format!("http://127.0.0.1:{port}");
    let mut server =
        serve_draining(fixtures.config.database_url.expose(), port, dead_smtp, 3).await;
    wait_until_up(&base).await;
    // Someone has the sign-in form open when the stop comes.
    let browser = client();
    let form = browser.get(format!("{base}/login")).send().await.unwrap();
    let csrf = csrf_token(&form.text().await.unwrap());
    let pid = server.id().expect("the server is running").to_string();
    let signalled = tokio::time::Instant::now();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());

    let mut ready = StatusCode::OK;
    while ready == StatusCode::OK && signalled.elapsed() < Duration::from_secs(2) {
        ready = reqwest::get(format!("{base}/readyz"))
            .await
            .unwrap()
            .status();
    }
    assert_eq!(
        ready,
        StatusCode::SERVICE_UNAVAILABLE,
        "readiness turns 503"
    );
    // A page view is refused before anything runs, for a proxy to retry elsewhere.
    let page = browser.get(format!("{base}/login")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(page.headers()["retry-after"], "1");
    assert_eq!(page.headers()["connection"], "close");
    assert!(page
        .text()
        .await
        .unwrap()
        .contains("This server is restarting"));
    // The form in hand is still served (a wrong password, answered as usual).
    let submitted = browser
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "nobody@shutdown.test"),
            ("password", "not the password"),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(submitted.headers()["connection"], "close");
    assert_eq!(
        reqwest::get(format!("{base}/healthz"))
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "alive while draining"
    );

    let exit = tokio::time::timeout(Duration::from_secs(20), server.wait())
        .await
        .expect("the server stops after draining")
        .unwrap();
    assert!(exit.success(), "clean exit: {exit}");
    assert!(
        signalled.elapsed() >= Duration::from_secs(3),
        "it served for the whole drain"
    );
    assert!(
        reqwest::get(format!("{base}/readyz")).await.is_err(),
        "the listener is closed"
    );
}
