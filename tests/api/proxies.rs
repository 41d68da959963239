//! TRUSTED_PROXIES: whose X-Forwarded-For is believed when naming the client in sessions, the
//! audit log and the throttles.

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{redirect, Client};

use crate::helpers::{location, spawn_app, spawn_app_configured, TestApp, PASSWORD};
use crate::smtp::SmtpSink;

/// What a client behind two proxies sends, with a forged first hop of its own.
const FORWARDED: &str = "198.51.100.66, 203.0.113.7, 10.1.2.3";

fn forwarding_client() -> Client {
    let mut headers = HeaderMap::new();
    headers.insert("x-forwarded-for", HeaderValue::from_static(FORWARDED));
    Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

/// Signs a partner in through `browser`; returns the address recorded for the session, for the
/// audit entry of the sign-in, and whether the Security page lists `expected`.
async fn addresses_after_sign_in(
    app: &TestApp,
    browser: &Client,
    expected: &str,
) -> (String, String, bool) {
    let email = "proxied@partner.test";
    app.partner(email).await;
    let response = app.login(browser, email, PASSWORD).await;
    assert_eq!(location(&response), "/partner/customers");
    let session_ip: String = sqlx::query_scalar(
        "select s.client_ip from account_sessions s join accounts a on a.id = s.account_id \
         where a.email = $1 order by s.created_at desc limit 1",
    )
    .bind(email)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let audit_ip: String = sqlx::query_scalar(
        "select l.client_ip from audit_log l join accounts a on a.id = l.actor_id \
         where a.email = $1 and l.action = 'sign_in.succeeded' order by l.at desc limit 1",
    )
    .bind(email)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let (_, page) = app.get_html(browser, "/partner/security").await;
    let listed = page.contains(&format!(
        "<td data-label=\"Address\" class=\"ident\">{expected}</td>"
    ));
    (session_ip, audit_ip, listed)
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_client_is_the_right_most_untrusted_forwarded_address() {
    let app = spawn_app_configured(SmtpSink::start().await, |c| {
        // The test server's peer (loopback) and the inner proxy's network are trusted.
        c.trusted_proxies = "127.0.0.1/32, 10.0.0.0/8".parse().unwrap();
    })
    .await;
    let (session_ip, audit_ip, listed) =
        addresses_after_sign_in(&app, &forwarding_client(), "203.0.113.7").await;
    // 10.1.2.3 is a trusted proxy; 198.51.100.66 is what the client claimed, so not believed.
    assert_eq!(session_ip, "203.0.113.7");
    assert_eq!(audit_ip, "203.0.113.7");
    assert!(listed, "the Security page lists the client's address");
}

#[tokio::test]
async fn a_forwarded_header_from_an_untrusted_peer_is_ignored() {
    // No trusted proxies (the default): the header is the client's own claim.
    let app = spawn_app().await;
    let (session_ip, audit_ip, listed) =
        addresses_after_sign_in(&app, &forwarding_client(), "127.0.0.1").await;
    assert_eq!(session_ip, "127.0.0.1");
    assert_eq!(audit_ip, "127.0.0.1");
    assert!(listed);

    // A peer outside the trusted ranges is not believed either.
    let app = spawn_app_configured(SmtpSink::start().await, |c| {
        c.trusted_proxies = "10.0.0.0/8".parse().unwrap();
    })
    .await;
    let (session_ip, _, _) = addresses_after_sign_in(&app, &forwarding_client(), "127.0.0.1").await;
    assert_eq!(session_ip, "127.0.0.1");
}
