//! The scheduled work of subscriptions, one function per job: trial reminders and expiry,
//! renewal reminders, and the end of each term (scheduled downgrade, then renewal or expiry).
//! Each due subscription is claimed and handled in its own transaction (`crate::jobs`), so any
//! number of app instances may run this at once, everything happens exactly once, and one
//! subscription that fails is recorded and retried later without holding back the others.
//! A reminder is also recorded under a primary key before its email is queued.

mod terms;
mod trials;

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::store::Subscription;
use crate::accounts::model::{Account, AccountId};
use crate::audit::{self, Action, Entry};
use crate::catalog::Catalog;
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

/// Runs everything that is due at `now`.
pub async fn run_due(
    pool: &PgPool,
    catalog: &Catalog,
    public_base: &str,
    now: OffsetDateTime,
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let products = format!("{public_base}/customer/products");
    send_reminders(pool, Reminders::Trial, &products, now, &mut report).await?;
    trials::expire(pool, &products, now, &mut report).await?;
    send_reminders(pool, Reminders::Renewal, &products, now, &mut report).await?;
    terms::end(pool, catalog, now, &mut report).await?;
    Ok(report)
}

/// The two series of reminders: one loop, each with its own schedule, due rule and email.
#[derive(Clone, Copy)]
enum Reminders {
    Trial,
    Renewal,
}

/// Sends every due reminder of the series, each subscription in its own transaction.
async fn send_reminders(
    pool: &PgPool,
    series: Reminders,
    products: &str,
    now: OffsetDateTime,
    report: &mut Report,
) -> anyhow::Result<()> {
    let schedule: &[(&'static str, i64)] = match series {
        Reminders::Trial => &trials::REMINDERS,
        Reminders::Renewal => &terms::REMINDERS,
    };
    for &(name, days) in schedule {
        let job = match series {
            Reminders::Trial => trials::reminder(name, days),
            Reminders::Renewal => terms::reminder(name, days),
        };
        for id in job.due_items(pool, now, BATCH).await? {
            let Some(mut item) = job.claim(pool, id, now).await? else {
                continue;
            };
            let outcome = match series {
                Reminders::Trial => trials::remind(item.conn(), id, name, products, now).await,
                Reminders::Renewal => terms::remind(item.conn(), id, name, products, now).await,
            };
            match item.finish(outcome).await? {
                Some(sent) => report.reminders_sent += usize::from(sent),
                None => report.failed += 1,
            }
        }
    }
    Ok(())
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

/// Records a reminder; true when it had not been sent before (then the caller sends it).
async fn first_time(
    conn: &mut PgConnection,
    sub: Uuid,
    kind: &str,
    due_on: time::Date,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "insert into subscription_notices (subscription_id, kind, due_on, sent_at) values ($1, $2, $3, $4) \
         on conflict do nothing",
    )
    .bind(sub)
    .bind(kind)
    .bind(due_on)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends a subscription's service: expired, and its PBX suspended.
async fn suspend(
    conn: &mut PgConnection,
    sub: &Subscription,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("update subscriptions set status = 'expired', updated_at = $2 where id = $1")
        .bind(sub.id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "update pbx_instances set status = 'suspended', updated_at = $2 where subscription_id = $1",
    )
    .bind(sub.id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A subscription's audit entry, as the jobs write it.
fn details(sub: &Subscription) -> serde_json::Value {
    json!({ "subscription": sub.id })
}
