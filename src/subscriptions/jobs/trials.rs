//! Trial jobs: reminders 7 days and 1 day before the end, and expiry at the end.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{
    customer, details, first_time, notify, notify_account, suspend, system_audit, Message, Report,
    BATCH,
};
use crate::audit::Action;
use crate::jobs::Job;
use crate::subscriptions::store;

pub(super) const REMINDERS: [(&str, i64); 2] = [("trial_7d", 7), ("trial_1d", 1)];

/// Trials within `days` of their end whose reminder has not gone out (a notice's `due_on` is
/// the UTC date of the trial's end, as `remind` records it).
pub(super) fn reminder(name: &'static str, days: i64) -> Job {
    Job {
        name,
        table: "subscriptions s",
        alias: "s",
        due: format!(
            "s.status = 'trial' and s.trial_ends_at > $1 and s.trial_ends_at <= $1 + interval '{} hours' \
             and not exists (select 1 from subscription_notices n where n.subscription_id = s.id \
               and n.kind = '{name}' and n.due_on = (s.trial_ends_at at time zone 'UTC')::date)",
            days * 24
        ),
        order: "s.trial_ends_at",
    }
}

fn expiry() -> Job {
    Job {
        name: "trial_expiry",
        table: "subscriptions s",
        alias: "s",
        due: "s.status = 'trial' and s.trial_ends_at <= $1".into(),
        order: "s.trial_ends_at",
    }
}

/// Sends one trial reminder unless it went out before; true when it was sent now.
pub(super) async fn remind(
    conn: &mut PgConnection,
    id: Uuid,
    kind: &str,
    products: &str,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let sub = store::find_by_id(conn, id).await?;
    let ends = sub.trial_ends_at.unwrap_or(now);
    if !first_time(conn, sub.id, kind, ends.date(), now).await? {
        return Ok(false);
    }
    // Worded in the customer's own time zone.
    let account = customer(conn, sub.customer_id).await?;
    let body = format!(
        "Your free trial ends on {}. Subscribe to keep your product running.",
        crate::format::datetime(ends, &account.zone())
    );
    let message = Message {
        subject: "Your Yeastar free trial ends soon",
        body: &body,
        link: products,
        kind: "trial_reminder",
    };
    notify_account(conn, &account, message, now).await?;
    Ok(true)
}

/// Trials that ended: expired, and their PBX suspended.
pub(super) async fn expire(
    pool: &PgPool,
    products: &str,
    now: OffsetDateTime,
    report: &mut Report,
) -> anyhow::Result<()> {
    let job = expiry();
    for id in job.due_items(pool, now, BATCH).await? {
        let Some(mut item) = job.claim(pool, id, now).await? else {
            continue;
        };
        let outcome = expire_one(item.conn(), id, products, now).await;
        match item.finish(outcome).await? {
            Some(()) => report.trials_expired += 1,
            None => report.failed += 1,
        }
    }
    Ok(())
}

async fn expire_one(
    conn: &mut PgConnection,
    id: Uuid,
    products: &str,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let sub = store::find_by_id(conn, id).await?;
    suspend(conn, &sub, now).await?;
    system_audit(conn, &sub, Action::TrialExpired, details(&sub), now).await?;
    let message = Message {
        subject: "Your Yeastar free trial has ended",
        body: "Your free trial has ended and the product is suspended. Subscribe to resume it: nothing is lost.",
        link: products,
        kind: "trial_expired",
    };
    notify(conn, &sub, message, now).await?;
    Ok(())
}
