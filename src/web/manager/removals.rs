//! `/manager/removals`: removal requests from my partners, approved (after a confirmation page
//! that says what removal does) or rejected with a reason, and the decisions made so far.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::model::Cursor;
use crate::error::AppError;
use crate::format::datetime;
use crate::ids::RemovalId;
use crate::paging::split_page;
use crate::removals::{self, DecidedRow, QueueRow, RemovalError, RemovalStatus};
use crate::web::extractors::IdPath;
use crate::web::extractors::{Chrome, ClientInfo, CurrentManager};
use crate::web::form::{Form, Query};
use crate::web::paging::page_url;
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

/// Decisions shown per page of the "Decided" list.
const DECIDED_PAGE: i64 = 20;
const MAX_REASON: usize = 1000;

#[derive(Template, WebTemplate)]
#[template(path = "manager/removals.html")]
pub struct RemovalsPage {
    chrome: Chrome,
    rows: Vec<QueueRow>,
    /// A refused decision: the request it was about and the message for its reason field.
    error: Option<(uuid::Uuid, &'static str)>,
    decided: Vec<DecidedRow>,
    next_page: Option<String>,
    is_first_page: bool,
}

impl RemovalsPage {
    fn requested(&self, row: &QueueRow) -> String {
        datetime(row.request.requested_at, &self.chrome.zone)
    }
    fn error_for(&self, row: &QueueRow) -> Option<&'static str> {
        self.error
            .filter(|(id, _)| *id == row.request.id)
            .map(|(_, message)| message)
    }
    fn decided_at(&self, row: &DecidedRow) -> String {
        row.request
            .decided_at
            .map(|at| datetime(at, &self.chrome.zone))
            .unwrap_or_default()
    }
    fn approved(row: &DecidedRow) -> bool {
        row.request.status == RemovalStatus::Approved
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    after: String,
}

async fn removals_page(
    state: &AppState,
    manager: &CurrentManager,
    after: &str,
    error: Option<(uuid::Uuid, &'static str)>,
) -> Result<RemovalsPage, AppError> {
    let after = Cursor::decode(after);
    let mut decided =
        removals::decided(&state.db, manager.account.id, after, DECIDED_PAGE + 1).await?;
    let next_page = split_page(&mut decided, DECIDED_PAGE, |r| {
        Cursor::new(
            r.request.decided_at.unwrap_or(r.request.requested_at),
            r.request.id,
        )
    })
    .map(|cursor| page_url(paths::MANAGER_REMOVALS, &[], Some(&cursor.encode())) + "#decided");
    Ok(RemovalsPage {
        chrome: manager.chrome("Removals", "removals").await?,
        rows: removals::queue(&state.db, manager.account.id, None).await?,
        error,
        decided,
        next_page,
        is_first_page: after.is_none(),
    })
}

pub async fn get_removals(
    State(state): State<AppState>,
    manager: CurrentManager,
    Query(query): Query<ListQuery>,
) -> Result<RemovalsPage, AppError> {
    removals_page(&state, &manager, &query.after, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    reason: String,
    /// `yes` from the confirmation page; anything else only leads there.
    confirm: String,
}

async fn after_decision(
    manager: &CurrentManager,
    result: Result<(), RemovalError>,
    done: &str,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => session::flash(&manager.session, FlashKind::Success, done).await?,
        Err(RemovalError::NotFound) => return Err(AppError::NotFound),
        Err(RemovalError::NotPending) => already_decided(manager).await?,
        Err(err) => return Err(AppError::Unexpected(anyhow::anyhow!(err))),
    }
    Ok(Redirect::to(paths::MANAGER_REMOVALS).into_response())
}

async fn already_decided(manager: &CurrentManager) -> Result<(), AppError> {
    session::flash(
        &manager.session,
        FlashKind::Error,
        "This request was already decided or withdrawn.",
    )
    .await
}

/// The confirmation before a removal: who is removed and what that does.
#[derive(Template, WebTemplate)]
#[template(path = "manager/removal_confirm.html")]
pub struct ConfirmPage {
    chrome: Chrome,
    row: QueueRow,
    note: String,
    error: Option<&'static str>,
}

impl ConfirmPage {
    fn requested(&self) -> String {
        datetime(self.row.request.requested_at, &self.chrome.zone)
    }
}

/// A pending request of my partners, or why there is no page for it.
async fn pending_request(
    state: &AppState,
    manager: &CurrentManager,
    id: uuid::Uuid,
) -> Result<Result<QueueRow, Response>, AppError> {
    let row = removals::find_for_manager(&state.db, manager.account.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.request.status != RemovalStatus::Pending {
        already_decided(manager).await?;
        return Ok(Err(Redirect::to(paths::MANAGER_REMOVALS).into_response()));
    }
    Ok(Ok(row))
}

/// `GET /manager/removals/{id}/approve`
pub async fn get_approve(
    State(state): State<AppState>,
    manager: CurrentManager,
    IdPath(id): IdPath<RemovalId>,
) -> Result<Response, AppError> {
    let row = match pending_request(&state, &manager, id.into()).await? {
        Ok(row) => row,
        Err(elsewhere) => return Ok(elsewhere),
    };
    let page = ConfirmPage {
        chrome: manager.chrome("Confirm the removal", "removals").await?,
        row,
        note: String::new(),
        error: None,
    };
    Ok(page.into_response())
}

/// `POST /manager/removals/{id}/approve`: acts only with `confirm=yes` from the confirmation
/// page; an older one-click form (or any other post) is sent to that page first.
pub async fn post_approve(
    State(state): State<AppState>,
    manager: CurrentManager,
    client: ClientInfo,
    IdPath(id): IdPath<RemovalId>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let id: uuid::Uuid = id.into();
    let note = form.reason.trim();
    if form.confirm != "yes" || note.chars().count() > MAX_REASON {
        let row = match pending_request(&state, &manager, id).await? {
            Ok(row) => row,
            Err(elsewhere) => return Ok(elsewhere),
        };
        if form.confirm != "yes" {
            return Ok(Redirect::to(&paths::manager_removal_approve(id)).into_response());
        }
        let page = ConfirmPage {
            chrome: manager.chrome("Confirm the removal", "removals").await?,
            row,
            note: form.reason.clone(),
            error: Some("Keep the note to at most 1000 characters."),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let result = removals::approve(
        &state.db,
        &manager.account,
        id,
        note,
        &client.ip,
        state.clock.now(),
    )
    .await;
    after_decision(&manager, result.map(|_| ()), "The customer was removed: they are signed out and can no longer sign in. Their orders and subscriptions are kept.").await
}

pub async fn post_reject(
    State(state): State<AppState>,
    manager: CurrentManager,
    client: ClientInfo,
    IdPath(id): IdPath<RemovalId>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let id: uuid::Uuid = id.into();
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        let page = removals_page(
            &state,
            &manager,
            "",
            Some((
                id,
                "To reject a request, give the partner a reason (at most 1000 characters).",
            )),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let result = removals::reject(
        &state.db,
        &manager.account,
        id,
        reason,
        &client.ip,
        state.clock.now(),
    )
    .await;
    after_decision(
        &manager,
        result.map(|_| ()),
        "The request was rejected; the partner sees your reason.",
    )
    .await
}
