//! Pages for everyone: sign in/out, activation, health, profile images.

pub mod activate;
pub mod login;
pub mod media;
pub mod reset;
pub mod two_factor;

use axum::extract::State;
use axum::http::StatusCode;

use crate::web::state::AppState;

/// Ready when the database answers.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match sqlx::query("select 1").execute(&state.db).await {
        Ok(_) => (StatusCode::OK, "ready"),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
