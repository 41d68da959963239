//! Term jobs: renewal reminders 30 and 7 days before the end of the term and on the day, and
//! the end of the term (a scheduled downgrade applied as it was validated, then renewal with
//! an order priced by the engine, or expiry when auto-renew is off).

use anyhow::Context;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::{details, each_due, notify, record_notice, suspend, system_audit};
use super::{Message, Reminder, Report, Series};
use crate::audit::Action;
use crate::catalog::Catalog;
use crate::ids::SubscriptionId;
use crate::jobs::Job;
use crate::orders::{self, OrderKind, OrderRecord, Parties};
use crate::pricing::{self, Configuration, Term};
use crate::subscriptions::{store, Subscription};

const REMINDERS: [(&str, i64); 3] = [("renewal_30d", 30), ("renewal_7d", 7), ("renewal_0d", 0)];

/// The renewal reminders.
pub(super) const REMINDER_SERIES: Series = Series {
    schedule: &REMINDERS,
    job: reminder,
    remind: |conn, id, reminder| Box::pin(remind(conn, id, reminder)),
};

/// The UTC date of the run (`$1`), as the terms' dates are kept.
const TODAY: &str = "($1 at time zone 'UTC')::date";

/// Active subscriptions whose term ends within `days` and whose reminder has not gone out.
fn reminder(name: &'static str, days: i64) -> Job {
    Job {
        name,
        table: "subscriptions s",
        alias: "s",
        due: format!(
            "s.status = 'active' and s.current_period_end >= {TODAY} \
             and s.current_period_end <= {TODAY} + {days} \
             and not exists (select 1 from subscription_notices n where n.subscription_id = s.id \
               and n.kind = '{name}' and n.due_on = s.current_period_end)"
        ),
        order: "s.current_period_end",
    }
}

fn term_end() -> Job {
    Job {
        name: "term_end",
        table: "subscriptions s",
        alias: "s",
        due: format!("s.status = 'active' and s.current_period_end <= {TODAY}"),
        order: "s.current_period_end",
    }
}

/// The last day of the subscription's current term.
fn term_end_of(sub: &Subscription) -> anyhow::Result<Date> {
    sub.current_period_end
        .context("an active subscription without a term end")
}

/// Sends one renewal reminder unless it went out before; true when it was sent now.
async fn remind(
    conn: &mut PgConnection,
    id: SubscriptionId,
    reminder: &Reminder<'_>,
) -> anyhow::Result<bool> {
    let Reminder { products, now, .. } = *reminder;
    let Some((sub, end)) = record_notice(conn, id, reminder, term_end_of).await? else {
        return Ok(false);
    };
    let end_text = crate::format::day(end);
    let body = if sub.auto_renew {
        format!("Your subscription renews on {end_text}; the renewal is invoiced through your Yeastar partner.")
    } else {
        format!("Your subscription ends on {end_text} because auto-renew is off. Turn it on to keep the product.")
    };
    let message = Message {
        subject: "Your Yeastar subscription renewal",
        body: &body,
        link: products,
        kind: "renewal_reminder",
    };
    notify(conn, &sub, message, now).await?;
    Ok(true)
}

/// What the end of one term did.
struct Ended {
    downgraded: bool,
    renewed: bool,
}

/// Terms that ended: apply a scheduled downgrade, then renew or end.
pub(super) async fn end(
    pool: &PgPool,
    catalog: &Catalog,
    now: OffsetDateTime,
    report: &mut Report,
) -> anyhow::Result<()> {
    let ended = each_due(
        pool,
        &term_end(),
        (now, &mut *report),
        &(catalog, now),
        |conn, id, c| Box::pin(end_one(conn, c.0, id, c.1)),
    )
    .await?;
    for ended in ended {
        report.downgraded += usize::from(ended.downgraded);
        if ended.renewed {
            report.renewed += 1;
        } else {
            report.ended += 1;
        }
    }
    Ok(())
}

async fn end_one(
    conn: &mut PgConnection,
    catalog: &Catalog,
    id: SubscriptionId,
    now: OffsetDateTime,
) -> anyhow::Result<Ended> {
    let mut sub = store::find_by_id(conn, id).await?;
    let downgraded = apply_scheduled_change(conn, &mut sub, now).await?;
    if sub.auto_renew {
        renew(conn, catalog, &sub, now).await?;
    } else {
        suspend(conn, &sub, now).await?;
        system_audit(conn, &sub, Action::SubscriptionEnded, details(&sub), now).await?;
    }
    Ok(Ended {
        downgraded,
        renewed: sub.auto_renew,
    })
}

/// Applies the scheduled change exactly as it was validated and stored; true when there was one.
async fn apply_scheduled_change(
    conn: &mut PgConnection,
    sub: &mut Subscription,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let Some(plan) = sub.scheduled_plan_code.take() else {
        return Ok(false);
    };
    let units = sub
        .scheduled_units
        .take()
        .context("a scheduled change without its units")?;
    let addons = sub
        .scheduled_addons
        .take()
        .context("a scheduled change without its add-ons")?;
    store::set_configuration(conn, sub.id, &plan, units, &addons.0, now).await?;
    let audit = json!({ "subscription": sub.id, "from": sub.plan_code, "to": plan, "units": units, "addons": addons.0 });
    system_audit(conn, sub, Action::SubscriptionDowngraded, audit, now).await?;
    sub.plan_code = plan;
    sub.units = units;
    sub.addons = addons;
    Ok(true)
}

/// Renews for another term: the period moves on and a renewal order is priced by the engine.
async fn renew(
    conn: &mut PgConnection,
    catalog: &Catalog,
    sub: &Subscription,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let end = term_end_of(sub)?;
    // An unknown term is an error to look at, not a reason to renew on some other term.
    let term: Term = sub
        .term
        .parse()
        .with_context(|| format!("the term {:?} is not recognised", sub.term))?;
    let config = Configuration {
        plan: sub.plan_code.clone(),
        units: u32::try_from(sub.units).context("a subscription with negative units")?,
        addons: sub.addons.0.clone(),
        term,
        start: end,
    };
    let quote = pricing::quote(catalog, &config).context("pricing the renewal")?;
    store::update_period(conn, sub.id, quote.start, quote.end, now).await?;
    let order = OrderRecord {
        parties: Parties {
            partner: sub.partner_id,
            placed_by: sub.customer_id,
            customer: Some(sub.customer_id),
        },
        kind: OrderKind::Renewal,
        quote: &quote,
        licenses: 1,
        units: config.units,
        idempotency_key: Uuid::new_v4(),
        subscription: Some(sub.id),
        issues: None,
        now,
    };
    let number = orders::record(conn, &order).await?.number;
    let audit = json!({ "subscription": sub.id, "order": number, "until": quote.end.to_string() });
    system_audit(conn, sub, Action::SubscriptionRenewed, audit, now).await?;
    Ok(())
}
