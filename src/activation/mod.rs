//! Activation links: 256 random bits, only the SHA-256 stored, valid for 48 hours, usable once;
//! issuing a new link supersedes every earlier one for the account.

pub mod resend;
pub mod self_service;

use sqlx::{PgConnection, PgPool};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::accounts::model::{Account, AccountId, AccountStatus, Role};
use crate::accounts::store as account_store;
use crate::audit::{self, Action};
use crate::mail::messages::ActivationEmail;
use crate::mail::outbox;
use crate::tokens::{hash_token, new_token};

pub const LINK_LIFETIME: Duration = Duration::hours(48);

/// Issues a new link for `account` and queues its activation email, inside the caller's
/// transaction; returns when the link expires. The manager's resend and the self-service
/// request share it, so both send the same email.
pub(crate) async fn email_new_link(
    conn: &mut PgConnection,
    account: &Account,
    public_base_url: &str,
    now: OffsetDateTime,
) -> anyhow::Result<OffsetDateTime> {
    let (token, expires_at) = issue(&mut *conn, account.id, now).await?;
    let invited_by = invited_by(&mut *conn, account).await?;
    let link = format!("{public_base_url}/activate/{token}");
    let name = account.full_name();
    let email = ActivationEmail {
        account_id: account.id,
        recipient: &account.email,
        recipient_name: name.trim(),
        invited_by: &invited_by,
        portal_name: crate::accounts::portal_name(account.role),
        link: &link,
        expires_at,
        zone: account.zone(),
    }
    .render()?;
    outbox::enqueue(conn, &email, now).await?;
    Ok(expires_at)
}

/// Who the activation email says invited the account: the partner's company for a customer,
/// the account manager for a partner.
async fn invited_by(conn: &mut PgConnection, account: &Account) -> sqlx::Result<String> {
    let (other, template) = match account.role {
        Role::Customer => (account.partner_id, "{} (your Yeastar partner)"),
        Role::Partner => (account.manager_id, "Yeastar (your account manager {})"),
        Role::Manager => return Ok("Yeastar".into()),
    };
    let name: Option<String> = sqlx::query_scalar(
        "select case when role = 'partner' then company else first_name || ' ' || last_name end \
         from accounts where id = $1",
    )
    .bind(other)
    .fetch_optional(conn)
    .await?;
    Ok(template.replace("{}", name.as_deref().unwrap_or("").trim()))
}

/// Issues a new 48-hour link for `account_id` inside the caller's transaction and returns the
/// token. Every earlier unused link of the account stops working.
pub async fn issue(
    conn: &mut PgConnection,
    account_id: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<(String, OffsetDateTime)> {
    sqlx::query(
        "update activation_tokens set superseded_at = $2 \
         where account_id = $1 and used_at is null and superseded_at is null",
    )
    .bind(account_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let (token, hash) = new_token();
    let expires_at = now + LINK_LIFETIME;
    sqlx::query(
        "insert into activation_tokens (id, account_id, token_hash, created_at, expires_at) \
         values ($1, $2, $3, $4, $5)",
    )
    .bind(Uuid::now_v7())
    .bind(account_id)
    .bind(hash)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok((token, expires_at))
}

/// What a link is worth right now.
#[derive(Debug)]
pub enum LinkState {
    Valid {
        account: Account,
        expires_at: OffsetDateTime,
    },
    Expired {
        account: Account,
    },
    /// A newer link was sent for this pending account.
    Superseded {
        account: Account,
    },
    AlreadyActive {
        account: Account,
    },
    /// The account was removed: the link leads nowhere.
    Unavailable,
    Unknown,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: Uuid,
    account_id: AccountId,
    expires_at: OffsetDateTime,
    used_at: Option<OffsetDateTime>,
    superseded_at: Option<OffsetDateTime>,
}

fn classify(row: &TokenRow, account: Account, now: OffsetDateTime) -> LinkState {
    match account.status {
        AccountStatus::Removed => LinkState::Unavailable,
        AccountStatus::Active => LinkState::AlreadyActive { account },
        AccountStatus::PendingActivation if row.used_at.is_some() => {
            LinkState::AlreadyActive { account }
        }
        AccountStatus::PendingActivation if row.superseded_at.is_some() => {
            LinkState::Superseded { account }
        }
        // The link is valid for 48 hours: refused from the 48th hour on.
        AccountStatus::PendingActivation if now >= row.expires_at => LinkState::Expired { account },
        AccountStatus::PendingActivation => LinkState::Valid {
            account,
            expires_at: row.expires_at,
        },
    }
}

async fn find_token(
    conn: &mut PgConnection,
    token: &str,
    lock: bool,
) -> sqlx::Result<Option<TokenRow>> {
    let sql = if lock {
        "select id, account_id, expires_at, used_at, superseded_at from activation_tokens \
         where token_hash = $1 for update"
    } else {
        "select id, account_id, expires_at, used_at, superseded_at from activation_tokens \
         where token_hash = $1"
    };
    sqlx::query_as(sql)
        .bind(hash_token(token))
        .fetch_optional(conn)
        .await
}

/// Looks at a link without using it (to decide which page to show).
pub async fn check(pool: &PgPool, token: &str, now: OffsetDateTime) -> sqlx::Result<LinkState> {
    let mut conn = pool.acquire().await?;
    let Some(row) = find_token(&mut conn, token, false).await? else {
        return Ok(LinkState::Unknown);
    };
    let Some(account) = account_store::find_by_id(pool, row.account_id).await? else {
        return Ok(LinkState::Unknown);
    };
    Ok(classify(&row, account, now))
}

/// Uses the link: sets the password hash and activates the account, in one transaction that
/// locks the token row so two submissions of the same link cannot both succeed.
pub async fn activate(
    pool: &PgPool,
    token: &str,
    password_hash: &str,
    now: OffsetDateTime,
) -> sqlx::Result<LinkState> {
    let mut tx = pool.begin().await?;
    let Some(row) = find_token(&mut tx, token, true).await? else {
        return Ok(LinkState::Unknown);
    };
    let account: Option<Account> = sqlx::query_as(&format!(
        "select {} from accounts where id = $1 for update",
        account_store::ACCOUNT_COLUMNS
    ))
    .bind(row.account_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(account) = account else {
        return Ok(LinkState::Unknown);
    };
    let state = classify(&row, account, now);
    if let LinkState::Valid { account, .. } = &state {
        account_store::set_password_and_activate(&mut tx, account.id, password_hash, now).await?;
        sqlx::query("update activation_tokens set used_at = $2 where id = $1")
            .bind(row.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        let entry = audit::Entry {
            actor: Some(account.id),
            action: Action::ActivationUsed,
            target: Some(account.id),
            partner: account.tenant(),
            client_ip: None,
            details: serde_json::json!({}),
        };
        audit::record(&mut tx, entry, now).await?;
        tx.commit().await?;
    }
    Ok(state)
}

/// The person a pending account should contact about its link: the account manager of its
/// partner (customers) or its own account manager (partners).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Contact {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

impl Contact {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

pub async fn contact_for(pool: &PgPool, account: &Account) -> sqlx::Result<Option<Contact>> {
    let manager_id = match (account.manager_id, account.partner_id) {
        (Some(manager), _) => Some(manager),
        (None, Some(partner)) => sqlx::query_scalar::<_, Option<AccountId>>(
            "select manager_id from accounts where id = $1",
        )
        .bind(partner)
        .fetch_optional(pool)
        .await?
        .flatten(),
        (None, None) => None,
    };
    let Some(manager_id) = manager_id else {
        return Ok(None);
    };
    sqlx::query_as("select first_name, last_name, email from accounts where id = $1")
        .bind(manager_id)
        .fetch_optional(pool)
        .await
}
