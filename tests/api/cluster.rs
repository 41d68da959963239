//! Several instances over one database behave as one: whichever instance answers, a session
//! and its CSRF token hold, each email goes out once, each scheduled item runs once, the PBX
//! rate limit counts every beat, and instances starting together migrate a database once.

use std::collections::HashSet;
use std::time::Duration as StdDuration;

use reqwest::StatusCode;
use time::Duration;
use yeastar_portal::app::App;
use yeastar_portal::pbx::heartbeat::BEATS_PER_MINUTE;
use yeastar_portal::subscriptions::jobs;

use crate::central::{customer_with_pbx, issue_token, REPORT};
use crate::helpers::instances::{fresh_database_name, DroppedDatabase};
use crate::helpers::{
    add_customer_form, client, location, spawn_app, spawn_app_configured, test_config,
};
use crate::smtp::SmtpSink;

#[tokio::test]
async fn a_session_and_its_csrf_token_made_on_one_instance_work_on_another() {
    let app = spawn_app().await;
    let other = app.another_instance(|_| {}).await;
    let (partner, _) = app.signed_in_partner("p@one.cluster.test").await;

    let list = partner
        .get(other.url("/partner/customers"))
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), StatusCode::OK, "signed in on the other too");
    assert!(list.text().await.unwrap().contains("Customers"));

    // The token rendered by the first instance is accepted by the second.
    let csrf = app.csrf_for(&partner, "/partner/customers/new").await;
    let added = partner
        .post(other.url("/partner/customers/new"))
        .multipart(add_customer_form(&csrf, "c@one.cluster.test"))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let (_, page) = app.get_html(&partner, &location(&added)).await;
    assert!(page.contains("c@one.cluster.test"), "the first shows it");

    // Signing out on the second ends the session on the first at once.
    let signed_out = partner
        .post(other.url("/logout"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), StatusCode::SEE_OTHER);
    let after = app.get(&partner, "/partner/customers").await;
    assert!(
        location(&after).starts_with("/login"),
        "{}",
        location(&after)
    );
}

#[tokio::test]
async fn customers_added_alternately_on_two_instances_get_exactly_one_email_each() {
    let smtp = SmtpSink::start().await;
    let app = spawn_app_configured(smtp, |config| config.mail_worker = true).await;
    let other = app
        .another_instance(|config| config.mail_worker = true)
        .await;
    let (partner, _) = app.signed_in_partner("p@mail.cluster.test").await;
    let csrf = app.csrf_for(&partner, "/partner/customers/new").await;
    let customers: Vec<String> = (0..20).map(|n| format!("c{n}@mail.cluster.test")).collect();
    for (n, email) in customers.iter().enumerate() {
        let base = if n % 2 == 0 {
            &app.address
        } else {
            &other.address
        };
        let added = partner
            .post(format!("{base}/partner/customers/new"))
            .multipart(add_customer_form(&csrf, email))
            .send()
            .await
            .unwrap();
        assert_eq!(added.status(), StatusCode::SEE_OTHER, "{email} on {base}");
    }

    // Both workers run; every customer's email arrives, and no second copy follows.
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(20);
    while customers.iter().any(|email| app.smtp.to(email).is_empty()) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "every email arrives"
        );
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    tokio::time::sleep(StdDuration::from_secs(1)).await;
    for email in &customers {
        assert_eq!(app.smtp.to(email).len(), 1, "{email} got one email");
        assert!(app.smtp.to(email)[0].link("/activate/").is_some());
    }
    let delivered_twice = app
        .count("select count(*) from email_outbox where status <> 'sent' or attempts <> 1")
        .await;
    assert_eq!(delivered_twice, 0, "each email claimed and sent once");
}

#[tokio::test]
async fn two_instances_running_the_jobs_remind_and_expire_a_trial_once() {
    let app = spawn_app().await;
    let other = app.another_instance(|_| {}).await;
    let (customer, _) = app.signed_in_customer("t@jobs.cluster.test").await;
    let csrf = app.csrf_for(&customer, "/customer/trials").await;
    let started = customer
        .post(other.url("/customer/trials/cloud_pbx"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::SEE_OTHER);
    let catalog = yeastar_portal::catalog::load(&app.db).await.unwrap();
    let run_on_both = || async {
        let now = app.now();
        let (one, two) = tokio::join!(
            jobs::run_due(&app.db, &catalog, &app.address, now),
            jobs::run_due(&other.db, &catalog, &other.address, now),
        );
        (one.unwrap(), two.unwrap())
    };

    app.clock.advance(Duration::days(23) + Duration::hours(1));
    let (one, two) = run_on_both().await;
    assert_eq!(
        one.reminders_sent + two.reminders_sent,
        1,
        "{one:?} {two:?}"
    );
    app.clock.advance(Duration::days(6));
    let (one, two) = run_on_both().await;
    assert_eq!(
        one.reminders_sent + two.reminders_sent,
        1,
        "{one:?} {two:?}"
    );
    app.clock.advance(Duration::days(1));
    let (one, two) = run_on_both().await;
    assert_eq!(
        one.trials_expired + two.trials_expired,
        1,
        "{one:?} {two:?}"
    );
    assert_eq!(app.audit_count("trial.expired").await, 1);

    app.drain_outbox().await;
    let subjects: Vec<String> = app
        .smtp
        .to("t@jobs.cluster.test")
        .iter()
        .map(|email| email.subject())
        .collect();
    let count = |subject: &str| subjects.iter().filter(|s| s.contains(subject)).count();
    assert_eq!(count("free trial ends soon"), 2, "7 days and 1 day before");
    assert_eq!(count("free trial has ended"), 1, "{subjects:?}");
}

#[tokio::test]
async fn two_instances_running_the_jobs_renew_a_term_and_alert_a_silent_pbx_once() {
    let app = spawn_app().await;
    let other = app.another_instance(|_| {}).await;
    let (customer, _) = app.signed_in_customer("r@renew.cluster.test").await;
    let subscribed = app
        .subscribe(
            &customer,
            &[
                ("plan", "cloud_pbx_enterprise"),
                ("units", "5"),
                ("term", "monthly"),
            ],
        )
        .await;
    assert_eq!(subscribed.status(), StatusCode::SEE_OTHER);
    let token = issue_token(&app, &customer, &pbx_page(&app, &customer).await).await;
    let beat = client()
        .post(other.url("/api/pbx/heartbeat"))
        .bearer_auth(&token)
        .body(REPORT)
        .send()
        .await
        .unwrap();
    assert_eq!(beat.status(), StatusCode::OK);

    // The PBX goes silent: both instances check, one alarm.
    app.clock.advance(Duration::minutes(4));
    let now = app.now();
    let (one, two) = tokio::join!(
        yeastar_portal::pbx::heartbeat::check_offline(&app.db, now),
        yeastar_portal::pbx::heartbeat::check_offline(&other.db, now),
    );
    assert_eq!(one.unwrap() + two.unwrap(), 1, "one offline alarm");

    // The term ends: both instances run the jobs, one renewal.
    app.clock.advance(Duration::days(32));
    let catalog = yeastar_portal::catalog::load(&app.db).await.unwrap();
    let now = app.now();
    let (one, two) = tokio::join!(
        jobs::run_due(&app.db, &catalog, &app.address, now),
        jobs::run_due(&other.db, &catalog, &other.address, now),
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    assert_eq!(one.renewed + two.renewed, 1, "{one:?} {two:?}");
    assert_eq!(
        app.count("select count(*) from orders where kind = 'renewal'")
            .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from pbx_events where kind = 'offline'")
            .await,
        1
    );
    app.drain_outbox().await;
    let alarms = app
        .smtp
        .to("r@renew.cluster.test")
        .iter()
        .filter(|email| email.subject().ends_with("is offline"))
        .count();
    assert_eq!(alarms, 1);
}

/// The path of the customer's (only) Cloud PBX in Central Management.
async fn pbx_page(app: &crate::helpers::TestApp, customer: &reqwest::Client) -> String {
    let (_, list) = app.get_html(customer, "/customer/central-management").await;
    let start = list
        .find("/customer/central-management/")
        .expect("the instance is listed");
    list[start..].chars().take_while(|c| *c != '"').collect()
}

#[tokio::test]
async fn the_heartbeat_limit_counts_the_beats_every_instance_accepted() {
    let app = spawn_app().await;
    app.clock.freeze();
    let other = app.another_instance(|_| {}).await;
    let (_, partner) = app.partner("p@beats.cluster.test").await;
    let (browser, path) = customer_with_pbx(&app, "b@beats.cluster.test", partner).await;
    let token = issue_token(&app, &browser, &path).await;
    let beat = |base: &str| {
        client()
            .post(format!("{base}/api/pbx/heartbeat"))
            .bearer_auth(&token)
            .body(REPORT)
            .send()
    };
    for n in 0..BEATS_PER_MINUTE {
        let base = if n % 2 == 0 {
            &app.address
        } else {
            &other.address
        };
        assert_eq!(
            beat(base).await.unwrap().status(),
            StatusCode::OK,
            "beat {n}"
        );
    }
    for base in [&app.address, &other.address] {
        let refused = beat(base).await.unwrap();
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "on {base}");
    }
}

#[tokio::test]
async fn instances_starting_together_on_a_new_database_migrate_it_once() {
    let name = fresh_database_name();
    let _dropped = DroppedDatabase(name.clone());
    let smtp = SmtpSink::start().await;
    let config = test_config(&name, Some(smtp.url()));
    let starting: Vec<_> = (0..4)
        .map(|_| tokio::spawn(App::build(config.clone())))
        .collect();
    let mut apps = Vec::new();
    for start in starting {
        apps.push(start.await.unwrap().expect("every instance starts"));
    }
    let db = apps[0].state().db.clone();
    let applied: Vec<(i64, bool)> =
        sqlx::query_as("select version, success from _sqlx_migrations order by version")
            .fetch_all(&db)
            .await
            .unwrap();
    let expected: Vec<i64> = yeastar_portal::db::MIGRATOR
        .iter()
        .map(|m| m.version)
        .collect();
    let versions: Vec<i64> = applied.iter().map(|(version, _)| *version).collect();
    assert_eq!(versions, expected, "each migration recorded once");
    assert!(applied.iter().all(|(_, success)| *success));
    let distinct: HashSet<i64> = versions.iter().copied().collect();
    assert_eq!(distinct.len(), versions.len());
    let catalog_rows: i64 = sqlx::query_scalar("select count(*) from product_types")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(catalog_rows, 5, "the seed ran once, not four times");
}
