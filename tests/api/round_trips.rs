//! What one page view costs the database, read from the wire (`wire.rs`): a signed-in page
//! reads its session with the signed-in account in one statement, then its data in one more,
//! and writes nothing.

use reqwest::{Client, StatusCode};
use yeastar_portal::config::Secret;

use crate::helpers::{spawn_app_configured, TestApp};
use crate::smtp::SmtpSink;
use crate::wire::{Traffic, WireCounter};

const POSTGRES: &str = "127.0.0.1:5432";

/// The server with its pool reading and writing through the counting proxy.
async fn spawn_counted() -> (WireCounter, TestApp) {
    let wire = WireCounter::start(POSTGRES.parse().unwrap()).await;
    let port = wire.port;
    let app = spawn_app_configured(SmtpSink::start().await, move |config| {
        let url = config
            .database_url
            .expose()
            .replace(":5432/", &format!(":{port}/"));
        config.database_url = Secret::new(url);
    })
    .await;
    (wire, app)
}

/// The statements of one view of `path`, once every pooled connection has served the page
/// (sqlx looks up the enum types once per connection) and released itself.
async fn one_view(wire: &WireCounter, app: &TestApp, browser: &Client, path: &str) -> Traffic {
    for _ in 0..3 {
        let views: Vec<_> = (0..8).map(|_| app.get(browser, path)).collect();
        for view in views {
            assert_eq!(view.await.status(), StatusCode::OK, "{path}");
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    wire.take();
    assert_eq!(app.get(browser, path).await.status(), StatusCode::OK);
    // The pool's release of the connection (a Sync of its own) happens after the answer.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    wire.take()
}

fn assert_session_then_data(path: &str, traffic: &Traffic) {
    let shown = format!("{path}: {:#?}", traffic.statements);
    assert_eq!(traffic.statements.len(), 2, "{shown}");
    let session = &traffic.statements[0];
    assert!(
        session.contains("from tower_sessions.session") && session.contains("join accounts"),
        "the session and the account in one statement: {shown}"
    );
    let writes = ["insert", "update", "delete"];
    assert!(
        traffic
            .statements
            .iter()
            .all(|sql| !writes.iter().any(|w| sql.to_lowercase().starts_with(w))),
        "a page view writes nothing: {shown}"
    );
}

#[tokio::test]
async fn a_partners_lists_read_the_session_with_the_account_then_the_page_and_write_nothing() {
    let (wire, app) = spawn_counted().await;
    let (partner, _) = app.signed_in_partner("p@wire.test").await;
    for path in ["/partner/customers", "/partner/products/cloud_pbx"] {
        let traffic = one_view(&wire, &app, &partner, path).await;
        assert_session_then_data(path, &traffic);
    }
}

#[tokio::test]
async fn the_customer_dashboard_reads_the_session_with_the_account_then_the_page() {
    let (wire, app) = spawn_counted().await;
    let (customer, _) = app.signed_in_customer("c@wire.test").await;
    let traffic = one_view(&wire, &app, &customer, "/customer").await;
    assert_session_then_data("/customer", &traffic);
}

#[tokio::test]
async fn the_managers_pending_activations_read_the_session_with_the_account_then_the_page() {
    let (wire, app) = spawn_counted().await;
    let (manager, _) = app.partner("p@wire-manager.test").await;
    let browser = app.signed_in_as("manager-of-p@wire-manager.test").await;
    let _ = manager;
    let traffic = one_view(&wire, &app, &browser, "/manager/activations").await;
    assert_session_then_data("/manager/activations", &traffic);
}
