//! Enqueue-to-SMTP latency of the outbox worker, woken by LISTEN/NOTIFY (as the portal runs
//! it) beside polling alone (every 5 s, as it did before): each email is enqueued in its own
//! committed transaction at a random moment while the worker idles, and timed until the real
//! SMTP sink (the tests' own, over TCP) has received it. Prints one line per way of waking.
//!
//!     cargo bench --bench mail_latency        (a throwaway database on 127.0.0.1:5432)

#[allow(dead_code)]
#[path = "../tests/api/smtp.rs"]
mod smtp;

use std::time::{Duration, Instant};

use rand::Rng;
use tokio::sync::watch;
use yeastar_portal::clock::Clock;
use yeastar_portal::ids::EmailId;
use yeastar_portal::mail::outbox::{self, OutgoingEmail};
use yeastar_portal::mail::transport::{Envelope, Transport};
use yeastar_portal::mail::worker::{Wake, Worker};

const SERVER: &str = "postgres://postgres@127.0.0.1:5432";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let name = format!("yp_bench_mail_{}", uuid::Uuid::new_v4().simple());
    let pool = yeastar_portal::db::prepare(&format!("{SERVER}/{name}"), 4).await?;
    println!("outbox enqueue-to-SMTP latency (each email committed alone, worker idle)");
    // Each email is enqueued after a random pause: over a whole poll period when polling (so
    // the moment within the period is uniform), short when woken by notifications.
    let runs = [(Wake::Poll, 12, 5000), (Wake::NotifyOrPoll, 100, 200)];
    for (wake, emails, pause_ms) in runs {
        let latencies = measure(&pool, wake, emails, pause_ms).await?;
        println!("{}", summary(wake, &latencies));
    }
    println!("{}", direct_sends(30).await?);
    pool.close().await;
    let admin = sqlx::PgPool::connect(&format!("{SERVER}/postgres")).await?;
    sqlx::query(&format!("drop database {name} with (force)"))
        .execute(&admin)
        .await?;
    Ok(())
}

async fn measure(
    pool: &sqlx::PgPool,
    wake: Wake,
    emails: usize,
    pause_ms: u64,
) -> anyhow::Result<Vec<Duration>> {
    let sink = smtp::SmtpSink::start().await;
    let worker = Worker {
        pool: pool.clone(),
        transport: Transport::smtp(&sink.url())?,
        from: "Bench <bench@portal.test>".into(),
        clock: Clock::system(),
    };
    let (stop, stopped) = watch::channel(false);
    let running = tokio::spawn(worker.run_waking_on(wake, stopped));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut latencies = Vec::with_capacity(emails);
    for n in 0..emails {
        let pause = rand::thread_rng().gen_range(0..pause_ms);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let email = OutgoingEmail {
            recipient: format!("latency-{n}@bench.test"),
            subject: "Latency".into(),
            text_body: "text".into(),
            html_body: "<p>html</p>".into(),
            kind: "bench",
            account_id: None,
        };
        let mut tx = pool.begin().await?;
        outbox::enqueue(&mut tx, &email, Clock::system().now()).await?;
        tx.commit().await?;
        let committed = Instant::now();
        while sink.received().len() <= n {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        latencies.push(committed.elapsed());
    }
    stop.send(true)?;
    running.await?;
    Ok(latencies)
}

/// The reference, measured in the same run: the SMTP exchange alone (the transport sending
/// straight to the same kind of sink, no outbox, no worker).
async fn direct_sends(emails: usize) -> anyhow::Result<String> {
    let sink = smtp::SmtpSink::start().await;
    let transport = Transport::smtp(&sink.url())?;
    let mut took = Vec::with_capacity(emails);
    for n in 0..emails {
        let recipient = format!("direct-{n}@bench.test");
        let envelope = Envelope {
            id: EmailId::new(),
            recipient: &recipient,
            subject: "Latency",
            text_body: "text",
            html_body: "<p>html</p>",
            kind: "bench",
        };
        let started = Instant::now();
        transport
            .send("Bench <bench@portal.test>", &envelope)
            .await
            .map_err(|err| anyhow::anyhow!(err.message))?;
        took.push(started.elapsed());
    }
    took.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Ok(format!(
        "  {:<26} {:>4} emails  p50 {:>8.1} ms  (reference: the SMTP exchange alone)",
        "transport.send, no outbox",
        took.len(),
        ms(took[took.len() / 2])
    ))
}

fn summary(wake: Wake, latencies: &[Duration]) -> String {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = sorted.iter().map(|d| ms(*d)).sum::<f64>() / sorted.len() as f64;
    format!(
        "  {:<26} {:>4} emails  p50 {:>8.1} ms  p90 {:>8.1} ms  max {:>8.1} ms  mean {:>8.1} ms",
        match wake {
            Wake::Poll => "polling every 5 s (before)",
            Wake::NotifyOrPoll => "LISTEN/NOTIFY (after)",
        },
        sorted.len(),
        ms(at(0.5)),
        ms(at(0.9)),
        ms(*sorted.last().unwrap_or(&Duration::ZERO)),
        mean
    )
}
