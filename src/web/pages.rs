//! Cross-cutting response shaping: error pages with the request id, and security headers.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::config::Config;
use crate::error::ErrorPage;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    status: u16,
    title: &'a str,
    message: &'a str,
    request_id: &'a str,
}

/// Renders the body of every error response made from an `AppError`, and logs 5xx details with
/// the request id (the client sees only the id).
pub async fn render_error_pages(request: Request, next: Next) -> Response {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let method = request.method().clone();
    let path = super::redact::path(request.uri().path()).into_owned();
    let response = next.run(request).await;
    let Some(page) = response.extensions().get::<ErrorPage>().cloned() else {
        return response;
    };
    if page.status == StatusCode::SERVICE_UNAVAILABLE {
        // The database is away, or this instance is draining: worth a warning per request, not
        // an error per bug.
        tracing::warn!(request_id, %method, path, detail = page.detail.as_deref().unwrap_or(""),
            "request answered 503: temporarily unavailable");
    } else if page.status.is_server_error() {
        tracing::error!(request_id, %method, path, detail = page.detail.as_deref().unwrap_or(""),
            "request failed");
    }
    let body = ErrorTemplate {
        status: page.status.as_u16(),
        title: page.title,
        message: &page.message,
        request_id: &request_id,
    }
    .render()
    .unwrap_or_else(|_| page.message.clone());
    let mut rendered = (page.status, Html(body)).into_response();
    // Keep headers the handler set (e.g. a cleared session cookie).
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rendered.headers_mut().append(name, value.clone());
        }
    }
    rendered
}

/// A strict policy: no inline script or style, nothing from other origins, no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
    object-src 'none'";

/// Behind TLS, browsers keep to HTTPS for a year, subdomains included (ASVS 14.4.5).
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

pub async fn security_headers(
    State(config): State<Arc<Config>>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut axum::http::HeaderMap, name: &'static str, value: &'static str| {
        headers
            .entry(name)
            .or_insert_with(|| HeaderValue::from_static(value));
    };
    set(headers, "content-security-policy", CONTENT_SECURITY_POLICY);
    set(headers, "x-content-type-options", "nosniff");
    set(headers, "x-frame-options", "DENY");
    // Activation and reset tokens live in URL paths: never leak them to other sites.
    set(headers, "referrer-policy", "same-origin");
    // COOKIE_SECURE says the portal is served over HTTPS; over plain HTTP (development) the
    // header would be ignored at best, and would pin a dev host name to HTTPS at worst.
    if config.cookie_secure {
        set(
            headers,
            "strict-transport-security",
            STRICT_TRANSPORT_SECURITY,
        );
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        // Pages show personal data: keep them out of shared caches and the back/forward cache
        // after sign-out.
        set(headers, "cache-control", "no-store");
    }
    response
}

/// tower-sessions answers a bare, bodiless 500 when it cannot save the session after the
/// handler ran; that is the session store (PostgreSQL) being away, so say so with a 503 page.
/// Every other 5xx from inside carries an `ErrorPage` and passes through untouched.
pub async fn session_store_failures(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && response.extensions().get::<ErrorPage>().is_none()
    {
        return crate::error::AppError::Unavailable("the session store failed to save".into())
            .into_response();
    }
    response
}

pub async fn not_found() -> crate::error::AppError {
    crate::error::AppError::NotFound
}

pub async fn healthz() -> (StatusCode, &'static str) {
    (StatusCode::OK, "ok")
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::routing::get;
    use axum::Router;
    use tower::ServiceExt;

    use super::*;

    async fn answer(router: Router) -> Response {
        let request = axum::http::Request::get("/").body(Body::empty()).unwrap();
        router
            .layer(axum::middleware::from_fn(session_store_failures))
            .oneshot(request)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_session_layers_bare_500_becomes_the_unavailable_page() {
        // What tower-sessions answers when saving the session fails: a 500 with no page.
        let router = Router::new().route("/", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }));
        let response = answer(router).await;
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().contains_key(header::RETRY_AFTER));
        let page = response.extensions().get::<ErrorPage>().unwrap();
        assert!(page
            .message
            .contains("temporarily unavailable, try again in a moment"));
    }

    #[tokio::test]
    async fn a_handlers_own_error_page_passes_through() {
        let router = Router::new().route(
            "/",
            get(|| async { crate::error::AppError::Unexpected(anyhow::anyhow!("a bug")) }),
        );
        let response = answer(router).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
