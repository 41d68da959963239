//! `/customer/partnership`: apply to become a Yeastar partner, see the application, withdraw it.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::model::FieldErrors;
use crate::countries::{self, COUNTRIES};
use crate::error::AppError;
use crate::partnership::{
    self, Application, ApplicationError, ApplicationStatus, NewApplication, BUSINESS_TYPES, VOLUMES,
};
use crate::web::extractors::{Chrome, ClientInfo, CurrentCustomer};
use crate::web::form::Form;
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ApplicationForm {
    company: String,
    website: String,
    country: String,
    business_type: String,
    yearly_volume: String,
    message: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "customer/partnership.html")]
pub struct PartnershipPage {
    chrome: Chrome,
    latest: Option<Application>,
    form: ApplicationForm,
    errors: FieldErrors,
    countries: &'static [(&'static str, &'static str)],
    business_types: &'static [&'static str],
    volumes: &'static [&'static str],
}

impl PartnershipPage {
    fn open(&self) -> bool {
        self.latest
            .as_ref()
            .is_some_and(|a| a.status == ApplicationStatus::Pending)
    }
}

async fn page(
    state: &AppState,
    customer: &CurrentCustomer,
    form: ApplicationForm,
    errors: FieldErrors,
) -> Result<PartnershipPage, AppError> {
    Ok(PartnershipPage {
        chrome: customer
            .chrome("Apply for partnership", "partnership")
            .await?,
        latest: partnership::latest(&state.db, customer.account.id).await?,
        form,
        errors,
        countries: COUNTRIES,
        business_types: BUSINESS_TYPES,
        volumes: VOLUMES,
    })
}

pub async fn get_partnership(
    State(state): State<AppState>,
    customer: CurrentCustomer,
) -> Result<PartnershipPage, AppError> {
    let form = ApplicationForm {
        company: customer.account.company.clone(),
        country: customer.account.country.clone().unwrap_or_default(),
        ..Default::default()
    };
    page(&state, &customer, form, FieldErrors::default()).await
}

pub async fn post_partnership(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    client: ClientInfo,
    Form(form): Form<ApplicationForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let new = checked(&form, &mut errors);
    if errors.is_empty() {
        match partnership::apply(
            &state.db,
            &customer.account,
            new,
            &client.ip,
            state.clock.now(),
        )
        .await
        {
            Ok(_) => {
                session::flash(&customer.session, FlashKind::Success, "Your application was sent. Your Yeastar account manager will review it and email you the decision.").await?;
                return Ok(Redirect::to(paths::CUSTOMER_PARTNERSHIP).into_response());
            }
            Err(err @ ApplicationError::AlreadyOpen) => errors.add("company", err.to_string()),
            Err(err) => return Err(AppError::Unexpected(anyhow::anyhow!(err))),
        }
    }
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        page(&state, &customer, form, errors).await?,
    )
        .into_response())
}

/// The application as entered, each refused field noted in `errors`.
fn checked(form: &ApplicationForm, errors: &mut FieldErrors) -> NewApplication {
    let company = form.company.trim();
    if company.is_empty() || company.chars().count() > 200 {
        errors.add(
            "company",
            "Enter the company name (at most 200 characters).",
        );
    }
    let website = form.website.trim();
    let looks_like_url = website.starts_with("https://") || website.starts_with("http://");
    if !website.is_empty() && !looks_like_url {
        errors.add(
            "website",
            "Enter the website as an address like https://example.com, or leave it empty.",
        );
    }
    let country = form.country.trim().to_ascii_uppercase();
    if !countries::is_valid(&country) {
        errors.add("country", "Choose a country from the list.");
    }
    if !BUSINESS_TYPES.contains(&form.business_type.as_str()) {
        errors.add("business_type", "Choose a business type.");
    }
    if !VOLUMES.contains(&form.yearly_volume.as_str()) {
        errors.add("yearly_volume", "Choose the expected yearly volume.");
    }
    if form.message.chars().count() > 2000 {
        errors.add("message", "The message can be at most 2000 characters.");
    }
    NewApplication {
        company: company.to_owned(),
        website: website.to_owned(),
        country,
        business_type: form.business_type.clone(),
        yearly_volume: form.yearly_volume.clone(),
        message: form.message.trim().to_owned(),
    }
}

pub async fn post_withdraw(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    client: ClientInfo,
) -> Result<Redirect, AppError> {
    match partnership::withdraw(&state.db, &customer.account, &client.ip, state.clock.now()).await {
        Ok(()) => {
            session::flash(
                &customer.session,
                FlashKind::Success,
                "Your application was withdrawn.",
            )
            .await?
        }
        Err(ApplicationError::NotPending) => {
            session::flash(
                &customer.session,
                FlashKind::Info,
                "There is no open application to withdraw.",
            )
            .await?
        }
        Err(err) => return Err(AppError::Unexpected(anyhow::anyhow!(err))),
    }
    Ok(Redirect::to(paths::CUSTOMER_PARTNERSHIP))
}
