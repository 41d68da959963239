//! SQL of the scheduled jobs: listing and locking due items from a `Job`'s condition, and
//! `job_failures` (an item's open failure recorded, resolved, listed for its account manager).

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{backoff, Job, Owner};
use crate::ids::AccountId;

/// The most of an error message kept: enough to act on, bounded whatever the error says.
const ERROR_CHARS: usize = 2000;

/// The condition that leaves out items of `job` waiting for their next attempt; `item` is the
/// id column and `now` the parameter holding the time. `job` is one of the jobs' constants.
fn not_backing_off(job: &'static str, item: &str, now: &str) -> String {
    format!(
        "not exists (select 1 from job_failures f where f.job = '{job}' and f.item_id = {item} \
         and f.resolved_at is null and f.next_attempt_at > {now})"
    )
}

/// Resolves the open failures of `job` whose item is no longer due.
pub async fn resolve_not_due(pool: &PgPool, job: &Job, now: OffsetDateTime) -> sqlx::Result<()> {
    let Job {
        name,
        table,
        alias: a,
        due,
        ..
    } = job;
    sqlx::query(&format!(
        "update job_failures f set resolved_at = $1 where f.job = '{name}' and f.resolved_at is null \
         and not exists (select 1 from {table} where {a}.id = f.item_id and {due})"
    ))
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// Up to `limit` due items of `job`, leaving out those that wait for their next attempt.
pub async fn list_due(
    pool: &PgPool,
    job: &Job,
    now: OffsetDateTime,
    limit: i64,
) -> sqlx::Result<Vec<Uuid>> {
    let Job {
        table,
        alias: a,
        due,
        order,
        ..
    } = job;
    sqlx::query_scalar(&format!(
        "select {a}.id from {table} where {due} and {} order by {order} limit $2",
        not_backing_off(job.name, &format!("{a}.id"), "$1")
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Locks item `id` of `job` if it is still due and no other runner holds it; its owner.
pub async fn lock_due(
    conn: &mut PgConnection,
    job: &Job,
    id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<Option<Owner>> {
    let Job {
        table,
        alias: a,
        due,
        ..
    } = job;
    sqlx::query_as(&format!(
        "select {a}.partner_id, {a}.customer_id from {table} where {a}.id = $2 and {due} \
         for update of {a} skip locked"
    ))
    .bind(now)
    .bind(id)
    .fetch_optional(conn)
    .await
}

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

/// How many items of each job are failing and not yet resolved (jobs with none are absent).
pub async fn count_open_by_job(conn: &mut PgConnection) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "select job, count(*) from job_failures where resolved_at is null group by job order by job",
    )
    .fetch_all(conn)
    .await
}
