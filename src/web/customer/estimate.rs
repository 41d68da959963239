//! `/customer/estimate`: the estimated cost of a configuration. A GET form, so an estimate is
//! a shareable URL; with JavaScript on, the result updates as the customer types. It calls the
//! same engine as orders, so the estimate equals the order it becomes.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::accounts::model::FieldErrors;
use crate::error::AppError;
use crate::pricing;
use crate::web::config_form::{field_error, ConfigInput, ConfigView, QuoteView};
use crate::web::extractors::{Chrome, CurrentCustomer};
use crate::web::form::Query;
use crate::web::paths;
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "customer/estimate.html")]
pub struct EstimatePage<'a> {
    chrome: Chrome,
    view: ConfigView<'a>,
    errors: FieldErrors,
    quote: Option<QuoteView>,
    subscribe_url: String,
}

/// Just the result, for the live update.
#[derive(Template, WebTemplate)]
#[template(path = "customer/estimate_result.html")]
pub struct EstimateResult {
    errors: FieldErrors,
    quote: Option<QuoteView>,
    subscribe_url: String,
}

pub async fn get_estimate(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let partial = pairs.iter().any(|(k, v)| k == "partial" && v == "1");
    let mut input = ConfigInput::from_pairs(&pairs);
    input.other.remove("partial");
    let mut errors = FieldErrors::default();
    let asked = !input.plan.is_empty();
    let quote = if asked {
        input
            .configuration(state.clock.now().date(), &mut errors)
            .and_then(|config| {
                pricing::quote(&state.catalog, &config)
                    .map_err(|err| field_error(&err, &mut errors))
                    .ok()
            })
    } else {
        if input.units.is_empty() {
            input.units = "10".into();
        }
        if input.term.is_empty() {
            input.term = "1y".into();
        }
        None
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let subscribe_url = paths::customer_subscribe_with(input.query_string());
    let quote = quote.as_ref().map(QuoteView::new);
    if partial {
        return Ok((
            status,
            EstimateResult {
                errors,
                quote,
                subscribe_url,
            },
        )
            .into_response());
    }
    let page = EstimatePage {
        // The live update may show prices later, so the note follows the catalog, not this quote.
        chrome: customer
            .chrome("Cost estimate", "estimate")
            .await?
            .with_price_note(state.catalog.has_placeholder_prices()),
        view: ConfigView::new(&state.catalog, input, None),
        errors,
        quote,
        subscribe_url,
    };
    Ok((status, page).into_response())
}
