//! The scheduled work of subscriptions: trial reminders and expiry, renewal reminders, and
//! the end of each term (scheduled downgrade, then renewal or expiry). Any number of app
//! instances may run it at once: due rows are claimed with `FOR UPDATE SKIP LOCKED`, and each
//! reminder is recorded under a primary key before its email is queued, in one transaction, so
//! everything happens exactly once.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::store::{Subscription, COLUMNS};
use crate::accounts::model::{Account, AccountId};
use crate::accounts::store::ACCOUNT_COLUMNS;
use crate::audit::{self, Entry};
use crate::catalog::Catalog;
use crate::mail::messages::Notice;
use crate::mail::outbox;
use crate::pricing::{self, Configuration, Term};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub trials_expired: usize,
    pub reminders_sent: usize,
    pub renewed: usize,
    pub ended: usize,
    pub downgraded: usize,
    pub failed: usize,
}

const BATCH: i64 = 200;

async fn customer(conn: &mut PgConnection, id: AccountId) -> sqlx::Result<Account> {
    sqlx::query_as(&format!(
        "select {ACCOUNT_COLUMNS} from accounts where id = $1"
    ))
    .bind(id)
    .fetch_one(conn)
    .await
}

async fn notify(
    conn: &mut PgConnection,
    sub: &Subscription,
    subject: &str,
    body: &str,
    link: &str,
    kind: &'static str,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let account = customer(conn, sub.customer_id).await?;
    let name = account.full_name();
    let email = Notice {
        account_id: account.id,
        recipient: &account.email,
        recipient_name: name.trim(),
        subject,
        body,
        link,
        kind,
    }
    .render()?;
    outbox::enqueue(conn, &email, now).await?;
    Ok(())
}

async fn system_audit(
    conn: &mut PgConnection,
    sub: &Subscription,
    action: &str,
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

/// Runs everything that is due at `now`.
pub async fn run_due(
    pool: &PgPool,
    catalog: &Catalog,
    public_base: &str,
    now: OffsetDateTime,
) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let products = format!("{public_base}/customer/products");
    let mut tx = pool.begin().await?;

    // Trial reminders, 7 days and 1 day before the end.
    for (kind, days) in [("trial_7d", 7), ("trial_1d", 1)] {
        let due: Vec<Subscription> = sqlx::query_as(&format!(
            "select {COLUMNS} from subscriptions s where s.status = 'trial' and s.trial_ends_at > $1 \
             and s.trial_ends_at <= $2 order by s.trial_ends_at limit $3"
        ))
        .bind(now)
        .bind(now + Duration::days(days))
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        for sub in due {
            let ends = sub.trial_ends_at.unwrap_or(now);
            if first_time(&mut tx, sub.id, kind, ends.date(), now).await? {
                let body = format!(
                    "Your free trial ends on {}. Subscribe to keep your product running.",
                    crate::format::datetime_utc(ends)
                );
                notify(
                    &mut tx,
                    &sub,
                    "Your Yeastar free trial ends soon",
                    &body,
                    &products,
                    "trial_reminder",
                    now,
                )
                .await?;
                report.reminders_sent += 1;
            }
        }
    }

    // Trials that ended: expired, and their PBX suspended.
    let ended: Vec<Subscription> = sqlx::query_as(&format!(
        "select {COLUMNS} from subscriptions s where s.status = 'trial' and s.trial_ends_at <= $1 \
         order by s.trial_ends_at limit $2 for update skip locked"
    ))
    .bind(now)
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    for sub in ended {
        sqlx::query("update subscriptions set status = 'expired', updated_at = $2 where id = $1")
            .bind(sub.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("update pbx_instances set status = 'suspended', updated_at = $2 where subscription_id = $1").bind(sub.id).bind(now).execute(&mut *tx).await?;
        system_audit(
            &mut tx,
            &sub,
            "trial.expired",
            json!({ "subscription": sub.id }),
            now,
        )
        .await?;
        notify(&mut tx, &sub, "Your Yeastar free trial has ended", "Your free trial has ended and the product is suspended. Subscribe to resume it: nothing is lost.", &products, "trial_expired", now).await?;
        report.trials_expired += 1;
    }

    // Renewal reminders, 30 and 7 days before the end of the term and on the day.
    let today = now.date();
    for (kind, days) in [("renewal_30d", 30), ("renewal_7d", 7), ("renewal_0d", 0)] {
        let due: Vec<Subscription> = sqlx::query_as(&format!(
            "select {COLUMNS} from subscriptions s where s.status = 'active' and s.current_period_end >= $1 \
             and s.current_period_end <= $2 limit $3"
        ))
        .bind(today)
        .bind(today + Duration::days(days))
        .bind(BATCH)
        .fetch_all(&mut *tx)
        .await?;
        for sub in due {
            let Some(end) = sub.current_period_end else {
                continue;
            };
            if first_time(&mut tx, sub.id, kind, end, now).await? {
                let body = if sub.auto_renew {
                    format!("Your subscription renews on {end}; the renewal is invoiced through your Yeastar partner.")
                } else {
                    format!("Your subscription ends on {end} because auto-renew is off. Turn it on to keep the product.")
                };
                notify(
                    &mut tx,
                    &sub,
                    "Your Yeastar subscription renewal",
                    &body,
                    &products,
                    "renewal_reminder",
                    now,
                )
                .await?;
                report.reminders_sent += 1;
            }
        }
    }

    // Terms that ended: apply a scheduled downgrade, then renew or end.
    let finished: Vec<Subscription> = sqlx::query_as(&format!(
        "select {COLUMNS} from subscriptions s where s.status = 'active' and s.current_period_end <= $1 \
         order by s.current_period_end limit $2 for update skip locked"
    ))
    .bind(today)
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    for mut sub in finished {
        if let Some(plan) = sub.scheduled_plan_code.take() {
            sqlx::query("update subscriptions set plan_code = $2, scheduled_plan_code = null, updated_at = $3 where id = $1")
                .bind(sub.id).bind(&plan).bind(now).execute(&mut *tx).await?;
            system_audit(
                &mut tx,
                &sub,
                "subscription.downgraded",
                json!({ "subscription": sub.id, "from": sub.plan_code, "to": plan }),
                now,
            )
            .await?;
            sub.plan_code = plan;
            report.downgraded += 1;
        }
        let end = sub.current_period_end.unwrap_or(today);
        if sub.auto_renew {
            let term: Term = sub.term.parse().unwrap_or(Term::Monthly);
            let config = Configuration {
                plan: sub.plan_code.clone(),
                units: sub.units as u32,
                addons: sub.addons.0.clone(),
                term,
                start: end,
            };
            let quote = pricing::quote(catalog, &config)?;
            sqlx::query("update subscriptions set current_period_start = $2, current_period_end = $3, updated_at = $4 where id = $1")
                .bind(sub.id).bind(quote.start).bind(quote.end).bind(now).execute(&mut *tx).await?;
            let order_id = Uuid::now_v7();
            let number = crate::orders::store::insert_order(
                &mut tx,
                crate::orders::store::OrderRow {
                    id: order_id,
                    partner_id: sub.partner_id,
                    placed_by: sub.customer_id,
                    customer_id: Some(sub.customer_id),
                    plan_code: &quote.plan,
                    licenses: 1,
                    units: config.units,
                    quote: &quote,
                    idempotency_key: Uuid::new_v4(),
                    kind: "renewal",
                    subscription_id: Some(sub.id),
                    now,
                },
            )
            .await?;
            crate::orders::store::insert_lines(&mut tx, order_id, &quote).await?;
            system_audit(
                &mut tx,
                &sub,
                "subscription.renewed",
                json!({ "subscription": sub.id, "order": number, "until": quote.end.to_string() }),
                now,
            )
            .await?;
            report.renewed += 1;
        } else {
            sqlx::query(
                "update subscriptions set status = 'expired', updated_at = $2 where id = $1",
            )
            .bind(sub.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("update pbx_instances set status = 'suspended', updated_at = $2 where subscription_id = $1").bind(sub.id).bind(now).execute(&mut *tx).await?;
            system_audit(
                &mut tx,
                &sub,
                "subscription.ended",
                json!({ "subscription": sub.id }),
                now,
            )
            .await?;
            report.ended += 1;
        }
    }
    tx.commit().await?;
    Ok(report)
}
