//! One customer of the partner: its page, and turning off its two-factor authentication for a
//! customer who lost their phone.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::customers::own_customer;
use crate::accounts::model::{Account, AccountId, ActivationState};
use crate::accounts::store as account_store;
use crate::auth::two_factor::{self, Change};
use crate::error::AppError;
use crate::format::datetime;
use crate::ids::{OrderId, SubscriptionId};
use crate::removals::{self, RemovalRequest, RemovalStatus};
use crate::web::extractors::{Chrome, ClientInfo, CurrentPartner, IdPath};
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

/// Licences and PBXs listed on a customer's page (the full lists are a click away).
const LISTED: i64 = 100;

#[derive(Template, WebTemplate)]
#[template(path = "partner/customer_show.html")]
pub struct CustomerPage {
    chrome: Chrome,
    customer: Account,
    state: ActivationState,
    removal: Option<RemovalRequest>,
    subscriptions: Vec<crate::subscriptions::SubscriptionView>,
    /// Subscription id → its newest order, linked from the subscription's row.
    subscription_orders: std::collections::HashMap<SubscriptionId, OrderId>,
    licenses: Vec<crate::licenses::LicenseRow>,
    pbxs: Vec<crate::pbx::InstanceView>,
    catalog: std::sync::Arc<crate::catalog::Catalog>,
    now: time::OffsetDateTime,
}

impl CustomerPage {
    fn created(&self) -> String {
        datetime(self.customer.created_at, &self.chrome.zone)
    }
    fn activated(&self) -> String {
        self.customer
            .activated_at
            .map(|at| datetime(at, &self.chrome.zone))
            .unwrap_or_default()
    }
    fn removal_pending(&self) -> bool {
        self.removal
            .as_ref()
            .is_some_and(|r| r.status == RemovalStatus::Pending)
    }
    fn order_of(&self, subscription: &SubscriptionId) -> Option<&OrderId> {
        self.subscription_orders.get(subscription)
    }
    fn more_licenses(&self) -> bool {
        self.licenses.len() as i64 >= LISTED
    }
    fn online(&self, pbx: &crate::pbx::InstanceView) -> bool {
        pbx.online(self.now)
    }
    /// A licence's plan with its product: the customer's licences are of every product.
    fn plan(&self, license: &crate::licenses::LicenseRow) -> String {
        crate::labels::plan_of(&self.catalog, &license.plan_code)
    }
    fn day(&self, day: &time::Date) -> String {
        crate::format::day(day)
    }
    /// A licence's state today: past its last day it reads Expired, as in the licence list.
    fn license_label(&self, license: &crate::licenses::LicenseRow) -> &'static str {
        license.state_label(&self.now.date())
    }
    fn license_badge(&self, license: &crate::licenses::LicenseRow) -> &'static str {
        license.state_badge(&self.now.date())
    }
    /// The manager's reason when the latest request was rejected.
    fn removal_rejected(&self) -> Option<String> {
        self.removal
            .as_ref()
            .filter(|r| r.status == RemovalStatus::Rejected)
            .map(|r| r.decision_reason.clone().unwrap_or_default())
    }
}

pub async fn get_customer(
    State(state): State<AppState>,
    partner: CurrentPartner,
    IdPath(id): IdPath<AccountId>,
) -> Result<CustomerPage, AppError> {
    // Scoped by the partner in SQL: another partner's customer is "not found", not forbidden.
    let (customer, link_expires_at) =
        account_store::find_customer_of_partner(&state.db, partner.account.organization(), id)
            .await?
            .ok_or(AppError::NotFound)?;
    let state_now = ActivationState::of(customer.status, link_expires_at, state.clock.now());
    let removal =
        removals::latest_for_customer(&state.db, partner.account.organization(), customer.id)
            .await?;
    // A fixed number of queries, each bounded, whatever the customer holds.
    let me = partner.account.organization();
    let subscriptions =
        crate::subscriptions::store::list_for_partner_customer(&state.db, me, customer.id).await?;
    let ids: Vec<SubscriptionId> = subscriptions.iter().map(|s| s.subscription.id).collect();
    let subscription_orders =
        crate::orders::billing::latest_orders_of_subscriptions(&state.db, me, &ids).await?;
    let licenses =
        crate::licenses::list_for_partner_customer(&state.db, me, customer.id, LISTED).await?;
    let pbxs = crate::pbx::list_for_partner_customer(&state.db, me, customer.id, LISTED).await?;
    Ok(CustomerPage {
        chrome: partner.chrome(customer.full_name(), "customers").await?,
        customer,
        state: state_now,
        removal,
        subscriptions,
        subscription_orders,
        licenses,
        pbxs,
        catalog: state.catalog.clone(),
        now: state.clock.now(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/confirm_disable_two_factor.html")]
pub struct ConfirmDisableTwoFactorPage {
    chrome: Chrome,
    customer: Account,
    refused: Option<&'static str>,
}

/// A customer approved as a partner holds Partner Portal access of their own: a reset by their
/// partner would let one partner take over another partner's portal, so only Yeastar helps.
const HAS_PARTNER_ACCESS: &str = "This account has Partner Portal access of its own, so you cannot turn off its two-factor authentication. Ask the account holder to contact their Yeastar account manager.";

async fn refuse_partner_account(
    partner: &CurrentPartner,
    customer: Account,
) -> Result<Response, AppError> {
    let page = ConfirmDisableTwoFactorPage {
        chrome: partner
            .chrome("Turn off two-factor authentication", "customers")
            .await?,
        customer,
        refused: Some(HAS_PARTNER_ACCESS),
    };
    Ok((StatusCode::FORBIDDEN, page).into_response())
}

/// The confirmation step before turning off a customer's 2FA (for a customer who lost their
/// phone and their recovery codes).
pub async fn get_disable_two_factor(
    State(state): State<AppState>,
    partner: CurrentPartner,
    IdPath(id): IdPath<AccountId>,
) -> Result<Response, AppError> {
    let customer = own_customer(&state, &partner, id).await?;
    if !customer.two_factor_enabled {
        return Ok(Redirect::to(&paths::partner_customer(customer.id)).into_response());
    }
    if customer.is_partner() {
        return refuse_partner_account(&partner, customer).await;
    }
    Ok(ConfirmDisableTwoFactorPage {
        chrome: partner
            .chrome("Turn off two-factor authentication", "customers")
            .await?,
        customer,
        refused: None,
    }
    .into_response())
}

pub async fn post_disable_two_factor(
    State(state): State<AppState>,
    partner: CurrentPartner,
    client: ClientInfo,
    IdPath(id): IdPath<AccountId>,
) -> Result<Response, AppError> {
    let customer = own_customer(&state, &partner, id).await?;
    if customer.is_partner() {
        return refuse_partner_account(&partner, customer).await;
    }
    if customer.two_factor_enabled {
        let change = Change {
            actor: partner.account.id,
            client_ip: &client.ip,
            now: state.clock.now(),
        };
        two_factor::disable(&state.db, &customer, true, change).await?;
        session::flash(
            &partner.session,
            FlashKind::Success,
            format!(
                "Two-factor authentication is off for {}. They were emailed and can turn it on again.",
                customer.email
            ),
        )
        .await?;
    }
    Ok(Redirect::to(&paths::partner_customer(customer.id)).into_response())
}
