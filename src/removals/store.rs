//! The SQL of `removal_requests`. The manager's side is scoped through
//! `managed_partner_ids`, the one definition of "the partners of this manager".

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::model::{DecidedRow, QueueRow, RemovalRequest, RemovalStatus};
use crate::ids::{AccountId, RemovalId};
use crate::paging::{fetch_newest_first, Cursor};

const COLUMNS: &str = "r.id, r.customer_id, r.partner_id, r.reason, r.status, r.requested_at, \
     r.decided_at, r.decision_reason";

/// The requests of the partners of manager `$1`.
const MANAGED: &str = "r.partner_id in (select id from managed_partner_ids($1) id)";

/// The newest request about a customer (pending or the last decision), scoped by partner.
pub async fn latest_for_customer(
    pool: &PgPool,
    partner_id: AccountId,
    customer_id: AccountId,
) -> sqlx::Result<Option<RemovalRequest>> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from removal_requests r where r.partner_id = $1 and r.customer_id = $2 \
         order by r.requested_at desc limit 1"
    ))
    .bind(partner_id)
    .bind(customer_id)
    .fetch_optional(pool)
    .await
}

/// A new pending request; fails on `removal_requests_one_pending` when one is already open.
pub async fn insert(
    conn: &mut PgConnection,
    partner_id: AccountId,
    requested_by: AccountId,
    customer_id: AccountId,
    reason: &str,
    now: OffsetDateTime,
) -> sqlx::Result<RemovalRequest> {
    sqlx::query_as(&format!(
        "insert into removal_requests as r (id, customer_id, partner_id, reason, requested_by, requested_at) \
         values ($1, $2, $3, $4, $6, $5) returning {COLUMNS}"
    ))
    .bind(RemovalId::new())
    .bind(customer_id)
    .bind(partner_id)
    .bind(reason)
    .bind(now)
    .bind(requested_by)
    .fetch_one(conn)
    .await
}

/// Marks the partner's pending request about `customer_id` withdrawn; None when none is pending.
pub async fn withdraw_pending(
    conn: &mut PgConnection,
    partner_id: AccountId,
    customer_id: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<Option<RemovalRequest>> {
    sqlx::query_as(&format!(
        "update removal_requests r set status = 'withdrawn', decided_at = $3, decided_by = $1 \
         where r.partner_id = $1 and r.customer_id = $2 and r.status = 'pending' returning {COLUMNS}"
    ))
    .bind(partner_id)
    .bind(customer_id)
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// The people a queue row is about.
const QUEUE_FROM: &str = "c.first_name || ' ' || c.last_name as customer_name, c.email as customer_email, \
     c.company as customer_company, p.company as partner_company \
     from removal_requests r join accounts c on c.id = r.customer_id join accounts p on p.id = r.partner_id";

/// Pending requests from the partners of `manager_id` (or from one of them), oldest first.
pub async fn queue(
    pool: &PgPool,
    manager_id: AccountId,
    partner: Option<AccountId>,
) -> sqlx::Result<Vec<QueueRow>> {
    sqlx::query_as(&format!(
        "select {COLUMNS}, {QUEUE_FROM} \
         where r.status = 'pending' and {MANAGED} and ($2::uuid is null or r.partner_id = $2) \
         order by r.requested_at limit 200"
    ))
    .bind(manager_id)
    .bind(partner)
    .fetch_all(pool)
    .await
}

/// One request of the manager's partners, whatever its state (for the confirmation page).
pub async fn find_for_manager(
    pool: &PgPool,
    manager_id: AccountId,
    request_id: RemovalId,
) -> sqlx::Result<Option<QueueRow>> {
    sqlx::query_as(&format!(
        "select {COLUMNS}, {QUEUE_FROM} where r.id = $2 and {MANAGED}"
    ))
    .bind(manager_id)
    .bind(request_id)
    .fetch_optional(pool)
    .await
}

/// Decisions on the requests of the manager's partners, newest first, one page after `after`
/// (`(decided_at, id)` keyset). Withdrawn requests are the partner's own act, not a decision.
pub async fn decided(
    pool: &PgPool,
    manager_id: AccountId,
    after: Option<Cursor>,
    limit: i64,
) -> sqlx::Result<Vec<DecidedRow>> {
    let head = format!(
        "select {COLUMNS}, c.first_name || ' ' || c.last_name as customer_name, \
           c.email as customer_email, p.company as partner_company, \
           d.first_name || ' ' || d.last_name as decided_by \
         from removal_requests r join accounts c on c.id = r.customer_id \
           join accounts p on p.id = r.partner_id left join accounts d on d.id = r.decided_by \
         where {MANAGED} and r.status in ('approved', 'rejected') and"
    );
    let keyset = ("r.decided_at", "r.id");
    fetch_newest_first(pool, &head, keyset, manager_id, after, limit).await
}

/// A request of one of the manager's partners, locked until the transaction ends.
pub async fn lock_for_manager(
    conn: &mut PgConnection,
    manager_id: AccountId,
    request_id: RemovalId,
) -> sqlx::Result<Option<RemovalRequest>> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from removal_requests r where r.id = $2 and {MANAGED} for update of r"
    ))
    .bind(manager_id)
    .bind(request_id)
    .fetch_optional(conn)
    .await
}

/// Writes the manager's decision and reason (an empty reason is stored as none).
pub async fn record_decision(
    conn: &mut PgConnection,
    request_id: RemovalId,
    status: RemovalStatus,
    manager: AccountId,
    reason: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "update removal_requests set status = $2, decided_by = $3, decided_at = $4, \
         decision_reason = nullif($5, '') where id = $1",
    )
    .bind(request_id)
    .bind(status)
    .bind(manager)
    .bind(now)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}
