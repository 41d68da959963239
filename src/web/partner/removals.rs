//! Asking for a customer's removal (and withdrawing the request while it is pending).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::customers::own_customer;
use crate::accounts::model::Account;
use crate::error::AppError;
use crate::ids::AccountId;
use crate::removals::{self, RemovalError};
use crate::web::extractors::IdPath;
use crate::web::extractors::{Chrome, ClientInfo, CurrentPartner};
use crate::web::form::Form;
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "partner/removal_request.html")]
pub struct RemovalRequestPage {
    chrome: Chrome,
    customer: Account,
    reason: String,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReasonForm {
    reason: String,
}

/// The confirmation step, with the reason to give.
pub async fn get_request(
    State(state): State<AppState>,
    partner: CurrentPartner,
    IdPath(id): IdPath<AccountId>,
) -> Result<RemovalRequestPage, AppError> {
    let customer = own_customer(&state, &partner, id).await?;
    Ok(RemovalRequestPage {
        chrome: partner.chrome("Request removal", "customers").await?,
        customer,
        reason: String::new(),
        error: None,
    })
}

pub async fn post_request(
    State(state): State<AppState>,
    partner: CurrentPartner,
    client: ClientInfo,
    IdPath(id): IdPath<AccountId>,
    Form(form): Form<ReasonForm>,
) -> Result<Response, AppError> {
    let customer = own_customer(&state, &partner, id).await?;
    let reason = form.reason.trim();
    let error = if reason.is_empty() {
        Some("Give a reason for the removal; your account manager reads it.")
    } else if reason.chars().count() > 1000 {
        Some("The reason can be at most 1000 characters.")
    } else {
        None
    };
    if let Some(error) = error {
        let page = RemovalRequestPage {
            chrome: partner.chrome("Request removal", "customers").await?,
            customer,
            reason: form.reason.clone(),
            error: Some(error),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let back = paths::partner_customer(customer.id);
    match removals::request(&state.db, &partner.account, customer.id, reason, &client.ip, state.clock.now()).await {
        Ok(_) => {
            session::flash(&partner.session, FlashKind::Success, "Removal requested. Your account manager will review it; until then the customer keeps access.").await?
        }
        Err(RemovalError::AlreadyPending) => {
            session::flash(&partner.session, FlashKind::Info, "A removal request for this customer is already pending.").await?
        }
        Err(RemovalError::NotFound) => return Err(AppError::NotFound),
        Err(err) => return Err(AppError::Unexpected(anyhow::anyhow!(err))),
    }
    Ok(Redirect::to(&back).into_response())
}

pub async fn post_withdraw(
    State(state): State<AppState>,
    partner: CurrentPartner,
    client: ClientInfo,
    IdPath(id): IdPath<AccountId>,
) -> Result<Redirect, AppError> {
    let customer = own_customer(&state, &partner, id).await?;
    match removals::withdraw(
        &state.db,
        &partner.account,
        customer.id,
        &client.ip,
        state.clock.now(),
    )
    .await
    {
        Ok(()) => {
            session::flash(
                &partner.session,
                FlashKind::Success,
                "The removal request was withdrawn.",
            )
            .await?
        }
        Err(RemovalError::NotPending) => {
            session::flash(
                &partner.session,
                FlashKind::Info,
                "There is no pending removal request to withdraw.",
            )
            .await?
        }
        Err(err) => return Err(AppError::Unexpected(anyhow::anyhow!(err))),
    }
    Ok(Redirect::to(&paths::partner_customer(customer.id)))
}
