//! `/customer/subscriptions/{id}/change…`: a change to a subscription goes form → review (the
//! engine's prorated amount, when it takes effect, the order it places) → confirm; and
//! `/scheduled-change/cancel`: a confirmation page, then the cancellation of a scheduled downgrade.

use crate::ids::SubscriptionId;
use crate::web::extractors::IdPath;
use crate::web::form::Form;
use crate::web::paths;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::change_review::{day, plan_label, review_page, REVIEW_FIELDS};
use super::subscription::{find, page};
use crate::accounts::model::FieldErrors;
use crate::error::AppError;
use crate::subscriptions::change;
use crate::subscriptions::{Actor, Change, ChangePlan, Changed, Confirmation};
use crate::subscriptions::{SubscriptionError, SubscriptionView};
use crate::web::config_form::{field_error, ConfigInput};
use crate::web::extractors::{Chrome, ClientInfo, CurrentCustomer};
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "customer/subscription_cancel_change.html")]
pub struct CancelPage {
    chrome: Chrome,
    sub: SubscriptionView,
    scheduled: String,
    renews_on: String,
}

/// The change the form asks for, with the subscription's own term; `None` with field errors.
fn requested(
    state: &AppState,
    sub: &SubscriptionView,
    input: &ConfigInput,
    errors: &mut FieldErrors,
) -> Option<Change> {
    let mut with_term = input.clone();
    with_term.term = sub.subscription.term.clone();
    let config = with_term.configuration(state.clock.now().date(), errors)?;
    Some(Change {
        plan: config.plan,
        units: config.units,
        addons: config.addons,
    })
}

/// Puts a refusal next to the field it is about; anything else is an error page.
fn form_error(err: SubscriptionError, errors: &mut FieldErrors) -> Result<StatusCode, AppError> {
    match err {
        SubscriptionError::Pricing(err) => field_error(&err, errors),
        SubscriptionError::Refused(message) => errors.add("units", message),
        SubscriptionError::Stale(message) => {
            errors.add("change", message);
            return Ok(StatusCode::CONFLICT);
        }
        SubscriptionError::NotFound => return Err(AppError::NotFound),
        err => return Err(AppError::Unexpected(anyhow::anyhow!(err))),
    }
    Ok(StatusCode::UNPROCESSABLE_ENTITY)
}

/// The form again with its field messages (422): the answer to every invalid change.
async fn unprocessable(
    state: &AppState,
    customer: &CurrentCustomer,
    sub: SubscriptionView,
    input: &ConfigInput,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    refused(
        state,
        customer,
        sub,
        Some(input),
        errors,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// The subscription page again, with the input kept and the errors shown.
async fn refused(
    state: &AppState,
    customer: &CurrentCustomer,
    sub: SubscriptionView,
    input: Option<&ConfigInput>,
    errors: FieldErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let page = page(state, customer, sub, input, errors).await?;
    Ok((status, page).into_response())
}

/// The change form posts here: the review, priced by the engine. Nothing is charged yet.
pub async fn post_change(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    IdPath(id): IdPath<SubscriptionId>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let sub = find(&state, &customer, id).await?;
    let input = ConfigInput::from_pairs(&pairs);
    let mut errors = FieldErrors::default();
    let Some(change) = requested(&state, &sub, &input, &mut errors) else {
        return unprocessable(&state, &customer, sub, &input, errors).await;
    };
    let review = match change::price_change(
        &state.catalog,
        &sub.subscription,
        &change,
        state.clock.now().date(),
    ) {
        Ok(review) if errors.is_empty() => review,
        Ok(_) => return unprocessable(&state, &customer, sub, &input, errors).await,
        Err(err) => {
            let status = form_error(err, &mut errors)?;
            return refused(&state, &customer, sub, Some(&input), errors, status).await;
        }
    };
    if matches!(review.plan, ChangePlan::Nothing) {
        errors.add(
            "change",
            "This is the configuration you have now: there is nothing to change.",
        );
        return unprocessable(&state, &customer, sub, &input, errors).await;
    }
    let chrome = customer.chrome("Review your change", "products").await?;
    Ok(review_page(chrome, &state, sub, review, input).into_response())
}

/// "Change" on the review: the form again, filled in as reviewed.
pub async fn post_change_edit(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    IdPath(id): IdPath<SubscriptionId>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let sub = find(&state, &customer, id).await?;
    let mut input = ConfigInput::from_pairs(&pairs);
    for field in REVIEW_FIELDS {
        input.other.remove(field);
    }
    Ok(
        page(&state, &customer, sub, Some(&input), FieldErrors::default())
            .await?
            .into_response(),
    )
}

fn confirmation(input: &ConfigInput) -> Result<Confirmation, AppError> {
    let incomplete =
        || AppError::BadRequest("The confirmation is incomplete. Review the change again.".into());
    Ok(Confirmation {
        revision: Some(input.get("revision"))
            .filter(|r| !r.is_empty())
            .ok_or_else(incomplete)?
            .to_owned(),
        amount_minor: input
            .get("amount_minor")
            .parse()
            .map_err(|_| incomplete())?,
        idempotency_key: uuid::Uuid::parse_str(input.get("idempotency_key"))
            .map_err(|_| incomplete())?,
    })
}

/// Applies the reviewed change: one order however often it is submitted.
pub async fn post_change_confirm(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    client: ClientInfo,
    IdPath(id): IdPath<SubscriptionId>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let sub = find(&state, &customer, id).await?;
    let input = ConfigInput::from_pairs(&pairs);
    let confirmed = confirmation(&input)?;
    let mut errors = FieldErrors::default();
    let Some(change) = requested(&state, &sub, &input, &mut errors) else {
        return unprocessable(&state, &customer, sub, &input, errors).await;
    };
    let actor = Actor {
        customer: &customer.account,
        client_ip: &client.ip,
        now: state.clock.now(),
    };
    let id = sub.subscription.id;
    let message = match change::confirm_change(&state.db, &state.catalog, id, change, confirmed, actor).await {
        Ok(Changed::Charged { order_number, amount, duplicate: false }) => format!(
            "Done. The change takes effect now; {amount} for the rest of the term is on order {order_number}."
        ),
        Ok(Changed::Charged { order_number, .. }) => {
            format!("You had already confirmed this change; order {order_number} covers it.")
        }
        Ok(Changed::Scheduled { on }) => format!(
            "The downgrade is scheduled for the end of the term, {}. Until then nothing changes.",
            day(on)
        ),
        Ok(Changed::Nothing) => "Nothing changed.".to_owned(),
        Err(err) => {
            let status = form_error(err, &mut errors)?;
            // Show the subscription as it is now, not as it was reviewed.
            let sub = find(&state, &customer, id).await?;
            return refused(&state, &customer, sub, Some(&input), errors, status).await;
        }
    };
    session::flash(&customer.session, FlashKind::Success, message).await?;
    Ok(Redirect::to(&paths::customer_subscription(id)).into_response())
}

/// The confirmation page before a scheduled downgrade is cancelled.
pub async fn get_cancel_scheduled_change(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    IdPath(id): IdPath<SubscriptionId>,
) -> Result<Response, AppError> {
    let sub = find(&state, &customer, id).await?;
    let Some((plan, units, _)) = change::scheduled(&sub.subscription) else {
        session::flash(
            &customer.session,
            FlashKind::Info,
            "There is no scheduled change to cancel.",
        )
        .await?;
        return Ok(
            Redirect::to(&paths::customer_subscription(sub.subscription.id)).into_response(),
        );
    };
    let scheduled = format!(
        "{}, {units} extensions / users",
        plan_label(&state.catalog, &sub, &plan)
    );
    let renews_on = sub
        .subscription
        .current_period_end
        .map(day)
        .unwrap_or_default();
    Ok(CancelPage {
        chrome: customer
            .chrome("Cancel the scheduled downgrade", "products")
            .await?,
        sub,
        scheduled,
        renews_on,
    }
    .into_response())
}

/// Cancels the scheduled downgrade (audited); the subscription renews as it is.
pub async fn post_cancel_scheduled_change(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    client: ClientInfo,
    IdPath(id): IdPath<SubscriptionId>,
) -> Result<Response, AppError> {
    let sub = find(&state, &customer, id).await?;
    let actor = Actor {
        customer: &customer.account,
        client_ip: &client.ip,
        now: state.clock.now(),
    };
    let id = sub.subscription.id;
    if let Err(err) =
        crate::subscriptions::change::cancel_scheduled_change(&state.db, id, actor).await
    {
        let mut errors = FieldErrors::default();
        let status = form_error(err, &mut errors)?;
        return refused(&state, &customer, sub, None, errors, status).await;
    }
    let message = format!(
        "The scheduled downgrade is cancelled: {} renews as it is on {}.",
        sub.name(),
        sub.subscription
            .current_period_end
            .map(day)
            .unwrap_or_default()
    );
    session::flash(&customer.session, FlashKind::Success, message).await?;
    Ok(Redirect::to(&paths::customer_subscription(id)).into_response())
}
