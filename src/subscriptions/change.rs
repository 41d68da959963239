//! Changing an active subscription: form → review → confirm. `price_change` is the one place a
//! change is priced; the review shows what it returns and the confirmation calls it again
//! under the row lock, applying the change only if the subscription and the amount are still
//! what the customer reviewed. Adding capacity or upgrading takes effect now, prorated over
//! what is left of the term; a downgrade is scheduled for the end of the term and costs
//! nothing now; a scheduled downgrade can be cancelled until then.

use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use time::Date;
use uuid::Uuid;

use super::model::{Change, ChangePlan, ChangeReview, Changed, Charge, Confirmation};
use super::{partner_of, place_order, record, store, Actor, SubscriptionError};
use super::{Subscription, SubscriptionStatus};
use crate::audit::Action;
use crate::catalog::Catalog;
use crate::ids::SubscriptionId;
use crate::orders::store as order_store;
use crate::orders::OrderKind;
use crate::pricing::{self, AddonChoice, Configuration, Line, PricingError, Quote, Term};

const STALE: &str = "This subscription changed since you reviewed the change, so nothing was \
     charged or scheduled. Review the change again.";

/// A fingerprint of everything a change is priced from: the configuration, the term, its
/// dates, the status and the scheduled change. Any change to one of them makes a review stale.
pub fn revision(sub: &Subscription) -> String {
    let state = json!([
        sub.plan_code,
        sub.units,
        sub.addons.0,
        sub.term,
        sub.current_period_start.map(|d| d.to_string()),
        sub.current_period_end.map(|d| d.to_string()),
        format!("{:?}", sub.status),
        sub.scheduled_plan_code,
        sub.scheduled_units,
        sub.scheduled_addons.as_ref().map(|a| &a.0),
    ]);
    let digest = Sha256::digest(state.to_string().as_bytes());
    format!("{digest:x}")[..32].to_owned()
}

/// The term an active subscription is in: its start, its end and its length.
fn current_term(sub: &Subscription) -> Result<(Date, Date, Term), SubscriptionError> {
    let (Some(start), Some(end)) = (sub.current_period_start, sub.current_period_end) else {
        return Err(SubscriptionError::Refused(
            "Subscribe first: a trial cannot be changed.",
        ));
    };
    if sub.status != SubscriptionStatus::Active {
        return Err(SubscriptionError::Refused(
            "Only an active subscription can be changed.",
        ));
    }
    let term: Term = sub
        .term
        .parse()
        .map_err(|_| SubscriptionError::Refused("This subscription's term is not recognised."))?;
    Ok((start, end, term))
}

/// Prices `change` against the subscription as it is on `today`. Pure: the review and the
/// confirmation both call it, so the amount reviewed is the amount ordered.
pub fn price_change(
    catalog: &Catalog,
    sub: &Subscription,
    change: &Change,
    today: Date,
) -> Result<ChangeReview, SubscriptionError> {
    let (start, end, term) = current_term(sub)?;
    let unknown = |plan: &str| PricingError::UnknownPlan { plan: plan.into() };
    let new_plan = catalog
        .plan(&change.plan)
        .ok_or_else(|| unknown(&change.plan))?;
    let old_plan = catalog
        .plan(&sub.plan_code)
        .ok_or_else(|| unknown(&sub.plan_code))?;
    if new_plan.product_type != old_plan.product_type {
        return Err(SubscriptionError::Refused(
            "A subscription can change plan only within its product.",
        ));
    }
    let current = Configuration {
        plan: sub.plan_code.clone(),
        units: sub.units as u32,
        addons: sub.addons.0.clone(),
        term,
        start,
    };
    let new = Configuration {
        plan: new_plan.code.clone(),
        units: change.units,
        addons: change.addons.clone(),
        term,
        start,
    };
    let plan = if new_plan.tier < old_plan.tier {
        // The renewal is priced now, which also validates the whole target configuration.
        let renewal = pricing::quote(
            catalog,
            &Configuration {
                start: end,
                ..new.clone()
            },
        )?;
        ChangePlan::Downgrade {
            target: new,
            on: end,
            renewal,
        }
    } else {
        charge(catalog, &current, new, end, today)?
    };
    Ok(ChangeReview {
        current,
        plan,
        revision: revision(sub),
        replaces_scheduled: sub.scheduled_plan_code.is_some(),
    })
}

/// An immediate change: the difference in the full-term price, prorated over what is left.
fn charge(
    catalog: &Catalog,
    old: &Configuration,
    new: Configuration,
    end: Date,
    today: Date,
) -> Result<ChangePlan, SubscriptionError> {
    let (old_quote, new_quote) = (
        pricing::quote(catalog, old)?,
        pricing::quote(catalog, &new)?,
    );
    let delta = new_quote.total_minor - old_quote.total_minor;
    if delta < 0 || new.units < old.units {
        return Err(SubscriptionError::Refused(
            "Capacity can be added now; to reduce it, change the plan at renewal.",
        ));
    }
    if delta == 0 && new == *old {
        return Ok(ChangePlan::Nothing);
    }
    let amount = super::proration::prorate(delta, old.start, end, today);
    let plan_name = catalog
        .plan_name_of(&new.plan)
        .ok_or_else(|| PricingError::UnknownPlan {
            plan: new.plan.clone(),
        })?;
    let unit = new_quote.lines.first().map_or("unit", |l| l.unit.as_str());
    let units = crate::catalog::count(unit, new.units);
    let description = format!(
        "Change to {plan_name}, {units}, for the rest of the term ({} to {}), prorated",
        crate::format::day(today),
        crate::format::day(end),
    );
    let order = Quote {
        plan: new.plan.clone(),
        currency: new_quote.currency.clone(),
        term: new.term,
        lines: vec![Line {
            description,
            unit: "change".into(),
            quantity: 1,
            unit_price_minor: amount,
            months: None,
            amount_minor: amount,
        }],
        subtotal_minor: amount,
        discount_percent: 0,
        discount_minor: 0,
        total_minor: amount,
        months: 1,
        per_month_minor: amount,
        start: today,
        end,
        placeholder: new_quote.placeholder,
    };
    Ok(ChangePlan::Charge(Box::new(Charge {
        new,
        old_full_term_minor: old_quote.total_minor,
        new_full_term_minor: new_quote.total_minor,
        days_left: (end - today).whole_days().max(0),
        days_in_term: (end - old.start).whole_days().max(1),
        order,
    })))
}

/// Applies a reviewed change. Under the row lock: a confirmation already applied answers with
/// its order; a subscription or price that moved since the review is refused.
pub async fn confirm_change(
    pool: &PgPool,
    catalog: &Catalog,
    subscription_id: SubscriptionId,
    change: Change,
    confirmed: Confirmation,
    actor: Actor<'_>,
) -> Result<Changed, SubscriptionError> {
    let mut tx = pool.begin().await?;
    let sub = store::lock_for_customer(&mut tx, actor.customer.id, subscription_id)
        .await?
        .ok_or(SubscriptionError::NotFound)?;
    // Read after the lock: a concurrent confirm of the same review has committed its order.
    let partner = partner_of(actor.customer)?;
    if let Some(order) =
        order_store::find_placed_by_idempotency_key(&mut tx, partner, confirmed.idempotency_key)
            .await?
    {
        return Ok(Changed::Charged {
            order_number: order.number,
            amount: pricing::format_money(order.total_minor, order.currency.trim()),
            duplicate: true,
        });
    }
    if revision(&sub) != confirmed.revision {
        let wanted = (change.plan.clone(), change.units, change.addons.clone());
        if let (Some(on), true) = (sub.current_period_end, scheduled(&sub) == Some(wanted)) {
            // A second submit of the same downgrade: the first one scheduled it.
            return Ok(Changed::Scheduled { on });
        }
        return Err(SubscriptionError::Stale(STALE));
    }
    let review = price_change(catalog, &sub, &change, actor.now.date())?;
    let changed = match review.plan {
        ChangePlan::Nothing => return Ok(Changed::Nothing),
        ChangePlan::Downgrade { target, on, .. } => {
            store::update_scheduled_change(&mut tx, sub.id, Some(&target), actor.now).await?;
            let details = json!({ "subscription": sub.id, "plan": target.plan, "units": target.units,
                                  "addons": target.addons, "on": on.to_string() });
            record(
                &mut tx,
                &actor,
                Action::SubscriptionDowngradeScheduled,
                details,
            )
            .await?;
            Changed::Scheduled { on }
        }
        ChangePlan::Charge(charge) => {
            if charge.order.total_minor != confirmed.amount_minor {
                // The same subscription on another day: the share of the term left moved.
                return Err(SubscriptionError::Stale(STALE));
            }
            let number =
                apply_charge(&mut tx, &actor, &sub, &charge, confirmed.idempotency_key).await?;
            Changed::Charged {
                order_number: number,
                amount: pricing::format_money(charge.order.total_minor, &charge.order.currency),
                duplicate: false,
            }
        }
    };
    tx.commit().await?;
    Ok(changed)
}

async fn apply_charge(
    conn: &mut sqlx::PgConnection,
    actor: &Actor<'_>,
    sub: &Subscription,
    charge: &Charge,
    idempotency_key: Uuid,
) -> Result<String, SubscriptionError> {
    // An immediate change replaces any scheduled downgrade.
    store::update_configuration(conn, sub.id, &charge.new, actor.now).await?;
    let new = &charge.new;
    let amount = charge.order.total_minor;
    let number = place_order(
        conn,
        actor,
        sub.id,
        OrderKind::Change,
        &charge.order,
        new.units,
        idempotency_key,
    )
    .await?;
    let details = json!({ "subscription": sub.id, "plan": new.plan, "units": new.units,
                          "order": number, "amount_minor": amount });
    record(conn, actor, Action::SubscriptionChanged, details).await?;
    Ok(number)
}

/// Cancels the scheduled downgrade while the term it ends has not ended; audited. The
/// subscription then renews as it is.
pub async fn cancel_scheduled_change(
    pool: &PgPool,
    subscription_id: SubscriptionId,
    actor: Actor<'_>,
) -> Result<(), SubscriptionError> {
    let mut tx = pool.begin().await?;
    let sub = store::lock_for_customer(&mut tx, actor.customer.id, subscription_id)
        .await?
        .ok_or(SubscriptionError::NotFound)?;
    let Some((plan, units, addons)) = scheduled(&sub) else {
        return Err(SubscriptionError::Stale(
            "There is no scheduled change to cancel: it was cancelled or has taken effect.",
        ));
    };
    if sub.status != SubscriptionStatus::Active
        || sub
            .current_period_end
            .is_none_or(|end| end <= actor.now.date())
    {
        return Err(SubscriptionError::Stale(
            "The scheduled change has already taken effect.",
        ));
    }
    store::update_scheduled_change(&mut tx, sub.id, None, actor.now).await?;
    let details = json!({ "subscription": sub.id, "plan": plan, "units": units,
                          "addons": addons, "kept_plan": sub.plan_code });
    record(
        &mut tx,
        &actor,
        Action::SubscriptionDowngradeCancelled,
        details,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The scheduled change as stored: plan, units and add-ons (set together or not at all).
pub fn scheduled(sub: &Subscription) -> Option<(String, u32, Vec<AddonChoice>)> {
    let plan = sub.scheduled_plan_code.clone()?;
    let units = sub.scheduled_units.unwrap_or(sub.units) as u32;
    let addons = sub
        .scheduled_addons
        .as_ref()
        .map(|a| a.0.clone())
        .unwrap_or_default();
    Some((plan, units, addons))
}
