//! What a heartbeat costs the database, and what may not change for it to stay cheap: its
//! update touches no index (HOT), it commits without waiting for the disk in its own
//! transaction only, and the offline check still finds the silent PBXs without an index on
//! the time of their last heartbeat.

use reqwest::StatusCode;
use time::Duration;
use yeastar_portal::pbx::heartbeat::{self, Report};

use crate::central::{beat, customer_with_pbx, issue_token, REPORT};
use crate::helpers::spawn_app;

/// Whether the current version of the instance's row is a heap-only tuple: written by a HOT
/// update, beside the previous version, with no index entry of its own (pageinspect reads the
/// flag from the page).
async fn row_is_heap_only(db: &sqlx::PgPool, token: &str) -> bool {
    sqlx::query_scalar(
        "select (p.t_infomask2 & 32768) <> 0 from pbx_instances i, \
         lateral heap_page_items(get_raw_page('pbx_instances', (i.ctid::text::point)[0]::int)) p \
         where i.token_hash = sha256(convert_to($1, 'UTF8')) and p.lp = (i.ctid::text::point)[1]::int",
    )
    .bind(token)
    .fetch_one(db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_heartbeat_updates_its_row_without_touching_an_index() {
    let app = spawn_app().await;
    sqlx::query("create extension if not exists pageinspect")
        .execute(&app.db)
        .await
        .unwrap();
    let (_, partner) = app.partner("p@hot.test").await;
    let (browser, path) = customer_with_pbx(&app, "h@hot.test", partner).await;
    let token = issue_token(&app, &browser, &path).await;
    assert!(
        !row_is_heap_only(&app.db, &token).await,
        "a new token changes an indexed column: that update cannot be HOT"
    );

    for _ in 0..3 {
        assert_eq!(beat(&app, Some(&token), REPORT).await.0, StatusCode::OK);
        assert!(
            row_is_heap_only(&app.db, &token).await,
            "a heartbeat wrote an indexed column: every beat now also writes every index"
        );
    }
}

#[tokio::test]
async fn a_heartbeat_commits_without_waiting_for_the_disk_and_leaves_its_connection_as_it_was() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@durable.test").await;
    let (browser, path) = customer_with_pbx(&app, "d@durable.test", partner).await;
    let token = issue_token(&app, &browser, &path).await;
    let url = format!("postgres://postgres@127.0.0.1:5432/{}", app.db_name);
    // One connection: the statement after the beat runs where the beat ran.
    let pool = yeastar_portal::db::connect(&url, 1).await.unwrap();
    let report = Report {
        version: "37.20.0.18".into(),
        extensions_in_use: 9,
        active_calls: 2,
    };

    let commands = heartbeat::accept(&pool, &token, &report, app.now())
        .await
        .unwrap();

    assert!(commands.is_empty());
    let setting: String = sqlx::query_scalar("show synchronous_commit")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(
        setting, "on",
        "the relaxed durability must end with the heartbeat's own transaction"
    );
    let version: Option<String> = sqlx::query_scalar("select software_version from pbx_instances")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        version.as_deref(),
        Some("37.20.0.18"),
        "other sessions see the beat at once"
    );
}

#[tokio::test]
async fn the_offline_check_finds_the_silent_pbxs_among_those_that_report() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@silent.test").await;
    let mut fleet = Vec::new();
    for name in ["a", "b", "c", "d"] {
        let (browser, path) =
            customer_with_pbx(&app, &format!("{name}@silent.test"), partner).await;
        let token = issue_token(&app, &browser, &path).await;
        assert_eq!(beat(&app, Some(&token), REPORT).await.0, StatusCode::OK);
        fleet.push((browser, path, token));
    }
    let check = || async { heartbeat::check_offline(&app.db, app.now()).await.unwrap() };

    // b and d fall silent; a and c keep reporting every two minutes.
    app.clock.advance(Duration::minutes(2));
    for (_, _, token) in [&fleet[0], &fleet[2]] {
        assert_eq!(beat(&app, Some(token), REPORT).await.0, StatusCode::OK);
    }
    assert_eq!(check().await, 0, "nobody has been silent for 3 minutes yet");
    app.clock.advance(Duration::minutes(2));
    for (_, _, token) in [&fleet[0], &fleet[2]] {
        assert_eq!(beat(&app, Some(token), REPORT).await.0, StatusCode::OK);
    }

    assert_eq!(check().await, 2, "b and d, silent for 4 minutes");
    assert_eq!(check().await, 0, "each incident is alerted once");
    for (n, (browser, path, _)) in fleet.iter().enumerate() {
        let (_, page) = app.get_html(browser, path).await;
        let silent = n % 2 == 1;
        assert_eq!(page.contains("Offline"), silent, "PBX {n}");
    }
    app.drain_outbox().await;
    for (name, silent) in [("a", false), ("b", true), ("c", false), ("d", true)] {
        let alerted = app
            .smtp
            .to(&format!("{name}@silent.test"))
            .iter()
            .any(|mail| mail.subject().ends_with("is offline"));
        assert_eq!(alerted, silent, "{name}@silent.test");
    }
}
