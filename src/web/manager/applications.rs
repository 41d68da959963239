//! `/manager/applications`: partnership applications from my partners' customers.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::error::AppError;
use crate::partnership::{self, ApplicationError, QueueRow};
use crate::web::extractors::{Chrome, ClientInfo, CurrentManager};
use crate::web::form::Form;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "manager/applications.html")]
pub struct ApplicationsPage {
    chrome: Chrome,
    rows: Vec<QueueRow>,
    error: Option<(uuid::Uuid, &'static str)>,
}

impl ApplicationsPage {
    fn error_for(&self, row: &QueueRow) -> Option<&'static str> {
        self.error
            .filter(|(id, _)| *id == row.application.id)
            .map(|(_, m)| m)
    }
}

pub async fn get_applications(
    State(state): State<AppState>,
    manager: CurrentManager,
) -> Result<ApplicationsPage, AppError> {
    Ok(ApplicationsPage {
        chrome: manager
            .chrome("Partnership applications", "applications")
            .await?,
        rows: partnership::queue(&state.db, manager.account.id).await?,
        error: None,
    })
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
    Path(id): Path<String>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, AppError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let approve = form.decision == "approve";
    let reason = form.reason.trim();
    if !approve && reason.is_empty() {
        let page = ApplicationsPage {
            chrome: manager
                .chrome("Partnership applications", "applications")
                .await?,
            rows: partnership::queue(&state.db, manager.account.id).await?,
            error: Some((id, "To reject an application, give the applicant a reason.")),
        };
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
            let page = ApplicationsPage {
                chrome: manager
                    .chrome("Partnership applications", "applications")
                    .await?,
                rows: partnership::queue(&state.db, manager.account.id).await?,
                error: Some((id, partnership::APPLICANT_REMOVED)),
            };
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(err @ ApplicationError::NotPending) => {
            session::flash(&manager.session, FlashKind::Error, err.to_string()).await?
        }
        Err(err) => return Err(AppError::Unexpected(anyhow::anyhow!(err))),
    }
    Ok(Redirect::to("/manager/applications").into_response())
}
