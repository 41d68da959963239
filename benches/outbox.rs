//! Outbox throughput: 10,000 queued activation emails (rendered from the real templates, text
//! and HTML) delivered by the worker as the portal runs it (`Worker::run`, woken by
//! LISTEN/NOTIFY) to the tests' SMTP sink over TCP, timed from the worker's start until the
//! sink has received them all, then checked for exactly-once: each recipient received one
//! email, every row is `sent` after one attempt. Then again with two workers on the same
//! database (two instances racing for the same rows), and beside them a reference measured in
//! the same run: the same emails sent straight through `Transport::send` with the same
//! concurrency and no database (the sink's and the SMTP client's own ceiling).
//!
//!     cargo bench --bench outbox                      (a throwaway database on 127.0.0.1:5432)
//!     OUTBOX_EMAILS=1000 cargo bench --bench outbox   (fewer emails, for a quick look)
//!
//! Prints one line per run for a script to parse:
//!
//!     OUTBOX emails=10000 seconds=<s> per_second=<n> duplicates=<d> missing=<m> attempts_gt1=<k>
//!     OUTBOX emails=10000 ... attempts_gt1=<k> workers=2
//!     OUTBOX_REFERENCE direct_sends_per_second=<n>

#[allow(dead_code)]
#[path = "../tests/api/smtp.rs"]
mod smtp;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::sync::watch;
use yeastar_portal::clock::Clock;
use yeastar_portal::format::Zone;
use yeastar_portal::ids::{AccountId, EmailId};
use yeastar_portal::mail::messages::ActivationEmail;
use yeastar_portal::mail::outbox::OutgoingEmail;
use yeastar_portal::mail::transport::{Envelope, Transport};
use yeastar_portal::mail::worker::{Worker, IN_FLIGHT};

const SERVER: &str = "postgres://postgres@127.0.0.1:5432";
const FROM: &str = "Bench <bench@portal.test>";
/// Stands for the recipient in the rendered bodies; replaced per row by the insert.
const RECIPIENT: &str = "recipient@bench.test";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let emails: usize = match std::env::var("OUTBOX_EMAILS") {
        Ok(n) => n.parse()?,
        Err(_) => 10_000,
    };
    let email = activation_email()?;
    let name = format!("yp_bench_outbox_{}", uuid::Uuid::new_v4().simple());
    // As many connections as the portal's default pool (DATABASE_MAX_CONNECTIONS).
    let pool = yeastar_portal::db::prepare(&format!("{SERVER}/{name}"), 20).await?;
    let result = async {
        for workers in [1, 2] {
            println!("{}", run(&pool, &email, emails, workers).await?);
        }
        println!("{}", reference(&email, emails).await?);
        anyhow::Ok(())
    }
    .await;
    pool.close().await;
    let admin = sqlx::PgPool::connect(&format!("{SERVER}/postgres")).await?;
    sqlx::query(&format!("drop database {name} with (force)"))
        .execute(&admin)
        .await?;
    result
}

/// An activation email as the portal renders it (a few KB of text and HTML).
fn activation_email() -> anyhow::Result<OutgoingEmail> {
    let link = format!(
        "http://127.0.0.1:8080/activate/{}",
        "Zq7f0R2mVxKp9sLw4TbN8cYe1HdJ6uGaQo3iWnEkP5r"
    );
    ActivationEmail {
        account_id: AccountId::new(),
        recipient: RECIPIENT,
        recipient_name: "Bench Recipient",
        invited_by: "Northwind Telecom (your Yeastar partner)",
        portal_name: "Customer Portal",
        link: &link,
        expires_at: Clock::system().now() + time::Duration::hours(48),
        zone: Zone::utc(),
    }
    .render()
}

/// Queues `emails` copies of `email` (recipient `bench-<n>@bench.test`) in one statement,
/// runs `workers` workers until the sink has them all, and checks what arrived.
async fn run(
    pool: &sqlx::PgPool,
    email: &OutgoingEmail,
    emails: usize,
    workers: usize,
) -> anyhow::Result<String> {
    sqlx::query("truncate email_outbox").execute(pool).await?;
    sqlx::query(
        "insert into email_outbox (id, recipient, subject, text_body, html_body, kind, \
             created_at, next_attempt_at) \
         select gen_random_uuid(), r, $2, replace($3, $1, r), replace($4, $1, r), $5, now(), now() \
         from generate_series(1, $6) n, lateral (select 'bench-' || n || '@bench.test' r) x",
    )
    .bind(RECIPIENT)
    .bind(&email.subject)
    .bind(&email.text_body)
    .bind(&email.html_body)
    .bind(email.kind)
    .bind(emails as i32)
    .execute(pool)
    .await?;
    sqlx::query("analyze email_outbox").execute(pool).await?;

    let sink = smtp::SmtpSink::start().await;
    let (stop, stopped) = watch::channel(false);
    let started = Instant::now();
    let mut running = Vec::new();
    for _ in 0..workers {
        let worker = Worker {
            pool: pool.clone(),
            transport: Transport::smtp(&sink.url())?,
            from: FROM.into(),
            clock: Clock::system(),
        };
        running.push(tokio::spawn(worker.run(stopped.clone())));
    }
    let deadline = started + Duration::from_secs(1800);
    while sink.count() < emails && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    // Anything sent twice would arrive meanwhile.
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.send(true)?;
    for worker in running {
        worker.await?;
    }
    let (duplicates, missing) = exactly_once(&sink, emails);
    let attempts_gt1: i64 = sqlx::query_scalar(
        "select count(*) from email_outbox where attempts > 1 or status <> 'sent'",
    )
    .fetch_one(pool)
    .await?;
    let line = format!(
        "OUTBOX emails={emails} seconds={seconds:.2} per_second={:.0} duplicates={duplicates} \
         missing={missing} attempts_gt1={attempts_gt1}",
        emails as f64 / seconds
    );
    Ok(match workers {
        1 => line,
        n => format!("{line} workers={n}"),
    })
}

/// Copies beyond the first of each email, and expected recipients that got none.
fn exactly_once(sink: &smtp::SmtpSink, emails: usize) -> (usize, usize) {
    let mut copies: HashMap<String, usize> = HashMap::new();
    for mail in sink.received() {
        for recipient in mail.recipients {
            *copies.entry(recipient).or_default() += 1;
        }
    }
    let duplicates = copies.values().map(|n| n - 1).sum();
    let missing = (1..=emails)
        .filter(|n| !copies.contains_key(&format!("bench-{n}@bench.test")))
        .count();
    (duplicates, missing)
}

/// The same emails through `Transport::send`, `IN_FLIGHT` at once, no database.
async fn reference(email: &OutgoingEmail, emails: usize) -> anyhow::Result<String> {
    let sink = smtp::SmtpSink::start().await;
    let transport = Transport::smtp(&sink.url())?;
    let recipients: Vec<String> = (1..=emails)
        .map(|n| format!("direct-{n}@bench.test"))
        .collect();
    let started = Instant::now();
    let failures = futures_util::stream::iter(&recipients)
        .map(|recipient| {
            let (text, html) = (
                email.text_body.replace(RECIPIENT, recipient),
                email.html_body.replace(RECIPIENT, recipient),
            );
            let transport = &transport;
            async move {
                let envelope = Envelope {
                    id: EmailId::new(),
                    recipient,
                    subject: &email.subject,
                    text_body: &text,
                    html_body: &html,
                    kind: email.kind,
                };
                transport.send(FROM, &envelope).await.is_err()
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .filter(|failed| std::future::ready(*failed))
        .count()
        .await;
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(failures == 0, "{failures} direct sends failed");
    anyhow::ensure!(sink.count() == emails, "the sink missed direct sends");
    Ok(format!(
        "OUTBOX_REFERENCE direct_sends_per_second={:.0}",
        emails as f64 / seconds
    ))
}
