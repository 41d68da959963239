//! SQL for `job_failures`: the open failure of an item, recorded, resolved, and listed for
//! the account manager of the item's partner.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{backoff, Owner};
use crate::accounts::model::AccountId;

/// The most of an error message kept: enough to act on, bounded whatever the error says.
const ERROR_CHARS: usize = 2000;

pub async fn backing_off(
    conn: &mut PgConnection,
    job: &str,
    item: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "select exists (select 1 from job_failures where job = $1 and item_id = $2 \
         and resolved_at is null and next_attempt_at > $3)",
    )
    .bind(job)
    .bind(item)
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Adds a failed attempt to the item's open record (or opens one) and sets its next attempt;
/// returns the number of attempts so far.
pub async fn record(
    conn: &mut PgConnection,
    job: &str,
    item: Uuid,
    (partner, customer): Owner,
    error: &str,
    now: OffsetDateTime,
) -> sqlx::Result<i32> {
    let error: String = error.chars().take(ERROR_CHARS).collect();
    let attempts: i32 = sqlx::query_scalar(
        "insert into job_failures (id, job, item_id, partner_id, customer_id, attempts, last_error, \
         first_failed_at, last_failed_at, next_attempt_at) values ($1, $2, $3, $4, $5, 1, $6, $7, $7, $7) \
         on conflict (job, item_id) where resolved_at is null do update set \
         attempts = job_failures.attempts + 1, last_error = excluded.last_error, \
         last_failed_at = excluded.last_failed_at, partner_id = excluded.partner_id, \
         customer_id = excluded.customer_id \
         returning attempts",
    )
    .bind(Uuid::now_v7())
    .bind(job)
    .bind(item)
    .bind(partner)
    .bind(customer)
    .bind(&error)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "update job_failures set next_attempt_at = $3 where job = $1 and item_id = $2 and resolved_at is null",
    )
    .bind(job)
    .bind(item)
    .bind(now + backoff(attempts))
    .execute(conn)
    .await?;
    Ok(attempts)
}

/// The item succeeded: its open record, if any, is resolved.
pub async fn resolve(
    conn: &mut PgConnection,
    job: &str,
    item: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "update job_failures set resolved_at = $3 where job = $1 and item_id = $2 and resolved_at is null",
    )
    .bind(job)
    .bind(item)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// An open failure as the console shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FailureView {
    pub job: String,
    pub item_id: Uuid,
    pub attempts: i32,
    pub last_error: String,
    pub first_failed_at: OffsetDateTime,
    pub last_failed_at: OffsetDateTime,
    pub next_attempt_at: OffsetDateTime,
    pub customer_email: Option<String>,
    pub customer_name: Option<String>,
    pub partner_company: String,
}

/// Open failures of items that belong to the partners of `manager_id`, latest first.
pub async fn list_for_manager(
    pool: &PgPool,
    manager_id: AccountId,
) -> sqlx::Result<Vec<FailureView>> {
    // Tenancy: only items whose partner this manager manages.
    sqlx::query_as(
        "select f.job, f.item_id, f.attempts, f.last_error, f.first_failed_at, f.last_failed_at, \
         f.next_attempt_at, c.email as customer_email, \
         nullif(trim(c.first_name || ' ' || c.last_name), '') as customer_name, p.company as partner_company \
         from job_failures f join accounts p on p.id = f.partner_id \
         left join accounts c on c.id = f.customer_id \
         where f.resolved_at is null and p.manager_id = $1 \
         order by f.last_failed_at desc, f.id desc limit 200",
    )
    .bind(manager_id)
    .fetch_all(pool)
    .await
}
