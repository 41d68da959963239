//! The account manager's side of activation: every account under their partners that is not
//! activated yet, with its link and email state (listed by `accounts::pending`), and resending
//! (a new 48-hour link that supersedes every earlier one), limited per account per day.

use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

use crate::accounts::model::{Account, AccountId, AccountStatus};
use crate::accounts::{organization, pending};
use crate::audit;
use crate::audit::Action;

/// Resends allowed per account in any 24 hours.
pub const RESENDS_PER_DAY: i64 = 5;

#[derive(Debug, thiserror::Error)]
pub enum ResendError {
    /// Not pending, or not under this manager: the same answer, so nothing leaks.
    #[error("no pending account of yours has this id")]
    NotFound,
    #[error("the activation email of {0} was already resent {RESENDS_PER_DAY} times in the last 24 hours; try again tomorrow")]
    LimitReached(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for ResendError {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
    }
}

/// Issues a new 48-hour link for a pending account under `manager` and queues its email, in one
/// transaction; every earlier link of the account stops working. Returns the new expiry.
pub async fn resend(
    pool: &PgPool,
    manager: &Account,
    account_id: AccountId,
    public_base_url: &str,
    client_ip: &str,
    now: OffsetDateTime,
) -> Result<OffsetDateTime, ResendError> {
    let mut tx = pool.begin().await?;
    // Locking the account serialises concurrent resends, so the daily limit holds.
    let account = pending::lock_pending_of_manager(&mut tx, manager.id, account_id)
        .await?
        .ok_or(ResendError::NotFound)?;
    send_within_limit(tx, manager, &account, public_base_url, client_ip, now).await
}

/// The same for a colleague not activated yet, resent by a member of its organization (the
/// Owner, or a member allowed to manage colleagues).
pub async fn resend_to_colleague(
    pool: &PgPool,
    member: &Account,
    colleague: AccountId,
    public_base_url: &str,
    client_ip: &str,
    now: OffsetDateTime,
) -> Result<OffsetDateTime, ResendError> {
    let mut tx = pool.begin().await?;
    let account = organization::lock_member(&mut tx, member.organization(), colleague)
        .await?
        .filter(|a| a.status == AccountStatus::PendingActivation)
        .ok_or(ResendError::NotFound)?;
    send_within_limit(tx, member, &account, public_base_url, client_ip, now).await
}

/// A new link for the locked pending `account`, unless it had its day's resends already.
async fn send_within_limit(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    by: &Account,
    account: &Account,
    public_base_url: &str,
    client_ip: &str,
    now: OffsetDateTime,
) -> Result<OffsetDateTime, ResendError> {
    let since = now - Duration::days(1);
    let recent =
        audit::store::count_since(&mut tx, account.id, Action::ActivationResent, since).await?;
    if recent >= RESENDS_PER_DAY {
        return Err(ResendError::LimitReached(account.email.clone()));
    }
    let by = super::Requester {
        actor: by.id,
        action: Action::ActivationResent,
        client_ip,
    };
    let expires_at = super::send_new_link(&mut tx, account, by, public_base_url, now).await?;
    tx.commit().await?;
    Ok(expires_at)
}
