//! Activation links: 256 random bits, only the SHA-256 stored, valid for 48 hours, usable once;
//! issuing a new link supersedes every earlier one for the account.

pub mod invite;
pub mod resend;
pub mod self_service;
mod store;

use sqlx::{PgConnection, PgPool};
use time::{Duration, OffsetDateTime};

use crate::accounts::model::{Account, AccountId, AccountStatus, Role};
use crate::accounts::{pending, store as account_store};
use crate::audit;
use crate::audit::Action;
use crate::format::Zone;
use crate::mail::messages::ActivationEmail;
use crate::mail::outbox;
use crate::tokens::{hash_token, new_token};
use store::TokenRow;

pub const LINK_LIFETIME: Duration = Duration::hours(48);

/// Who an activation email goes to.
pub(crate) struct Invitee<'a> {
    pub id: AccountId,
    pub role: Role,
    pub email: &'a str,
    pub name: &'a str,
    pub zone: Zone,
}

/// Issues a new link for `invitee` and queues its activation email, inside the caller's
/// transaction; returns the link and when it expires. Account creation, the manager's resend
/// and the self-service request share it, so all send the same email.
pub(crate) async fn issue_and_email(
    conn: &mut PgConnection,
    invitee: Invitee<'_>,
    invited_by: &str,
    public_base_url: &str,
    now: OffsetDateTime,
) -> anyhow::Result<(String, OffsetDateTime)> {
    let (token, expires_at) = issue(&mut *conn, invitee.id, now).await?;
    let link = format!("{public_base_url}/activate/{token}");
    let email = ActivationEmail {
        account_id: invitee.id,
        recipient: invitee.email,
        recipient_name: invitee.name,
        invited_by,
        portal_name: portal_name(invitee.role),
        link: &link,
        expires_at,
        zone: invitee.zone,
    }
    .render()?;
    outbox::enqueue(conn, &email, now).await?;
    Ok((link, expires_at))
}

/// Who asked for a new link, recorded with it: the account manager's resend, or the account
/// itself on its expired link's page.
pub(crate) struct Requester<'a> {
    pub actor: AccountId,
    pub action: Action,
    pub client_ip: &'a str,
}

/// A new link emailed to `account` (see [`email_new_link`]) and audited as `by` asked for it,
/// inside the caller's transaction; returns when the link expires.
pub(crate) async fn send_new_link(
    conn: &mut PgConnection,
    account: &Account,
    by: Requester<'_>,
    public_base_url: &str,
    now: OffsetDateTime,
) -> anyhow::Result<OffsetDateTime> {
    let expires_at = email_new_link(&mut *conn, account, public_base_url, now).await?;
    let entry = audit::Entry {
        actor: Some(by.actor),
        action: by.action,
        target: Some(account.id),
        partner: account.tenant(),
        client_ip: Some(by.client_ip),
        details: serde_json::json!({ "expires_at": expires_at.unix_timestamp() }),
    };
    audit::record(conn, entry, now).await?;
    Ok(expires_at)
}

/// A new link for an existing pending account, emailed (see [`issue_and_email`]); returns when
/// it expires.
pub(crate) async fn email_new_link(
    conn: &mut PgConnection,
    account: &Account,
    public_base_url: &str,
    now: OffsetDateTime,
) -> anyhow::Result<OffsetDateTime> {
    let invited_by = invited_by(&mut *conn, account).await?;
    let name = account.full_name();
    let invitee = Invitee {
        id: account.id,
        role: account.role,
        email: &account.email,
        name: name.trim(),
        zone: account.zone(),
    };
    let (_, expires_at) = issue_and_email(conn, invitee, &invited_by, public_base_url, now).await?;
    Ok(expires_at)
}

/// Who the activation email says invited the account: the partner's company for a customer,
/// the account manager for a partner.
async fn invited_by(conn: &mut PgConnection, account: &Account) -> sqlx::Result<String> {
    let (other, template) = match account.role {
        Role::Customer => (account.partner_id, "{} (your Yeastar partner)"),
        // A colleague joins an organization founded by another account.
        Role::Partner if account.organization_id.is_some_and(|org| org != account.id) => {
            (account.organization_id, "{} (your organization)")
        }
        Role::Partner => (account.manager_id, "Yeastar (your account manager {})"),
        Role::Manager => return Ok("Yeastar".into()),
    };
    let name = pending::inviter_name(conn, other).await?;
    Ok(template.replace("{}", name.as_deref().unwrap_or("").trim()))
}

/// Issues a new 48-hour link for `account_id` inside the caller's transaction and returns the
/// token. Every earlier unused link of the account stops working.
pub async fn issue(
    conn: &mut PgConnection,
    account_id: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<(String, OffsetDateTime)> {
    store::supersede_links(&mut *conn, account_id, now).await?;
    let (token, hash) = new_token();
    let expires_at = now + LINK_LIFETIME;
    store::insert_link(conn, account_id, &hash, now, expires_at).await?;
    Ok((token, expires_at))
}

/// What the activation email calls the portal of `role`.
pub fn portal_name(role: Role) -> &'static str {
    match role {
        Role::Manager => "Account Manager console",
        Role::Partner => "Partner Portal",
        Role::Customer => "Customer Portal",
    }
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

fn classify(row: &TokenRow, account: Account, now: OffsetDateTime) -> LinkState {
    match account.status {
        AccountStatus::Removed | AccountStatus::Suspended => LinkState::Unavailable,
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

/// The link of `token`, locked (FOR UPDATE) when `lock`.
async fn find_token(
    conn: &mut PgConnection,
    token: &str,
    lock: bool,
) -> sqlx::Result<Option<TokenRow>> {
    store::find_token(conn, &hash_token(token), lock).await
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
    let Some(account) = account_store::lock(&mut tx, row.account_id).await? else {
        return Ok(LinkState::Unknown);
    };
    let state = classify(&row, account, now);
    if let LinkState::Valid { account, .. } = &state {
        account_store::set_password_and_activate(&mut tx, account.id, password_hash, now).await?;
        store::mark_used(&mut tx, row.id, now).await?;
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

/// Every open activation link of the account stops working (a removed customer's, say).
pub async fn revoke_open_links(
    conn: &mut PgConnection,
    account: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    store::supersede_links(conn, account, now).await
}
