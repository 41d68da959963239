//! The Customer Portal.

pub mod billing;
pub mod change_review;
pub mod dashboard;
pub mod estimate;
pub mod partnership;
pub mod routes;
pub mod subscribe;
pub mod subscription;
pub mod subscription_change;
pub mod trials;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts;
use crate::accounts::model::{AccountInfoInput, FieldErrors};
use crate::countries::COUNTRIES;
use crate::error::AppError;
use crate::web::extractors::{Chrome, ClientInfo, CurrentCustomer};
use crate::web::form::Form;
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;
use crate::web::time_zone::{self, ZoneChoice};

pub use dashboard::get_dashboard;

#[derive(Template, WebTemplate)]
#[template(path = "customer/account.html")]
pub struct AccountPage {
    chrome: Chrome,
    email: String,
    info: AccountInfoInput,
    errors: FieldErrors,
    countries: &'static [(&'static str, &'static str)],
    zone: ZoneChoice,
}

pub async fn get_account(
    State(state): State<AppState>,
    customer: CurrentCustomer,
) -> Result<AccountPage, AppError> {
    Ok(AccountPage {
        chrome: customer.chrome("Account Information", "account").await?,
        email: customer.account.email.clone(),
        info: AccountInfoInput::from_account(&customer.account),
        errors: FieldErrors::default(),
        countries: COUNTRIES,
        zone: ZoneChoice::new(&customer.zone, state.clock.now()),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AccountForm {
    #[serde(flatten)]
    info: AccountInfoInput,
    time_zone: String,
}

/// Saves the account information. The email (Yeastar ID) is not a field of this form: it is the
/// sign-in credential and cannot be changed here.
pub async fn post_account(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    client: ClientInfo,
    Form(form): Form<AccountForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let info = form.info.validate(&mut errors);
    let zone = time_zone::parse(&form.time_zone, &mut errors);
    if !errors.is_empty() {
        let page = AccountPage {
            chrome: customer.chrome("Account Information", "account").await?,
            email: customer.account.email.clone(),
            info: form.info,
            errors,
            countries: COUNTRIES,
            zone: ZoneChoice::new(&customer.zone, state.clock.now()).keeping(&form.time_zone),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    accounts::edit::update_own_info(
        &state.db,
        customer.account.id,
        &info,
        zone.as_ref(),
        &client.ip,
        state.clock.now(),
    )
    .await?;
    session::flash(
        &customer.session,
        FlashKind::Success,
        "Your account information was saved.",
    )
    .await?;
    Ok(Redirect::to(paths::CUSTOMER_ACCOUNT).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "customer/products.html")]
pub struct ProductsPage {
    chrome: Chrome,
    subscriptions: Vec<crate::subscriptions::SubscriptionView>,
    licenses: Vec<crate::licenses::LicenseRow>,
    catalog: std::sync::Arc<crate::catalog::Catalog>,
}

impl ProductsPage {
    fn name(s: &crate::subscriptions::SubscriptionView) -> String {
        crate::labels::plan(&s.product_name, &s.plan_name)
    }
    /// "Workplace SaaS Standard": a licence's plan with its product.
    fn license_plan(&self, l: &crate::licenses::LicenseRow) -> String {
        crate::labels::plan_of(&self.catalog, &l.plan_code)
    }
    fn until(&self, s: &crate::subscriptions::SubscriptionView) -> String {
        match (
            s.subscription.trial_ends_at,
            s.subscription.current_period_end,
        ) {
            (_, Some(end)) => crate::format::day(end),
            (Some(trial), None) => crate::format::date_in(trial, &self.chrome.zone),
            _ => String::new(),
        }
    }
}

/// The products the customer's partner associated with them.
pub async fn get_products(
    State(state): State<AppState>,
    customer: CurrentCustomer,
) -> Result<ProductsPage, AppError> {
    Ok(ProductsPage {
        chrome: customer.chrome("My products", "products").await?,
        subscriptions: crate::subscriptions::store::list_for_customer(
            &state.db,
            customer.account.id,
        )
        .await?,
        licenses: crate::licenses::list_for_customer(&state.db, customer.account.id).await?,
        catalog: state.catalog.clone(),
    })
}
