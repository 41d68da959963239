//! What operators watch: Prometheus metrics on their own listener (`METRICS_ADDR`), never on the
//! public port, and JSON log lines that carry the request id. Metrics are process-global, and
//! this binary runs many apps at once, so counters are checked as "at least", and only gauges
//! (set from this app's database while the scrape is held) are checked exactly.

use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::{spawn_app, spawn_app_configured, TestApp};
use crate::smtp::SmtpSink;

async fn spawn_app_with_metrics() -> TestApp {
    let smtp = SmtpSink::start().await;
    spawn_app_configured(smtp, |config| {
        config.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
    })
    .await
}

/// The text `/metrics` answers on the metrics listener.
async fn scrape(app: &TestApp) -> String {
    let base = app.metrics.as_ref().expect("the metrics listener is on");
    let response = reqwest::get(format!("{base}/metrics")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/plain; version=0.0.4"));
    response.text().await.unwrap()
}

/// The value of the series `name` whose labels include every one of `labels` (`key="value"`).
fn value(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .find(|(series, _)| {
            let (series_name, rest) = series.split_once('{').unwrap_or((series, ""));
            series_name == name && labels.iter().all(|label| rest.contains(label))
        })
        .map(|(_, value)| value.parse().unwrap())
}

fn must(text: &str, name: &str, labels: &[&str]) -> f64 {
    value(text, name, labels).unwrap_or_else(|| panic!("{name} {labels:?} in\n{text}"))
}

#[tokio::test]
async fn the_metrics_listener_counts_pages_by_route_pattern_and_sign_ins_and_reads_the_pool() {
    let app = spawn_app_with_metrics().await;
    let (partner_browser, partner) = app.signed_in_partner("p@metrics.test").await;
    let customer = app.customer_of(partner, "c@metrics.test").await;
    let path = format!("/partner/customers/{customer}");
    assert_eq!(app.status_of(&partner_browser, &path).await, StatusCode::OK);

    let text = scrape(&app).await;

    let route = r#"route="/partner/customers/{id}""#;
    let page = [route, r#"method="GET""#, r#"status="200""#];
    assert!(must(&text, "portal_http_requests_total", &page) >= 1.0);
    assert!(must(&text, "portal_http_request_duration_seconds_count", &page) >= 1.0);
    assert!(value(
        &text,
        "portal_http_request_duration_seconds_bucket",
        &[route, r#"le="0.001""#]
    )
    .is_some());
    assert!(
        !text.contains(&customer.to_string()),
        "no raw path with an id"
    );
    let signed_in = [r#"step="password""#, r#"outcome="success""#];
    assert!(must(&text, "portal_sign_ins_total", &signed_in) >= 1.0);
    assert_eq!(must(&text, "portal_db_pool_connections_max", &[]), 5.0);
    assert!(must(&text, "portal_db_pool_connections_in_use", &[]) >= 0.0);
    assert!(must(&text, "portal_db_pool_connections_idle", &[]) >= 0.0);
    assert!(must(&text, "portal_db_pool_acquire_seconds", &[]) < 3.0);
    assert!(must(&text, "portal_argon2_waiting", &[]) >= 0.0);
    assert!(must(&text, "portal_argon2_running", &[]) >= 0.0);
    assert!(text.contains("# HELP portal_http_requests_total"));
}

#[tokio::test]
async fn the_metrics_listener_reports_the_outbox_and_open_job_failures_at_each_scrape() {
    let app = spawn_app_with_metrics().await;
    app.partner("p@outbox-metrics.test").await;
    let pending = app
        .count("select count(*) from email_outbox where status = 'pending'")
        .await;
    assert!(pending >= 2, "the activation emails wait in the outbox");
    sqlx::query("update email_outbox set created_at = now() - interval '10 minutes'")
        .execute(&app.db)
        .await
        .unwrap();
    for _ in 0..2 {
        sqlx::query(
            "insert into job_failures (id, job, item_id, attempts, last_error, first_failed_at, \
             last_failed_at, next_attempt_at) values (gen_random_uuid(), 'pbx_offline', \
             gen_random_uuid(), 1, 'boom', now(), now(), now())",
        )
        .execute(&app.db)
        .await
        .unwrap();
    }

    let text = scrape(&app).await;
    assert_eq!(must(&text, "portal_outbox_pending", &[]), pending as f64);
    assert!(must(&text, "portal_outbox_oldest_pending_age_seconds", &[]) >= 600.0);
    let offline = [r#"job="pbx_offline""#];
    assert_eq!(must(&text, "portal_job_failures_open", &offline), 2.0);

    // Delivered and resolved: the next scrape says so, without waiting for any sampler.
    assert_eq!(app.drain_outbox().await as i64, pending);
    sqlx::query("update job_failures set resolved_at = now()")
        .execute(&app.db)
        .await
        .unwrap();
    let text = scrape(&app).await;
    assert_eq!(must(&text, "portal_outbox_pending", &[]), 0.0);
    assert_eq!(
        must(&text, "portal_outbox_oldest_pending_age_seconds", &[]),
        0.0
    );
    assert_eq!(must(&text, "portal_job_failures_open", &offline), 0.0);
    let sent = must(&text, "portal_emails_total", &[r#"outcome="sent""#]);
    assert!(sent >= pending as f64);
}

#[tokio::test]
async fn the_public_port_does_not_serve_metrics() {
    let app = spawn_app_with_metrics().await;
    let response = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(!response
        .text()
        .await
        .unwrap()
        .contains("portal_http_requests_total"));
}

#[tokio::test]
async fn without_metrics_addr_no_metrics_listener_is_opened() {
    let app = spawn_app().await;
    assert_eq!(app.metrics, None);
    assert_eq!(
        reqwest::get(app.url("/metrics")).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn json_logs_are_one_object_a_line_carrying_the_request_id_of_the_response() {
    let fixtures = spawn_app().await;
    let port = SmtpSink::unused_port().await;
    let base = format!("http://127.0.0.1:{port}");
    let server = tokio::process::Command::new(env!("CARGO_BIN_EXE_yeastar-portal"))
        .arg("serve")
        .env("DATABASE_URL", fixtures.config.database_url.expose())
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("SCHEDULED_JOBS", "false")
        .env("MAIL_WORKER", "false")
        .env("LOG_FORMAT", "json")
        // tower-http's line for each response (status, latency) is at debug.
        .env("RUST_LOG", "info,tower_http=debug")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");

    let mut answer = None;
    for _ in 0..200 {
        if let Ok(response) = reqwest::get(format!("{base}/login")).await {
            answer = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let answer = answer.expect("the server came up");
    assert_eq!(answer.status(), StatusCode::OK);
    let request_id = answer.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let pid = server.id().expect("the server runs").to_string();
    let term = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(term.success());
    let output = tokio::time::timeout(Duration::from_secs(20), server.wait_with_output())
        .await
        .expect("the server stops after SIGTERM")
        .unwrap();

    let stderr = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("JSON: {line}")))
        .collect();
    let line = lines
        .iter()
        .find(|line| line["span"]["request_id"] == request_id.as_str())
        .unwrap_or_else(|| panic!("a line with request_id {request_id} in\n{stderr}"));
    assert_eq!(line["span"]["method"], "GET");
    assert_eq!(line["span"]["path"], "/login");
    assert_eq!(line["spans"][0]["request_id"], request_id.as_str());
    assert!(line["level"].is_string() && line["timestamp"].is_string());
}
