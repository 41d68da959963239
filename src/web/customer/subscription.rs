//! `/customer/subscriptions/{id}`: one subscription or trial, and managing it. Changes go
//! through a review: see `subscription_change`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};

use crate::accounts::model::FieldErrors;
use crate::catalog::Plan;
use crate::error::AppError;
use crate::format::{datetime, day};
use crate::ids::SubscriptionId;
use crate::labels;
use crate::pbx::PbxState;
use crate::subscriptions::{
    self, store, Actor, SubscriptionError, SubscriptionStatus, SubscriptionView,
};
use crate::web::config_form::ConfigInput;
use crate::web::extractors::IdPath;
use crate::web::extractors::{Chrome, ClientInfo, CurrentCustomer};
use crate::web::form::Form;
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "customer/subscription.html")]
pub struct SubscriptionPage<'a> {
    chrome: Chrome,
    sub: SubscriptionView,
    plans: Vec<&'a Plan>,
    addons: Vec<(&'a crate::catalog::Addon, String)>,
    units: String,
    /// The plan the change form shows selected: the current one, or the one being edited.
    plan: String,
    errors: FieldErrors,
    catalog: &'a crate::catalog::Catalog,
    now: time::OffsetDateTime,
}

impl SubscriptionPage<'_> {
    fn is_trial(&self) -> bool {
        self.sub.subscription.status == SubscriptionStatus::Trial
    }
    fn is_active(&self) -> bool {
        self.sub.subscription.status == SubscriptionStatus::Active
    }
    fn can_convert(&self) -> bool {
        self.sub.subscription.started_as_trial
            && self.sub.subscription.current_period_start.is_none()
    }
    /// "Concurrent calls: 2 extra calls", one per add-on.
    fn addon_labels(&self) -> Vec<String> {
        let addons = &self.sub.subscription.addons.0;
        addons
            .iter()
            .map(|a| labels::addon(self.catalog, a))
            .collect()
    }
    /// "1 year", "Monthly" (stored as `1y`, `monthly`).
    fn term_label(&self) -> String {
        labels::term(&self.sub.subscription.term)
    }
    /// The subscription's Cloud PBX: where to manage it and its state in words.
    fn pbx(&self) -> Option<(String, String)> {
        let id = self.sub.instance_id?;
        let status = self.sub.instance_status?;
        let state = PbxState::of(status, self.sub.instance_heartbeat_at, false, self.now);
        Some((paths::customer_pbx(id), state.label(&self.chrome.zone)))
    }
    fn trial_ends(&self) -> String {
        self.sub
            .subscription
            .trial_ends_at
            .map(|at| datetime(at, &self.chrome.zone))
            .unwrap_or_default()
    }
    fn period(&self) -> String {
        match (
            self.sub.subscription.current_period_start,
            self.sub.subscription.current_period_end,
        ) {
            (Some(start), Some(end)) => format!("{} to {}", day(start), day(end)),
            _ => String::new(),
        }
    }
    /// The scheduled change as it will be applied: plan, capacity and add-ons.
    fn scheduled_change(&self) -> Option<String> {
        let s = &self.sub.subscription;
        let name = self.sub.scheduled_plan_name.as_ref()?;
        let mut text = format!(
            "Changes to {}, capacity {}",
            labels::plan(&self.sub.product_name, name),
            s.scheduled_units.unwrap_or(s.units)
        );
        let addons = s
            .scheduled_addons
            .as_ref()
            .map(|a| a.0.as_slice())
            .unwrap_or_default();
        for addon in addons {
            text.push_str(", ");
            text.push_str(&labels::addon(self.catalog, addon));
        }
        text.push_str(", at the end of the term");
        Some(text)
    }
    fn plan_selected(&self, plan: &Plan) -> bool {
        plan.code == self.plan
    }
    fn subscribe_url(&self) -> String {
        let s = &self.sub.subscription;
        let mut pairs = vec![
            ("plan".to_owned(), s.plan_code.clone()),
            ("units".to_owned(), s.units.to_string()),
            ("term".to_owned(), "1y".to_owned()),
            ("convert".to_owned(), s.id.to_string()),
        ];
        for addon in &s.addons.0 {
            pairs.push((format!("addon.{}", addon.code), addon.quantity.to_string()));
        }
        paths::customer_subscribe_with(serde_urlencoded::to_string(pairs).unwrap_or_default())
    }
}

pub(super) async fn page<'a>(
    state: &'a AppState,
    customer: &CurrentCustomer,
    sub: SubscriptionView,
    input: Option<&ConfigInput>,
    errors: FieldErrors,
) -> Result<SubscriptionPage<'a>, AppError> {
    let catalog = &state.catalog;
    let product_type = sub.subscription.product_type.clone();
    let plans = catalog
        .plans
        .iter()
        .filter(|p| p.product_type == product_type)
        .collect();
    // Every add-on some plan of this product allows, so an upgrade can add one in the same step.
    let addons = catalog
        .addons
        .iter()
        .filter(|addon| {
            catalog.plan_addons.iter().any(|pa| {
                pa.addon_code == addon.code
                    && catalog
                        .plan(&pa.plan_code)
                        .is_some_and(|p| p.product_type == product_type)
            })
        })
        .map(|addon| {
            let current = match input {
                Some(input) => input.addon_value(&addon.code).to_owned(),
                None => sub
                    .subscription
                    .addons
                    .0
                    .iter()
                    .find(|a| a.code == addon.code)
                    .map(|a| a.quantity.to_string())
                    .unwrap_or_default(),
            };
            (addon, current)
        })
        .collect();
    let units = input
        .map(|i| i.units.clone())
        .unwrap_or_else(|| sub.subscription.units.to_string());
    let plan = input
        .map(|i| i.plan.clone())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| sub.subscription.plan_code.clone());
    Ok(SubscriptionPage {
        chrome: customer.chrome(sub.name(), "products").await?,
        sub,
        plans,
        addons,
        units,
        plan,
        errors,
        catalog,
        now: state.clock.now(),
    })
}

pub(super) async fn find(
    state: &AppState,
    customer: &CurrentCustomer,
    id: SubscriptionId,
) -> Result<SubscriptionView, AppError> {
    store::find_for_customer(&state.db, customer.account.id, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn get_subscription(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    IdPath(id): IdPath<SubscriptionId>,
) -> Result<Response, AppError> {
    let sub = find(&state, &customer, id).await?;
    Ok(page(&state, &customer, sub, None, FieldErrors::default())
        .await?
        .into_response())
}

pub async fn post_auto_renew(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    client: ClientInfo,
    IdPath(id): IdPath<SubscriptionId>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Redirect, AppError> {
    let sub = find(&state, &customer, id).await?;
    let on = pairs.iter().any(|(k, v)| k == "auto_renew" && v == "on");
    let actor = Actor {
        customer: &customer.account,
        client_ip: &client.ip,
        now: state.clock.now(),
    };
    match subscriptions::set_auto_renew(&state.db, sub.subscription.id, on, actor).await {
        Ok(()) => {
            session::flash(
                &customer.session,
                FlashKind::Success,
                if on {
                    "Auto-renew is on."
                } else {
                    "Auto-renew is off: the subscription ends with its term."
                },
            )
            .await?
        }
        Err(SubscriptionError::NotFound) => return Err(AppError::NotFound),
        Err(err) => return Err(AppError::Unexpected(anyhow::anyhow!(err))),
    }
    Ok(Redirect::to(&paths::customer_subscription(
        sub.subscription.id,
    )))
}
