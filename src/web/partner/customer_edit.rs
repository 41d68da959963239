//! `/partner/customers/{id}/edit`: the partner corrects a customer's account information (the
//! fields of Add Partner, through the same partial); the Yeastar ID stays as it is.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::customers::own_customer;
use crate::accounts::edit::update_customer_info;
use crate::accounts::model::{Account, AccountInfoInput, FieldErrors};
use crate::countries::COUNTRIES;
use crate::error::AppError;
use crate::ids::AccountId;
use crate::web::extractors::IdPath;
use crate::web::extractors::{Chrome, ClientInfo, CurrentPartner};
use crate::web::form::Form;
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "partner/customer_edit.html")]
pub struct EditCustomerPage {
    chrome: Chrome,
    customer: Account,
    info: AccountInfoInput,
    errors: FieldErrors,
    countries: &'static [(&'static str, &'static str)],
}

async fn page(
    partner: &CurrentPartner,
    customer: Account,
    info: AccountInfoInput,
    errors: FieldErrors,
) -> Result<EditCustomerPage, AppError> {
    Ok(EditCustomerPage {
        chrome: partner
            .chrome(format!("Edit {}", customer.full_name()), "customers")
            .await?,
        customer,
        info,
        errors,
        countries: COUNTRIES,
    })
}

pub async fn get_edit_customer(
    State(state): State<AppState>,
    partner: CurrentPartner,
    IdPath(id): IdPath<AccountId>,
) -> Result<EditCustomerPage, AppError> {
    let customer = own_customer(&state, &partner, id).await?;
    let info = AccountInfoInput::from_account(&customer);
    page(&partner, customer, info, FieldErrors::default()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EditForm {
    #[serde(flatten)]
    info: AccountInfoInput,
}

pub async fn post_edit_customer(
    State(state): State<AppState>,
    partner: CurrentPartner,
    client: ClientInfo,
    IdPath(id): IdPath<AccountId>,
    Form(form): Form<EditForm>,
) -> Result<Response, AppError> {
    let customer = own_customer(&state, &partner, id).await?;
    let mut errors = FieldErrors::default();
    let info = form.info.validate(&mut errors);
    if !errors.is_empty() {
        let page = page(&partner, customer, form.info, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let now = state.clock.now();
    // Scoped by the partner again in the write (the customer may have been removed meanwhile).
    let changes = update_customer_info(
        &state.db,
        &partner.account,
        customer.id,
        &info,
        &client.ip,
        now,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let message = if changes.is_empty() {
        "Nothing was changed.".to_owned()
    } else {
        format!(
            "The account information of {} {} was saved.",
            info.first_name, info.last_name
        )
    };
    session::flash(&partner.session, FlashKind::Success, message).await?;
    Ok(Redirect::to(&paths::partner_customer(customer.id)).into_response())
}
