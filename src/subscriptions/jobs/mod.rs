//! The scheduled work of subscriptions, one function per job: trial reminders and expiry,
//! renewal reminders, and the end of each term (scheduled downgrade, then renewal or expiry).
//! Each due subscription is claimed and handled in its own transaction (`crate::jobs`), so any
//! number of app instances may run this at once, everything happens exactly once, and one
//! subscription that fails is recorded and retried later without holding back the others.
//! A reminder is also recorded under a primary key before its email is queued.

mod terms;
mod trials;

use std::future::Future;
use std::pin::Pin;

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::{Date, OffsetDateTime};

use super::{store, Subscription};
use crate::accounts::model::Account;
use crate::audit::Action;
use crate::audit::{self, Entry};
use crate::catalog::Catalog;
use crate::ids::{AccountId, SubscriptionId};
use crate::jobs::Job;
use crate::mail::messages::Notice;
use crate::mail::outbox;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub trials_expired: usize,
    pub reminders_sent: usize,
    pub renewed: usize,
    pub ended: usize,
    pub downgraded: usize,
    /// Items whose work failed in this run: recorded in `job_failures`, retried later.
    pub failed: usize,
}

/// The most items each job claims per run; the rest wait for the next minute.
const BATCH: i64 = 200;

/// Runs everything that is due at `now`, one job after the other.
pub async fn run_due(
    pool: &PgPool,
    catalog: &Catalog,
    public_base: &str,
    now: OffsetDateTime,
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let products = format!("{public_base}/customer/products");
    send_series(
        pool,
        &trials::REMINDER_SERIES,
        &products,
        (now, &mut report),
    )
    .await?;
    trials::expire(pool, &products, now, &mut report).await?;
    send_series(pool, &terms::REMINDER_SERIES, &products, (now, &mut report)).await?;
    terms::end(pool, catalog, now, &mut report).await?;
    Ok(report)
}

/// The work done on one claimed item, inside its transaction.
type Work<'c, T> = Pin<Box<dyn Future<Output = anyhow::Result<T>> + Send + 'c>>;

/// Does `work` on each due item of `job`, each claimed in its own transaction: the values of
/// the items that succeeded; those that failed are recorded (by `crate::jobs`) and counted.
async fn each_due<C: Sync, T>(
    pool: &PgPool,
    job: &Job,
    (now, report): (OffsetDateTime, &mut Report),
    context: &C,
    work: for<'c> fn(&'c mut PgConnection, SubscriptionId, &'c C) -> Work<'c, T>,
) -> anyhow::Result<Vec<T>> {
    let mut done = Vec::new();
    for id in job.due_items(pool, now, BATCH).await? {
        let Some(mut item) = job.claim(pool, id, now).await? else {
            continue;
        };
        let outcome = work(item.conn(), id.into(), context).await;
        match item.finish(outcome).await? {
            Some(value) => done.push(value),
            None => report.failed += 1,
        }
    }
    Ok(done)
}

/// What a reminder is sent with: the link to the products page, the time of the run and the
/// reminder's name (its kind in `subscription_notices`).
#[derive(Clone, Copy)]
struct Reminder<'a> {
    products: &'a str,
    now: OffsetDateTime,
    name: &'static str,
}

/// A series of reminders: each `(name, days)` of the schedule, and the job that finds the
/// subscriptions due for one.
struct Series {
    schedule: &'static [(&'static str, i64)],
    job: fn(&'static str, i64) -> Job,
    /// Sends one reminder unless it went out before; true when it was sent now.
    remind: Remind,
}

type Remind =
    for<'c, 'r> fn(&'c mut PgConnection, SubscriptionId, &'c Reminder<'r>) -> Work<'c, bool>;

/// Sends a series of reminders: for each `(name, days)` of its schedule, one to every
/// subscription its `job` finds due; counts those sent now.
async fn send_series(
    pool: &PgPool,
    series: &Series,
    products: &str,
    (now, report): (OffsetDateTime, &mut Report),
) -> anyhow::Result<()> {
    for &(name, days) in series.schedule {
        let reminder = Reminder {
            products,
            now,
            name,
        };
        let job = (series.job)(name, days);
        let sent = each_due(pool, &job, (now, &mut *report), &reminder, series.remind).await?;
        report.reminders_sent += sent.into_iter().filter(|&sent| sent).count();
    }
    Ok(())
}

/// The subscription a reminder is for and the day its notice is due on (`due_on`: its term or
/// trial end), once that notice is recorded; none when the reminder went out before.
async fn record_notice(
    conn: &mut PgConnection,
    id: SubscriptionId,
    reminder: &Reminder<'_>,
    due_on: impl FnOnce(&Subscription) -> anyhow::Result<Date>,
) -> anyhow::Result<Option<(Subscription, Date)>> {
    let sub = store::find_by_id(conn, id).await?;
    let due = due_on(&sub)?;
    if !store::insert_notice(conn, sub.id, reminder.name, due, reminder.now).await? {
        return Ok(None);
    }
    Ok(Some((sub, due)))
}

async fn customer(conn: &mut PgConnection, id: AccountId) -> sqlx::Result<Account> {
    crate::accounts::tenancy::load(conn, id).await
}

/// An email to the subscription's customer.
struct Message<'a> {
    subject: &'a str,
    body: &'a str,
    link: &'a str,
    kind: &'static str,
}

async fn notify(
    conn: &mut PgConnection,
    sub: &Subscription,
    message: Message<'_>,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let account = customer(conn, sub.customer_id).await?;
    notify_account(conn, &account, message, now).await
}

/// An email to a customer already loaded (to word the message in their time zone).
async fn notify_account(
    conn: &mut PgConnection,
    account: &Account,
    message: Message<'_>,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let name = account.full_name();
    let email = Notice {
        account_id: account.id,
        recipient: &account.email,
        recipient_name: name.trim(),
        subject: message.subject,
        body: message.body,
        link: message.link,
        kind: message.kind,
    }
    .render()?;
    outbox::enqueue(conn, &email, now).await?;
    Ok(())
}

async fn system_audit(
    conn: &mut PgConnection,
    sub: &Subscription,
    action: Action,
    details: serde_json::Value,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    audit::record(
        conn,
        Entry {
            actor: None,
            action,
            target: Some(sub.customer_id),
            partner: Some(sub.partner_id),
            client_ip: None,
            details,
        },
        now,
    )
    .await
}

/// Ends a subscription's service: expired, and its PBX suspended.
async fn suspend(
    conn: &mut PgConnection,
    sub: &Subscription,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    store::mark_expired(conn, sub.id, now).await?;
    crate::pbx::suspend_for_subscription(conn, sub.id, now).await
}

/// A subscription's audit entry, as the jobs write it.
fn details(sub: &Subscription) -> serde_json::Value {
    json!({ "subscription": sub.id })
}
