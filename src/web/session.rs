//! Typed access to what the portal keeps in a session: who is signed in, the CSRF token and a
//! one-shot flash message. The session itself lives in PostgreSQL (tower-sessions).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::accounts::model::AccountId;
pub use crate::auth::session_store::AuthMark;
use crate::auth::session_store::AUTH_KEY;
use crate::error::AppError;
use crate::ids::SessionId;

const CSRF_KEY: &str = "csrf";
const FLASH_KEY: &str = "flash";
const PENDING_KEY: &str = "pending_second_factor";
const SIGN_IN_EMAIL_KEY: &str = "sign_in_email";
const TWO_FACTOR_SETUP_KEY: &str = "two_factor_setup_required";

/// Runs the rest of the request with a slot for the account its session brings along (see
/// `auth::session_store`).
pub async fn with_loaded_account_slot(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    crate::auth::session_store::with_loaded_account_slot(next.run(request)).await
}

pub async fn auth_mark(session: &Session) -> Result<Option<AuthMark>, AppError> {
    Ok(session.get(AUTH_KEY).await?)
}

/// Signs `account` in: a new session id (no fixation), a new CSRF token, the auth mark.
pub async fn sign_in(
    session: &Session,
    account_id: AccountId,
    session_id: SessionId,
    now_unix: i64,
) -> Result<(), AppError> {
    session.remove_value(PENDING_KEY).await?;
    session.cycle_id().await?;
    session.insert(CSRF_KEY, new_csrf_token()).await?;
    session
        .insert(
            AUTH_KEY,
            AuthMark {
                account_id,
                session_id,
                signed_in_at: now_unix,
                touched_at: now_unix,
            },
        )
        .await?;
    Ok(())
}

/// After a correct password, before the second factor: half signed in, no portal page opens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSecondFactor {
    pub account_id: AccountId,
    pub email: String,
    pub since: i64,
    /// Where to go after signing in.
    pub next: String,
    /// The zone the browser reported on the sign-in form, applied once the second factor passes.
    #[serde(default)]
    pub time_zone: String,
}

pub async fn begin_second_factor(
    session: &Session,
    pending: PendingSecondFactor,
) -> Result<(), AppError> {
    // Whoever was signed in here before is not any more (the caller ended their row).
    session.remove_value(AUTH_KEY).await?;
    session.cycle_id().await?;
    session.insert(PENDING_KEY, pending).await?;
    Ok(())
}

pub async fn pending_second_factor(
    session: &Session,
) -> Result<Option<PendingSecondFactor>, AppError> {
    Ok(session.get(PENDING_KEY).await?)
}

/// Extends the idle timeout by saving the session, at most once every five minutes so that
/// ordinary page views do not write to the database. Returns true when it wrote.
pub async fn touch(session: &Session, mark: &AuthMark, now_unix: i64) -> Result<bool, AppError> {
    if now_unix - mark.touched_at < 300 {
        return Ok(false);
    }
    let mut mark = mark.clone();
    mark.touched_at = now_unix;
    session.insert(AUTH_KEY, mark).await?;
    Ok(true)
}

/// Marks a sign-in whose organization requires a second factor the account does not have yet:
/// until it is on, the Partner Portal opens nothing but the Security page.
pub async fn require_two_factor_setup(session: &Session) -> Result<(), AppError> {
    session.insert(TWO_FACTOR_SETUP_KEY, true).await?;
    Ok(())
}

pub async fn two_factor_setup_required(session: &Session) -> Result<bool, AppError> {
    Ok(session
        .get::<bool>(TWO_FACTOR_SETUP_KEY)
        .await?
        .unwrap_or(false))
}

/// Ends the session server-side (the row is deleted) and clears the cookie.
pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await?;
    Ok(())
}

fn new_csrf_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The session's CSRF token, created on first use.
pub async fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Some(token) = session.get::<String>(CSRF_KEY).await? {
        return Ok(token);
    }
    let token = new_csrf_token();
    session.insert(CSRF_KEY, &token).await?;
    Ok(token)
}

/// The token a form must carry, if the session has one (never creates one).
pub async fn expected_csrf_token(session: &Session) -> Result<Option<String>, AppError> {
    Ok(session.get::<String>(CSRF_KEY).await?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlashKind {
    Success,
    Info,
    Error,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: String,
}

impl Flash {
    pub fn css_class(&self) -> &'static str {
        match self.kind {
            FlashKind::Success => "flash flash-success",
            FlashKind::Info => "flash flash-info",
            FlashKind::Error => "flash flash-error",
        }
    }
}

/// Shows `message` on the next page this session renders (Post/Redirect/Get).
pub async fn flash(
    session: &Session,
    kind: FlashKind,
    message: impl Into<String>,
) -> Result<(), AppError> {
    session
        .insert(
            FLASH_KEY,
            Flash {
                kind,
                message: message.into(),
            },
        )
        .await?;
    Ok(())
}

pub async fn take_flash(session: &Session) -> Result<Option<Flash>, AppError> {
    // `remove` always marks the session modified; only call it when there is something to take.
    if session.get_value(FLASH_KEY).await?.is_none() {
        return Ok(None);
    }
    Ok(session.remove(FLASH_KEY).await?)
}

/// The address to fill in on the next sign-in form (after activating it). Kept in the session,
/// not the URL, so it never lands in a log line or the browser history.
pub async fn remember_sign_in_email(session: &Session, email: &str) -> Result<(), AppError> {
    session.insert(SIGN_IN_EMAIL_KEY, email).await?;
    Ok(())
}

pub async fn take_sign_in_email(session: &Session) -> Result<Option<String>, AppError> {
    if session.get_value(SIGN_IN_EMAIL_KEY).await?.is_none() {
        return Ok(None);
    }
    Ok(session.remove(SIGN_IN_EMAIL_KEY).await?)
}
