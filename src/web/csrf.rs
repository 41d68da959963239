//! CSRF protection for every state-changing request: the form must carry the session's token
//! in `csrf_token` (url-encoded or multipart body) or the `X-CSRF-Token` header. Checked here,
//! once, so no handler can forget it; a refusal happens before any handler runs.

use axum::body::{to_bytes, Body};
use axum::extract::{DefaultBodyLimit, FromRequest, MatchedPath, Request};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;
use tower::{Layer, ServiceExt};
use tower_sessions::Session;

use super::form::Multipart;
use super::session;
use crate::error::AppError;

/// Largest body of an ordinary form. The largest real one (a partnership application, or a
/// manager's selection of a full page of accounts) is a few KiB.
pub const FORM_BODY_BYTES: usize = 64 * 1024;
/// Largest body of an upload route: a 2 MiB image plus the other fields, with room to spare so
/// that a slightly-too-large image gets a field error instead of a bare 413.
pub const UPLOAD_BODY_BYTES: usize = 4 * 1024 * 1024;
/// The routes that take a file; the router gives them `DefaultBodyLimit::max(UPLOAD_BODY_BYTES)`.
pub const UPLOAD_ROUTES: &[&str] = &["/partner/customers/new"];

/// What this layer buffers for the matched route (it runs after routing).
fn body_limit(request: &Request) -> usize {
    let upload = request
        .extensions()
        .get::<MatchedPath>()
        .is_some_and(|path| UPLOAD_ROUTES.contains(&path.as_str()));
    if upload {
        UPLOAD_BODY_BYTES
    } else {
        FORM_BODY_BYTES
    }
}

pub async fn verify_csrf(request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        // The PBX API authenticates with bearer tokens, not cookies: no CSRF exposure.
        || request.uri().path().starts_with("/api/")
    {
        return next.run(request).await;
    }
    match check(request).await {
        Ok(request) => next.run(request).await,
        Err(err) => err.into_response(),
    }
}

async fn check(request: Request) -> Result<Request, AppError> {
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return Err(AppError::CsrfRejected);
    };
    let limit = body_limit(&request);
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, limit)
        .await
        .map_err(|_| AppError::PayloadTooLarge)?;
    // The body is read before the session is loaded: when the session store is away, the 503
    // then goes out after the whole request, and the connection stays usable for the next one.
    let expected = session::expected_csrf_token(&session).await?;
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let header_token = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let sent = match header_token {
        Some(token) => Some(token),
        None if content_type.starts_with("application/x-www-form-urlencoded") => {
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
                .ok()
                .and_then(|pairs| {
                    pairs
                        .into_iter()
                        .find(|(k, _)| k == "csrf_token")
                        .map(|(_, v)| v)
                })
        }
        None if content_type.starts_with("multipart/form-data") => {
            let replay = Request::from_parts(parts.clone(), Body::from(bytes.clone()));
            multipart_token(replay, limit).await
        }
        None => None,
    };
    let valid = match (expected, sent) {
        (Some(expected), Some(sent)) => bool::from(expected.as_bytes().ct_eq(sent.as_bytes())),
        _ => false,
    };
    if !valid {
        tracing::warn!(path = %super::redact::path(parts.uri.path()),
            "request refused: CSRF token missing or wrong");
        return Err(AppError::CsrfRejected);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

async fn multipart_token(request: Request, limit: usize) -> Option<String> {
    // The body is already buffered within `limit`; the multipart reader must accept as much
    // (this layer runs before the route's own, larger `DefaultBodyLimit` is applied).
    let read = tower::service_fn(|request: Request| async move {
        Ok::<_, std::convert::Infallible>(Multipart::from_request(request, &()).await.ok())
    });
    let mut multipart = DefaultBodyLimit::max(limit)
        .layer(read)
        .oneshot(request)
        .await
        .ok()??;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == "csrf_token" {
            return field.text().await.ok()?.ok();
        }
    }
    None
}
