//! The scheduled jobs: a scheduled change is applied as it was validated, also when it was
//! scheduled before whole changes were stored.

use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use yeastar_portal::pricing::{self, AddonChoice, Configuration};

use crate::helpers::location;

#[tokio::test]
async fn a_downgrade_from_ultimate_with_high_availability_renews_exactly_as_it_was_validated() {
    let app = crate::helpers::spawn_app().await;
    let browser = app.signed_in_customer("ha@jobs.test").await.0;
    let sub = location(
        &app.subscribe(
            &browser,
            &[
                ("plan", "cloud_pbx_ultimate"),
                ("units", "10"),
                ("term", "monthly"),
                ("addon.high_availability", "1"),
            ],
        )
        .await,
    );
    let term_end: time::Date = app
        .one("select current_period_end from subscriptions")
        .await;
    // Enterprise does not offer High Availability: the customer leaves it out and adds calls.
    let response = app
        .change_subscription(
            &browser,
            &sub,
            &[
                ("plan", "cloud_pbx_enterprise"),
                ("units", "12"),
                ("addon.high_availability", ""),
                ("addon.concurrent_calls", "3"),
            ],
        )
        .await;
    assert_eq!(location(&response), sub);
    let (_, page) = app.get_html(&browser, &sub).await;
    assert!(
        page.contains(
            "Changes to Cloud PBX Enterprise Plan (EP), capacity 12, Concurrent calls: 3 extra calls, at the end"
        ),
        "the page says what the change will be"
    );

    app.clock.advance(Duration::days(32));
    let report = app.run_jobs().await;
    assert_eq!(
        (report.downgraded, report.renewed, report.failed),
        (1, 1, 0),
        "{report:?}"
    );
    let (plan, units, addons, scheduled): (String, i32, serde_json::Value, Option<String>) =
        sqlx::query_as("select plan_code, units, addons, scheduled_plan_code from subscriptions")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (plan.as_str(), units, scheduled),
        ("cloud_pbx_enterprise", 12, None)
    );
    assert_eq!(
        addons,
        serde_json::json!([{ "code": "concurrent_calls", "quantity": 3 }]),
        "exactly the add-ons the change was validated with"
    );
    let catalog = yeastar_portal::catalog::load(&app.db).await.unwrap();
    let expected = pricing::quote(
        &catalog,
        &Configuration {
            plan: "cloud_pbx_enterprise".into(),
            units: 12,
            addons: vec![AddonChoice {
                code: "concurrent_calls".into(),
                quantity: 3,
            }],
            term: "monthly".parse().unwrap(),
            start: term_end,
        },
    )
    .unwrap();
    let (total, starts_on, order_units): (i64, time::Date, i32) =
        sqlx::query_as("select total_minor, starts_on, units from orders where kind = 'renewal'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(
        (total, starts_on, order_units),
        (expected.total_minor, term_end, 12)
    );
    assert_eq!(app.count("select count(*) from job_failures").await, 0);
}

#[tokio::test]
async fn a_downgrade_scheduled_before_whole_changes_were_stored_keeps_what_its_plan_offers() {
    use yeastar_portal::db;
    // The schema as it was before the scheduled change kept its units and add-ons.
    let name = format!("yp_test_{}", Uuid::new_v4().simple());
    let url = format!("postgres://postgres@127.0.0.1:5432/{name}");
    db::ensure_database(&url).await.unwrap();
    let pool = db::connect(&url, 2).await.unwrap();
    let earlier = std::env::temp_dir().join(&name);
    std::fs::create_dir_all(&earlier).unwrap();
    for entry in std::fs::read_dir("migrations").unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_str().unwrap().to_owned();
        if file.as_str() < "20261201000001" {
            std::fs::copy(&path, earlier.join(&file)).unwrap();
        }
    }
    sqlx::migrate::Migrator::new(earlier.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let (manager, partner, customer) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    for (id, role, email, manager_id, partner_id) in [
        (manager, "manager", "m@old-downgrade.test", None, None),
        (
            partner,
            "partner",
            "p@old-downgrade.test",
            Some(manager),
            None,
        ),
        (
            customer,
            "customer",
            "c@old-downgrade.test",
            None,
            Some(partner),
        ),
    ] {
        sqlx::query(
            "insert into accounts (id, role, email, first_name, last_name, manager_id, partner_id, \
             created_at, updated_at) values ($1, $2::account_role, $3, 'Old', 'Row', $4, $5, $6, $6)",
        )
        .bind(id)
        .bind(role)
        .bind(email)
        .bind(manager_id)
        .bind(partner_id)
        .bind(now)
        .execute(&pool)
        .await
        .unwrap();
    }
    let today = now.date();
    sqlx::query(
        "insert into subscriptions (id, customer_id, partner_id, product_type, plan_code, units, addons, \
         term, status, current_period_start, current_period_end, scheduled_plan_code, created_at, updated_at) \
         values ($1, $2, $3, 'cloud_pbx', 'cloud_pbx_ultimate', 20, \
         '[{\"code\": \"high_availability\", \"quantity\": 1}, {\"code\": \"recording_minutes\", \"quantity\": 3}]', \
         'monthly', 'active', $4, $5, 'cloud_pbx_enterprise', $6, $6)",
    )
    .bind(Uuid::now_v7())
    .bind(customer)
    .bind(partner)
    .bind(today - Duration::days(30))
    .bind(today)
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();

    db::MIGRATOR.run(&pool).await.unwrap();
    let (units, addons): (Option<i32>, Option<serde_json::Value>) =
        sqlx::query_as("select scheduled_units, scheduled_addons from subscriptions")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(units, Some(20));
    assert_eq!(
        addons,
        Some(serde_json::json!([{ "code": "recording_minutes", "quantity": 3 }])),
        "High Availability is left out: Enterprise does not offer it"
    );
    let catalog = yeastar_portal::catalog::load(&pool).await.unwrap();
    let report =
        yeastar_portal::subscriptions::jobs::run_due(&pool, &catalog, "http://portal.test", now)
            .await
            .unwrap();
    assert_eq!(
        (report.downgraded, report.renewed, report.failed),
        (1, 1, 0),
        "{report:?}"
    );
    pool.close().await;
    let server = db::connect("postgres://postgres@127.0.0.1:5432/postgres", 1)
        .await
        .unwrap();
    sqlx::query(&format!("drop database {name} with (force)"))
        .execute(&server)
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&earlier);
}
