//! The outbox worker claims due emails in batches and sends each batch at once: every email still
//! arrives once, and one bad address fails (or waits) alone while the rest of its batch is sent.

use time::{Duration, OffsetDateTime};
use yeastar_portal::mail::outbox::{self, OutgoingEmail};
use yeastar_portal::mail::worker::IN_FLIGHT;

use crate::helpers::{spawn_app_with_smtp, TestApp};
use crate::smtp::{Refusal, SmtpSink};

/// Queues one email to each recipient, in one committed transaction, as a domain change would.
async fn queue(app: &TestApp, recipients: &[String]) {
    let mut tx = app.db.begin().await.unwrap();
    for recipient in recipients {
        let email = OutgoingEmail {
            recipient: recipient.clone(),
            subject: "Your Yeastar account".into(),
            text_body: format!("Hello {recipient}"),
            html_body: format!("<p>Hello {recipient}</p>"),
            kind: "activation",
            account_id: None,
        };
        outbox::enqueue(&mut tx, &email, app.now()).await.unwrap();
    }
    tx.commit().await.unwrap();
}

fn recipients(count: usize, domain: &str) -> Vec<String> {
    (0..count).map(|n| format!("r{n}@{domain}")).collect()
}

/// The outbox row of `recipient`: status, attempts, last error, and whether a body is kept.
async fn row(app: &TestApp, recipient: &str) -> (String, i32, Option<String>, bool) {
    sqlx::query_as(
        "select status::text, attempts, last_error, text_body <> '' from email_outbox \
         where recipient = $1",
    )
    .bind(recipient)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn many_more_emails_than_a_worker_sends_at_once_reach_each_recipient_once_from_two_racing_workers(
) {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with_smtp(sink.clone()).await;
    let everyone = recipients(IN_FLIGHT * 12 + 5, "race.test");
    queue(&app, &everyone).await;

    let (a, b) = (app.worker(), app.worker());
    let (sent_a, sent_b) = tokio::join!(a.drain(), b.drain());
    assert_eq!(sent_a.unwrap() + sent_b.unwrap(), everyone.len());

    sink.wait_for(everyone.len()).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(sink.count(), everyone.len(), "no second copy arrived");
    for recipient in &everyone {
        assert_eq!(sink.to(recipient).len(), 1, "{recipient} got one email");
    }
    let once = app
        .count("select count(*) from email_outbox where status = 'sent' and attempts = 1")
        .await;
    assert_eq!(
        once as usize,
        everyone.len(),
        "each row sent after one attempt"
    );
}

#[tokio::test]
async fn a_refused_address_fails_for_good_alone_while_the_rest_of_its_batch_is_sent() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with_smtp(sink.clone()).await;
    let mut batch = recipients(9, "refused.test");
    batch.insert(4, "gone@refused.test".into());
    sink.refuse("gone@refused.test", Refusal::NoSuchMailbox);
    queue(&app, &batch).await;

    assert_eq!(app.worker().drain().await.unwrap(), 10);

    assert_eq!(sink.wait_for(9).await.len(), 9);
    assert!(sink.to("gone@refused.test").is_empty());
    let (status, attempts, error, body_kept) = row(&app, "gone@refused.test").await;
    assert_eq!((status.as_str(), attempts), ("failed", 1));
    assert!(
        error.as_deref().unwrap_or_default().contains("550"),
        "{error:?}"
    );
    assert!(
        !body_kept,
        "a refused email's body (and its link) is cleared"
    );
    for recipient in batch.iter().filter(|r| !r.starts_with("gone")) {
        assert_eq!(sink.to(recipient).len(), 1, "{recipient} got one email");
        assert_eq!(row(&app, recipient).await, ("sent".into(), 1, None, false));
    }
    // Refused for good: never tried again, however long one waits.
    app.clock.advance(Duration::hours(2));
    assert_eq!(app.worker().drain().await.unwrap(), 0);
}

#[tokio::test]
async fn a_greylisted_address_is_retried_after_its_backoff_while_the_rest_of_its_batch_is_sent() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with_smtp(sink.clone()).await;
    let mut batch = recipients(9, "grey.test");
    batch.insert(2, "later@grey.test".into());
    sink.refuse("later@grey.test", Refusal::Greylisted);
    queue(&app, &batch).await;
    let tried_at = app.now();

    assert_eq!(app.worker().drain().await.unwrap(), 10);

    assert_eq!(sink.wait_for(9).await.len(), 9);
    let (status, attempts, error, body_kept) = row(&app, "later@grey.test").await;
    assert_eq!((status.as_str(), attempts), ("pending", 1));
    assert!(
        error.as_deref().unwrap_or_default().contains("451"),
        "{error:?}"
    );
    assert!(
        body_kept,
        "the email waits with its body for the next attempt"
    );
    let next: OffsetDateTime = app
        .one("select next_attempt_at from email_outbox where recipient = 'later@grey.test'")
        .await;
    let backoff = next - tried_at;
    assert!(
        backoff >= Duration::seconds(5) && backoff < Duration::seconds(7),
        "retried after the first backoff (5 s), not {backoff}"
    );
    assert_eq!(
        app.count("select count(*) from email_outbox where status = 'sent'")
            .await,
        9
    );
    assert_eq!(
        app.worker().drain().await.unwrap(),
        0,
        "not retried before its backoff"
    );

    sink.accept_all();
    app.clock.advance(Duration::seconds(6));
    assert_eq!(
        app.worker().drain().await.unwrap(),
        1,
        "only the greylisted one"
    );
    assert_eq!(sink.wait_for(10).await.len(), 10);
    assert_eq!(sink.to("later@grey.test").len(), 1);
    assert_eq!(
        row(&app, "later@grey.test").await,
        ("sent".into(), 2, None, false)
    );
}

#[tokio::test]
async fn a_slow_recipient_does_not_hold_back_the_record_of_the_rest_of_its_batch() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with_smtp(sink.clone()).await;
    let mut batch = recipients(9, "slow.test");
    batch.insert(0, "slow@slow.test".into());
    sink.accept_after("slow@slow.test", std::time::Duration::from_secs(5));
    queue(&app, &batch).await;

    let worker = app.worker();
    let draining = tokio::spawn(async move { worker.drain().await });

    // The others are recorded as sent while the slow one is still being sent: a long wait
    // for one email must not leave the rest of its batch unrecorded until their leases end.
    let started = std::time::Instant::now();
    let sent = "select count(*) from email_outbox where status = 'sent'";
    while app.count(sent).await < 9 {
        assert!(
            started.elapsed() < std::time::Duration::from_millis(3500),
            "the 9 sent emails were not recorded while the slow one was still going"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (status, attempts, _, _) = row(&app, "slow@slow.test").await;
    assert_eq!(
        (status.as_str(), attempts),
        ("pending", 1),
        "still being sent"
    );

    assert_eq!(draining.await.unwrap().unwrap(), 10);
    assert_eq!(
        row(&app, "slow@slow.test").await,
        ("sent".into(), 1, None, false)
    );
    assert_eq!(sink.wait_for(10).await.len(), 10);
    assert_eq!(sink.to("slow@slow.test").len(), 1);
}
