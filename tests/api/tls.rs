//! Behind TLS (COOKIE_SECURE on) browsers are told to use HTTPS only; without it, not.

use crate::helpers::{client, spawn_app, spawn_app_configured};
use crate::smtp::SmtpSink;

const HSTS: &str = "strict-transport-security";

#[tokio::test]
async fn behind_tls_every_response_carries_strict_transport_security() {
    let app = spawn_app_configured(SmtpSink::start().await, |c| c.cookie_secure = true).await;
    // A page, a redirect, an error page, a static file and a probe.
    for path in [
        "/login",
        "/customer",
        "/no-such-page",
        "/static/css/app.css",
        "/healthz",
    ] {
        let response = client().get(app.url(path)).send().await.unwrap();
        let value = response
            .headers()
            .get(HSTS)
            .unwrap_or_else(|| panic!("HSTS on {path} ({})", response.status()))
            .to_str()
            .unwrap()
            .to_owned();
        assert!(value.contains("max-age=31536000"), "{path}: {value}");
        assert!(value.contains("includeSubDomains"), "{path}: {value}");
    }
}

#[tokio::test]
async fn without_cookie_secure_no_strict_transport_security_is_sent() {
    let app = spawn_app().await;
    for path in ["/login", "/healthz"] {
        let response = client().get(app.url(path)).send().await.unwrap();
        assert!(response.headers().get(HSTS).is_none(), "{path}");
    }
}
