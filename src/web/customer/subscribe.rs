//! `/customer/subscribe`: plan, extensions, add-ons and term → review the engine's breakdown →
//! confirm: an order (paid by invoice) and an active subscription. With `convert`, a trial
//! becomes that subscription (same subscription, same PBX).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::accounts::model::FieldErrors;
use crate::error::AppError;
use crate::pricing::{self, Configuration};
use crate::subscriptions::{self, Actor, SubscriptionError};
use crate::web::config_form::{field_error, ConfigInput, ConfigView, QuoteView};
use crate::web::extractors::{parse_id, Chrome, ClientInfo, CurrentCustomer};
use crate::web::form::{Form, Query};
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "customer/subscribe.html")]
pub struct SubscribePage<'a> {
    chrome: Chrome,
    view: ConfigView<'a>,
    errors: FieldErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "customer/subscribe_review.html")]
pub struct ReviewPage {
    chrome: Chrome,
    plan_name: String,
    quote: QuoteView,
    hidden: Vec<(String, String)>,
    converting: bool,
}

async fn form(
    state: &AppState,
    customer: &CurrentCustomer,
    input: ConfigInput,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = SubscribePage {
        chrome: customer.chrome("Subscribe", "subscribe").await?,
        view: ConfigView::new(&state.catalog, input, None),
        errors,
    };
    Ok((status, page).into_response())
}

/// The form, pre-filled from the query (e.g. "Subscribe with this configuration").
pub async fn get_subscribe(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let mut input = ConfigInput::from_pairs(&pairs);
    if input.units.is_empty() {
        input.units = "10".into();
    }
    if input.term.is_empty() {
        input.term = "1y".into();
    }
    form(&state, &customer, input, FieldErrors::default()).await
}

fn checked(
    state: &AppState,
    input: &ConfigInput,
    errors: &mut FieldErrors,
) -> Option<(Configuration, pricing::Quote)> {
    let config = input.configuration(state.clock.now().date(), errors)?;
    match pricing::quote(&state.catalog, &config) {
        Ok(quote) if errors.is_empty() => Some((config, quote)),
        Ok(_) => None,
        Err(err) => {
            field_error(&err, errors);
            None
        }
    }
}

pub async fn post_review(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let mut input = ConfigInput::from_pairs(&pairs);
    let mut errors = FieldErrors::default();
    let Some((config, quote)) = checked(&state, &input, &mut errors) else {
        return form(&state, &customer, input, errors).await;
    };
    input
        .other
        .insert("idempotency_key".into(), uuid::Uuid::new_v4().to_string());
    Ok(ReviewPage {
        chrome: customer
            .chrome("Review your subscription", "subscribe")
            .await?
            .with_price_note(quote.placeholder),
        plan_name: crate::labels::plan_of(&state.catalog, &config.plan),
        quote: QuoteView::new(&quote),
        converting: !input.get("convert").is_empty(),
        hidden: input.hidden_fields(),
    }
    .into_response())
}

pub async fn post_edit(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let mut input = ConfigInput::from_pairs(&pairs);
    input.other.remove("idempotency_key");
    form(&state, &customer, input, FieldErrors::default()).await
}

pub async fn post_confirm(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    client: ClientInfo,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let input = ConfigInput::from_pairs(&pairs);
    let mut errors = FieldErrors::default();
    let Ok(key) = uuid::Uuid::parse_str(input.get("idempotency_key")) else {
        return Err(AppError::BadRequest(
            "The confirmation is incomplete. Start again from Subscribe.".into(),
        ));
    };
    let convert = match input.get("convert") {
        "" => None,
        raw => Some(parse_id(raw)?),
    };
    let Some((config, _)) = checked(&state, &input, &mut errors) else {
        return form(&state, &customer, input, errors).await;
    };
    let actor = Actor {
        customer: &customer.account,
        client_ip: &client.ip,
        now: state.clock.now(),
    };
    match subscriptions::subscribe(&state.db, &state.catalog, &config, convert, key, actor).await {
        Ok(done) => {
            let message = if done.duplicate {
                format!(
                    "You had already confirmed this; order {} covers it.",
                    done.order_number
                )
            } else {
                format!(
                    "You are subscribed. Order {} will be invoiced through your Yeastar partner.",
                    done.order_number
                )
            };
            session::flash(&customer.session, FlashKind::Success, message).await?;
            Ok(Redirect::to(&paths::customer_subscription(done.subscription_id)).into_response())
        }
        Err(SubscriptionError::Pricing(err)) => {
            field_error(&err, &mut errors);
            form(&state, &customer, input, errors).await
        }
        Err(SubscriptionError::Refused(message)) => {
            errors.add("plan", message);
            form(&state, &customer, input, errors).await
        }
        Err(err) => Err(AppError::Unexpected(anyhow::anyhow!(err))),
    }
}
