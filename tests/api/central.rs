//! Central Management and the PBX reporting API.

use reqwest::{Client, StatusCode};
use serde_json::json;
use time::Duration;
use yeastar_portal::accounts::model::AccountId;
use yeastar_portal::pbx::heartbeat::BEATS_PER_MINUTE;

use crate::helpers::{client, location, spawn_app, TestApp, PASSWORD};

/// A customer with a Cloud PBX trial; returns their client and the instance page path.
pub(crate) async fn customer_with_pbx(
    app: &TestApp,
    email: &str,
    partner: AccountId,
) -> (Client, String) {
    app.customer_of(partner, email).await;
    let browser = client();
    app.login(&browser, email, PASSWORD).await;
    let csrf = app.csrf_for(&browser, "/customer/trials").await;
    app.post_form(
        &browser,
        "/customer/trials/cloud_pbx",
        &[("csrf_token", &csrf)],
    )
    .await;
    let (_, list) = app.get_html(&browser, "/customer/central-management").await;
    let start = list
        .find("/customer/central-management/")
        .expect("the instance is listed");
    let path: String = list[start..].chars().take_while(|c| *c != '"').collect();
    (browser, path)
}

pub(crate) async fn issue_token(app: &TestApp, browser: &Client, path: &str) -> String {
    let csrf = app.csrf_for(browser, path).await;
    let response = app
        .post_form(browser, &format!("{path}/token"), &[("csrf_token", &csrf)])
        .await;
    let html = response.text().await.unwrap();
    let start = html
        .find("id=\"pbx-token\">")
        .expect("the token is shown once")
        + "id=\"pbx-token\">".len();
    html[start..].chars().take_while(|c| *c != '<').collect()
}

pub(crate) async fn beat(
    app: &TestApp,
    token: Option<&str>,
    body: &str,
) -> (StatusCode, serde_json::Value) {
    let mut request = client()
        .post(app.url("/api/pbx/heartbeat"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(json!(null)))
}

pub(crate) const REPORT: &str =
    r#"{"version": "37.20.0.16", "extensions_in_use": 12, "active_calls": 3}"#;

#[tokio::test]
async fn heartbeats_need_the_instances_own_token_and_good_json() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@central.test").await;
    let (a, a_path) = customer_with_pbx(&app, "a@central.test", partner).await;
    let (b, b_path) = customer_with_pbx(&app, "b@central.test", partner).await;
    let token = issue_token(&app, &a, &a_path).await;

    assert_eq!(beat(&app, None, REPORT).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        beat(&app, Some("not-a-token"), REPORT).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = beat(&app, Some(&token), "{not json").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().unwrap().contains("must be JSON"));
    let (status, body) = beat(&app, Some(&token), REPORT).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({ "commands": [] }));

    let (_, a_page) = app.get_html(&a, &a_path).await;
    assert!(a_page.contains("37.20.0.16") && a_page.contains("Online"));
    let (_, b_page) = app.get_html(&b, &b_path).await;
    assert!(
        !b_page.contains("37.20.0.16"),
        "one instance's token reports for that instance only"
    );
    let (status, _) = app.get_html(&b, &a_path).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a customer sees only their instances"
    );

    // A suspended instance is refused with its own status.
    app.clock.advance(Duration::days(31));
    let catalog = yeastar_portal::catalog::load(&app.db).await.unwrap();
    yeastar_portal::subscriptions::jobs::run_due(&app.db, &catalog, &app.address, app.now())
        .await
        .unwrap();
    let (status, body) = beat(&app, Some(&token), REPORT).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["error"].as_str().unwrap().contains("suspended"));
}

#[tokio::test]
async fn a_queued_restart_is_delivered_on_the_next_heartbeat_exactly_once() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@restart.test").await;
    let (browser, path) = customer_with_pbx(&app, "r@restart.test", partner).await;
    let token = issue_token(&app, &browser, &path).await;
    let csrf = app.csrf_for(&browser, &path).await;
    let response = app
        .post_form(
            &browser,
            &format!("{path}/restart"),
            &[("csrf_token", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(location(&response), path);
    let (_, first) = beat(&app, Some(&token), REPORT).await;
    assert_eq!(first["commands"].as_array().unwrap().len(), 1);
    assert_eq!(first["commands"][0]["kind"], "restart");
    let (_, second) = beat(&app, Some(&token), REPORT).await;
    assert_eq!(second["commands"].as_array().unwrap().len(), 0);
    let (_, page) = app.get_html(&browser, &path).await;
    assert!(page.contains("Restart requested") && page.contains("Restart delivered to the PBX"));
    assert_eq!(app.audit_count("pbx.restart_queued").await, 1);
}

#[tokio::test]
async fn an_offline_pbx_alerts_once_per_incident_and_once_when_back() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@offline.test").await;
    let (browser, path) = customer_with_pbx(&app, "o@offline.test", partner).await;
    let csrf = app.csrf_for(&browser, &path).await;
    app.post_form(
        &browser,
        &format!("{path}/alarm"),
        &[("csrf_token", &csrf), ("email", "noc@offline.test")],
    )
    .await;
    let bad = app
        .post_form(
            &browser,
            &format!("{path}/alarm"),
            &[("csrf_token", &csrf), ("email", "not an email")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let token = issue_token(&app, &browser, &path).await;
    beat(&app, Some(&token), REPORT).await;

    let check = || async {
        yeastar_portal::pbx::heartbeat::check_offline(&app.db, app.now())
            .await
            .unwrap()
    };
    app.clock.advance(Duration::minutes(2));
    assert_eq!(check().await, 0, "2 minutes of silence is fine");
    app.clock.advance(Duration::minutes(2));
    assert_eq!(check().await, 1);
    app.clock.advance(Duration::minutes(5));
    assert_eq!(
        check().await,
        0,
        "one alert per incident, not one per minute"
    );
    beat(&app, Some(&token), REPORT).await;
    app.clock.advance(Duration::minutes(4));
    assert_eq!(check().await, 1, "a new incident alerts again");

    app.drain_outbox().await;
    let subjects: Vec<String> = app
        .smtp
        .to("noc@offline.test")
        .iter()
        .map(|m| m.subject())
        .collect();
    assert_eq!(
        subjects
            .iter()
            .filter(|s| s.ends_with("is offline"))
            .count(),
        2,
        "{subjects:?}"
    );
    assert_eq!(
        subjects
            .iter()
            .filter(|s| s.ends_with("is back online"))
            .count(),
        1,
        "{subjects:?}"
    );
}

#[tokio::test]
async fn a_partner_sees_and_manages_only_its_customers_instances() {
    let app = spawn_app().await;
    let (_, mine) = app.partner("mine@central-partner.test").await;
    let (_, theirs) = app.partner("theirs@central-partner.test").await;
    customer_with_pbx(&app, "c1@central.test", mine).await;
    let (_, their_path) = customer_with_pbx(&app, "c2@central.test", theirs).await;
    let partner = client();
    app.login(&partner, "mine@central-partner.test", PASSWORD)
        .await;
    let (_, list) = app.get_html(&partner, "/partner/central-management").await;
    assert!(list.contains("c1@central.test") && !list.contains("c2@central.test"));
    let start = list.find("/partner/central-management/").unwrap();
    let path: String = list[start..].chars().take_while(|c| *c != '"').collect();
    let csrf = app.csrf_for(&partner, &path).await;
    let renamed = app
        .post_form(
            &partner,
            &format!("{path}/rename"),
            &[("csrf_token", &csrf), ("name", "Head office PBX")],
        )
        .await;
    assert_eq!(location(&renamed), path);
    let (_, page) = app.get_html(&partner, &path).await;
    assert!(page.contains("Head office PBX"));
    let their_id = their_path.rsplit('/').next().unwrap();
    let (status, _) = app
        .get_html(&partner, &format!("/partner/central-management/{their_id}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let refused = app
        .post_form(
            &partner,
            &format!("/partner/central-management/{their_id}/restart"),
            &[("csrf_token", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_simulator_reports_like_a_pbx() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@sim.test").await;
    let (browser, path) = customer_with_pbx(&app, "s@sim.test", partner).await;
    let token = issue_token(&app, &browser, &path).await;
    let (status, body) =
        yeastar_portal::simulator::heartbeat(&app.address, &token, "37.20.0.16", 7, 2)
            .await
            .unwrap();
    assert_eq!(status, 200, "{body}");
    let (_, page) = app.get_html(&browser, &path).await;
    assert!(page.contains("Online") && page.contains("37.20.0.16"));
}

#[tokio::test]
async fn a_pbx_beating_more_than_its_limit_a_minute_is_refused_until_its_window_ends() {
    let app = spawn_app().await;
    app.clock.freeze();
    let (_, partner) = app.partner("p@rate.test").await;
    let (browser, path) = customer_with_pbx(&app, "r@rate.test", partner).await;
    let token = issue_token(&app, &browser, &path).await;
    let (other_browser, other_path) = customer_with_pbx(&app, "o@rate.test", partner).await;
    let other_token = issue_token(&app, &other_browser, &other_path).await;
    for n in 1..=BEATS_PER_MINUTE {
        assert_eq!(
            beat(&app, Some(&token), REPORT).await.0,
            StatusCode::OK,
            "beat {n}"
        );
    }
    let refused = client()
        .post(app.url("/api/pbx/heartbeat"))
        .bearer_auth(&token)
        .body(REPORT)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: i64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    let reply: serde_json::Value = serde_json::from_str(&refused.text().await.unwrap()).unwrap();
    assert!(
        reply["error"]
            .as_str()
            .unwrap()
            .contains("heartbeats a minute"),
        "{reply}"
    );
    // The limit is the instance's own: another PBX of the same customer base still reports.
    assert_eq!(
        beat(&app, Some(&other_token), REPORT).await.0,
        StatusCode::OK
    );
    app.clock.advance(Duration::seconds(61));
    assert_eq!(beat(&app, Some(&token), REPORT).await.0, StatusCode::OK);
}

#[tokio::test]
async fn out_of_range_report_numbers_are_refused_with_the_field_named_never_wrapped() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@range.test").await;
    let (browser, path) = customer_with_pbx(&app, "r@range.test", partner).await;
    let token = issue_token(&app, &browser, &path).await;
    assert_eq!(beat(&app, Some(&token), REPORT).await.0, StatusCode::OK);
    for (field, value) in [
        ("extensions_in_use", "4294967295"),
        ("extensions_in_use", "2147483648"),
        ("extensions_in_use", "-1"),
        ("active_calls", "4294967295"),
        ("active_calls", "-5"),
    ] {
        let other = if field == "active_calls" {
            "extensions_in_use"
        } else {
            "active_calls"
        };
        let body = format!(r#"{{"version": "37.20.0.17", "{field}": {value}, "{other}": 1}}"#);
        let (status, reply) = beat(&app, Some(&token), &body).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field} = {value}"
        );
        let error = reply["error"].as_str().unwrap_or_default();
        assert!(error.contains(field), "{field} = {value}: {error}");
    }
    let stored: (Option<i32>, Option<i32>, Option<String>) = sqlx::query_as(
        "select extensions_in_use, active_calls, software_version from pbx_instances",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(stored, (Some(12), Some(3), Some("37.20.0.16".into())));
}

#[tokio::test]
async fn a_control_character_in_the_reported_version_is_refused_not_a_500() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@version.test").await;
    let (browser, path) = customer_with_pbx(&app, "v@version.test", partner).await;
    let token = issue_token(&app, &browser, &path).await;
    let body = r#"{"version": "37.20\u0000.16", "extensions_in_use": 1, "active_calls": 0}"#;
    let (status, reply) = beat(&app, Some(&token), body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply["error"]
        .as_str()
        .unwrap_or_default()
        .contains("version"));
}
