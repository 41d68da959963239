//! The Security page of every portal (`/customer/security`, `/partner/security`,
//! `/manager/security`): two-factor authentication, recovery codes, password, sessions.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts;
use crate::accounts::model::{FieldErrors, Role};
use crate::auth::password::new_password_errors;
use crate::auth::password_reset;
use crate::auth::sessions::{self, SessionRow};
use crate::auth::two_factor::{self, Change};
use crate::error::AppError;
use crate::format::{datetime, Zone};
use crate::ids::SessionId;
use crate::web::extractors::IdPath;
use crate::web::extractors::{route_portal, Chrome, ClientInfo, SignedIn};
use crate::web::form::Form;
use crate::web::paths;
use crate::web::routes::{get, post, Routes};
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;
use crate::web::step_up::{self, StepUp};
use crate::web::time_zone::{self, ZoneChoice};

mod device;
mod recovery_download;
mod two_factor_settings;

pub use recovery_download::post_download_codes;
pub use two_factor_settings::{get_setup, post_disable, post_regenerate_codes, post_setup};

/// The same Security pages in every portal, under that portal's prefix; `Owner` refuses
/// another portal's.
pub fn routes(role: Role) -> Routes<AppState> {
    let base = paths::security(role);
    Routes::new()
        .route(base, get(get_security))
        .route(
            &paths::security_two_factor(role),
            get(get_setup).post(post_setup),
        )
        .route(&format!("{base}/two-factor/disable"), post(post_disable))
        .route(
            &format!("{base}/recovery-codes"),
            post(post_regenerate_codes),
        )
        .route(
            &format!("{base}/recovery-codes/download"),
            post(post_download_codes),
        )
        .route(&format!("{base}/password"), post(post_password))
        .route(&format!("{base}/time-zone"), post(post_time_zone))
        .route(
            &format!("{base}/sessions/end-others"),
            post(post_end_others),
        )
        .route(
            &format!("{base}/sessions/{{id}}/end"),
            post(post_end_session),
        )
}

/// The signed-in owner, on the Security page of their own portal (another portal's: 403).
pub struct Owner(pub SignedIn);

impl FromRequestParts<AppState> for Owner {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let mut signed_in = SignedIn::from_request_parts(parts, state).await?;
        // The page of the portal whose router serves it, if the account may use that portal (a
        // customer approved as a partner uses both).
        let portal = route_portal(parts).ok_or(AppError::NotFound)?;
        let account = &signed_in.account;
        let allowed = account.role == portal || (portal == Role::Partner && account.is_partner());
        if !allowed {
            return Err(AppError::Forbidden);
        }
        signed_in.portal = portal;
        Ok(Self(signed_in))
    }
}

impl Owner {
    fn base(&self) -> &'static str {
        paths::security(self.0.portal)
    }
    fn change<'a>(&self, client: &'a ClientInfo, state: &AppState) -> Change<'a> {
        Change {
            actor: self.0.account.id,
            client_ip: &client.ip,
            now: state.clock.now(),
        }
    }
}

pub struct SessionView {
    pub row: SessionRow,
    pub current: bool,
    pub zone: Zone,
}

impl SessionView {
    pub fn created(&self) -> String {
        datetime(self.row.created_at, &self.zone)
    }
    pub fn last_seen(&self) -> String {
        datetime(self.row.last_seen_at, &self.zone)
    }
    /// "Chrome on Linux"; the raw header stays in the cell's tooltip.
    pub fn device(&self) -> String {
        device::device_name(&self.row.user_agent)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "security/page.html")]
pub struct SecurityPage {
    chrome: Chrome,
    base: &'static str,
    two_factor: bool,
    codes_left: i64,
    sessions: Vec<SessionView>,
    errors: FieldErrors,
    /// The time zone setting; customers have theirs on Account Information instead.
    zone: Option<ZoneChoice>,
}

async fn security_page(
    state: &AppState,
    owner: &Owner,
    errors: FieldErrors,
) -> Result<SecurityPage, AppError> {
    let account = &owner.0.account;
    let rows = sessions::list(&state.db, account.id).await?;
    Ok(SecurityPage {
        chrome: owner.0.chrome("Security", "security").await?,
        base: owner.base(),
        two_factor: account.two_factor_enabled,
        codes_left: two_factor::codes_left(&state.db, account.id).await?,
        sessions: rows
            .into_iter()
            .map(|row| SessionView {
                current: row.id == owner.0.session_id,
                row,
                zone: owner.0.zone.clone(),
            })
            .collect(),
        errors,
        zone: (owner.0.portal != Role::Customer)
            .then(|| ZoneChoice::new(&owner.0.zone, state.clock.now())),
    })
}

pub async fn get_security(
    State(state): State<AppState>,
    owner: Owner,
) -> Result<SecurityPage, AppError> {
    security_page(&state, &owner, FieldErrors::default()).await
}

async fn refuse(
    state: &AppState,
    owner: &Owner,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        security_page(state, owner, errors).await?,
    )
        .into_response())
}

/// The current password, checked as a counted step-up attempt.
async fn password_step_up(
    state: &AppState,
    owner: &Owner,
    client: &ClientInfo,
    password: &str,
) -> Result<StepUp, AppError> {
    step_up::check(state, &owner.0, client, "password", || async {
        let stored = password_reset::current_hash(&state.db, &owner.0.account).await?;
        Ok(state.hasher.verify(password.to_owned(), stored).await?)
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    password: String,
    password_confirm: String,
}

/// A password change ends every other session of the account.
pub async fn post_password(
    State(state): State<AppState>,
    owner: Owner,
    client: ClientInfo,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let mut errors = new_password_errors(&owner.0.account, &form.password, &form.password_confirm);
    match password_step_up(&state, &owner, &client, &form.current_password).await? {
        StepUp::SignedOut(response) => return Ok(response),
        StepUp::Failed => errors.add("current_password", "The current password is incorrect."),
        StepUp::Passed => {}
    }
    if !errors.is_empty() {
        return refuse(&state, &owner, errors).await;
    }
    let hash = state.hasher.hash(form.password).await?;
    password_reset::change(
        &state.db,
        &owner.0.account,
        &hash,
        owner.0.session_id,
        &client.ip,
        state.clock.now(),
    )
    .await?;
    session::flash(
        &owner.0.session,
        FlashKind::Success,
        "Your password was changed. Your other sessions were signed out.",
    )
    .await?;
    Ok(Redirect::to(owner.base()).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TimeZoneForm {
    time_zone: String,
}

/// `POST {portal}/security/time-zone`: the zone this person's pages and emails show times in.
pub async fn post_time_zone(
    State(state): State<AppState>,
    owner: Owner,
    Form(form): Form<TimeZoneForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let zone = time_zone::parse(&form.time_zone, &mut errors);
    if zone.is_none() && errors.is_empty() {
        errors.add(time_zone::FIELD, "Choose a time zone.");
    }
    let Some(zone) = zone else {
        let mut page = security_page(&state, &owner, errors).await?;
        page.zone =
            Some(ZoneChoice::new(&owner.0.zone, state.clock.now()).keeping(&form.time_zone));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    accounts::choose_time_zone(&state.db, owner.0.account.id, &zone, state.clock.now()).await?;
    session::flash(
        &owner.0.session,
        FlashKind::Success,
        format!("Times are now shown in {}.", zone.name()),
    )
    .await?;
    Ok(Redirect::to(owner.base()).into_response())
}

pub async fn post_end_others(
    State(state): State<AppState>,
    owner: Owner,
) -> Result<Redirect, AppError> {
    let mut conn = state.db.acquire().await?;
    let ended =
        sessions::end_all_but(&mut conn, owner.0.account.id, Some(owner.0.session_id)).await?;
    session::flash(
        &owner.0.session,
        FlashKind::Success,
        format!(
            "Signed out {ended} other session{}.",
            if ended == 1 { "" } else { "s" }
        ),
    )
    .await?;
    Ok(Redirect::to(owner.base()))
}

pub async fn post_end_session(
    State(state): State<AppState>,
    owner: Owner,
    IdPath(id): IdPath<SessionId>,
) -> Result<Redirect, AppError> {
    // Scoped to the owner's own sessions: another account's session id is simply not found.
    if !sessions::end(&state.db, owner.0.account.id, id).await? {
        return Err(AppError::NotFound);
    }
    session::flash(
        &owner.0.session,
        FlashKind::Success,
        "The session was signed out.",
    )
    .await?;
    Ok(Redirect::to(owner.base()))
}
