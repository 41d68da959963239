//! Free trials: one per product per customer, on the product's entry plan with a small
//! capacity, for the product's trial length. A Cloud PBX trial provisions its instance.

use serde_json::json;
use sqlx::PgPool;
use time::Duration;

use super::{record, store, Actor, SubscriptionError, CLOUD_PBX};
use crate::audit::Action;
use crate::catalog::Catalog;
use crate::ids::SubscriptionId;

/// The capacity a trial starts with, within the plan's limits.
const TRIAL_UNITS: u32 = 10;

/// Starts the free trial of a product type: its entry plan, a small capacity, for the
/// product's trial length. One trial per product per customer.
pub async fn start_trial(
    pool: &PgPool,
    catalog: &Catalog,
    product_type: &str,
    actor: Actor<'_>,
) -> Result<SubscriptionId, SubscriptionError> {
    let kind = catalog
        .product_type(product_type)
        .ok_or(SubscriptionError::NotFound)?;
    let days = kind.trial_days.ok_or(SubscriptionError::NoTrial)?;
    let plan = catalog
        .plans_of(product_type)
        .min_by_key(|p| p.tier)
        .ok_or(SubscriptionError::NoTrial)?;
    let units = TRIAL_UNITS.clamp(plan.min_units, plan.max_units);
    let id = SubscriptionId::new();
    let ends = actor.now + Duration::days(i64::from(days));
    let mut tx = pool.begin().await?;
    let inserted = store::insert_trial(&mut tx, id, actor.customer, plan, units, ends, actor.now);
    match inserted.await {
        Err(err) if crate::db::on_constraint(&err, "subscriptions_one_trial_per_product") => {
            return Err(SubscriptionError::TrialAlreadyUsed)
        }
        other => other?,
    };
    if product_type == CLOUD_PBX {
        crate::pbx::provision_for_subscription(&mut tx, id, actor.customer, actor.now).await?;
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
