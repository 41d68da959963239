//! `/partner/purchase`: choose plan, units, add-ons, term and how many licences, optionally an
//! activated customer to associate now → review the engine's breakdown → confirm, once.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::accounts::model::{AccountId, AccountStatus, FieldErrors, Role};
use crate::accounts::store as account_store;
use crate::error::AppError;
use crate::licenses;
use crate::orders::{self, NewOrder, PlaceError};
use crate::web::config_form::{field_error, ConfigInput, ConfigView, QuoteView};
use crate::web::extractors::{Chrome, ClientInfo, CurrentPartner};
use crate::web::form::Form;
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "partner/purchase.html")]
pub struct PurchasePage<'a> {
    chrome: Chrome,
    view: ConfigView<'a>,
    errors: FieldErrors,
    /// The partner's activated customers, offered in the customer field's searchable list.
    customers: Vec<(AccountId, String, String, String)>,
}

/// How many customers the list offers: a partner with more types the email (or part of it:
/// the browser filters the list as the field is typed in).
const CUSTOMER_CHOICES: i64 = 500;

async fn purchase_page<'a>(
    state: &'a AppState,
    partner: &CurrentPartner,
    input: ConfigInput,
    errors: FieldErrors,
) -> Result<PurchasePage<'a>, AppError> {
    Ok(PurchasePage {
        chrome: partner.chrome("Purchase", "products").await?,
        view: ConfigView::new(&state.catalog, input, None),
        errors,
        customers: licenses::eligible_customers(
            &state.db,
            partner.account.organization(),
            None,
            CUSTOMER_CHOICES,
        )
        .await?,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/purchase_review.html")]
pub struct ReviewPage {
    chrome: Chrome,
    quote: QuoteView,
    plan_name: String,
    licenses: u32,
    customer: Option<String>,
    hidden: Vec<(String, String)>,
}

pub async fn get_purchase(
    State(state): State<AppState>,
    partner: CurrentPartner,
) -> Result<Response, AppError> {
    let mut input = ConfigInput {
        units: "10".into(),
        term: "1y".into(),
        ..ConfigInput::default()
    };
    input.other.insert("licenses".into(), "1".into());
    Ok(
        purchase_page(&state, &partner, input, FieldErrors::default())
            .await?
            .into_response(),
    )
}

/// Everything checked: the configuration priced for that many licences, and the customer.
struct Checked {
    config: crate::pricing::Configuration,
    licenses: u32,
    quote: crate::pricing::Quote,
    customer: Option<crate::accounts::model::Account>,
}

async fn check(
    state: &AppState,
    partner: &CurrentPartner,
    input: &ConfigInput,
    errors: &mut FieldErrors,
) -> Result<Option<Checked>, AppError> {
    let today = state.clock.now().date();
    let config = input.configuration(today, errors);
    let licenses = match input.get("licenses").trim().parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.add("licenses", "Enter how many licences, from 1 to 100.");
            None
        }
    };
    let email = input.get("customer_email").trim();
    let customer = if email.is_empty() {
        None
    } else {
        // Only this partner's own, activated customers; the message does not say which rule failed.
        let found = account_store::find_by_email(&state.db, email)
            .await?
            .filter(|a| {
                a.role == Role::Customer
                    && a.partner_id == Some(partner.account.organization())
                    && a.status == AccountStatus::Active
            });
        if found.is_none() {
            errors.add(
                "customer_email",
                "Enter the email of one of your customers who has activated their account.",
            );
        }
        found
    };
    let (Some(config), Some(licenses)) = (config, licenses) else {
        return Ok(None);
    };
    match orders::price(&state.catalog, &config, licenses) {
        Ok(quote) if errors.is_empty() => Ok(Some(Checked {
            config,
            licenses,
            quote,
            customer,
        })),
        Ok(_) => Ok(None),
        Err(PlaceError::Pricing(err)) => {
            field_error(&err, errors);
            Ok(None)
        }
        Err(PlaceError::LicenseCount) => {
            errors.add("licenses", PlaceError::LicenseCount.to_string());
            Ok(None)
        }
        Err(err) => Err(AppError::Unexpected(anyhow::anyhow!(err))),
    }
}

async fn refuse(
    state: &AppState,
    partner: &CurrentPartner,
    input: ConfigInput,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let page = purchase_page(state, partner, input, errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn post_review(
    State(state): State<AppState>,
    partner: CurrentPartner,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let mut input = ConfigInput::from_pairs(&pairs);
    let mut errors = FieldErrors::default();
    let Some(checked) = check(&state, &partner, &input, &mut errors).await? else {
        return refuse(&state, &partner, input, errors).await;
    };
    // One key per review: confirming it twice (double click, back and resubmit) makes one order.
    input
        .other
        .insert("idempotency_key".into(), uuid::Uuid::new_v4().to_string());
    let plan_name = crate::labels::plan_of(&state.catalog, &checked.config.plan);
    Ok(ReviewPage {
        chrome: partner
            .chrome("Review your order", "products")
            .await?
            .with_price_note(checked.quote.placeholder),
        quote: QuoteView::new(&checked.quote),
        plan_name,
        licenses: checked.licenses,
        customer: checked
            .customer
            .map(|c| format!("{} ({})", c.full_name(), c.email)),
        hidden: input.hidden_fields(),
    }
    .into_response())
}

pub async fn post_confirm(
    State(state): State<AppState>,
    partner: CurrentPartner,
    client: ClientInfo,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let input = ConfigInput::from_pairs(&pairs);
    let mut errors = FieldErrors::default();
    let Ok(idempotency_key) = uuid::Uuid::parse_str(input.get("idempotency_key")) else {
        return Err(AppError::BadRequest(
            "The order confirmation is incomplete. Start the purchase again.".into(),
        ));
    };
    let Some(checked) = check(&state, &partner, &input, &mut errors).await? else {
        return refuse(&state, &partner, input, errors).await;
    };
    let placed = orders::place(
        &state.db,
        &state.catalog,
        NewOrder {
            partner: &partner.account,
            customer: checked.customer.as_ref().map(|c| c.id),
            config: checked.config,
            licenses: checked.licenses,
            idempotency_key,
            client_ip: &client.ip,
        },
        state.clock.now(),
    )
    .await;
    let placed = match placed {
        Ok(placed) => placed,
        Err(PlaceError::CustomerNotEligible) => {
            errors.add(
                "customer_email",
                PlaceError::CustomerNotEligible.to_string(),
            );
            return refuse(&state, &partner, input, errors).await;
        }
        Err(PlaceError::Pricing(err)) => {
            field_error(&err, &mut errors);
            return refuse(&state, &partner, input, errors).await;
        }
        Err(err) => return Err(AppError::Unexpected(anyhow::anyhow!(err))),
    };
    let message = if placed.duplicate {
        format!(
            "Order {} was already placed; nothing new was ordered.",
            placed.number
        )
    } else {
        format!(
            "Order {} placed. Pay by invoice; the licences are ready to use.",
            placed.number
        )
    };
    session::flash(&partner.session, FlashKind::Success, message).await?;
    Ok(Redirect::to(&paths::partner_order(placed.order_id)).into_response())
}

/// "Change" on the review page: back to the form with what was chosen.
pub async fn post_edit(
    State(state): State<AppState>,
    partner: CurrentPartner,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let mut input = ConfigInput::from_pairs(&pairs);
    input.other.remove("idempotency_key");
    Ok(
        purchase_page(&state, &partner, input, FieldErrors::default())
            .await?
            .into_response(),
    )
}
