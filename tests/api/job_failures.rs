//! Scheduled jobs that fail: each due item is handled in its own transaction, and a failing
//! item is recorded with backoff, shown to its account manager, and holds back no one else;
//! two runners at once renew each subscription once and record a failure once.

use reqwest::Client;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::helpers::{client, location, TestApp, PASSWORD};

const MONTHLY_EP: &[(&str, &str)] = &[
    ("plan", "cloud_pbx_enterprise"),
    ("units", "10"),
    ("term", "monthly"),
];

async fn start_trial(app: &TestApp, browser: &Client) -> String {
    let csrf = app.csrf_for(browser, "/customer/trials").await;
    let response = app
        .post_form(
            browser,
            "/customer/trials/cloud_pbx",
            &[("csrf_token", &csrf)],
        )
        .await;
    location(&response)
}

/// The id of the (only) subscription of the customer with this email.
async fn subscription_of(app: &TestApp, email: &str) -> Uuid {
    sqlx::query_scalar(
        "select s.id from subscriptions s join accounts c on c.id = s.customer_id where c.email = $1",
    )
    .bind(email)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// The open failure record of an item: (job, attempts, last error, next attempt).
async fn open_failure(app: &TestApp, item: Uuid) -> Option<(String, i32, String, OffsetDateTime)> {
    sqlx::query_as(
        "select job, attempts, last_error, next_attempt_at from job_failures \
         where item_id = $1 and resolved_at is null",
    )
    .bind(item)
    .fetch_optional(&app.db)
    .await
    .unwrap()
}

/// The manager of `customer_email` (as `signed_in_customer` creates it), signed in.
async fn manager_of(app: &TestApp, customer_email: &str) -> Client {
    let browser = client();
    let email = format!("manager-of-partner-of-{customer_email}");
    assert_eq!(
        location(&app.login(&browser, &email, PASSWORD).await),
        "/manager/partners"
    );
    browser
}

fn about(at: OffsetDateTime, expected: OffsetDateTime) -> bool {
    (at - expected).abs() < Duration::seconds(5)
}

#[tokio::test]
async fn a_poisoned_item_is_recorded_with_backoff_shown_to_its_manager_and_holds_back_no_one() {
    let app = crate::helpers::spawn_app().await;
    let renews = app.signed_in_customer("renews@jobs.test").await.0;
    app.subscribe(&renews, MONTHLY_EP).await;
    let stuck = app.signed_in_customer("stuck@jobs.test").await.0;
    app.subscribe(&stuck, MONTHLY_EP).await;
    let stuck_id = subscription_of(&app, "stuck@jobs.test").await;
    // A renewal that cannot be priced: Enterprise does not offer High Availability.
    sqlx::query("update subscriptions set addons = '[{\"code\": \"high_availability\", \"quantity\": 1}]' where id = $1")
        .bind(stuck_id)
        .execute(&app.db)
        .await
        .unwrap();
    start_trial(&app, &app.signed_in_customer("expires@jobs.test").await.0).await;
    start_trial(&app, &app.signed_in_customer("broken@jobs.test").await.0).await;
    let broken_id = subscription_of(&app, "broken@jobs.test").await;
    // A row that cannot even be read as a subscription.
    sqlx::query("update subscriptions set addons = '{\"not\": \"a list\"}' where id = $1")
        .bind(broken_id)
        .execute(&app.db)
        .await
        .unwrap();
    app.clock.advance(Duration::days(7));
    start_trial(&app, &app.signed_in_customer("reminded@jobs.test").await.0).await;

    // Both terms and the first two trials have ended; the last trial is 5 days from its end.
    app.clock.advance(Duration::days(25));
    let first_run = app.now();
    let report = app.run_jobs().await;
    assert_eq!(
        (
            report.trials_expired,
            report.renewed,
            report.reminders_sent,
            report.failed
        ),
        (1, 1, 1, 2),
        "{report:?}"
    );
    assert_eq!(
        app.count(
            "select count(*) from subscriptions s join accounts c on c.id = s.customer_id \
                   where c.email = 'expires@jobs.test' and s.status = 'expired'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count(
            "select count(*) from orders o join accounts c on c.id = o.customer_id \
                   where c.email = 'renews@jobs.test' and o.kind = 'renewal'"
        )
        .await,
        1
    );
    app.drain_outbox().await;
    assert!(app
        .smtp
        .to("reminded@jobs.test")
        .iter()
        .any(|m| m.subject().contains("free trial ends soon")));
    // Nothing of the failed renewal was half-written.
    assert_eq!(
        app.count(&format!(
            "select count(*) from orders where subscription_id = '{stuck_id}' and kind = 'renewal'"
        ))
        .await,
        0
    );
    let (job, attempts, error, next) = open_failure(&app, stuck_id).await.unwrap();
    assert_eq!((job.as_str(), attempts), ("term_end", 1));
    assert!(error.contains("High Availability"), "{error}");
    assert!(about(next, first_run + Duration::minutes(5)), "{next}");
    let (job, _, _, _) = open_failure(&app, broken_id).await.unwrap();
    assert_eq!(job, "trial_expiry");

    // Skipped until the next try; then tried again, and the wait doubles. (The renewed
    // subscription's next term now ends within 30 days: its first reminder is due.)
    let report = app.run_jobs().await;
    assert_eq!(
        (report.failed, report.renewed, report.trials_expired),
        (0, 0, 0),
        "{report:?}"
    );
    assert_eq!(open_failure(&app, stuck_id).await.unwrap().1, 1);
    app.clock.advance(Duration::minutes(6));
    let second_run = app.now();
    assert_eq!(app.run_jobs().await.failed, 2);
    let (_, attempts, _, next) = open_failure(&app, stuck_id).await.unwrap();
    assert_eq!(attempts, 2);
    assert!(about(next, second_run + Duration::minutes(10)), "{next}");

    // Each manager sees their own customers' failures, and only those (the manager's own
    // address, in the user menu, contains the customer's: match the listed value).
    let manager = manager_of(&app, "stuck@jobs.test").await;
    let (status, page) = app.get_html(&manager, "/manager/attention").await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(
        page.contains("href=\"/manager/attention\""),
        "a navigation entry"
    );
    assert!(
        page.contains("<dd>stuck@jobs.test</dd>")
            && page.contains("Renewal at the end of the term")
    );
    assert!(page.contains("High Availability is not available"));
    assert!(!page.contains("<dd>broken@jobs.test</dd>"));
    let (_, other) = app
        .get_html(
            &manager_of(&app, "broken@jobs.test").await,
            "/manager/attention",
        )
        .await;
    assert!(other.contains("<dd>broken@jobs.test</dd>") && other.contains("Trial expiry"));
    assert!(!other.contains("<dd>stuck@jobs.test</dd>"));
    let (_, calm) = app
        .get_html(
            &manager_of(&app, "renews@jobs.test").await,
            "/manager/attention",
        )
        .await;
    assert!(calm.contains("Nothing needs attention"));

    // Once the row is put right, the next try succeeds and the record is resolved.
    sqlx::query("update subscriptions set addons = '[]' where id = $1")
        .bind(stuck_id)
        .execute(&app.db)
        .await
        .unwrap();
    app.clock.advance(Duration::minutes(11));
    let report = app.run_jobs().await;
    assert_eq!((report.renewed, report.failed), (1, 1), "{report:?}");
    assert!(open_failure(&app, stuck_id).await.is_none());
    let (_, page) = app.get_html(&manager, "/manager/attention").await;
    assert!(!page.contains("<dd>stuck@jobs.test</dd>") && page.contains("Nothing needs attention"));

    // An item that is no longer due (here the broken trial is cancelled) leaves the list too.
    sqlx::query("update subscriptions set status = 'cancelled' where id = $1")
        .bind(broken_id)
        .execute(&app.db)
        .await
        .unwrap();
    assert_eq!(app.run_jobs().await.failed, 0);
    assert!(open_failure(&app, broken_id).await.is_none());
}

#[tokio::test]
async fn two_job_runners_renew_each_subscription_once_and_record_a_failure_once() {
    let app = crate::helpers::spawn_app().await;
    for email in [
        "one@jobs.test",
        "two@jobs.test",
        "three@jobs.test",
        "bad@jobs.test",
    ] {
        let browser = app.signed_in_customer(email).await.0;
        app.subscribe(&browser, MONTHLY_EP).await;
    }
    let bad = subscription_of(&app, "bad@jobs.test").await;
    sqlx::query("update subscriptions set plan_code = 'cloud_pbx_ultimate', addons = '[{\"code\": \"extension_expansion\", \"quantity\": 900}]' where id = $1")
        .bind(bad)
        .execute(&app.db)
        .await
        .unwrap();
    app.clock.advance(Duration::days(32));
    let (one, two) = tokio::join!(app.run_jobs(), app.run_jobs());
    assert_eq!(one.renewed + two.renewed, 3, "{one:?} {two:?}");
    assert_eq!(one.failed + two.failed, 1, "{one:?} {two:?}");
    assert_eq!(
        app.count("select count(*) from orders where kind = 'renewal'")
            .await,
        3
    );
    assert_eq!(open_failure(&app, bad).await.unwrap().1, 1);
    let again = app.run_jobs().await;
    assert_eq!((again.renewed, again.failed), (0, 0), "{again:?}");
}
