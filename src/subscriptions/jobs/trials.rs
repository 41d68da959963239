//! Trial jobs: reminders 7 days and 1 day before the end, and expiry at the end.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::{customer, details, each_due, notify, notify_account, record_notice, suspend};
use super::{system_audit, Message, Reminder, Report, Series};
use crate::audit::Action;
use crate::ids::SubscriptionId;
use crate::jobs::Job;
use crate::subscriptions::{store, Subscription};

const REMINDERS: [(&str, i64); 2] = [("trial_7d", 7), ("trial_1d", 1)];

/// The trial reminders.
pub(super) const REMINDER_SERIES: Series = Series {
    schedule: &REMINDERS,
    job: reminder,
    remind: |conn, id, reminder| Box::pin(remind(conn, id, reminder)),
};

/// Trials within `days` of their end whose reminder has not gone out (a notice's `due_on` is
/// the UTC date of the trial's end, as `remind` records it).
fn reminder(name: &'static str, days: i64) -> Job {
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
async fn remind(
    conn: &mut PgConnection,
    id: SubscriptionId,
    reminder: &Reminder<'_>,
) -> anyhow::Result<bool> {
    let Reminder { products, now, .. } = *reminder;
    let ends = |sub: &Subscription| sub.trial_ends_at.unwrap_or(now);
    let Some((sub, _)) = record_notice(conn, id, reminder, |sub| Ok(ends(sub).date())).await?
    else {
        return Ok(false);
    };
    let ends = ends(&sub);
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
    let expired = each_due(
        pool,
        &expiry(),
        (now, report),
        &(products, now),
        |conn, id, c| Box::pin(expire_one(conn, id, c.0, c.1)),
    )
    .await?;
    report.trials_expired += expired.len();
    Ok(())
}

async fn expire_one(
    conn: &mut PgConnection,
    id: SubscriptionId,
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
