//! What operators watch over HTTP: the layer that counts and times every request by its route
//! pattern, and `/metrics`, served on its own listener (`METRICS_ADDR`), never on the public
//! port.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::telemetry::{self, Recorder};
use crate::web::state::AppState;

/// Counts and times each request under its route's pattern (`/partner/customers/{id}`), so
/// the number of series stays that of the routes whatever paths clients ask for.
pub async fn record_request(request: Request, next: Next) -> Response {
    let route = match request.extensions().get::<MatchedPath>() {
        Some(matched) => matched.as_str().to_owned(),
        // `/static` is a nested service, which axum gives no `MatchedPath`.
        None if request.uri().path().starts_with("/static/") => "/static/*".to_owned(),
        None => "unmatched".to_owned(),
    };
    let method = request.method().clone();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    telemetry::http_request(route, method.as_str(), status, started.elapsed());
    response
}

/// The router of the metrics listener: `GET /metrics` and nothing else.
pub fn metrics_router(state: AppState, recorder: Recorder) -> Router {
    Router::new()
        .route("/metrics", get(get_metrics))
        .with_state((state, recorder))
}

/// The text format, with the gauges read from the database refreshed first: a couple of cheap
/// statements a scrape, and no sampler whose timing a reader must guess.
async fn get_metrics(State((state, recorder)): State<(AppState, Recorder)>) -> Response {
    let body = recorder.scrape(refresh_database_gauges(&state)).await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// The pool's state, then the gauges read from the database. On a database error the
/// previous values stay and the error is counted.
async fn refresh_database_gauges(state: &AppState) {
    let pool = &state.db;
    telemetry::db_pool(
        pool.size(),
        pool.num_idle(),
        pool.options().get_max_connections(),
    );
    if let Err(err) = read_database_gauges(state).await {
        tracing::warn!(error = %err, "metrics: could not read the database gauges");
        telemetry::scrape_db_error();
    }
}

/// Over one connection (whose wait is measured): the outbox and the open job failures. Those
/// two are of the whole database, so every instance reports the same values.
async fn read_database_gauges(state: &AppState) -> sqlx::Result<()> {
    let started = Instant::now();
    let mut conn = state.db.acquire().await?;
    telemetry::db_acquire(started.elapsed());
    let (pending, oldest) = crate::mail::outbox::pending_summary(&mut conn).await?;
    let age = oldest.map_or(time::Duration::ZERO, |at| state.clock.now() - at);
    telemetry::outbox(pending, age.try_into().unwrap_or_default());
    let open = crate::jobs::store::count_open_by_job(&mut conn).await?;
    telemetry::job_failures_open(&open);
    Ok(())
}
