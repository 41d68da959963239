//! `/login/two-factor`: the second step of signing in when 2FA is on. Until it succeeds the
//! session is only half signed in and opens no portal page.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::login::{
    complete_sign_in, landing, record_failed_attempt, remember_browser_zone, retry_message,
};
use crate::accounts::model::AccountStatus;
use crate::accounts::store as account_store;
use crate::auth::throttle;
use crate::auth::two_factor::{self, Accepted, CodeCheck};
use crate::error::AppError;
use crate::web::extractors::{Chrome, ClientInfo, Visitor};
use crate::web::form::Form;
use crate::web::paths;
use crate::web::session::{self, FlashKind};
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
    let visitor = &visitor;
    let refuse = |status: StatusCode, error: String| async move {
        let page = TwoFactorPage {
            chrome: visitor.chrome("Two-factor authentication").await?,
            error: Some(error),
        };
        Ok::<Response, AppError>((status, page).into_response())
    };
    // Counted before the code is checked, like the password step.
    let keys = throttle::sign_in_keys(&pending.email, &client.ip);
    let attempt = match throttle::reserve(&state.db, &keys, now).await? {
        Ok(attempt) => attempt,
        Err(until) => {
            return refuse(StatusCode::TOO_MANY_REQUESTS, retry_message(until, now)).await
        }
    };
    let account = account_store::find_by_id(&state.db, pending.account_id)
        .await?
        .filter(|a| a.status == AccountStatus::Active)
        .ok_or(AppError::SignInRequired {
            next: String::new(),
        })?;
    match two_factor::verify(&state.db, &state.secrets, account.id, &form.code, now).await? {
        CodeCheck::Accepted(accepted) => {
            attempt.release(&state.db).await?;
            let method = match accepted {
                Accepted::Totp => "password+totp",
                Accepted::RecoveryCode { remaining } => {
                    let message =
                        format!(
                        "You signed in with a recovery code. {remaining} recovery code{} left{}",
                        if remaining == 1 { "" } else { "s" },
                        if remaining < 3 { ": create new ones on the Security page." } else { "." }
                    );
                    complete_sign_in(
                        &state,
                        &visitor.session,
                        &account,
                        &client,
                        "password+recovery_code",
                    )
                    .await?;
                    remember_browser_zone(&state, &account, &pending.time_zone).await?;
                    session::flash(&visitor.session, FlashKind::Info, message).await?;
                    return Ok(Redirect::to(&landing(account.role, &pending.next)).into_response());
                }
            };
            complete_sign_in(&state, &visitor.session, &account, &client, method).await?;
            remember_browser_zone(&state, &account, &pending.time_zone).await?;
            Ok(Redirect::to(&landing(account.role, &pending.next)).into_response())
        }
        CodeCheck::Unreadable => {
            // No verdict on the code was given, so the attempt is given back: trying the app
            // first must not use up the tries left for a recovery code.
            attempt.release(&state.db).await?;
            let reason = "second_factor_unreadable";
            record_failed_attempt(&state, &pending.email, Some(&account), &client, reason).await?;
            refuse(StatusCode::UNPROCESSABLE_ENTITY, UNREADABLE_KEY.into()).await
        }
        CodeCheck::Wrong | CodeCheck::Replayed => {
            record_failed_attempt(
                &state,
                &pending.email,
                Some(&account),
                &client,
                "second_factor",
            )
            .await?;
            refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                "That code is not valid. Enter the current 6-digit code from your authenticator app, or one of your recovery codes.".into(),
            )
            .await
        }
    }
}
