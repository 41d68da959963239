//! Subscribing, or converting a trial (keeping the same subscription and instance): an order
//! paid by invoice and an active subscription, in one transaction. Confirming the same form
//! again (same idempotency key, same customer) answers with the first subscription.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{place_order, record, store, Actor, SubscriptionError, CLOUD_PBX};
use crate::audit::Action;
use crate::catalog::Catalog;
use crate::ids::{AccountId, SubscriptionId};
use crate::orders::store as order_store;
use crate::orders::OrderKind;
use crate::pricing::{self, Configuration, PricingError, Quote};

pub struct Subscribed {
    pub subscription_id: SubscriptionId,
    pub order_number: String,
    pub duplicate: bool,
}

/// Subscribes (or converts the trial `convert`) with `config`.
pub async fn subscribe(
    pool: &PgPool,
    catalog: &Catalog,
    config: &Configuration,
    convert: Option<SubscriptionId>,
    idempotency_key: Uuid,
    actor: Actor<'_>,
) -> Result<Subscribed, SubscriptionError> {
    let customer = actor.customer.id;
    if let Some(done) = already_subscribed(pool, customer, idempotency_key).await? {
        return Ok(done);
    }
    let request = Request {
        config,
        convert,
        idempotency_key,
    };
    match subscribe_once(pool, catalog, &request, actor).await {
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
    let subscription_id = order_store::subscription_of(pool, order_id).await?;
    Ok(Some(Subscribed {
        subscription_id: subscription_id.unwrap_or(SubscriptionId(Uuid::nil())),
        order_number: number,
        duplicate: true,
    }))
}

/// What the customer confirmed.
struct Request<'a> {
    config: &'a Configuration,
    convert: Option<SubscriptionId>,
    idempotency_key: Uuid,
}

async fn subscribe_once(
    pool: &PgPool,
    catalog: &Catalog,
    &Request {
        config,
        convert,
        idempotency_key,
    }: &Request<'_>,
    actor: Actor<'_>,
) -> Result<Subscribed, SubscriptionError> {
    let quote = pricing::quote(catalog, config)?;
    let plan = catalog
        .plan(&config.plan)
        .ok_or_else(|| PricingError::UnknownPlan {
            plan: config.plan.clone(),
        })?;
    let mut tx = pool.begin().await?;
    let subscription_id =
        activate(&mut tx, config, &quote, &plan.product_type, convert, &actor).await?;
    if plan.product_type == CLOUD_PBX {
        crate::pbx::provision_for_subscription(&mut tx, subscription_id, actor.customer, actor.now)
            .await?;
    }
    let kind = OrderKind::Subscription;
    let number = place_order(
        &mut tx,
        &actor,
        subscription_id,
        kind,
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

/// The active subscription for the quoted term: the trial converted, or a new one.
async fn activate(
    conn: &mut PgConnection,
    config: &Configuration,
    quote: &Quote,
    product_type: &str,
    convert: Option<SubscriptionId>,
    actor: &Actor<'_>,
) -> Result<SubscriptionId, SubscriptionError> {
    let (customer, now) = (actor.customer, actor.now);
    let Some(trial) = convert else {
        let id = SubscriptionId::new();
        store::insert_active(conn, id, customer, config, quote, product_type, now).await?;
        return Ok(id);
    };
    if !store::convert_trial(conn, trial, customer.id, config, quote, product_type, now).await? {
        return Err(SubscriptionError::Refused(
            "This trial cannot be converted to that product any more.",
        ));
    }
    Ok(trial)
}
