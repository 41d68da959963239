//! `/forgot-password` and `/reset-password/{token}`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::model::{Account, FieldErrors};
use crate::auth::password::new_password_errors;
use crate::auth::password_reset::{self, ResetLink};
use crate::auth::throttle;
use crate::auth::two_factor::{self, CodeCheck};
use crate::error::AppError;
use crate::web::extractors::{Chrome, ClientInfo, Visitor};
use crate::web::form::Form;
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "public/forgot_password.html")]
pub struct ForgotPage {
    chrome: Chrome,
    email: String,
    sent: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ForgotForm {
    email: String,
}

pub async fn get_forgot(visitor: Visitor) -> Result<ForgotPage, AppError> {
    Ok(ForgotPage {
        chrome: visitor.chrome("Forgot password").await?,
        email: String::new(),
        sent: false,
    })
}

/// The same answer whether or not the email has an account.
pub async fn post_forgot(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    Form(form): Form<ForgotForm>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    // Every request counts, per email typed and per address, so the form cannot flood an
    // inbox or the outbox; one conditional upsert per key, so a burst cannot slip past.
    let keys = throttle::reset_keys(&form.email, &client.ip);
    if throttle::reserve(&state.db, &keys, now).await?.is_err() {
        return Err(AppError::TooManyRequests);
    }
    // Queued, not done here: known and unknown emails cost the request the same.
    password_reset::request(&state.db, &form.email, &client.ip, now).await?;
    let (pool, base, clock) = (
        state.db.clone(),
        state.config.public_base().to_owned(),
        state.clock.clone(),
    );
    tokio::spawn(async move {
        password_reset::process_requests(&pool, &base, clock.now()).await;
    });
    Ok(ForgotPage {
        chrome: visitor.chrome("Forgot password").await?,
        email: form.email,
        sent: true,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "public/reset_password.html")]
pub struct ResetPage {
    chrome: Chrome,
    token: String,
    email: String,
    needs_code: bool,
    errors: FieldErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "public/link_state.html")]
pub struct ResetLinkPage {
    chrome: Chrome,
    heading: &'static str,
    message: String,
    contact: Option<crate::accounts::pending::Contact>,
    show_sign_in: bool,
    /// Only activation links offer a new link from this page.
    resend: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResetForm {
    password: String,
    password_confirm: String,
    code: String,
}

async fn link_problem(visitor: &Visitor, link: &ResetLink) -> Result<Response, AppError> {
    let (status, heading, message) = match link {
        ResetLink::Expired => (
            StatusCode::GONE,
            "This reset link has expired",
            "Password reset links are valid for one hour. Ask for a new one.",
        ),
        ResetLink::Used => (
            StatusCode::GONE,
            "This reset link was already used",
            "Each reset link works once. If you still cannot sign in, ask for a new one.",
        ),
        ResetLink::Superseded => (
            StatusCode::GONE,
            "This reset link was replaced",
            "A newer reset link was sent, or the password was changed since. Use the newest link, or ask for a new one.",
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "This reset link is not valid",
            "Check that you copied the whole link from the email, or ask for a new one.",
        ),
    };
    let page = ResetLinkPage {
        chrome: visitor.chrome(heading).await?,
        heading,
        message: format!("{message} Use “Forgot password?” on the sign-in page."),
        contact: None,
        show_sign_in: true,
        resend: None,
    };
    Ok((status, page).into_response())
}

fn reset_page(chrome: Chrome, token: String, account: &Account, errors: FieldErrors) -> ResetPage {
    ResetPage {
        chrome,
        token,
        email: account.email.clone(),
        needs_code: account.two_factor_enabled,
        errors,
    }
}

pub async fn get_reset(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    match password_reset::check(&state.db, &token, state.clock.now()).await? {
        ResetLink::Valid(account) => {
            let chrome = visitor.chrome("Choose a new password").await?;
            Ok(reset_page(chrome, token, &account, FieldErrors::default()).into_response())
        }
        other => link_problem(&visitor, &other).await,
    }
}

pub async fn post_reset(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let account = match password_reset::check(&state.db, &token, now).await? {
        ResetLink::Valid(account) => account,
        other => return link_problem(&visitor, &other).await,
    };
    let mut errors = new_password_errors(&account, &form.password, &form.password_confirm);
    if errors.is_empty() && account.two_factor_enabled {
        // A reset never bypasses 2FA. Codes are counted like sign-in attempts, before the check.
        let keys = throttle::sign_in_keys(&account.email, &client.ip);
        match throttle::reserve(&state.db, &keys, now).await? {
            Err(until) => errors.add("code", super::login::retry_message(until, now)),
            Ok(attempt) => {
                match two_factor::verify(&state.db, &state.secrets, account.id, &form.code, now)
                    .await?
                {
                    CodeCheck::Accepted(_) => attempt.release(&state.db).await?,
                    // Logged by `verify`; no verdict on the code, so the attempt is given back.
                    CodeCheck::Unreadable => {
                        attempt.release(&state.db).await?;
                        errors.add("code", super::two_factor::UNREADABLE_KEY);
                    }
                    CodeCheck::Wrong | CodeCheck::Replayed => {
                        super::login::record_failed_attempt(
                            &state,
                            &account.email,
                            Some(&account),
                            &client,
                            "reset_second_factor",
                        )
                        .await?;
                        errors.add("code", "That code is not valid. Enter the current code from your authenticator app or a recovery code.");
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        let chrome = visitor.chrome("Choose a new password").await?;
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            reset_page(chrome, token, &account, errors),
        )
            .into_response());
    }
    let hash = state.hasher.hash(form.password).await?;
    match password_reset::complete(&state.db, &token, &hash, &client.ip, now).await? {
        ResetLink::Valid(_) => {
            session::flash(&visitor.session, FlashKind::Success,
                "Your password was changed and every session of your account was signed out. Sign in with the new password.").await?;
            Ok(Redirect::to(paths::LOGIN).into_response())
        }
        other => link_problem(&visitor, &other).await,
    }
}
