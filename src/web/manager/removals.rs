//! `/manager/removals`: removal requests from my partners, approved (after a confirmation page
//! that says what removal does) or rejected with a reason, and the decisions made so far.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::decided::{self, Column, Decided, Entry, Wording};
use crate::error::AppError;
use crate::format::{datetime, Zone};
use crate::ids::RemovalId;
use crate::paging::Cursor;
use crate::removals::{self, DecidedRow, Decision, QueueRow, RemovalError, RemovalStatus};
use crate::web::extractors::IdPath;
use crate::web::extractors::{Chrome, ClientInfo, CurrentManager};
use crate::web::form::{Form, Query};
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

const MAX_REASON: usize = 1000;

#[derive(Template, WebTemplate)]
#[template(path = "manager/removals.html")]
pub struct RemovalsPage {
    chrome: Chrome,
    rows: Vec<QueueRow>,
    /// A refused decision: the request it was about and the message for its reason field.
    error: Option<(RemovalId, &'static str)>,
    decided: Decided,
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
}

const WORDING: Wording = Wording {
    path: "/manager/removals",
    caption: "Decisions on removal requests, newest first",
    none_yet: "No removal request of your partners has been decided yet.",
    headers: ["Customer", "Partner"],
};

/// A decided request as the history shows it.
fn entry(row: &DecidedRow, zone: &Zone) -> Entry {
    let request = &row.request;
    Entry {
        columns: [
            Column {
                label: "Customer",
                text: row.customer_name.clone(),
                sub: Some(("muted break-anywhere", row.customer_email.clone())),
            },
            Column {
                label: "Partner",
                text: row.partner_company.clone(),
                sub: None,
            },
        ],
        approved: request.status == RemovalStatus::Approved,
        decided_by: row.decided_by.clone(),
        decided_at: decided::at(request.decided_at, zone),
        reason: request.decision_reason.clone(),
        asked: Some(format!("Partner asked: {}", request.reason)),
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
    error: Option<(RemovalId, &'static str)>,
) -> Result<RemovalsPage, AppError> {
    let after = Cursor::decode(after);
    let rows = removals::decided(&state.db, manager.account.id, after, decided::PAGE + 1).await?;
    let chrome = manager.chrome("Removals", "removals").await?;
    let position = |r: &DecidedRow| {
        let request = &r.request;
        Cursor::new(
            request.decided_at.unwrap_or(request.requested_at),
            request.id,
        )
    };
    let decided = Decided::new(WORDING, rows, after, position, |r| entry(r, &chrome.zone));
    Ok(RemovalsPage {
        rows: removals::queue(&state.db, manager.account.id, None).await?,
        chrome,
        error,
        decided,
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

/// Carries out the decision and says how it went on the queue page.
async fn decide(
    state: &AppState,
    manager: &CurrentManager,
    client: &ClientInfo,
    (id, decision): (RemovalId, Decision),
    reason: &str,
    done: &str,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    let account = &manager.account;
    match removals::decide(&state.db, account, id, decision, reason, &client.ip, now).await {
        Ok(_) => session::flash(&manager.session, FlashKind::Success, done).await?,
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
    id: RemovalId,
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
    let row = match pending_request(&state, &manager, id).await? {
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
    let done = "The customer was removed: they are signed out and can no longer sign in. Their orders and subscriptions are kept.";
    decide(
        &state,
        &manager,
        &client,
        (id, Decision::Approve),
        note,
        done,
    )
    .await
}

pub async fn post_reject(
    State(state): State<AppState>,
    manager: CurrentManager,
    client: ClientInfo,
    IdPath(id): IdPath<RemovalId>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        let message = "To reject a request, give the partner a reason (at most 1000 characters).";
        let page = removals_page(&state, &manager, "", Some((id, message))).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let done = "The request was rejected; the partner sees your reason.";
    decide(
        &state,
        &manager,
        &client,
        (id, Decision::Reject),
        reason,
        done,
    )
    .await
}
