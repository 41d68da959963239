//! Removing a customer: the partner asks (with a reason) and may withdraw while pending; the
//! partner's account manager approves or rejects (with a reason the partner sees). Approval, in
//! one transaction, marks the customer removed (the row is kept), ends every session, kills
//! every activation and reset link. Orders, licences and subscriptions are never touched.
//! The email address stays reserved, so records stay attributable to one person.

mod model;
mod store;

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

pub use model::{DecidedRow, QueueRow, RemovalError, RemovalRequest, RemovalStatus};
pub use store::{decided, find_for_manager, latest_for_customer, queue};

use crate::accounts::model::{Account, AccountStatus};
use crate::accounts::tenancy::{self, Lock};
use crate::audit::Action;
use crate::audit::{self, Entry};
use crate::auth::sessions;
use crate::ids::{AccountId, RemovalId};

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
    let customer =
        tenancy::lock_customer_of(&mut tx, partner.organization(), customer_id, Lock::Update)
            .await?;
    if customer.is_none_or(|c| c.status == AccountStatus::Removed) {
        return Err(RemovalError::NotFound);
    }
    let request = match store::insert(
        &mut tx,
        partner.organization(),
        partner.id,
        customer_id,
        reason,
        now,
    )
    .await
    {
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
    let request = store::withdraw_pending(&mut tx, partner.organization(), customer_id, now)
        .await?
        .ok_or(RemovalError::NotPending)?;
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

/// Locks a pending request of one of the manager's partners.
async fn lock_pending(
    conn: &mut PgConnection,
    manager_id: AccountId,
    request_id: RemovalId,
) -> Result<RemovalRequest, RemovalError> {
    let request = store::lock_for_manager(conn, manager_id, request_id)
        .await?
        .ok_or(RemovalError::NotFound)?;
    if request.status != RemovalStatus::Pending {
        return Err(RemovalError::NotPending);
    }
    Ok(request)
}

/// The manager's answer to a pending request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The customer is removed and signed out everywhere, in the same transaction.
    Approve,
    /// The partner sees the reason; the customer is untouched.
    Reject,
}

/// Decides a pending request of one of the manager's partners; `reason` is the note of an
/// approval or the reason of a rejection.
pub async fn decide(
    pool: &PgPool,
    manager: &Account,
    request_id: RemovalId,
    decision: Decision,
    reason: &str,
    ip: &str,
    now: OffsetDateTime,
) -> Result<RemovalRequest, RemovalError> {
    let mut tx = pool.begin().await?;
    let request = lock_pending(&mut tx, manager.id, request_id).await?;
    let status = match decision {
        Decision::Approve => RemovalStatus::Approved,
        Decision::Reject => RemovalStatus::Rejected,
    };
    store::record_decision(&mut tx, request.id, status, manager.id, reason, now).await?;
    let (action, details) = match decision {
        Decision::Approve => {
            let customer = request.customer_id;
            tenancy::mark_removed(&mut tx, customer, now).await?;
            let sessions_ended = sessions::end_all_but(&mut tx, customer, None).await?;
            crate::activation::revoke_open_links(&mut tx, customer, now).await?;
            crate::auth::password_reset::revoke_open_links(&mut tx, customer, now).await?;
            let details = json!({ "note": reason, "sessions_ended": sessions_ended });
            (Action::RemovalApproved, details)
        }
        Decision::Reject => (Action::RemovalRejected, json!({ "reason": reason })),
    };
    audit(&mut tx, manager.id, action, &request, ip, details, now).await?;
    tx.commit().await?;
    Ok(request)
}
