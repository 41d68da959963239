//! Central Management pages (`/customer/central-management`, `/partner/central-management`):
//! the Cloud PBX instances the viewer may manage, one instance with its history, and actions.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use time::OffsetDateTime;

use crate::accounts::model::{Email, Role};
use crate::error::AppError;
use crate::format::{datetime, Zone};
use crate::ids::PbxId;
use crate::pbx::{self, Action, Event, InstanceView, PbxState, Viewer};
use crate::web::extractors::IdPath;
use crate::web::extractors::{parse_id, route_portal, Chrome, ClientInfo, SignedIn};
use crate::web::form::Form;
use crate::web::paths;
use crate::web::routes::{get, post, Routes};
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

/// The Central Management pages: the same for customers and for their partners, under each
/// portal's prefix.
pub fn routes(role: Role) -> Routes<AppState> {
    let base = paths::central(role);
    Routes::new()
        .route(base, get(get_list))
        .route(&format!("{base}/{{id}}"), get(get_instance))
        .route(
            &format!("{base}/{{id}}/restart"),
            get(get_restart).post(post_restart),
        )
        .route(&format!("{base}/{{id}}/{{action}}"), post(post_action))
}

/// A customer or partner on their own portal's Central Management pages.
pub struct Operator {
    signed_in: SignedIn,
    viewer: Viewer,
    base: &'static str,
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let mut signed_in = SignedIn::from_request_parts(parts, state).await?;
        let account = &signed_in.account;
        // The portal is the one whose router serves the page: a customer approved as a partner
        // manages its own PBXs in the Customer Portal and its customers' in the Partner Portal.
        let (viewer, portal) = match route_portal(parts) {
            Some(Role::Partner) if account.is_partner() => {
                (Viewer::Partner(account.organization()), Role::Partner)
            }
            Some(Role::Customer) if account.role == Role::Customer => {
                (Viewer::Customer(account.id), Role::Customer)
            }
            _ => return Err(AppError::Forbidden),
        };
        signed_in.portal = portal;
        Ok(Self {
            signed_in,
            viewer,
            base: paths::central(portal),
        })
    }
}

pub struct Row {
    pub instance: InstanceView,
    /// Lifecycle and heartbeat together, so the page never says "running" and "offline".
    pub state: PbxState,
    pub trial_days_left: Option<i64>,
    pub last_seen: String,
}

impl Row {
    /// Whether the PBX reports in now (a waiting restart means it does).
    fn online(&self) -> bool {
        matches!(
            self.state,
            PbxState::Online { .. } | PbxState::RestartRequested
        )
    }
}

fn row(instance: InstanceView, now: OffsetDateTime, zone: &Zone) -> Row {
    Row {
        state: instance.state(now),
        trial_days_left: instance.trial_days_left(now),
        last_seen: instance
            .last_heartbeat_at
            .map(|at| datetime(at, zone))
            .unwrap_or_else(|| "never".into()),
        instance,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "central/list.html")]
pub struct ListPage {
    chrome: Chrome,
    base: &'static str,
    rows: Vec<Row>,
    for_partner: bool,
}

pub async fn get_list(State(state): State<AppState>, op: Operator) -> Result<ListPage, AppError> {
    let now = state.clock.now();
    let rows = pbx::list(&state.db, op.viewer)
        .await?
        .into_iter()
        .map(|i| row(i, now, &op.signed_in.zone))
        .collect();
    Ok(ListPage {
        chrome: op.signed_in.chrome("Central Management", "central").await?,
        base: op.base,
        rows,
        for_partner: matches!(op.viewer, Viewer::Partner(_)),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "central/instance.html")]
pub struct InstancePage {
    chrome: Chrome,
    base: &'static str,
    row: Row,
    events: Vec<Event>,
    new_token: Option<String>,
    error: Option<(&'static str, &'static str)>,
}

impl InstancePage {
    fn when(&self, event: &Event) -> String {
        datetime(event.at, &self.chrome.zone)
    }
}

async fn instance_page(
    state: &AppState,
    op: &Operator,
    id: PbxId,
    new_token: Option<String>,
    error: Option<(&'static str, &'static str)>,
) -> Result<InstancePage, AppError> {
    let instance = pbx::find(&state.db, op.viewer, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(InstancePage {
        chrome: op
            .signed_in
            .chrome(instance.name.clone(), "central")
            .await?,
        base: op.base,
        events: pbx::events(&state.db, instance.id).await?,
        row: row(instance, state.clock.now(), &op.signed_in.zone),
        new_token,
        error,
    })
}

pub async fn get_instance(
    State(state): State<AppState>,
    op: Operator,
    IdPath(id): IdPath<PbxId>,
) -> Result<InstancePage, AppError> {
    instance_page(&state, &op, id, None, None).await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    name: String,
    email: String,
}

/// `POST …/central-management/{id}/{rename|alarm|token}` (a restart has its own route, with a
/// confirmation page)
pub async fn post_action(
    State(state): State<AppState>,
    op: Operator,
    client: ClientInfo,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, AppError> {
    let id: PbxId = parse_id(&id)?;
    let (state, op) = (&state, &op);
    let refuse = |field: &'static str, message: &'static str| async move {
        let page = instance_page(state, op, id, None, Some((field, message))).await?;
        Ok::<Response, AppError>((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let (action, done) = match action.as_str() {
        "rename" => {
            let name = form.name.trim();
            if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
                return refuse("name", "Enter a name of 1 to 60 characters.").await;
            }
            (Action::Rename(name.to_owned()), "The PBX was renamed.")
        }
        "alarm" => match form.email.trim() {
            "" => (
                Action::AlarmEmail(None),
                "Alarms now go to the account's email address.",
            ),
            raw => match Email::parse(raw) {
                Ok(email) => (
                    Action::AlarmEmail(Some(email.as_str().to_owned())),
                    "The alarm contact was saved.",
                ),
                Err(_) => {
                    return refuse("email", "Enter a valid email address, like it@example.com.")
                        .await
                }
            },
        },
        "token" => (
            Action::NewToken,
            "A new token was issued; the old one no longer works.",
        ),
        _ => return Err(AppError::NotFound),
    };
    let now = state.clock.now();
    match pbx::act(
        &state.db,
        &op.signed_in.account,
        op.viewer,
        id,
        action,
        &client.ip,
        now,
    )
    .await?
    {
        None => Err(AppError::NotFound),
        // The token is shown once, on this response; only its hash is kept.
        Some(Some(token)) => Ok(instance_page(state, op, id, Some(token), None)
            .await?
            .into_response()),
        Some(None) => {
            session::flash(&op.signed_in.session, FlashKind::Success, done).await?;
            Ok(Redirect::to(&paths::central_pbx(op.signed_in.portal, id)).into_response())
        }
    }
}

/// The confirmation before a restart: which PBX, and what a restart does to its calls.
#[derive(Template, WebTemplate)]
#[template(path = "central/restart_confirm.html")]
pub struct RestartPage {
    chrome: Chrome,
    base: &'static str,
    row: Row,
    for_partner: bool,
}

/// `GET …/central-management/{id}/restart`
pub async fn get_restart(
    State(state): State<AppState>,
    op: Operator,
    IdPath(id): IdPath<PbxId>,
) -> Result<RestartPage, AppError> {
    let instance = pbx::find(&state.db, op.viewer, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(RestartPage {
        chrome: op
            .signed_in
            .chrome(format!("Restart {}", instance.name), "central")
            .await?,
        base: op.base,
        row: row(instance, state.clock.now(), &op.signed_in.zone),
        for_partner: matches!(op.viewer, Viewer::Partner(_)),
    })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct RestartForm {
    /// `yes` from the confirmation page; anything else only leads there.
    confirm: String,
}

/// `POST …/central-management/{id}/restart`: queues a restart only with `confirm=yes` from the
/// confirmation page; without it (an older one-click form) the answer is that page.
pub async fn post_restart(
    State(state): State<AppState>,
    op: Operator,
    client: ClientInfo,
    IdPath(id): IdPath<PbxId>,
    Form(form): Form<RestartForm>,
) -> Result<Response, AppError> {
    if form.confirm != "yes" {
        // Someone else's PBX is "not found" here too, never a redirect that reveals it.
        pbx::find(&state.db, op.viewer, id)
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(
            Redirect::to(&paths::central_pbx_restart(op.signed_in.portal, id)).into_response(),
        );
    }
    let acted = pbx::act(
        &state.db,
        &op.signed_in.account,
        op.viewer,
        id,
        Action::Restart,
        &client.ip,
        state.clock.now(),
    )
    .await?;
    if acted.is_none() {
        return Err(AppError::NotFound);
    }
    session::flash(
        &op.signed_in.session,
        FlashKind::Success,
        "A restart was queued; the PBX picks it up with its next heartbeat.",
    )
    .await?;
    Ok(Redirect::to(&paths::central_pbx(op.signed_in.portal, id)).into_response())
}
