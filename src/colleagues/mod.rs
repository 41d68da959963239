//! A partner organization's colleagues: what the Owner (and members allowed to manage
//! colleagues) may do to other members, each change one transaction with its audit entry.
//! The organization row is locked first in every change, so changes to one organization
//! happen one at a time and it always has exactly one Owner.

use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use crate::accounts::model::{Account, AccountId, AccountStatus};
use crate::accounts::organization::{self, Organization};
use crate::accounts::permission::{codes, Permission};
use crate::accounts::store as account_store;
use crate::audit::{self, Action};
use crate::auth::sessions;

#[derive(Debug, thiserror::Error)]
pub enum ColleagueError {
    /// Not a member of the caller's organization: the same answer as an unknown id.
    #[error("no colleague of yours has this id")]
    NotFound,
    /// Not allowed for this member, or not in its state; the message says why.
    #[error("{0}")]
    Refused(&'static str),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for ColleagueError {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
    }
}

/// Who asks, from where, and when.
pub struct Request<'a> {
    pub by: &'a Account,
    pub client_ip: &'a str,
    pub now: OffsetDateTime,
}

/// Whether `account` is its organization's Owner.
pub async fn is_owner(pool: &PgPool, account: &Account) -> sqlx::Result<bool> {
    Ok(organization::find(pool, account.organization())
        .await?
        .is_some_and(|org| org.owner_id == account.id))
}

/// Gives `member` exactly `permissions`. A member who is not the Owner can only give the
/// permissions it holds itself.
pub async fn change_permissions(
    pool: &PgPool,
    req: Request<'_>,
    member: AccountId,
    permissions: &[Permission],
) -> Result<(), ColleagueError> {
    let mut tx = pool.begin().await?;
    let (org, target) = lock_other_member(&mut tx, &req, member).await?;
    if org.owner_id != req.by.id && permissions.iter().any(|p| !req.by.may(*p)) {
        return Err(ColleagueError::Refused(
            "You can only give permissions you have yourself.",
        ));
    }
    organization::set_permissions(&mut tx, member, permissions, req.now).await?;
    let details = json!({ "before": target.permissions, "after": codes(permissions) });
    record(
        &mut tx,
        &req,
        Action::ColleaguePermissionsChanged,
        member,
        details,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Suspends an active colleague: its sessions end at once and it cannot sign in until restored.
pub async fn suspend(
    pool: &PgPool,
    req: Request<'_>,
    member: AccountId,
) -> Result<(), ColleagueError> {
    let change = StatusChange {
        from: |status| status == AccountStatus::Active,
        refusal: "Only an active colleague can be suspended.",
        to: AccountStatus::Suspended,
        action: Action::ColleagueSuspended,
        details: |ended, _| json!({ "sessions_ended": ended }),
    };
    change_status(pool, req, member, change).await
}

/// Lets a suspended colleague sign in again, with the permissions it had.
pub async fn restore(
    pool: &PgPool,
    req: Request<'_>,
    member: AccountId,
) -> Result<(), ColleagueError> {
    let change = StatusChange {
        from: |status| status == AccountStatus::Suspended,
        refusal: "Only a suspended colleague can be restored.",
        to: AccountStatus::Active,
        action: Action::ColleagueRestored,
        details: |_, _| json!({}),
    };
    change_status(pool, req, member, change).await
}

/// Removes a colleague for good: the account is kept, marked removed (its email stays
/// reserved, its audit entries keep naming it), its sessions end and its links stop working.
pub async fn remove(
    pool: &PgPool,
    req: Request<'_>,
    member: AccountId,
) -> Result<(), ColleagueError> {
    let change = StatusChange {
        from: |status| status != AccountStatus::Removed,
        refusal: "This colleague was already removed.",
        to: AccountStatus::Removed,
        action: Action::ColleagueRemoved,
        details: |ended, before| json!({ "sessions_ended": ended, "status_before": before }),
    };
    change_status(pool, req, member, change).await
}

/// A change of a colleague's status: allowed from the statuses `from` accepts, audited as
/// `action` with `details(sessions ended, status before)`. Any status but `active` ends every
/// session of the colleague in the same transaction.
struct StatusChange {
    from: fn(AccountStatus) -> bool,
    refusal: &'static str,
    to: AccountStatus,
    action: Action,
    details: fn(u64, AccountStatus) -> Value,
}

async fn change_status(
    pool: &PgPool,
    req: Request<'_>,
    member: AccountId,
    change: StatusChange,
) -> Result<(), ColleagueError> {
    let mut tx = pool.begin().await?;
    let (_, target) = lock_other_member(&mut tx, &req, member).await?;
    if !(change.from)(target.status) {
        return Err(ColleagueError::Refused(change.refusal));
    }
    account_store::set_status(&mut tx, member, change.to, req.now).await?;
    let ended = match change.to {
        AccountStatus::Active => 0,
        _ => sessions::end_all_but(&mut tx, member, None).await?,
    };
    let details = (change.details)(ended, target.status);
    record(&mut tx, &req, change.action, member, details).await?;
    tx.commit().await?;
    Ok(())
}

/// Makes an active colleague the Owner (the caller must be the Owner; the web layer checks its
/// password first). The previous Owner stays a member with every permission, for the new
/// Owner to change.
pub async fn transfer_ownership(
    pool: &PgPool,
    req: Request<'_>,
    member: AccountId,
) -> Result<(), ColleagueError> {
    let mut tx = pool.begin().await?;
    let (org, target) = lock_other_member(&mut tx, &req, member).await?;
    if org.owner_id != req.by.id {
        return Err(ColleagueError::Refused(
            "Only the Owner can hand over ownership.",
        ));
    }
    if target.status != AccountStatus::Active {
        return Err(ColleagueError::Refused(
            "Ownership can only go to an active colleague.",
        ));
    }
    organization::set_owner(&mut tx, org.id, member, req.now).await?;
    let details = json!({ "previous_owner": req.by.id });
    record(&mut tx, &req, Action::OwnershipTransferred, member, details).await?;
    tx.commit().await?;
    Ok(())
}

/// The Owner's policy: whether every member must sign in with a second factor.
pub async fn set_two_factor_policy(
    pool: &PgPool,
    req: Request<'_>,
    required: bool,
) -> Result<(), ColleagueError> {
    let mut tx = pool.begin().await?;
    let org = organization::lock(&mut tx, req.by.organization())
        .await?
        .ok_or(ColleagueError::NotFound)?;
    if org.owner_id != req.by.id {
        return Err(ColleagueError::Refused(
            "Only the Owner can change the organization's security policy.",
        ));
    }
    if org.require_two_factor != required {
        organization::set_two_factor_policy(&mut tx, org.id, required).await?;
        let details = json!({ "required": required });
        record(
            &mut tx,
            &req,
            Action::TwoFactorPolicyChanged,
            req.by.id,
            details,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The caller's organization and another of its members, both locked; the Owner is never the
/// target (it keeps every permission and its access), nor is the caller itself.
async fn lock_other_member(
    conn: &mut PgConnection,
    req: &Request<'_>,
    member: AccountId,
) -> Result<(Organization, Account), ColleagueError> {
    let org = organization::lock(&mut *conn, req.by.organization())
        .await?
        .ok_or(ColleagueError::NotFound)?;
    let target = organization::lock_member(conn, org.id, member)
        .await?
        .ok_or(ColleagueError::NotFound)?;
    if target.id == req.by.id {
        return Err(ColleagueError::Refused(
            "You cannot change your own access; ask your organization's Owner.",
        ));
    }
    if target.id == org.owner_id {
        return Err(ColleagueError::Refused(
            "The Owner keeps every permission and cannot be suspended or removed.",
        ));
    }
    Ok((org, target))
}

async fn record(
    conn: &mut PgConnection,
    req: &Request<'_>,
    action: Action,
    target: AccountId,
    details: Value,
) -> sqlx::Result<()> {
    let entry = audit::Entry {
        actor: Some(req.by.id),
        action,
        target: Some(target),
        partner: Some(req.by.organization()),
        client_ip: Some(req.client_ip),
        details,
    };
    audit::record(conn, entry, req.now).await
}
