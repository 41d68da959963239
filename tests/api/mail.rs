//! The outbox: nothing lost while the SMTP server is down, nothing sent twice by two workers.

use time::Duration;
use yeastar_portal::accounts::model::Role;
use yeastar_portal::ids::EmailId;
use yeastar_portal::mail::transport::{Envelope, Transport};
use yeastar_portal::mail::worker::Delivery;

use crate::helpers::{spawn_app_with_smtp, test_config};
use crate::smtp::SmtpSink;

#[tokio::test]
async fn an_email_queued_while_smtp_is_down_arrives_once_it_is_back_up() {
    let port = SmtpSink::unused_port().await;
    // The sink object names the port; nothing listens on it yet.
    let down = SmtpSink::start_on(port).await;
    down.stop();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let app = spawn_app_with_smtp(down).await;
    let (_, link) = app
        .create_account(Role::Manager, "patient@yeastar.test", None, None)
        .await;

    let worker = app.worker();
    let first = worker.deliver_one().await.unwrap();
    assert!(matches!(first, Some(Delivery::Retry(_))), "{first:?}");
    let (attempts, error): (i32, Option<String>) =
        sqlx::query_as("select attempts, last_error from email_outbox")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(attempts, 1);
    assert!(error.is_some(), "the last error is recorded");
    assert_eq!(
        worker.deliver_one().await.unwrap(),
        None,
        "not retried before its backoff"
    );

    let up = SmtpSink::start_on(port).await;
    app.clock.advance(Duration::seconds(6));
    assert_eq!(worker.deliver_one().await.unwrap(), Some(Delivery::Sent));
    let mail = up.wait_for(1).await;
    assert_eq!(mail[0].link("/activate/").unwrap(), link);
    let status: String = app.one("select status::text from email_outbox").await;
    assert_eq!(status, "sent");
}

#[tokio::test]
async fn two_workers_deliver_each_email_exactly_once() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with_smtp(sink.clone()).await;
    for i in 0..20 {
        app.create_account(Role::Manager, &format!("m{i}@yeastar.test"), None, None)
            .await;
    }
    let (a, b) = (app.worker(), app.worker());
    let (sent_a, sent_b) = tokio::join!(a.drain(), b.drain());
    assert_eq!(sent_a.unwrap() + sent_b.unwrap(), 20);

    let received = sink.wait_for(20).await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(sink.received().len(), 20, "no duplicates arrived later");
    let mut recipients: Vec<String> = received.iter().flat_map(|m| m.recipients.clone()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 20, "each recipient got exactly one email");
}

#[tokio::test]
async fn without_smtp_the_worker_writes_eml_files_with_the_link() {
    let sink = SmtpSink::start().await;
    let app = spawn_app_with_smtp(sink).await;
    let (_, link) = app
        .create_account(Role::Manager, "files@yeastar.test", None, None)
        .await;
    let dir = std::env::temp_dir().join(format!("yp-mail-{}", uuid::Uuid::new_v4()));
    let mut config = test_config(&app.db_name, None);
    config.mail_dir = dir.clone();
    let worker =
        yeastar_portal::app::mail_worker(&config, app.db.clone(), app.clock.clone()).unwrap();
    assert_eq!(worker.drain().await.unwrap(), 1);
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(file.extension().unwrap(), "eml");
    let eml = std::fs::read_to_string(&file).unwrap().replace("=\r\n", "");
    assert!(eml.contains("To: files@yeastar.test"));
    assert!(eml.contains(&link));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn emails_sent_one_after_another_are_not_held_back_by_delayed_acknowledgements() {
    // With Nagle's algorithm on, the line that ends each message waits for the server's
    // delayed acknowledgement of the body: at least 40 ms an email on Linux.
    let sink = SmtpSink::start().await;
    let transport = Transport::smtp(&sink.url()).unwrap();
    let body = "An activation email of a realistic size. ".repeat(60);
    let send = |n: usize| {
        let (transport, body) = (&transport, &body);
        async move {
            let recipient = format!("r{n}@yeastar.test");
            let envelope = Envelope {
                id: EmailId::new(),
                recipient: &recipient,
                subject: "Timing",
                text_body: body,
                html_body: body,
                kind: "test",
            };
            transport.send("Portal <p@portal.test>", &envelope).await
        }
    };
    send(0).await.unwrap(); // connects

    let started = std::time::Instant::now();
    for n in 1..=20 {
        send(n).await.unwrap();
    }
    let took = started.elapsed();
    assert_eq!(sink.wait_for(21).await.len(), 21);
    assert!(
        took < std::time::Duration::from_millis(400),
        "20 emails took {took:?}, {:?} each",
        took / 20
    );
}
