//! Faults injected for real: the SMTP server is down, PostgreSQL goes away mid-traffic, the
//! process gets SIGTERM under load. The portal keeps its promises through each.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use sqlx::PgPool;
use yeastar_portal::config::Secret;

use crate::helpers::{add_customer_form, client, spawn_app_configured, TestApp};
use crate::proxy::TcpProxy;
use crate::smtp::SmtpSink;

const POSTGRES: &str = "127.0.0.1:5432";

/// Adds a customer through the Add Partner form; returns the status and how long it took.
async fn add_customer(
    app: &TestApp,
    partner: &reqwest::Client,
    csrf: &str,
    email: &str,
) -> (StatusCode, Duration) {
    let started = Instant::now();
    let status = match partner
        .post(app.url("/partner/customers/new"))
        .multipart(add_customer_form(csrf, email))
        .send()
        .await
    {
        Ok(response) => response.status(),
        Err(err) => panic!("POST add customer {email}: {err}"),
    };
    (status, started.elapsed())
}

#[tokio::test]
async fn customers_added_while_smtp_is_down_get_their_pages_at_once_and_each_email_arrives_once() {
    let port = SmtpSink::unused_port().await;
    let down = SmtpSink::start_on(port).await;
    down.stop();
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The real mail worker runs in the server, as in production.
    let app = spawn_app_configured(down, |config| config.mail_worker = true).await;
    let (partner, _) = app.signed_in_partner("p@smtp-down.test").await;
    let csrf = app.csrf_for(&partner, "/partner/customers/new").await;

    for n in 0..3 {
        let (status, took) =
            add_customer(&app, &partner, &csrf, &format!("c{n}@smtp-down.test")).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "customer {n} is added");
        assert!(
            took < Duration::from_secs(2),
            "customer {n} answered in {took:?}"
        );
        let (page, _) = app.get_html(&partner, "/partner/customers").await;
        assert_eq!(page, StatusCode::OK);
    }
    // Every email has been tried against the dead port and is waiting for its retry.
    let queued = app.count("select count(*) from email_outbox").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while app
        .count("select count(*) from email_outbox where attempts = 0 or last_error is null")
        .await
        > 0
    {
        assert!(Instant::now() < deadline, "the worker tried every email");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        app.count("select count(*) from email_outbox where status = 'sent'")
            .await,
        0
    );

    // The SMTP server comes up on the same port. Each email is due again at its own
    // `next_attempt_at` (backoff from 5 s); the worker polls every 5 s on top of that.
    let up = SmtpSink::start_on(port).await;
    let window: f64 = app
        .one("select extract(epoch from max(next_attempt_at) - now())::float8 from email_outbox")
        .await;
    let window = Duration::from_secs_f64(window.max(0.0)) + Duration::from_secs(5 + 2);
    let started = Instant::now();
    while up.received().len() < queued as usize {
        assert!(
            started.elapsed() < window,
            "{} of {queued} emails arrived within the backoff window of {window:?}",
            up.received().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Exactly once: nothing more arrives over another poll of the worker.
    tokio::time::sleep(Duration::from_secs(6)).await;
    let received = up.received();
    assert_eq!(received.len(), queued as usize);
    for n in 0..3 {
        let email = format!("c{n}@smtp-down.test");
        let mail = up.to(&email);
        assert_eq!(mail.len(), 1, "{email} got one email");
        assert!(mail[0].link("/activate/").is_some());
    }
    assert_eq!(
        app.count("select count(*) from email_outbox where status = 'sent'")
            .await,
        queued
    );
}

/// What one request of the background traffic saw.
#[derive(Debug)]
struct Seen {
    what: String,
    status: StatusCode,
    took: Duration,
}

/// Partner traffic (list pages and Add Partner) until `stop`, recording every answer.
fn traffic(
    app: Arc<TestApp>,
    partner: reqwest::Client,
    csrf: String,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<Seen>>>,
    counter: Arc<AtomicUsize>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while !stop.load(Ordering::Relaxed) {
            let n = counter.fetch_add(1, Ordering::Relaxed);
            let email = format!("flow{n}@db-cut.test");
            let (status, took) = add_customer(&app, &partner, &csrf, &email).await;
            seen.lock().unwrap().push(Seen {
                what: format!("add {email}"),
                status,
                took,
            });
            let started = Instant::now();
            let status = partner
                .get(app.url("/partner/customers"))
                .send()
                .await
                .expect("the list answers")
                .status();
            let took = started.elapsed();
            seen.lock().unwrap().push(Seen {
                what: "list".into(),
                status,
                took,
            });
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
}

/// During the cut: `/readyz` says 503 within its bound, and a page says 503 with `Retry-After`
/// and the "try again" page within the pool's acquire timeout.
async fn answers_unavailable_quickly(app: &TestApp, partner: &reqwest::Client) {
    let started = Instant::now();
    let ready = reqwest::get(app.url("/readyz")).await.unwrap().status();
    let readyz_took = started.elapsed();
    assert_eq!(ready, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        readyz_took < Duration::from_millis(1500),
        "/readyz took {readyz_took:?}"
    );

    let started = Instant::now();
    let page = app.get(partner, "/partner/customers").await;
    let page_took = started.elapsed();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        page.headers().get("retry-after").is_some(),
        "503 carries Retry-After"
    );
    eprintln!("during the cut: /readyz 503 in {readyz_took:?}, a page 503 in {page_took:?}");
    let body = page.text().await.unwrap();
    assert!(
        body.contains("temporarily unavailable, try again in a moment"),
        "{body}"
    );
    assert!(
        page_took < Duration::from_secs(5),
        "the page took {page_took:?}"
    );
}

/// The server with its pool going through a proxy the test controls.
async fn spawn_behind_proxy() -> (TcpProxy, TestApp) {
    let proxy = TcpProxy::start(POSTGRES.parse().unwrap()).await;
    let proxy_port = proxy.port;
    let smtp = SmtpSink::start().await;
    let app = spawn_app_configured(smtp, move |config| {
        let url = config
            .database_url
            .expose()
            .replace(":5432/", &format!(":{proxy_port}/"));
        config.database_url = Secret::new(url);
    })
    .await;
    (proxy, app)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_postgresql_stops_answering_readyz_still_says_503_within_its_bound() {
    let (proxy, app) = spawn_behind_proxy().await;
    // Signed in: the pool now holds open connections, which the freeze turns silent.
    let (partner, _) = app.signed_in_partner("p@db-freeze.test").await;
    proxy.freeze();
    let probe = client();
    for _ in 0..3 {
        let started = Instant::now();
        let ready = probe
            .get(app.url("/readyz"))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .expect("/readyz answers while the database is silent");
        let took = started.elapsed();
        assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(took < Duration::from_millis(1500), "/readyz took {took:?}");
    }
    proxy.restore().await;
    let restored = Instant::now();
    while app.status_of(&probe, "/readyz").await != StatusCode::OK {
        assert!(restored.elapsed() < Duration::from_secs(15), "ready again");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, _) = app.get_html(&partner, "/partner/customers").await;
    assert_eq!(status, StatusCode::OK, "the session survived the freeze");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn while_postgresql_is_away_pages_answer_503_at_once_and_the_same_process_recovers() {
    let (proxy, app) = spawn_behind_proxy().await;
    // The test's own view of the database, around the proxy.
    let direct = PgPool::connect(&format!("postgres://postgres@{POSTGRES}/{}", app.db_name))
        .await
        .unwrap();
    let (partner, _) = app.signed_in_partner("p@db-cut.test").await;
    let csrf = app.csrf_for(&partner, "/partner/customers/new").await;
    let app = Arc::new(app);
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let counter = Arc::new(AtomicUsize::new(0));
    let flows: Vec<_> = (0..3)
        .map(|_| {
            traffic(
                app.clone(),
                partner.clone(),
                csrf.clone(),
                stop.clone(),
                seen.clone(),
                counter.clone(),
            )
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;

    proxy.cut();
    tokio::time::sleep(Duration::from_millis(300)).await;
    answers_unavailable_quickly(&app, &partner).await;
    tokio::time::sleep(Duration::from_secs(3)).await;

    proxy.restore().await;
    let restored = Instant::now();
    loop {
        let status = reqwest::get(app.url("/readyz")).await.unwrap().status();
        if status == StatusCode::OK {
            break;
        }
        assert!(restored.elapsed() < Duration::from_secs(15), "ready again");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, Ordering::Relaxed);
    for flow in flows {
        flow.await.unwrap();
    }

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    // The same session, in the same process, works again and shows the newest customer.
    let (status, html) = app.get_html(&partner, "/partner/customers").await;
    assert_eq!(status, StatusCode::OK, "the session survived the cut");
    let newest = seen
        .iter()
        .rev()
        .find(|s| s.what.starts_with("add") && s.status == StatusCode::SEE_OTHER)
        .expect("some customers were added");
    assert!(html.contains(newest.what.trim_start_matches("add ")));
    let unavailable = seen
        .iter()
        .filter(|s| s.status == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    assert!(unavailable > 0, "some traffic met the cut: {seen:?}");
    let slowest = seen.iter().map(|s| s.took).max().unwrap_or_default();
    eprintln!(
        "traffic through the cut: {} requests, {unavailable} answered 503, slowest {slowest:?}",
        seen.len()
    );
    for s in seen.iter() {
        assert!(
            [
                StatusCode::OK,
                StatusCode::SEE_OTHER,
                StatusCode::SERVICE_UNAVAILABLE
            ]
            .contains(&s.status),
            "{} answered {}",
            s.what,
            s.status
        );
        assert!(
            s.took < Duration::from_secs(5),
            "{} took {:?}",
            s.what,
            s.took
        );
    }
    nothing_half_written(&direct, &seen).await;
}

/// Every customer has its activation token and its email, and every confirmed add is there.
async fn nothing_half_written(direct: &PgPool, seen: &[Seen]) {
    // Nothing half-written: every customer has its activation token and its email.
    let half_written: i64 = sqlx::query_scalar(
        "select count(*) from accounts a where a.role = 'customer' and (\
             not exists (select 1 from activation_tokens t where t.account_id = a.id) or \
             not exists (select 1 from email_outbox o where lower(o.recipient) = lower(a.email::text)))",
    )
    .fetch_one(direct)
    .await
    .unwrap();
    assert_eq!(half_written, 0);
    let added = seen
        .iter()
        .filter(|s| s.what.starts_with("add") && s.status == StatusCode::SEE_OTHER)
        .count() as i64;
    let customers: i64 =
        sqlx::query_scalar("select count(*) from accounts where role = 'customer'")
            .fetch_one(direct)
            .await
            .unwrap();
    assert!(
        customers >= added,
        "{customers} customers for {added} confirmed adds"
    );
}
