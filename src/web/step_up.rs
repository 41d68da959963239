//! Step-up checks: the current password or a code asked for again before a sensitive change on
//! the Security page. A stolen session must not be able to guess them, so each check is counted
//! like a sign-in attempt (the same throttle, reserved before the check) and the session is
//! ended once the account's free attempts are used up.

use std::future::Future;

use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use crate::audit::{self, Action, Entry};
use crate::auth::{sessions, throttle};
use crate::error::AppError;
use crate::web::extractors::{ClientInfo, SignedIn};
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

pub const SIGNED_OUT: &str = "You were signed out because a password or code was entered incorrectly too many times. Sign in again.";

/// How a step-up check went.
pub enum StepUp {
    Passed,
    /// Wrong; the caller shows its message next to the field.
    Failed,
    /// Too many wrong answers: the session is ended and this redirect goes to the sign-in page.
    SignedOut(Response),
}

/// Runs `check` (true when the answer is right) as a counted attempt of the signed-in account.
/// `what` names the check in the audit log.
pub async fn check<F, Fut>(
    state: &AppState,
    signed_in: &SignedIn,
    client: &ClientInfo,
    what: &str,
    check: F,
) -> Result<StepUp, AppError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<bool, AppError>>,
{
    let now = state.clock.now();
    let keys = throttle::sign_in_keys(&signed_in.account.email, &client.ip);
    let attempt = match throttle::reserve(&state.db, &keys, now).await? {
        Ok(attempt) => attempt,
        Err(_) => {
            return Ok(StepUp::SignedOut(
                end_session(state, signed_in, client).await?,
            ))
        }
    };
    if check().await? {
        attempt.release(&state.db).await?;
        return Ok(StepUp::Passed);
    }
    let account = &signed_in.account;
    let entry = Entry {
        actor: Some(account.id),
        action: Action::StepUpFailed,
        target: Some(account.id),
        partner: account.tenant(),
        client_ip: Some(&client.ip),
        details: json!({ "check": what }),
    };
    audit::record_alone(&state.db, entry, now).await?;
    if attempt.locks() {
        return Ok(StepUp::SignedOut(
            end_session(state, signed_in, client).await?,
        ));
    }
    Ok(StepUp::Failed)
}

/// Ends the session server-side (its row is deleted) and sends the person to sign in again.
async fn end_session(
    state: &AppState,
    signed_in: &SignedIn,
    client: &ClientInfo,
) -> Result<Response, AppError> {
    let account = &signed_in.account;
    sessions::end(&state.db, account.id, signed_in.session_id).await?;
    session::sign_out(&signed_in.session).await?;
    session::flash(&signed_in.session, FlashKind::Error, SIGNED_OUT).await?;
    let entry = Entry {
        actor: Some(account.id),
        action: Action::SessionEndedAfterFailedStepUp,
        target: Some(account.id),
        partner: account.tenant(),
        client_ip: Some(&client.ip),
        details: json!({}),
    };
    audit::record_alone(&state.db, entry, state.clock.now()).await?;
    tracing::warn!(account = %account.id, "session ended after repeated failed step-up checks");
    Ok(Redirect::to(paths::LOGIN).into_response())
}
