//! Removing a customer: the partner asks (with a reason) and may withdraw while pending; the
//! partner's account manager approves or rejects (with a reason the partner sees). Approval, in
//! one transaction, marks the customer removed (the row is kept), ends every session, kills
//! every activation and reset link. Orders, licences and subscriptions are never touched.
//! The email address stays reserved, so records stay attributable to one person.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::model::{Account, AccountId, AccountStatus};
use crate::accounts::tenancy;
use crate::audit::{self, Action, Entry};
use crate::auth::sessions;
use crate::paging::Cursor;

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "removal_status", rename_all = "snake_case")]
pub enum RemovalStatus {
    Pending,
    Approved,
    Rejected,
    Withdrawn,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RemovalRequest {
    pub id: Uuid,
    pub customer_id: AccountId,
    pub partner_id: AccountId,
    pub reason: String,
    pub status: RemovalStatus,
    pub requested_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
    pub decision_reason: Option<String>,
}

/// A pending request with who it is about, for the manager's queue.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueueRow {
    #[sqlx(flatten)]
    pub request: RemovalRequest,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_company: String,
    pub partner_company: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RemovalError {
    #[error("not found")]
    NotFound,
    #[error("a removal request for this customer is already pending")]
    AlreadyPending,
    #[error("this request was already decided")]
    NotPending,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for RemovalError {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
    }
}

const COLUMNS: &str = "r.id, r.customer_id, r.partner_id, r.reason, r.status, r.requested_at, \
     r.decided_at, r.decision_reason";

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

async fn audit(
    conn: &mut PgConnection,
    actor: AccountId,
    action: Action,
    request: &RemovalRequest,
    ip: &str,
    details: serde_json::Value,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    let entry = Entry {
        actor: Some(actor),
        action,
        target: Some(request.customer_id),
        partner: Some(request.partner_id),
        client_ip: Some(ip),
        details,
    };
    audit::record(conn, entry, now).await
}

/// The partner asks for one of its own active or pending customers to be removed.
pub async fn request(
    pool: &PgPool,
    partner: &Account,
    customer_id: AccountId,
    reason: &str,
    ip: &str,
    now: OffsetDateTime,
) -> Result<RemovalRequest, RemovalError> {
    let mut tx = pool.begin().await?;
    match tenancy::lock_customer_of(&mut tx, partner.id, customer_id).await? {
        None | Some(AccountStatus::Removed) => return Err(RemovalError::NotFound),
        Some(_) => {}
    }
    let inserted: Result<RemovalRequest, sqlx::Error> = sqlx::query_as(&format!(
        "insert into removal_requests as r (id, customer_id, partner_id, reason, requested_by, requested_at) \
         values ($1, $2, $3, $4, $3, $5) returning {COLUMNS}"
    ))
    .bind(Uuid::now_v7())
    .bind(customer_id)
    .bind(partner.id)
    .bind(reason)
    .bind(now)
    .fetch_one(&mut *tx)
    .await;
    let request = match inserted {
        Err(err) if crate::db::on_constraint(&err, "removal_requests_one_pending") => {
            return Err(RemovalError::AlreadyPending)
        }
        other => other?,
    };
    audit(
        &mut tx,
        partner.id,
        Action::RemovalRequested,
        &request,
        ip,
        json!({ "reason": reason }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(request)
}

/// The partner takes back its own pending request.
pub async fn withdraw(
    pool: &PgPool,
    partner: &Account,
    customer_id: AccountId,
    ip: &str,
    now: OffsetDateTime,
) -> Result<(), RemovalError> {
    let mut tx = pool.begin().await?;
    let request: Option<RemovalRequest> = sqlx::query_as(&format!(
        "update removal_requests r set status = 'withdrawn', decided_at = $3, decided_by = $1 \
         where r.partner_id = $1 and r.customer_id = $2 and r.status = 'pending' returning {COLUMNS}"
    ))
    .bind(partner.id)
    .bind(customer_id)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let request = request.ok_or(RemovalError::NotPending)?;
    audit(
        &mut tx,
        partner.id,
        Action::RemovalWithdrawn,
        &request,
        ip,
        json!({}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
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
         where r.status = 'pending' and p.manager_id = $1 and ($2::uuid is null or r.partner_id = $2) \
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
    request_id: Uuid,
) -> sqlx::Result<Option<QueueRow>> {
    sqlx::query_as(&format!(
        "select {COLUMNS}, {QUEUE_FROM} where r.id = $2 and p.manager_id = $1"
    ))
    .bind(manager_id)
    .bind(request_id)
    .fetch_optional(pool)
    .await
}

/// An approved or rejected request, with who decided.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DecidedRow {
    #[sqlx(flatten)]
    pub request: RemovalRequest,
    pub customer_name: String,
    pub customer_email: String,
    pub partner_company: String,
    /// None when the deciding account is gone from the record (never today).
    pub decided_by: Option<String>,
}

/// Decisions on the requests of the manager's partners, newest first, one page after `after`
/// (`(decided_at, id)` keyset). Withdrawn requests are the partner's own act, not a decision.
pub async fn decided(
    pool: &PgPool,
    manager_id: AccountId,
    after: Option<Cursor>,
    limit: i64,
) -> sqlx::Result<Vec<DecidedRow>> {
    sqlx::query_as(&format!(
        "select {COLUMNS}, c.first_name || ' ' || c.last_name as customer_name, \
           c.email as customer_email, p.company as partner_company, \
           d.first_name || ' ' || d.last_name as decided_by \
         from removal_requests r join accounts c on c.id = r.customer_id \
           join accounts p on p.id = r.partner_id left join accounts d on d.id = r.decided_by \
         where p.manager_id = $1 and r.status in ('approved', 'rejected') \
           and ($2::timestamptz is null or (r.decided_at, r.id) < ($2, $3)) \
         order by r.decided_at desc, r.id desc limit $4"
    ))
    .bind(manager_id)
    .bind(after.map(|c| c.at))
    .bind(after.map(|c| c.id))
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Locks a pending request of one of the manager's partners.
async fn lock_pending(
    conn: &mut PgConnection,
    manager_id: AccountId,
    request_id: Uuid,
) -> Result<RemovalRequest, RemovalError> {
    let request: Option<RemovalRequest> = sqlx::query_as(&format!(
        "select {COLUMNS} from removal_requests r join accounts p on p.id = r.partner_id \
         where r.id = $2 and p.manager_id = $1 for update of r"
    ))
    .bind(manager_id)
    .bind(request_id)
    .fetch_optional(&mut *conn)
    .await?;
    let request = request.ok_or(RemovalError::NotFound)?;
    if request.status != RemovalStatus::Pending {
        return Err(RemovalError::NotPending);
    }
    Ok(request)
}

/// Writes the manager's decision and reason (an empty reason is stored as none).
async fn record_decision(
    conn: &mut PgConnection,
    request_id: Uuid,
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

/// Approves: the customer is removed and signed out everywhere, in one transaction.
pub async fn approve(
    pool: &PgPool,
    manager: &Account,
    request_id: Uuid,
    note: &str,
    ip: &str,
    now: OffsetDateTime,
) -> Result<RemovalRequest, RemovalError> {
    let mut tx = pool.begin().await?;
    let request = lock_pending(&mut tx, manager.id, request_id).await?;
    record_decision(
        &mut tx,
        request.id,
        RemovalStatus::Approved,
        manager.id,
        note,
        now,
    )
    .await?;
    tenancy::mark_removed(&mut tx, request.customer_id, now).await?;
    let sessions_ended = sessions::end_all_but(&mut tx, request.customer_id, None).await?;
    sqlx::query("update activation_tokens set superseded_at = $2 where account_id = $1 and used_at is null and superseded_at is null")
        .bind(request.customer_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "update password_reset_tokens set used_at = $2 where account_id = $1 and used_at is null",
    )
    .bind(request.customer_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    audit(
        &mut tx,
        manager.id,
        Action::RemovalApproved,
        &request,
        ip,
        json!({ "note": note, "sessions_ended": sessions_ended }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(request)
}

/// Rejects with a reason the partner sees; the customer is untouched.
pub async fn reject(
    pool: &PgPool,
    manager: &Account,
    request_id: Uuid,
    reason: &str,
    ip: &str,
    now: OffsetDateTime,
) -> Result<RemovalRequest, RemovalError> {
    let mut tx = pool.begin().await?;
    let request = lock_pending(&mut tx, manager.id, request_id).await?;
    record_decision(
        &mut tx,
        request.id,
        RemovalStatus::Rejected,
        manager.id,
        reason,
        now,
    )
    .await?;
    audit(
        &mut tx,
        manager.id,
        Action::RemovalRejected,
        &request,
        ip,
        json!({ "reason": reason }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(request)
}
