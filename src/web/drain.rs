//! Draining before a stop. Once the server is told to stop, until its listener closes:
//! - `/readyz` answers 503 (a load balancer that probes readiness stops sending);
//! - a page view (GET or HEAD) is refused with 503 and `Retry-After` before anything runs, so a
//!   proxy that retries on 503 (nginx's `proxy_next_upstream http_503`, see
//!   `scripts/cluster-lib.sh`) sends it to another instance and takes this one out of rotation;
//! - anything else (a form someone filled in) is still served;
//! - every response asks its client to close the connection, so no keep-alive connection is
//!   reused on an instance that is about to go away.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ErrorPage;

/// Whether this instance is draining; shared by every clone.
#[derive(Clone, Default)]
pub struct Draining(Arc<AtomicBool>);

impl Draining {
    pub fn start(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_draining(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Health and readiness answer for themselves while draining.
const ANSWERED_WHILE_DRAINING: [&str; 2] = ["/healthz", "/readyz"];

pub async fn while_draining(
    State(draining): State<Draining>,
    request: Request,
    next: Next,
) -> Response {
    if !draining.is_draining() {
        return next.run(request).await;
    }
    let page_view = matches!(*request.method(), Method::GET | Method::HEAD)
        && !ANSWERED_WHILE_DRAINING.contains(&request.uri().path());
    let mut response = if page_view {
        refused()
    } else {
        next.run(request).await
    };
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// The 503 page of a page view refused while draining; nothing ran for it.
fn refused() -> Response {
    let status = StatusCode::SERVICE_UNAVAILABLE;
    let mut response = (status, [(header::RETRY_AFTER, "1")]).into_response();
    response.extensions_mut().insert(ErrorPage {
        status,
        title: "Temporarily unavailable",
        message: "This server is restarting. Reload the page in a moment.".into(),
        detail: Some("draining before a stop".into()),
    });
    response
}
