//! Turning two-factor authentication on and off from the Security page, and new recovery
//! codes.

use crate::web::form::Form;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;

use super::{password_step_up, refuse, Owner};
use crate::accounts::model::{FieldErrors, Role};
use crate::accounts::organization;
use crate::auth::totp;
use crate::auth::two_factor::{self, CodeCheck};
use crate::error::AppError;
use crate::web::extractors::{Chrome, ClientInfo};
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;
use crate::web::step_up::{self, StepUp};

const SETUP_KEY: &str = "totp_setup";

#[derive(Template, WebTemplate)]
#[template(path = "security/setup.html")]
pub struct SetupPage {
    chrome: Chrome,
    base: &'static str,
    qr: String,
    key: String,
    errors: FieldErrors,
}

async fn setup_page(
    owner: &Owner,
    secret: &[u8],
    errors: FieldErrors,
) -> Result<SetupPage, AppError> {
    Ok(SetupPage {
        chrome: owner
            .0
            .chrome("Set up two-factor authentication", "security")
            .await?,
        base: owner.base(),
        qr: totp::qr_data_url(secret, &owner.0.account.email)?,
        key: totp::grouped_key(secret),
        errors,
    })
}

/// Starts setting up 2FA: a new secret, kept (sealed) in the session until confirmed.
pub async fn get_setup(State(state): State<AppState>, owner: Owner) -> Result<Response, AppError> {
    if owner.0.account.two_factor_enabled {
        return Ok(Redirect::to(owner.base()).into_response());
    }
    let secret = totp::new_secret();
    let sealed = STANDARD.encode(state.secrets.seal(&secret));
    owner.0.session.insert(SETUP_KEY, sealed).await?;
    Ok(setup_page(&owner, &secret, FieldErrors::default())
        .await?
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
    code: String,
    password: String,
    /// The "sign out every other session" box when turning 2FA on ("on" when ticked).
    end_other_sessions: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "security/codes.html")]
pub struct CodesPage {
    chrome: Chrome,
    base: &'static str,
    codes: Vec<String>,
    just_enabled: bool,
    /// How many other sessions were signed out when 2FA was turned on.
    others_ended: u64,
}

impl CodesPage {
    /// The codes as the download form carries them back (see `recovery_download`).
    fn joined(&self) -> String {
        self.codes.join(" ")
    }
}

/// Confirms the setup with the current password (re-authentication before a change of how the
/// account signs in) and a current code; shows the recovery codes once. Optionally signs out
/// every other session, so a session someone else may hold does not outlive the change.
pub async fn post_setup(
    State(state): State<AppState>,
    owner: Owner,
    client: ClientInfo,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let sealed: Option<String> = owner.0.session.get(SETUP_KEY).await?;
    let secret = sealed
        .and_then(|s| STANDARD.decode(s).ok())
        .and_then(|s| state.secrets.open(&s).ok());
    let Some(secret) = secret else {
        return Ok(Redirect::to(&paths::security_two_factor(owner.0.portal)).into_response());
    };
    let mut errors = FieldErrors::default();
    match password_step_up(&state, &owner, &client, &form.password).await? {
        StepUp::SignedOut(response) => return Ok(response),
        StepUp::Failed => errors.add("password", "The password is incorrect."),
        StepUp::Passed => {}
    }
    let end_others = form
        .end_other_sessions
        .is_some()
        .then_some(owner.0.session_id);
    let mut enabled = None;
    if errors.is_empty() {
        let account = owner.0.account.clone();
        let change = owner.change(&client, &state);
        enabled = two_factor::enable(
            &state.db,
            &state.secrets,
            &account,
            &secret,
            &form.code,
            end_others,
            change,
        )
        .await?;
        if enabled.is_none() {
            errors.add("code", "That code does not match. Check the time on your phone and enter the current 6-digit code.");
        }
    }
    let Some(enabled) = enabled else {
        let page = setup_page(&owner, &secret, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    owner.0.session.remove_value(SETUP_KEY).await?;
    Ok(CodesPage {
        chrome: owner.0.chrome("Your recovery codes", "security").await?,
        base: owner.base(),
        codes: enabled.codes,
        just_enabled: true,
        others_ended: enabled.sessions_ended,
    }
    .into_response())
}

/// Turning 2FA off needs the password and a current code.
pub async fn post_disable(
    State(state): State<AppState>,
    owner: Owner,
    client: ClientInfo,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let account = &owner.0.account;
    if owner.0.portal == Role::Partner
        && account.is_partner()
        && organization::requires_two_factor(&state.db, account.organization()).await?
    {
        errors.add(
            "disable_password",
            "Your organization requires two-factor authentication for every member, so it \
             cannot be turned off. Ask your organization's Owner about the policy.",
        );
        return refuse(&state, &owner, errors).await;
    }
    match password_step_up(&state, &owner, &client, &form.password).await? {
        StepUp::SignedOut(response) => return Ok(response),
        StepUp::Failed => errors.add("disable_password", "The password is incorrect."),
        StepUp::Passed => {
            let code_ok = || async {
                let now = state.clock.now();
                let account = owner.0.account.id;
                let check =
                    two_factor::verify(&state.db, &state.secrets, account, &form.code, now).await?;
                Ok(matches!(check, CodeCheck::Accepted(_)))
            };
            match step_up::check(&state, &owner.0, &client, "two_factor_code", code_ok).await? {
                StepUp::SignedOut(response) => return Ok(response),
                StepUp::Failed => errors.add("disable_code", "That code is not valid."),
                StepUp::Passed => {}
            }
        }
    }
    if !errors.is_empty() {
        return refuse(&state, &owner, errors).await;
    }
    two_factor::disable(
        &state.db,
        &owner.0.account,
        false,
        owner.change(&client, &state),
    )
    .await?;
    session::flash(
        &owner.0.session,
        FlashKind::Success,
        "Two-factor authentication is off.",
    )
    .await?;
    Ok(Redirect::to(owner.base()).into_response())
}

pub async fn post_regenerate_codes(
    State(state): State<AppState>,
    owner: Owner,
    client: ClientInfo,
    Form(form): Form<CodeForm>,
) -> Result<Response, AppError> {
    if !owner.0.account.two_factor_enabled {
        return Ok(Redirect::to(owner.base()).into_response());
    }
    match password_step_up(&state, &owner, &client, &form.password).await? {
        StepUp::SignedOut(response) => return Ok(response),
        StepUp::Failed => {
            let mut errors = FieldErrors::default();
            errors.add("codes_password", "The password is incorrect.");
            return refuse(&state, &owner, errors).await;
        }
        StepUp::Passed => {}
    }
    let codes =
        two_factor::regenerate_codes(&state.db, &owner.0.account, owner.change(&client, &state))
            .await?;
    Ok(CodesPage {
        chrome: owner.0.chrome("Your recovery codes", "security").await?,
        base: owner.base(),
        codes,
        just_enabled: false,
        others_ended: 0,
    }
    .into_response())
}
