//! Changes to a subscription that cost money go form → review → confirm; a downgrade is
//! reviewed too, and can be cancelled until it takes effect.

use reqwest::{Client, StatusCode};
use time::{Date, Duration};
use yeastar_portal::pricing::{self, Configuration};
use yeastar_portal::subscriptions::proration;

use crate::helpers::{assert_says, client, csrf_token, location, spawn_app, TestApp, PASSWORD};

/// A signed-in customer with an active annual subscription; returns its page's path.
async fn subscribed(app: &TestApp, email: &str, plan: &str, units: &str) -> (Client, String) {
    let (browser, _) = app.signed_in_customer(email).await;
    let done = app
        .subscribe(
            &browser,
            &[("plan", plan), ("units", units), ("term", "1y")],
        )
        .await;
    let sub = location(&done);
    assert!(sub.starts_with("/customer/subscriptions/"), "{sub}");
    (browser, sub)
}

/// The full-term price of a configuration, from the pricing engine.
async fn full_term(app: &TestApp, plan: &str, units: u32, start: Date) -> i64 {
    let catalog = yeastar_portal::catalog::load(&app.db).await.unwrap();
    let config = Configuration {
        plan: plan.into(),
        units,
        addons: vec![],
        term: "1y".parse().unwrap(),
        start,
    };
    pricing::quote(&catalog, &config).unwrap().total_minor
}

async fn change_orders(app: &TestApp) -> i64 {
    app.count("select count(*) from orders where kind = 'change'")
        .await
}

#[tokio::test]
async fn an_upgrade_is_reviewed_with_its_exact_amount_and_confirm_places_that_one_order() {
    let app = spawn_app().await;
    let (_, sub) = subscribed(&app, "upgrade@changes.test", "cloud_pbx_enterprise", "20").await;
    let start = app.now().date();
    let end = start.replace_year(start.year() + 1).unwrap();
    app.clock.advance(Duration::days(100));
    // Days pass: sign in again, as the customer would.
    let browser = client();
    app.login(&browser, "upgrade@changes.test", PASSWORD).await;
    let delta = full_term(&app, "cloud_pbx_ultimate", 30, start).await
        - full_term(&app, "cloud_pbx_enterprise", 20, start).await;
    let expected = proration::prorate(delta, start, end, app.now().date());
    let shown = pricing::format_money(expected, "USD");

    let review = app
        .review_change(
            &browser,
            &sub,
            &[("plan", "cloud_pbx_ultimate"), ("units", "30")],
        )
        .await;
    assert_eq!(review.status(), StatusCode::OK);
    let html = review.text().await.unwrap();
    assert_eq!(change_orders(&app).await, 0, "the review places no order");
    assert!(
        html.contains(&format!("<strong id=\"change-amount\">{shown}</strong>")),
        "the review shows the prorated amount {shown}"
    );
    assert!(html.contains("Enterprise Plan") && html.contains("Ultimate Plan"));
    assert!(html.contains(&format!(
        "Takes effect now, {}",
        // "Today" in the customer's zone (the test accounts are in Germany).
        yeastar_portal::format::date_in(
            app.now(),
            &yeastar_portal::format::Zone::parse("Europe/Berlin").unwrap()
        )
    )));
    let units: i32 = app.one("select units from subscriptions").await;
    assert_eq!(units, 20, "nothing changes before the confirmation");

    let confirmation = TestApp::change_confirmation(&sub, &html);
    let done = app.confirm_change(&browser, &sub, &confirmation).await;
    assert_eq!(location(&done), sub);
    let (count, total): (i64, i64) = sqlx::query_as(
        "select count(*), coalesce(sum(total_minor), 0)::bigint from orders where kind = 'change'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((count, total), (1, expected));
    let (_, page) = app.get_html(&browser, &sub).await;
    assert!(page.contains(&shown), "the flash names the amount");

    let again = app.confirm_change(&browser, &sub, &confirmation).await;
    assert_eq!(
        location(&again),
        sub,
        "a double submit is answered, not refused"
    );
    assert_eq!(
        change_orders(&app).await,
        1,
        "a double submit makes one order"
    );
}

#[tokio::test]
async fn two_concurrent_confirms_of_one_review_make_one_order() {
    let app = spawn_app().await;
    let (browser, sub) = subscribed(&app, "twice@changes.test", "cloud_pbx_enterprise", "20").await;
    let confirmation = app
        .reviewed_change(
            &browser,
            &sub,
            &[("plan", "cloud_pbx_ultimate"), ("units", "30")],
        )
        .await;
    let (one, two) = tokio::join!(
        app.confirm_change(&browser, &sub, &confirmation),
        app.confirm_change(&browser, &sub, &confirmation)
    );
    assert_eq!(
        (one.status(), two.status()),
        (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER)
    );
    assert_eq!(change_orders(&app).await, 1);
    let full = full_term(&app, "cloud_pbx_ultimate", 30, app.now().date()).await
        - full_term(&app, "cloud_pbx_enterprise", 20, app.now().date()).await;
    let charged: i64 = app
        .one("select total_minor from orders where kind = 'change'")
        .await;
    assert_eq!(charged, full, "on the first day the whole difference");
}

#[tokio::test]
async fn a_review_of_a_subscription_that_changed_meanwhile_is_refused() {
    let app = spawn_app().await;
    let (browser, sub) = subscribed(&app, "stale@changes.test", "cloud_pbx_enterprise", "20").await;
    let stale = app
        .reviewed_change(
            &browser,
            &sub,
            &[("plan", "cloud_pbx_enterprise"), ("units", "25")],
        )
        .await;
    // Another tab changes the subscription first.
    let other = app
        .change_subscription(
            &browser,
            &sub,
            &[("plan", "cloud_pbx_enterprise"), ("units", "30")],
        )
        .await;
    assert_eq!(location(&other), sub);

    let refused = app.confirm_change(&browser, &sub, &stale).await;
    assert_says(
        refused,
        StatusCode::CONFLICT,
        "This subscription changed since you reviewed the change",
    )
    .await;
    assert_eq!(change_orders(&app).await, 1, "only the other tab's order");
    let units: i32 = app.one("select units from subscriptions").await;
    assert_eq!(units, 30);
}

#[tokio::test]
async fn a_review_confirmed_on_a_later_day_is_refused_because_its_price_changed() {
    let app = spawn_app().await;
    let (browser, sub) = subscribed(&app, "later@changes.test", "cloud_pbx_enterprise", "20").await;
    let mut confirmation = app
        .reviewed_change(
            &browser,
            &sub,
            &[("plan", "cloud_pbx_ultimate"), ("units", "20")],
        )
        .await;
    // The tab stays open for days; the customer signs in again and submits the old review.
    app.clock.advance(Duration::days(40));
    let browser = client();
    app.login(&browser, "later@changes.test", PASSWORD).await;
    let (_, page) = app.get_html(&browser, &sub).await;
    for (name, value) in &mut confirmation {
        if name == "csrf_token" {
            *value = csrf_token(&page);
        }
    }
    let refused = app.confirm_change(&browser, &sub, &confirmation).await;
    assert_says(refused, StatusCode::CONFLICT, "Review the change again").await;
    assert_eq!(change_orders(&app).await, 0);
}

#[tokio::test]
async fn a_downgrade_review_says_it_takes_effect_at_term_end_and_costs_nothing_now() {
    let app = spawn_app().await;
    let (browser, sub) = subscribed(&app, "down@changes.test", "cloud_pbx_ultimate", "10").await;
    let end = app.now().date().replace_year(app.now().year() + 1).unwrap();
    let review = app
        .review_change(
            &browser,
            &sub,
            &[("plan", "cloud_pbx_enterprise"), ("units", "10")],
        )
        .await;
    assert_eq!(review.status(), StatusCode::OK);
    let html = review.text().await.unwrap();
    assert!(
        html.contains("Takes effect at the end of the term"),
        "{html}"
    );
    assert!(html.contains(&yeastar_portal::format::day(end)));
    assert!(html.contains("Nothing to pay now"));
    assert!(html.contains("<strong id=\"change-amount\">USD 0.00</strong>"));
    assert_eq!(
        app.count("select count(*) from subscriptions where scheduled_plan_code is not null")
            .await,
        0,
        "the review schedules nothing"
    );
    let confirmation = TestApp::change_confirmation(&sub, &html);
    let done = app.confirm_change(&browser, &sub, &confirmation).await;
    assert_eq!(location(&done), sub);
    let again = app.confirm_change(&browser, &sub, &confirmation).await;
    assert_eq!(
        location(&again),
        sub,
        "a double submit is answered, not refused"
    );
    let (_, page) = app.get_html(&browser, &sub).await;
    assert!(page.contains("The downgrade is scheduled for the end of the term"));
    assert_eq!(
        app.count(
            "select count(*) from subscriptions where scheduled_plan_code = 'cloud_pbx_enterprise'"
        )
        .await,
        1
    );
    assert_eq!(
        app.count("select count(*) from orders where kind = 'change'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_cancelled_downgrade_is_gone_and_the_term_end_renews_the_old_plan() {
    let app = spawn_app().await;
    let (browser, sub) = subscribed(&app, "keep@changes.test", "cloud_pbx_ultimate", "10").await;
    let scheduled = app
        .change_subscription(
            &browser,
            &sub,
            &[("plan", "cloud_pbx_enterprise"), ("units", "10")],
        )
        .await;
    assert_eq!(location(&scheduled), sub);

    let cancel = format!("{sub}/scheduled-change/cancel");
    let (status, confirm_page) = app.get_html(&browser, &cancel).await;
    assert_eq!(status, StatusCode::OK);
    assert!(confirm_page.contains("Cancel the scheduled downgrade?"));
    assert_eq!(
        app.count("select count(*) from subscriptions where scheduled_plan_code is not null")
            .await,
        1,
        "opening the confirmation cancels nothing"
    );
    let csrf = crate::helpers::csrf_token(&confirm_page);
    let done = app
        .post_form(&browser, &cancel, &[("csrf_token", &csrf)])
        .await;
    assert_eq!(location(&done), sub);
    let (_, page) = app.get_html(&browser, &sub).await;
    assert!(page.contains("The scheduled downgrade is cancelled"));
    assert!(!page.contains("Scheduled change"));
    assert_eq!(
        app.count(
            "select count(*) from subscriptions where scheduled_plan_code is null \
             and scheduled_units is null and scheduled_addons is null"
        )
        .await,
        1
    );
    assert_eq!(app.audit_count("subscription.downgrade_cancelled").await, 1);
    let twice = app
        .post_form(&browser, &cancel, &[("csrf_token", &csrf)])
        .await;
    assert_eq!(
        twice.status(),
        StatusCode::CONFLICT,
        "nothing left to cancel"
    );

    app.clock.advance(Duration::days(366));
    let report = app.run_jobs().await;
    assert_eq!((report.downgraded, report.renewed), (0, 1), "{report:?}");
    let (plan, renewal): (String, String) = sqlx::query_as(
        "select s.plan_code, o.plan_code from subscriptions s join orders o \
         on o.subscription_id = s.id and o.kind = 'renewal'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        (plan.as_str(), renewal.as_str()),
        ("cloud_pbx_ultimate", "cloud_pbx_ultimate")
    );
}

#[tokio::test]
async fn the_reviews_change_button_brings_back_the_form_as_reviewed() {
    let app = spawn_app().await;
    let (browser, sub) = subscribed(&app, "edit@changes.test", "cloud_pbx_enterprise", "20").await;
    let fields = app
        .reviewed_change(
            &browser,
            &sub,
            &[("plan", "cloud_pbx_ultimate"), ("units", "30")],
        )
        .await;
    let edit = browser
        .post(app.url(&format!("{sub}/change/edit")))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status(), StatusCode::OK);
    let html = edit.text().await.unwrap();
    assert!(html.contains("value=\"cloud_pbx_ultimate\" selected"));
    assert!(html.contains("name=\"units\" value=\"30\""));
    assert_eq!(change_orders(&app).await, 0);
}
