//! `/manager/applications`: partnership applications from my partners' customers, and the
//! decisions made on them so far.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::model::Cursor;
use crate::error::AppError;
use crate::format::datetime;
use crate::ids::ApplicationId;
use crate::paging::split_page;
use crate::partnership::{self, ApplicationError, DecidedRow, QueueRow};
use crate::web::extractors::IdPath;
use crate::web::extractors::{Chrome, ClientInfo, CurrentManager};
use crate::web::form::{Form, Query};
use crate::web::paging::page_url;
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

/// Decisions shown per page of the "Decided" list.
const DECIDED_PAGE: i64 = 20;

#[derive(Template, WebTemplate)]
#[template(path = "manager/applications.html")]
pub struct ApplicationsPage {
    chrome: Chrome,
    rows: Vec<QueueRow>,
    error: Option<(uuid::Uuid, &'static str)>,
    decided: Vec<DecidedRow>,
    next_page: Option<String>,
    is_first_page: bool,
}

impl ApplicationsPage {
    fn error_for(&self, row: &QueueRow) -> Option<&'static str> {
        self.error
            .filter(|(id, _)| *id == row.application.id)
            .map(|(_, m)| m)
    }
    fn applied(&self, row: &QueueRow) -> String {
        datetime(row.application.created_at, &self.chrome.zone)
    }
    fn decided_at(&self, row: &DecidedRow) -> String {
        row.application
            .decided_at
            .map(|at| datetime(at, &self.chrome.zone))
            .unwrap_or_default()
    }
    fn approved(row: &DecidedRow) -> bool {
        row.application.status == "approved"
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    after: String,
}

async fn applications_page(
    state: &AppState,
    manager: &CurrentManager,
    after: &str,
    error: Option<(uuid::Uuid, &'static str)>,
) -> Result<ApplicationsPage, AppError> {
    let after = Cursor::decode(after);
    let mut decided =
        partnership::decided(&state.db, manager.account.id, after, DECIDED_PAGE + 1).await?;
    let next_page = split_page(&mut decided, DECIDED_PAGE, |r| {
        Cursor::new(
            r.application.decided_at.unwrap_or(r.application.created_at),
            r.application.id,
        )
    })
    .map(|cursor| page_url("/manager/applications", &[], Some(&cursor.encode())) + "#decided");
    Ok(ApplicationsPage {
        chrome: manager
            .chrome("Partnership applications", "applications")
            .await?,
        rows: partnership::queue(&state.db, manager.account.id, None).await?,
        error,
        decided,
        next_page,
        is_first_page: after.is_none(),
    })
}

pub async fn get_applications(
    State(state): State<AppState>,
    manager: CurrentManager,
    Query(query): Query<ListQuery>,
) -> Result<ApplicationsPage, AppError> {
    applications_page(&state, &manager, &query.after, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DecisionForm {
    decision: String,
    reason: String,
}

pub async fn post_decide(
    State(state): State<AppState>,
    manager: CurrentManager,
    client: ClientInfo,
    IdPath(id): IdPath<ApplicationId>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let id: uuid::Uuid = id.into();
    let approve = form.decision == "approve";
    let reason = form.reason.trim();
    if !approve && reason.is_empty() {
        let page = applications_page(
            &state,
            &manager,
            "",
            Some((id, "To reject an application, give the applicant a reason.")),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    match partnership::decide(
        &state.db,
        &manager.account,
        id,
        approve,
        reason,
        &client.ip,
        state.clock.now(),
    )
    .await
    {
        Ok(()) => {
            session::flash(
                &manager.session,
                FlashKind::Success,
                if approve {
                    "Approved: the applicant now has Partner Portal access and was emailed."
                } else {
                    "Rejected; the applicant was emailed your reason."
                },
            )
            .await?
        }
        Err(ApplicationError::NotFound) => return Err(AppError::NotFound),
        Err(ApplicationError::ApplicantRemoved) => {
            let page = applications_page(
                &state,
                &manager,
                "",
                Some((id, partnership::APPLICANT_REMOVED)),
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(err @ ApplicationError::NotPending) => {
            session::flash(&manager.session, FlashKind::Error, err.to_string()).await?
        }
        Err(err) => return Err(AppError::Unexpected(anyhow::anyhow!(err))),
    }
    Ok(Redirect::to(paths::MANAGER_APPLICATIONS).into_response())
}
