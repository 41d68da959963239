//! `POST /api/pbx/heartbeat`: a PBX reports in with its bearer token and collects its pending
//! commands. JSON in and out; each failure has its own status and message.

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::pbx::heartbeat::{self, HeartbeatError, Report};
use crate::web::routes::{post, Portal, Routes};
use crate::web::state::AppState;

/// The PBX JSON API: bearer tokens, no session, no CSRF, small bodies.
pub fn routes() -> Routes<AppState> {
    Routes::new()
        .route(
            "/api/pbx/heartbeat",
            post(post_heartbeat).layer(DefaultBodyLimit::max(16 * 1024)),
        )
        .portal(Portal::PbxApi)
}

/// Every refused heartbeat answers through here, so it is counted here, by its status.
fn error(status: StatusCode, message: &str) -> Response {
    crate::telemetry::heartbeat(status.as_u16());
    (status, Json(json!({ "error": message }))).into_response()
}

pub async fn post_heartbeat(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(token) = bearer_token(&headers) else {
        return error(
            StatusCode::UNAUTHORIZED,
            "missing bearer token (Authorization: Bearer <token>)",
        );
    };
    let report: Report = match serde_json::from_slice(&body) {
        Ok(report) => report,
        Err(err) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("the body must be JSON like {{\"version\": \"37.20.0.16\", \"extensions_in_use\": 12, \"active_calls\": 3}}: {err}"),
            )
        }
    };
    match heartbeat::accept(&state.db, token, &report, state.clock.now()).await {
        Ok(commands) => {
            crate::telemetry::heartbeat(StatusCode::OK.as_u16());
            (StatusCode::OK, Json(json!({ "commands": commands }))).into_response()
        }
        Err(err) => refused(err),
    }
}

/// `Authorization: Bearer <token>`, the token not empty.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// A heartbeat that was not accepted, each failure with its own status.
fn refused(err: HeartbeatError) -> Response {
    match err {
        HeartbeatError::Unauthorized => error(StatusCode::UNAUTHORIZED, "unknown or revoked token"),
        err @ HeartbeatError::NotRunning(_) => error(StatusCode::CONFLICT, &err.to_string()),
        err @ HeartbeatError::TooFrequent { retry_after } => {
            let mut response = error(StatusCode::TOO_MANY_REQUESTS, &err.to_string());
            response.headers_mut().insert(
                header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after),
            );
            response
        }
        err @ HeartbeatError::BadReport(_) => {
            error(StatusCode::UNPROCESSABLE_ENTITY, &err.to_string())
        }
        HeartbeatError::Unexpected(err) if crate::error::chain_is_unavailable(&err) => {
            tracing::warn!(
                error = format!("{err:#}"),
                "heartbeat: database unavailable"
            );
            let mut response = error(
                StatusCode::SERVICE_UNAVAILABLE,
                "temporarily unavailable; try again in a moment",
            );
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(crate::error::RETRY_AFTER_SECONDS),
            );
            response
        }
        HeartbeatError::Unexpected(err) => {
            tracing::error!(error = format!("{err:#}"), "heartbeat failed");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error; try again",
            )
        }
    }
}
