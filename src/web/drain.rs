//! Draining before a stop: once the server is told to stop, `/readyz` answers 503 so a load
//! balancer that probes readiness stops sending, and every response asks its client to close the
//! connection, so keep-alive connections (a proxy's, a browser's) are not reused on an instance
//! that is about to go away. Requests are still served normally meanwhile.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

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

/// While draining, every response carries `Connection: close`.
pub async fn close_connections_while_draining(
    State(draining): State<Draining>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    if draining.is_draining() {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}
