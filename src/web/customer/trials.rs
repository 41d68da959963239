//! `/customer/trials`: the products with a free trial, and starting one.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::Redirect;

use crate::error::AppError;
use crate::subscriptions::{self, Actor, SubscriptionError};
use crate::web::extractors::{Chrome, ClientInfo, CurrentCustomer};
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

pub struct TrialOffer {
    pub code: String,
    pub name: String,
    pub description: String,
    pub days: u32,
    /// Already tried (or trying) this product.
    pub used: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "customer/trials.html")]
pub struct TrialsPage {
    chrome: Chrome,
    offers: Vec<TrialOffer>,
}

pub async fn get_trials(
    State(state): State<AppState>,
    customer: CurrentCustomer,
) -> Result<TrialsPage, AppError> {
    let mine = subscriptions::store::list_for_customer(&state.db, customer.account.id).await?;
    let offers = state
        .catalog
        .product_types
        .iter()
        .filter_map(|t| {
            t.trial_days.map(|days| TrialOffer {
                code: t.code.clone(),
                name: t.name.clone(),
                description: t.description.clone(),
                days,
                used: mine.iter().any(|s| {
                    s.subscription.started_as_trial && s.subscription.product_type == t.code
                }),
            })
        })
        .collect();
    Ok(TrialsPage {
        chrome: customer.chrome("Free trials", "trials").await?,
        offers,
    })
}

pub async fn post_start_trial(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    client: ClientInfo,
    Path(product_type): Path<String>,
) -> Result<Redirect, AppError> {
    let actor = Actor {
        customer: &customer.account,
        client_ip: &client.ip,
        now: state.clock.now(),
    };
    match subscriptions::start_trial(&state.db, &state.catalog, &product_type, actor).await {
        Ok(id) => {
            session::flash(
                &customer.session,
                FlashKind::Success,
                "Your free trial has started.",
            )
            .await?;
            Ok(Redirect::to(&paths::customer_subscription(id)))
        }
        Err(err @ (SubscriptionError::TrialAlreadyUsed | SubscriptionError::NoTrial)) => {
            session::flash(&customer.session, FlashKind::Error, err.to_string()).await?;
            Ok(Redirect::to(paths::CUSTOMER_TRIALS))
        }
        Err(SubscriptionError::NotFound) => Err(AppError::NotFound),
        Err(err) => Err(AppError::Unexpected(anyhow::anyhow!(err))),
    }
}
