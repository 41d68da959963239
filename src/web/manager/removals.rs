//! `/manager/removals`: removal requests from my partners, approved or rejected with a reason.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::error::AppError;
use crate::format::datetime;
use crate::removals::{self, QueueRow, RemovalError};
use crate::web::extractors::{Chrome, ClientInfo, CurrentManager};
use crate::web::form::Form;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "manager/removals.html")]
pub struct RemovalsPage {
    chrome: Chrome,
    rows: Vec<QueueRow>,
    /// A refused decision: the request it was about and the message for its reason field.
    error: Option<(uuid::Uuid, &'static str)>,
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

pub async fn get_removals(
    State(state): State<AppState>,
    manager: CurrentManager,
) -> Result<RemovalsPage, AppError> {
    Ok(RemovalsPage {
        chrome: manager.chrome("Removals", "removals").await?,
        rows: removals::queue(&state.db, manager.account.id).await?,
        error: None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    reason: String,
}

fn request_id(raw: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}

async fn after_decision(
    manager: &CurrentManager,
    result: Result<(), RemovalError>,
    done: &str,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => session::flash(&manager.session, FlashKind::Success, done).await?,
        Err(RemovalError::NotFound) => return Err(AppError::NotFound),
        Err(RemovalError::NotPending) => {
            session::flash(
                &manager.session,
                FlashKind::Error,
                "This request was already decided or withdrawn.",
            )
            .await?
        }
        Err(err) => return Err(AppError::Unexpected(anyhow::anyhow!(err))),
    }
    Ok(Redirect::to("/manager/removals").into_response())
}

pub async fn post_approve(
    State(state): State<AppState>,
    manager: CurrentManager,
    client: ClientInfo,
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let result = removals::approve(
        &state.db,
        &manager.account,
        request_id(&id)?,
        form.reason.trim(),
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
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let id = request_id(&id)?;
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        let page = RemovalsPage {
            chrome: manager.chrome("Removals", "removals").await?,
            rows: removals::queue(&state.db, manager.account.id).await?,
            error: Some((
                id,
                "To reject a request, give the partner a reason (at most 1000 characters).",
            )),
        };
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
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
