//! `/login/two-factor`: the second step of signing in when 2FA is on. Until it succeeds the
//! session is only half signed in and opens no portal page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::login::{
    complete_sign_in, landing_for, record_failed_attempt, remember_browser_zone, retry_message,
};
use crate::accounts::model::{Account, AccountStatus};
use crate::accounts::store as account_store;
use crate::auth::throttle;
use crate::auth::two_factor::{self, Accepted, CodeCheck};
use crate::error::AppError;
use crate::telemetry::{self, SignInOutcome, SignInStep};
use crate::web::extractors::{Chrome, ClientInfo, Visitor};
use crate::web::form::Form;
use crate::web::paths;
use crate::web::session::{self, FlashKind, PendingSecondFactor};
use crate::web::state::AppState;

/// Shown when the stored TOTP secret cannot be opened (see [`CodeCheck::Unreadable`]).
pub const UNREADABLE_KEY: &str = "Your two-factor key cannot be read; use a recovery code, or ask your Yeastar partner or account manager to reset two-factor authentication.";

/// A half-signed-in session must finish within this many seconds.
const PENDING_LIFETIME_SECONDS: i64 = 300;

#[derive(Template, WebTemplate)]
#[template(path = "public/two_factor.html")]
pub struct TwoFactorPage {
    chrome: Chrome,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
}

pub async fn get_two_factor(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Response, AppError> {
    match session::pending_second_factor(&visitor.session).await? {
        Some(p) if state.clock.now().unix_timestamp() - p.since < PENDING_LIFETIME_SECONDS => {
            Ok(TwoFactorPage {
                chrome: visitor.chrome("Two-factor authentication").await?,
                error: None,
            }
            .into_response())
        }
        _ => Ok(Redirect::to(paths::LOGIN).into_response()),
    }
}

pub async fn post_two_factor(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let pending = session::pending_second_factor(&visitor.session).await?;
    let Some(pending) =
        pending.filter(|p| now.unix_timestamp() - p.since < PENDING_LIFETIME_SECONDS)
    else {
        session::flash(
            &visitor.session,
            FlashKind::Info,
            "Your sign-in took too long. Sign in again.",
        )
        .await?;
        return Ok(Redirect::to(paths::LOGIN).into_response());
    };
    // Counted before the code is checked, like the password step.
    let keys = throttle::sign_in_keys(&pending.email, &client.ip);
    let attempt = match throttle::reserve(&state.db, &keys, now).await? {
        Ok(attempt) => attempt,
        Err(until) => {
            telemetry::sign_in(SignInStep::SecondFactor, SignInOutcome::Throttled);
            let message = retry_message(until, now);
            return refuse(&visitor, StatusCode::TOO_MANY_REQUESTS, message).await;
        }
    };
    let account = account_store::find_by_id(&state.db, pending.account_id)
        .await?
        .filter(|a| a.status == AccountStatus::Active)
        .ok_or(AppError::SignInRequired {
            next: String::new(),
        })?;
    let check = two_factor::verify(&state.db, &state.secrets, account.id, &form.code, now).await?;
    let reason = match check {
        CodeCheck::Accepted(accepted) => {
            attempt.release(&state.db).await?;
            return finish_sign_in(&state, &visitor, &client, &account, &pending, accepted).await;
        }
        CodeCheck::Unreadable => {
            // No verdict on the code was given, so the attempt is given back: trying the app
            // first must not use up the tries left for a recovery code.
            attempt.release(&state.db).await?;
            "second_factor_unreadable"
        }
        CodeCheck::Wrong | CodeCheck::Replayed => "second_factor",
    };
    record_failed_attempt(&state, &pending.email, Some(&account), &client, reason).await?;
    telemetry::sign_in(SignInStep::SecondFactor, SignInOutcome::Failure);
    let message = match check {
        CodeCheck::Unreadable => UNREADABLE_KEY.into(),
        _ => "That code is not valid. Enter the current 6-digit code from your authenticator app, or one of your recovery codes.".into(),
    };
    refuse(&visitor, StatusCode::UNPROCESSABLE_ENTITY, message).await
}

/// The code step again, with why the code was not accepted.
async fn refuse(
    visitor: &Visitor,
    status: StatusCode,
    error: String,
) -> Result<Response, AppError> {
    let page = TwoFactorPage {
        chrome: visitor.chrome("Two-factor authentication").await?,
        error: Some(error),
    };
    Ok((status, page).into_response())
}

/// The second factor passed: the session is signed in (noting how many recovery codes are left
/// after one was used) and goes where the sign-in was headed.
async fn finish_sign_in(
    state: &AppState,
    visitor: &Visitor,
    client: &ClientInfo,
    account: &Account,
    pending: &PendingSecondFactor,
    accepted: Accepted,
) -> Result<Response, AppError> {
    let (method, notice) = match accepted {
        Accepted::Totp => ("password+totp", None),
        Accepted::RecoveryCode { remaining } => {
            let message = format!(
                "You signed in with a recovery code. {remaining} recovery code{} left{}",
                if remaining == 1 { "" } else { "s" },
                if remaining < 3 {
                    ": create new ones on the Security page."
                } else {
                    "."
                }
            );
            ("password+recovery_code", Some(message))
        }
    };
    complete_sign_in(state, &visitor.session, account, client, method).await?;
    telemetry::sign_in(SignInStep::SecondFactor, SignInOutcome::Success);
    remember_browser_zone(state, account, &pending.time_zone).await?;
    if let Some(message) = notice {
        session::flash(&visitor.session, FlashKind::Info, message).await?;
    }
    Ok(Redirect::to(&landing_for(account, &pending.next)).into_response())
}
