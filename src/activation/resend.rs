//! The account manager's side of activation: every account under their partners that is not
//! activated yet, with its link and email state, and resending (a new 48-hour link that
//! supersedes every earlier one), limited per account per day.

use serde_json::json;
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

use crate::accounts::model::{Account, AccountId, Cursor, Role};
use crate::accounts::store::ACCOUNT_COLUMNS;
use crate::audit::{self, Action, Entry};

/// Resends allowed per account in any 24 hours.
pub const RESENDS_PER_DAY: i64 = 5;

/// Accounts a manager may act on: their partners, and their partners' customers. A customer
/// approved as a partner (`partner_access`) counts as a partner of the approving manager.
const MANAGED_BY: &str = "((a.role = 'partner' and a.manager_id = $1) or (a.role = 'customer' \
     and a.partner_id in (select id from accounts where (role = 'partner' or partner_access) \
     and manager_id = $1)))";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingRow {
    pub id: AccountId,
    pub role: Role,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub partner_company: Option<String>,
    pub created_at: OffsetDateTime,
    /// The newest link still in force.
    pub link_expires_at: Option<OffsetDateTime>,
    pub links_sent: i64,
    pub last_sent_at: Option<OffsetDateTime>,
    /// Delivery state of the newest activation email.
    pub email_status: Option<String>,
    pub email_error: Option<String>,
}

/// Pending accounts under `manager_id`, newest first, one page after `after`.
pub async fn list_pending(
    pool: &PgPool,
    manager_id: AccountId,
    after: Option<Cursor>,
    limit: i64,
) -> sqlx::Result<Vec<PendingRow>> {
    sqlx::query_as(&format!(
        "select a.id, a.role, a.email, a.first_name, a.last_name, a.company, \
           p.company as partner_company, a.created_at, \
           (select t.expires_at from activation_tokens t where t.account_id = a.id \
              and t.used_at is null and t.superseded_at is null order by t.created_at desc limit 1) \
              as link_expires_at, \
           (select count(*) from activation_tokens t where t.account_id = a.id) as links_sent, \
           (select max(t.created_at) from activation_tokens t where t.account_id = a.id) as last_sent_at, \
           e.status::text as email_status, e.last_error as email_error \
         from accounts a \
         left join accounts p on p.id = a.partner_id \
         left join lateral (select status, last_error from email_outbox o \
             where o.account_id = a.id and o.kind = 'activation' \
             order by o.created_at desc limit 1) e on true \
         where a.status = 'pending_activation' and {MANAGED_BY} \
           and ($2::timestamptz is null or (a.created_at, a.id) < ($2, $3)) \
         order by a.created_at desc, a.id desc limit $4"
    ))
    .bind(manager_id)
    .bind(after.map(|c| c.at))
    .bind(after.map(|c| c.id))
    .bind(limit)
    .fetch_all(pool)
    .await
}

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
    let account: Option<Account> = sqlx::query_as(&format!(
        "select {} from accounts a where a.id = $2 and a.status = 'pending_activation' and {MANAGED_BY} \
         for update",
        ACCOUNT_COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ")
    ))
    .bind(manager.id)
    .bind(account_id)
    .fetch_optional(&mut *tx)
    .await?;
    let account = account.ok_or(ResendError::NotFound)?;
    let recent: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where target_id = $1 and action = 'activation.resent' and at > $2",
    )
    .bind(account.id)
    .bind(now - Duration::days(1))
    .fetch_one(&mut *tx)
    .await?;
    if recent >= RESENDS_PER_DAY {
        return Err(ResendError::LimitReached(account.email));
    }
    let expires_at = super::email_new_link(&mut tx, &account, public_base_url, now).await?;
    let entry = Entry {
        actor: Some(manager.id),
        action: Action::ActivationResent,
        target: Some(account.id),
        partner: account.tenant(),
        client_ip: Some(client_ip),
        details: json!({ "expires_at": expires_at.unix_timestamp() }),
    };
    audit::record(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(expires_at)
}
