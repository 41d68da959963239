//! `/manager/applications`: partnership applications from my partners' customers, and the
//! decisions made on them so far.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::decided::{self, Column, Decided, Entry, Wording};
use crate::error::AppError;
use crate::format::{datetime, Zone};
use crate::ids::ApplicationId;
use crate::paging::Cursor;
use crate::partnership::{self, ApplicationError, ApplicationStatus, DecidedRow, QueueRow};
use crate::web::extractors::IdPath;
use crate::web::extractors::{Chrome, ClientInfo, CurrentManager};
use crate::web::form::{Form, Query};
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "manager/applications.html")]
pub struct ApplicationsPage {
    chrome: Chrome,
    rows: Vec<QueueRow>,
    error: Option<(ApplicationId, &'static str)>,
    decided: Decided,
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
}

const WORDING: Wording = Wording {
    path: "/manager/applications",
    caption: "Decisions on partnership applications, newest first",
    none_yet: "No application from your partners' customers has been decided yet.",
    headers: ["Company", "Applicant"],
};

/// A decided application as the history shows it.
fn entry(decided: &DecidedRow, zone: &Zone) -> Entry {
    let row = &decided.queued;
    let application = &row.application;
    let about = format!(
        "{} · customer of {}",
        application.country_name(),
        row.partner_company
    );
    Entry {
        columns: [
            Column {
                label: "Company",
                text: application.company.clone(),
                sub: Some(("muted", about)),
            },
            Column {
                label: "Applicant",
                text: row.applicant_name.clone(),
                sub: Some(("muted break-anywhere", row.applicant_email.clone())),
            },
        ],
        approved: application.status == ApplicationStatus::Approved,
        decided_by: decided.decided_by.clone(),
        decided_at: decided::at(application.decided_at, zone),
        reason: application.decision_reason.clone(),
        asked: None,
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
    error: Option<(ApplicationId, &'static str)>,
) -> Result<ApplicationsPage, AppError> {
    let after = Cursor::decode(after);
    let me = manager.account.id;
    let rows = partnership::decided(&state.db, me, after, decided::PAGE + 1).await?;
    let chrome = manager
        .chrome("Partnership applications", "applications")
        .await?;
    let position = |r: &DecidedRow| {
        let application = &r.queued.application;
        Cursor::new(
            application.decided_at.unwrap_or(application.created_at),
            application.id,
        )
    };
    let decided = Decided::new(WORDING, rows, after, position, |r| entry(r, &chrome.zone));
    Ok(ApplicationsPage {
        rows: partnership::queue(&state.db, me, None).await?,
        chrome,
        error,
        decided,
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
