//! Pages for everyone: sign in/out, activation, health, profile images.

pub mod activate;
pub mod login;
pub mod media;
pub mod reset;
pub mod routes;
pub mod two_factor;

use axum::extract::State;
use axum::http::StatusCode;

use crate::web::state::AppState;

/// How long readiness waits for the database: a load balancer probing a cut-off instance must
/// get its 503 at once, not after the pool's acquire timeout.
const READY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// Ready when the database answers, within `READY_TIMEOUT`, and the server is not draining
/// before a stop.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.draining.is_draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining");
    }
    let ping = sqlx::query("select 1").execute(&state.db);
    match tokio::time::timeout(READY_TIMEOUT, ping).await {
        Ok(Ok(_)) => (StatusCode::OK, "ready"),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => {
            tracing::warn!("readiness check timed out");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
