//! Customer self-service: free trials, subscriptions and changes to them. Every price comes
//! from the one pricing engine; every change that costs money is an order; every change is
//! audited. A Cloud PBX trial or subscription provisions an instance for Central Management.
//!
//! The rooms: `trials` (a free trial), `subscribe` (subscribing, or converting a trial),
//! `change` (changing an active subscription), `jobs` (what the clock does: reminders, expiry,
//! the end of a term); `store` holds the SQL of `subscriptions` and its notices, `model` the
//! types. This module keeps the public API and the rules they share: who acts, how it is
//! audited, and how a customer's order is recorded.

pub mod change;
pub mod jobs;
pub mod model;
pub mod proration;
pub mod store;
mod subscribe;
mod trials;

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::model::Account;
use crate::audit::Action;
use crate::audit::{self, Entry};
use crate::ids::{AccountId, SubscriptionId};
use crate::orders::{self, OrderKind, OrderRecord, Parties};
use crate::pricing::{PricingError, Quote};
pub use change::{cancel_scheduled_change, confirm_change, price_change};
pub use model::{Change, ChangePlan, ChangeReview, Changed, Charge, Confirmation};
pub use model::{Subscription, SubscriptionStatus, SubscriptionView};
pub use subscribe::{subscribe, Subscribed};
pub use trials::start_trial;

/// The product type whose trials and subscriptions run a Cloud PBX instance.
const CLOUD_PBX: &str = "cloud_pbx";

#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError {
    #[error("This product has no free trial.")]
    NoTrial,
    #[error("You have already used the free trial of this product. Subscribe to keep using it.")]
    TrialAlreadyUsed,
    #[error(transparent)]
    Pricing(#[from] PricingError),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Refused(&'static str),
    /// The subscription is no longer what the customer reviewed; nothing was done.
    #[error("{0}")]
    Stale(&'static str),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for SubscriptionError {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
    }
}

/// The customer acting, from where, and when.
pub struct Actor<'a> {
    pub customer: &'a Account,
    pub client_ip: &'a str,
    pub now: OffsetDateTime,
}

/// The customer's audit entry about their own subscriptions.
async fn record(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    action: Action,
    details: serde_json::Value,
) -> sqlx::Result<()> {
    audit::record(
        conn,
        Entry {
            actor: Some(actor.customer.id),
            action,
            target: Some(actor.customer.id),
            partner: actor.customer.partner_id,
            client_ip: Some(actor.client_ip),
            details,
        },
        actor.now,
    )
    .await
}

fn partner_of(customer: &Account) -> Result<AccountId, SubscriptionError> {
    customer.partner_id.ok_or(SubscriptionError::Refused(
        "Your account has no Yeastar partner.",
    ))
}

/// Records a customer's order for a subscription (the engine's quote, one licence-equivalent,
/// billed through their partner), audited.
async fn place_order(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    subscription_id: SubscriptionId,
    kind: OrderKind,
    quote: &Quote,
    units: u32,
    idempotency_key: Uuid,
) -> Result<String, SubscriptionError> {
    let order = OrderRecord {
        parties: Parties {
            partner: partner_of(actor.customer)?,
            placed_by: actor.customer.id,
            customer: Some(actor.customer.id),
        },
        kind,
        quote,
        licenses: 1,
        units,
        idempotency_key,
        subscription: Some(subscription_id),
        issues: None,
        now: actor.now,
    };
    let number = orders::record(conn, &order).await?.number;
    record(
        conn,
        actor,
        Action::OrderPlaced,
        json!({ "order": number, "kind": kind.code(), "total_minor": quote.total_minor }),
    )
    .await?;
    Ok(number)
}

/// Turns auto-renew on or off on the customer's active subscription; audited.
pub async fn set_auto_renew(
    pool: &PgPool,
    subscription_id: SubscriptionId,
    on: bool,
    actor: Actor<'_>,
) -> Result<(), SubscriptionError> {
    let mut tx = pool.begin().await?;
    let customer = actor.customer.id;
    if !store::update_auto_renew(&mut tx, subscription_id, customer, on, actor.now).await? {
        return Err(SubscriptionError::NotFound);
    }
    record(
        &mut tx,
        &actor,
        Action::SubscriptionAutoRenew,
        json!({ "subscription": subscription_id, "on": on }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
