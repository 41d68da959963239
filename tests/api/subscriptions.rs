//! Customer self-service: trials, subscriptions, changes, the scheduled jobs, the estimate.

use rand::{Rng, SeedableRng};
use reqwest::{Client, StatusCode};
use time::Duration;
use yeastar_portal::subscriptions::jobs;

use crate::helpers::{assert_refused_with, client, location, spawn_app, TestApp, PASSWORD};

async fn customer(app: &TestApp, email: &str) -> Client {
    app.signed_in_customer(email).await.0
}

async fn start_trial(app: &TestApp, browser: &Client, product: &str) -> reqwest::Response {
    let csrf = app.csrf_for(browser, "/customer/trials").await;
    app.post_form(
        browser,
        &format!("/customer/trials/{product}"),
        &[("csrf_token", &csrf)],
    )
    .await
}

async fn run_jobs(app: &TestApp) -> jobs::Report {
    app.run_jobs().await
}

/// Subscribes through review and confirm; returns the confirm response.
async fn subscribe(app: &TestApp, browser: &Client, fields: &[(&str, &str)]) -> reqwest::Response {
    app.subscribe(browser, fields).await
}

#[tokio::test]
async fn a_product_can_be_tried_once_and_a_cloud_pbx_trial_provisions_an_instance() {
    let app = spawn_app().await;
    let browser = customer(&app, "tryer@subs.test").await;
    let first = start_trial(&app, &browser, "cloud_pbx").await;
    assert!(location(&first).starts_with("/customer/subscriptions/"));
    let (_, page) = app.get_html(&browser, &location(&first)).await;
    // The new instance has not reported yet: its state says so, in words.
    assert!(page.contains("Free trial") && page.contains("Offline, no heartbeat yet"));
    assert_eq!(
        app.count("select count(*) from pbx_instances where status = 'running'")
            .await,
        1
    );

    let second = start_trial(&app, &browser, "cloud_pbx").await;
    assert_eq!(location(&second), "/customer/trials");
    let (_, trials) = app.get_html(&browser, "/customer/trials").await;
    assert!(trials.contains("You have already used the free trial of this product."));
    assert_eq!(app.count("select count(*) from subscriptions").await, 1);
    assert_eq!(
        start_trial(&app, &browser, "software_pbx").await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.count("select count(*) from subscriptions").await,
        1,
        "Software PBX has no trial"
    );
}

#[tokio::test]
async fn trials_expire_once_even_with_two_workers_and_reminders_go_out_once_each() {
    let app = spawn_app().await;
    for email in ["a@trial.test", "b@trial.test", "c@trial.test"] {
        let browser = customer(&app, email).await;
        start_trial(&app, &browser, "cloud_pbx").await;
    }
    app.clock.advance(Duration::days(23) + Duration::hours(1));
    let (one, two) = tokio::join!(run_jobs(&app), run_jobs(&app));
    assert_eq!(
        one.reminders_sent + two.reminders_sent,
        3,
        "the 7-day reminder, once per trial"
    );
    assert_eq!(run_jobs(&app).await.reminders_sent, 0);
    app.clock.advance(Duration::days(6));
    assert_eq!(run_jobs(&app).await.reminders_sent, 3, "the 1-day reminder");

    app.clock.advance(Duration::days(1));
    let (one, two) = tokio::join!(run_jobs(&app), run_jobs(&app));
    assert_eq!(
        one.trials_expired + two.trials_expired,
        3,
        "each trial expired exactly once"
    );
    assert_eq!(
        app.count("select count(*) from subscriptions where status = 'expired'")
            .await,
        3
    );
    assert_eq!(
        app.count("select count(*) from pbx_instances where status = 'suspended'")
            .await,
        3
    );
    assert_eq!(app.audit_count("trial.expired").await, 3);
    app.drain_outbox().await;
    let reminders = app
        .smtp
        .to("a@trial.test")
        .iter()
        .filter(|m| m.subject().contains("free trial ends soon"))
        .count();
    assert_eq!(reminders, 2);
}

#[tokio::test]
async fn converting_a_trial_keeps_the_same_subscription_and_instance() {
    let app = spawn_app().await;
    let browser = customer(&app, "convert@subs.test").await;
    let trial = location(&start_trial(&app, &browser, "cloud_pbx").await);
    let trial_id = trial.rsplit('/').next().unwrap().to_owned();
    let instance_before: uuid::Uuid = app.one("select id from pbx_instances").await;
    let done = subscribe(
        &app,
        &browser,
        &[
            ("plan", "cloud_pbx_enterprise"),
            ("units", "15"),
            ("term", "1y"),
            ("convert", &trial_id),
        ],
    )
    .await;
    assert_eq!(location(&done), trial);
    assert_eq!(
        app.count("select count(*) from subscriptions where status = 'active'")
            .await,
        1
    );
    let instance_after: uuid::Uuid = app.one("select id from pbx_instances").await;
    assert_eq!(instance_before, instance_after);
    assert_eq!(
        app.count("select count(*) from orders where kind = 'subscription'")
            .await,
        1
    );
}

#[tokio::test]
async fn adding_extensions_mid_term_is_charged_for_the_rest_of_the_term() {
    let app = spawn_app().await;
    let browser = customer(&app, "grow@subs.test").await;
    let sub = location(
        &subscribe(
            &app,
            &browser,
            &[
                ("plan", "cloud_pbx_enterprise"),
                ("units", "10"),
                ("term", "1y"),
            ],
        )
        .await,
    );
    let start = app.now().date();
    let end = start.replace_year(start.year() + 1).unwrap();
    let catalog = yeastar_portal::catalog::load(&app.db).await.unwrap();
    let full_term = |units: u32| {
        yeastar_portal::pricing::quote(
            &catalog,
            &yeastar_portal::pricing::Configuration {
                plan: "cloud_pbx_enterprise".into(),
                units,
                addons: vec![],
                term: "1y".parse().unwrap(),
                start,
            },
        )
        .unwrap()
        .total_minor
    };
    let mut browser = browser;
    for (days_in, units) in [(0i64, 12u32), (100, 16), (300, 20)] {
        let target = start + Duration::days(days_in);
        app.clock.advance(target - app.now().date());
        // Days pass: sign in again, as the customer would.
        browser = client();
        app.login(&browser, "grow@subs.test", PASSWORD).await;
        let previous: i32 = app.one("select units from subscriptions").await;
        let response = app
            .change_subscription(
                &browser,
                &sub,
                &[
                    ("plan", "cloud_pbx_enterprise"),
                    ("units", &units.to_string()),
                ],
            )
            .await;
        assert_eq!(location(&response), sub);
        let delta = full_term(units) - full_term(previous as u32);
        let expected = yeastar_portal::subscriptions::proration::prorate(delta, start, end, target);
        let charged: i64 = app
            .one(
                "select total_minor from orders where kind = 'change' \
                 order by created_at desc limit 1",
            )
            .await;
        assert_eq!(charged, expected, "{days_in} days into the term");
        assert!(
            days_in > 0 || charged == delta,
            "on the first day the whole difference is charged"
        );
    }
    let reduce = app
        .review_change(
            &browser,
            &sub,
            &[("plan", "cloud_pbx_enterprise"), ("units", "5")],
        )
        .await;
    assert_refused_with(reduce, "to reduce it, change the plan at renewal").await;
}

#[tokio::test]
async fn a_downgrade_waits_for_the_end_of_the_term_and_renewal_reminders_go_out_once() {
    let app = spawn_app().await;
    let browser = customer(&app, "shrink@subs.test").await;
    let sub = location(
        &subscribe(
            &app,
            &browser,
            &[
                ("plan", "cloud_pbx_ultimate"),
                ("units", "10"),
                ("term", "1y"),
            ],
        )
        .await,
    );
    let response = app
        .change_subscription(
            &browser,
            &sub,
            &[("plan", "cloud_pbx_enterprise"), ("units", "10")],
        )
        .await;
    assert_eq!(location(&response), sub);
    let (_, page) = app.get_html(&browser, &sub).await;
    assert!(page.contains("The downgrade is scheduled for the end of the term"));
    let plan: String = app.one("select plan_code from subscriptions").await;
    assert_eq!(
        plan, "cloud_pbx_ultimate",
        "nothing changes before the end of the term"
    );

    app.clock.advance(Duration::days(365 - 30));
    assert_eq!(run_jobs(&app).await.reminders_sent, 1, "30 days before");
    assert_eq!(run_jobs(&app).await.reminders_sent, 0, "once");
    app.clock.advance(Duration::days(23));
    assert_eq!(run_jobs(&app).await.reminders_sent, 1, "7 days before");
    app.clock.advance(Duration::days(7));
    let report = run_jobs(&app).await;
    assert_eq!((report.downgraded, report.renewed), (1, 1), "{report:?}");
    let plan: String = app.one("select plan_code from subscriptions").await;
    assert_eq!(plan, "cloud_pbx_enterprise");
    let renewal: String = app
        .one("select plan_code from orders where kind = 'renewal'")
        .await;
    assert_eq!(
        renewal, "cloud_pbx_enterprise",
        "the renewal is priced on the new plan"
    );
}

#[tokio::test]
async fn the_partner_sees_the_customers_subscription_and_its_order() {
    let app = spawn_app().await;
    let (_, partner_id) = app.partner("seller@subs-partner.test").await;
    let customer_id = app.customer_of(partner_id, "buyer@subs.test").await;
    let browser = client();
    app.login(&browser, "buyer@subs.test", PASSWORD).await;
    subscribe(
        &app,
        &browser,
        &[
            ("plan", "workplace_pro"),
            ("units", "12"),
            ("term", "monthly"),
        ],
    )
    .await;
    let partner = client();
    app.login(&partner, "seller@subs-partner.test", PASSWORD)
        .await;
    let (_, page) = app
        .get_html(&partner, &format!("/partner/customers/{customer_id}"))
        .await;
    assert!(page.contains("Workplace SaaS") && page.contains("Active"));
    let (_, orders) = app.get_html(&partner, "/partner/orders").await;
    assert!(orders.contains("buyer@subs.test"));
}

#[tokio::test]
async fn the_estimate_equals_the_order_it_becomes_over_many_configurations() {
    let app = spawn_app().await;
    let browser = customer(&app, "estimator@subs.test").await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    let plans = [
        "cloud_pbx_enterprise",
        "cloud_pbx_ultimate",
        "software_pbx_standard",
        "workplace_basic",
        "workplace_pro",
        "linkus_cloud_standard",
    ];
    let terms = ["monthly", "1y", "2y", "3y", "4y", "5y"];
    for round in 0..12 {
        let plan = plans[rng.gen_range(0..plans.len())];
        let units = rng.gen_range(1..=500).to_string();
        let term = terms[rng.gen_range(0..terms.len())];
        let minutes = if plan.starts_with("cloud_pbx") {
            rng.gen_range(0..5).to_string()
        } else {
            String::new()
        };
        let query =
            format!("plan={plan}&units={units}&term={term}&addon.recording_minutes={minutes}");
        let (status, estimate) = app
            .get_html(&browser, &format!("/customer/estimate?{query}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{query}");
        let marker = "<strong id=\"quote-total\">";
        let start = estimate.find(marker).expect("an estimated total") + marker.len();
        let shown: String = estimate[start..]
            .chars()
            .take_while(|c| *c != '<')
            .collect();

        let mut fields = vec![("plan", plan), ("units", units.as_str()), ("term", term)];
        if !minutes.is_empty() {
            fields.push(("addon.recording_minutes", minutes.as_str()));
        }
        let done = subscribe(&app, &browser, &fields).await;
        assert!(
            location(&done).starts_with("/customer/subscriptions/"),
            "round {round}"
        );
        let (total, currency): (i64, String) = sqlx::query_as(
            "select total_minor, currency from orders order by created_at desc limit 1",
        )
        .fetch_one(&app.db)
        .await
        .unwrap();
        assert_eq!(
            shown,
            yeastar_portal::pricing::format_money(total, currency.trim()),
            "{query}"
        );
    }
}

#[tokio::test]
async fn an_invalid_estimate_gets_a_clear_message_not_a_500() {
    let app = spawn_app().await;
    let browser = customer(&app, "bad-estimate@subs.test").await;
    for (query, message) in [
        (
            "plan=cloud_pbx_enterprise&units=0&term=1y",
            "Choose at least 1 extension.",
        ),
        (
            "plan=cloud_pbx_enterprise&units=10&term=9y",
            "Choose a monthly term or a term of 1 to 5 years.",
        ),
        (
            "plan=cloud_pbx_enterprise&units=10&term=1y&addon.high_availability=1",
            "is not available with the",
        ),
        ("plan=nope&units=10&term=1y", "Choose a plan from the list."),
    ] {
        let (status, html) = app
            .get_html(&browser, &format!("/customer/estimate?{query}"))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(html.contains(message), "{message:?} for {query}");
    }
    let (status, partial) = app
        .get_html(
            &browser,
            "/customer/estimate?plan=workplace_basic&units=5&term=monthly&partial=1",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(partial.contains("quote-total") && !partial.contains("<html"));
}
