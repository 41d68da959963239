//! `/activate/{token}`: the link from the activation email. The token is checked before the form
//! is shown; the form sets the password and activates the account, once.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::model::FieldErrors;
use crate::accounts::pending::{self, Contact};
use crate::activation::{self, self_service, LinkState};
use crate::auth::password::new_password_errors;
use crate::auth::throttle;
use crate::error::AppError;
use crate::format::datetime;
use crate::web::extractors::{Chrome, ClientInfo, Visitor};
use crate::web::form::Form;
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "public/activate.html")]
pub struct ActivatePage {
    chrome: Chrome,
    token: String,
    email: String,
    name: String,
    expires: String,
    errors: FieldErrors,
}

/// Why a link cannot be used, and what to do about it.
#[derive(Template, WebTemplate)]
#[template(path = "public/link_state.html")]
pub struct LinkStatePage {
    chrome: Chrome,
    heading: &'static str,
    message: String,
    contact: Option<Contact>,
    show_sign_in: bool,
    /// Where "Send me a new link" posts, on an expired link.
    resend: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActivateForm {
    password: String,
    password_confirm: String,
}

/// What the page says about a link that cannot be used: its status, heading and message, and
/// whether it offers signing in.
fn link_words(link: &LinkState) -> (StatusCode, &'static str, String, bool) {
    match link {
        LinkState::Valid { .. } => unreachable!("valid links show the form"),
        LinkState::Expired { .. } => (
            StatusCode::GONE,
            "This activation link has expired",
            "Activation links are valid for 48 hours. Send yourself a new link below, or ask \
             your account manager for one; the new link replaces this one."
                .to_owned(),
            false,
        ),
        LinkState::Superseded { .. } => (
            StatusCode::GONE,
            "This activation link has been replaced",
            "A newer activation link was sent to you, and only the newest one works. Use the link \
             in the most recent email, or ask your account manager for a new one."
                .to_owned(),
            false,
        ),
        LinkState::AlreadyActive { account } => (
            StatusCode::CONFLICT,
            "Your account is already active",
            format!(
                "The account {} has already been activated with this link. Sign in with your \
                 email address and password.",
                account.email
            ),
            true,
        ),
        LinkState::Unavailable => (
            StatusCode::GONE,
            "This account is no longer available",
            "The account this link was for has been removed.".to_owned(),
            false,
        ),
        LinkState::Unknown => (
            StatusCode::NOT_FOUND,
            "This activation link is not valid",
            "Check that you copied the whole link from the email. If it still does not work, ask \
             your partner or account manager to send a new one."
                .to_owned(),
            false,
        ),
    }
}

async fn link_state_page(
    state: &AppState,
    visitor: &Visitor,
    token: &str,
    link: LinkState,
) -> Result<Response, AppError> {
    let (status, heading, mut message, show_sign_in) = link_words(&link);
    let expired = matches!(link, LinkState::Expired { .. });
    // An expired or replaced link names the account manager who can send a new one.
    let contact = match &link {
        LinkState::Expired { account } | LinkState::Superseded { account } => {
            pending::manager_contact(&state.db, account).await?
        }
        _ => None,
    };
    // A colleague asks its organization's Owner, whom the page names, not an account manager.
    if let Some(contact) = contact.as_ref().filter(|c| c.title != "account manager") {
        message = message.replace("your account manager", &format!("your {}", contact.title));
    }
    let page = LinkStatePage {
        chrome: visitor.chrome(heading).await?,
        heading,
        message,
        contact,
        show_sign_in,
        resend: expired.then(|| paths::activate_resend(token)),
    };
    Ok((status, page).into_response())
}

pub async fn get_activate(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let link = activation::check(&state.db, &token, state.clock.now()).await?;
    match link {
        LinkState::Valid {
            account,
            expires_at,
        } => Ok(ActivatePage {
            chrome: visitor.chrome("Activate your account").await?,
            token,
            name: account.full_name(),
            expires: datetime(expires_at, &account.zone()),
            email: account.email,
            errors: FieldErrors::default(),
        }
        .into_response()),
        other => link_state_page(&state, &visitor, &token, other).await,
    }
}

pub async fn post_activate(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(token): Path<String>,
    Form(form): Form<ActivateForm>,
) -> Result<Response, AppError> {
    let link = activation::check(&state.db, &token, state.clock.now()).await?;
    let LinkState::Valid {
        account,
        expires_at,
    } = link
    else {
        return link_state_page(&state, &visitor, &token, link).await;
    };
    let errors = new_password_errors(&account, &form.password, &form.password_confirm);
    if !errors.is_empty() {
        let page = ActivatePage {
            chrome: visitor.chrome("Activate your account").await?,
            token,
            name: account.full_name(),
            expires: datetime(expires_at, &account.zone()),
            email: account.email,
            errors,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let hash = state.hasher.hash(form.password).await?;
    // Checked again under a row lock: the link may have expired or been used meanwhile.
    match activation::activate(&state.db, &token, &hash, state.clock.now()).await? {
        LinkState::Valid { account, .. } => {
            tracing::info!(account = %account.id, "account activated");
            session::flash(
                &visitor.session,
                FlashKind::Success,
                "Your account is active. Sign in with your email address and new password.",
            )
            .await?;
            // The sign-in form comes filled in with the address just activated.
            session::remember_sign_in_email(&visitor.session, &account.email).await?;
            Ok(Redirect::to(paths::LOGIN).into_response())
        }
        other => link_state_page(&state, &visitor, &token, other).await,
    }
}

/// "Send me a new link": one answer whatever happened (sent, not expired, unknown, limit
/// reached), so the form reveals nothing about links or accounts. See
/// `activation::self_service` for the limits.
pub async fn post_resend(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    // Counted before anything is looked up, so the form cannot be used to flood inboxes or
    // to probe links quickly from one address.
    let key = self_service::client_key(&client.ip);
    if throttle::reserve(&state.db, &[key], now).await?.is_err() {
        return Err(AppError::TooManyRequests);
    }
    let outcome = self_service::request_new_link(
        &state.db,
        &token,
        state.config.public_base(),
        &client.ip,
        now,
    )
    .await?;
    tracing::info!(?outcome, "new activation link requested");
    let heading = "Check your email";
    let page = LinkStatePage {
        chrome: visitor.chrome(heading).await?,
        heading,
        message: "If this link belongs to an account that is still waiting to be activated, a \
                  new activation link is on its way to the email address it was sent to. The \
                  new link is valid for 48 hours and replaces every earlier one. If nothing \
                  arrives within a few minutes, check your spam folder or ask your account \
                  manager to send you a new link."
            .to_owned(),
        contact: None,
        show_sign_in: false,
        resend: None,
    };
    Ok(page.into_response())
}
