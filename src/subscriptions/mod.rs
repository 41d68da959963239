//! Customer self-service: free trials, subscriptions and changes to them. Every price comes
//! from the one pricing engine; every change that costs money is an order; every change is
//! audited. A Cloud PBX trial or subscription provisions an instance for Central Management.

pub mod change;
pub mod jobs;
pub mod proration;
pub mod store;

use serde_json::json;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::accounts::model::{Account, AccountId};
use crate::audit::{self, Action, Entry};
use crate::catalog::Catalog;
use crate::orders::store as order_store;
use crate::pricing::{self, AddonChoice, Configuration, PricingError, Quote};
pub use change::{Change, ChangePlan, ChangeReview, Changed, Confirmation};
pub use store::{Subscription, SubscriptionStatus, SubscriptionView};

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

pub struct Actor<'a> {
    pub customer: &'a Account,
    pub client_ip: &'a str,
    pub now: OffsetDateTime,
}

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

async fn provision_pbx(
    conn: &mut PgConnection,
    subscription_id: Uuid,
    customer: &Account,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into pbx_instances (id, subscription_id, customer_id, partner_id, name, status, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, 'running', $6, $6) \
         on conflict (subscription_id) do update set status = 'running', updated_at = excluded.updated_at",
    )
    .bind(Uuid::now_v7())
    .bind(subscription_id)
    .bind(customer.id)
    .bind(customer.partner_id)
    .bind(format!("{} PBX", customer.company))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Starts the free trial of a product type: its entry plan, a small capacity, for the
/// product's trial length. One trial per product per customer.
pub async fn start_trial(
    pool: &PgPool,
    catalog: &Catalog,
    product_type: &str,
    actor: Actor<'_>,
) -> Result<Uuid, SubscriptionError> {
    let kind = catalog
        .product_type(product_type)
        .ok_or(SubscriptionError::NotFound)?;
    let days = kind.trial_days.ok_or(SubscriptionError::NoTrial)?;
    let plan = catalog
        .plans_of(product_type)
        .min_by_key(|p| p.tier)
        .ok_or(SubscriptionError::NoTrial)?;
    let units = 10u32.clamp(plan.min_units, plan.max_units);
    let id = Uuid::now_v7();
    let ends = actor.now + Duration::days(i64::from(days));
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "insert into subscriptions (id, customer_id, partner_id, product_type, plan_code, units, term, status, \
         started_as_trial, trial_ends_at, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, 'monthly', 'trial', true, $7, $8, $8)",
    )
    .bind(id)
    .bind(actor.customer.id)
    .bind(actor.customer.partner_id)
    .bind(product_type)
    .bind(&plan.code)
    .bind(units as i32)
    .bind(ends)
    .bind(actor.now)
    .execute(&mut *tx)
    .await;
    match inserted {
        Err(err) if crate::db::on_constraint(&err, "subscriptions_one_trial_per_product") => {
            return Err(SubscriptionError::TrialAlreadyUsed)
        }
        other => other?,
    };
    if product_type == "cloud_pbx" {
        provision_pbx(&mut tx, id, actor.customer, actor.now).await?;
    }
    record(
        &mut tx,
        &actor,
        Action::TrialStarted,
        json!({ "subscription": id, "product_type": product_type, "days": days }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The configuration a customer subscribes with, as stored.
pub fn stored_addons(config: &Configuration) -> Json<Vec<AddonChoice>> {
    Json(config.addons.clone())
}

pub struct Subscribed {
    pub subscription_id: Uuid,
    pub order_number: String,
    pub duplicate: bool,
}

/// Subscribes (or converts a trial, keeping the same subscription and instance): an order paid
/// by invoice and an active subscription, in one transaction. Confirming the same form again
/// (same `idempotency_key`, same customer) answers with the first subscription.
pub async fn subscribe(
    pool: &PgPool,
    catalog: &Catalog,
    config: &Configuration,
    convert: Option<Uuid>,
    idempotency_key: Uuid,
    actor: Actor<'_>,
) -> Result<Subscribed, SubscriptionError> {
    let customer = actor.customer.id;
    if let Some(done) = already_subscribed(pool, customer, idempotency_key).await? {
        return Ok(done);
    }
    match subscribe_once(pool, catalog, config, convert, idempotency_key, actor).await {
        // A concurrent submission of the same form won the race (its order holds the key, or
        // it converted the trial first): this one is a repeat, not a failure.
        Err(err) => match already_subscribed(pool, customer, idempotency_key).await? {
            Some(done) => Ok(done),
            None => Err(err),
        },
        done => done,
    }
}

/// The subscription a customer already confirmed with this key, if any.
async fn already_subscribed(
    pool: &PgPool,
    customer: AccountId,
    idempotency_key: Uuid,
) -> Result<Option<Subscribed>, SubscriptionError> {
    let Some((order_id, number)) =
        order_store::find_by_idempotency_key(pool, customer, idempotency_key).await?
    else {
        return Ok(None);
    };
    let subscription_id: Option<Uuid> =
        sqlx::query_scalar("select subscription_id from orders where id = $1")
            .bind(order_id)
            .fetch_one(pool)
            .await?;
    Ok(Some(Subscribed {
        subscription_id: subscription_id.unwrap_or_default(),
        order_number: number,
        duplicate: true,
    }))
}

async fn subscribe_once(
    pool: &PgPool,
    catalog: &Catalog,
    config: &Configuration,
    convert: Option<Uuid>,
    idempotency_key: Uuid,
    actor: Actor<'_>,
) -> Result<Subscribed, SubscriptionError> {
    let quote = pricing::quote(catalog, config)?;
    let plan = catalog
        .plan(&config.plan)
        .ok_or_else(|| PricingError::UnknownPlan {
            plan: config.plan.clone(),
        })?;
    let mut tx = pool.begin().await?;
    let subscription_id = match convert {
        Some(trial) => {
            let done = sqlx::query(
                "update subscriptions set plan_code = $3, units = $4, addons = $5, term = $6, status = 'active', \
                 current_period_start = $7, current_period_end = $8, updated_at = $9 \
                 where id = $1 and customer_id = $2 and started_as_trial and status in ('trial', 'expired') \
                 and current_period_start is null and product_type = $10",
            )
            .bind(trial)
            .bind(actor.customer.id)
            .bind(&plan.code)
            .bind(config.units as i32)
            .bind(stored_addons(config))
            .bind(config.term.to_string())
            .bind(quote.start)
            .bind(quote.end)
            .bind(actor.now)
            .bind(&plan.product_type)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(SubscriptionError::Refused(
                    "This trial cannot be converted to that product any more.",
                ));
            }
            trial
        }
        None => {
            let id = Uuid::now_v7();
            sqlx::query(
                "insert into subscriptions (id, customer_id, partner_id, product_type, plan_code, units, addons, term, \
                 status, current_period_start, current_period_end, created_at, updated_at) \
                 values ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10, $11, $11)",
            )
            .bind(id)
            .bind(actor.customer.id)
            .bind(actor.customer.partner_id)
            .bind(&plan.product_type)
            .bind(&plan.code)
            .bind(config.units as i32)
            .bind(stored_addons(config))
            .bind(config.term.to_string())
            .bind(quote.start)
            .bind(quote.end)
            .bind(actor.now)
            .execute(&mut *tx)
            .await?;
            id
        }
    };
    if plan.product_type == "cloud_pbx" {
        provision_pbx(&mut tx, subscription_id, actor.customer, actor.now).await?;
    }
    let number = place_order(
        &mut tx,
        &actor,
        subscription_id,
        "subscription",
        &quote,
        config.units,
        idempotency_key,
    )
    .await?;
    let action = if convert.is_some() {
        Action::TrialConverted
    } else {
        Action::SubscriptionStarted
    };
    record(
        &mut tx,
        &actor,
        action,
        json!({ "subscription": subscription_id, "plan": plan.code, "order": number }),
    )
    .await?;
    tx.commit().await?;
    Ok(Subscribed {
        subscription_id,
        order_number: number,
        duplicate: false,
    })
}

fn partner_of(customer: &Account) -> Result<AccountId, SubscriptionError> {
    customer.partner_id.ok_or(SubscriptionError::Refused(
        "Your account has no Yeastar partner.",
    ))
}

/// Writes a customer's order for a subscription: the engine's quote, one licence-equivalent.
async fn place_order(
    conn: &mut PgConnection,
    actor: &Actor<'_>,
    subscription_id: Uuid,
    kind: &'static str,
    quote: &Quote,
    units: u32,
    idempotency_key: Uuid,
) -> Result<String, SubscriptionError> {
    let order_id = Uuid::now_v7();
    let number = order_store::insert_order(
        conn,
        order_store::OrderRow {
            id: order_id,
            partner_id: partner_of(actor.customer)?,
            placed_by: actor.customer.id,
            customer_id: Some(actor.customer.id),
            plan_code: &quote.plan,
            licenses: 1,
            units,
            quote,
            idempotency_key,
            kind,
            subscription_id: Some(subscription_id),
            now: actor.now,
        },
    )
    .await?;
    order_store::insert_lines(conn, order_id, quote).await?;
    record(
        conn,
        actor,
        Action::OrderPlaced,
        json!({ "order": number, "kind": kind, "total_minor": quote.total_minor }),
    )
    .await?;
    Ok(number)
}

pub async fn set_auto_renew(
    pool: &PgPool,
    subscription_id: Uuid,
    on: bool,
    actor: Actor<'_>,
) -> Result<(), SubscriptionError> {
    let mut tx = pool.begin().await?;
    let done = sqlx::query("update subscriptions set auto_renew = $3, updated_at = $4 where id = $1 and customer_id = $2 and status = 'active'")
        .bind(subscription_id)
        .bind(actor.customer.id)
        .bind(on)
        .bind(actor.now)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() != 1 {
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
