//! Forgotten passwords and password changes. A reset request is queued and handled off the
//! request path; a reset link is single-use, valid for one hour, and replaced by a newer
//! request or any password change; it never bypasses 2FA (the page asks for the second
//! factor); afterwards every session of the account ends. A change ends every other session.
//! The owner is emailed either way.

use serde_json::json;
use sqlx::{Acquire, PgConnection, PgPool};
use time::{Duration, OffsetDateTime};
use tokio::sync::watch;

use crate::accounts::credentials;
use crate::accounts::model::Account;
use crate::audit::Action;
use crate::audit::{self, Entry};
use crate::auth::{sessions, store};
use crate::clock::Clock;
use crate::ids::SessionId;
use crate::mail::messages::{PasswordResetEmail, SecurityNotice};
use crate::mail::outbox;
use crate::tokens::{hash_token, new_token};

pub const LINK_LIFETIME: Duration = Duration::hours(1);

/// Queues a reset request for `email`, whatever it is: one row, the same work for known and
/// unknown emails, so neither the answer nor its timing tells them apart. The caller answers at
/// once and has [`process_requests`] run off the request path.
pub async fn request(
    pool: &PgPool,
    email: &str,
    client_ip: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    store::queue_reset_request(pool, email.trim(), client_ip, now).await
}

/// Handles every queued request, each in its own transaction (claimed with `SKIP LOCKED`, so
/// several instances share the queue and each request is handled once). Returns how many were
/// handled. A request whose work fails is dropped with its error logged; a database failure
/// ends the run and leaves the request queued for the next one.
pub async fn process_requests(pool: &PgPool, public_base_url: &str, now: OffsetDateTime) -> usize {
    let mut handled = 0;
    loop {
        match process_one(pool, public_base_url, now).await {
            Ok(true) => handled += 1,
            Ok(false) => return handled,
            Err(err) => {
                tracing::error!(error = %format!("{err:#}"), "a password reset request failed");
                return handled;
            }
        }
    }
}

/// Every minute until `shutdown`, handles requests left in the queue (by a restart between the
/// answer and the work, or by a failure); the form itself has each request handled at once.
pub async fn sweep_queue(
    pool: PgPool,
    public_base_url: String,
    clock: Clock,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        process_requests(&pool, &public_base_url, clock.now()).await;
        tokio::select! {
            _ = shutdown.changed() => break,
            _ = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
        }
    }
}

async fn process_one(
    pool: &PgPool,
    public_base_url: &str,
    now: OffsetDateTime,
) -> anyhow::Result<bool> {
    let mut tx = pool.begin().await?;
    let claimed = store::claim_reset_request(&mut tx).await?;
    let Some((id, email, client_ip, requested_at)) = claimed else {
        return Ok(false);
    };
    // The work runs in a savepoint: if it fails, the request still leaves the queue (and the
    // error is logged with its id), so one bad request never holds back those behind it; the
    // person can ask again. A lost connection fails the whole transaction and keeps it queued.
    let mut work = tx.begin().await?;
    // The link dates from the request, so "newer" means asked for later, whatever order
    // concurrent workers finish in.
    let asked = requested_at.min(now);
    match handle(&mut work, &email, &client_ip, public_base_url, asked).await {
        Ok(()) => work.commit().await?,
        Err(err) => {
            tracing::error!(request = %id, error = %format!("{err:#}"), "a password reset request was dropped");
            work.rollback().await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}

/// A link for the active account with this email, if there is one; nothing otherwise.
async fn handle(
    conn: &mut PgConnection,
    email: &str,
    client_ip: &str,
    public_base_url: &str,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let account = credentials::find_active_by_email(&mut *conn, email).await?;
    if let Some(account) = account {
        send_link(conn, &account, client_ip, public_base_url, now).await?;
    }
    Ok(())
}

/// A new link for `account`, replacing its outstanding ones, with its email in the outbox;
/// nothing when a request made later has already been given a link.
async fn send_link(
    conn: &mut PgConnection,
    account: &Account,
    client_ip: &str,
    public_base_url: &str,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    // One worker at a time per account (FK checks of other writers are not blocked).
    credentials::lock_for_credentials(&mut *conn, account.id).await?;
    if store::newer_reset_link_exists(&mut *conn, account.id, now).await? {
        return Ok(());
    }
    let (token, hash) = new_token();
    let expires_at = now + LINK_LIFETIME;
    let link = format!("{public_base_url}/reset-password/{token}");
    let name = account.full_name();
    let message = PasswordResetEmail {
        account_id: account.id,
        recipient: &account.email,
        recipient_name: name.trim(),
        link: &link,
        expires_at,
        zone: account.zone(),
    }
    .render()?;
    supersede_links(conn, account, now).await?;
    store::insert_reset_link(&mut *conn, account.id, &hash, now, expires_at).await?;
    outbox::enqueue(conn, &message, now).await?;
    audit::record(
        conn,
        Entry {
            actor: None,
            action: Action::PasswordResetRequested,
            target: Some(account.id),
            partner: account.tenant(),
            client_ip: Some(client_ip),
            details: json!({}),
        },
        now,
    )
    .await?;
    Ok(())
}

/// Every outstanding link of the account stops working (a newer one was sent, or the password
/// changed).
async fn supersede_links(
    conn: &mut PgConnection,
    account: &Account,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    store::supersede_reset_links(conn, account.id, now).await
}

#[derive(Debug)]
pub enum ResetLink {
    Valid(Box<Account>),
    Expired,
    Used,
    /// A newer link was sent or the password was changed since.
    Superseded,
    Unknown,
}

async fn find(
    conn: &mut PgConnection,
    token: &str,
    now: OffsetDateTime,
    lock: bool,
) -> sqlx::Result<ResetLink> {
    let row = store::find_reset_link(&mut *conn, &hash_token(token), lock).await?;
    let Some((account_id, expires_at, used_at, superseded_at)) = row else {
        return Ok(ResetLink::Unknown);
    };
    if used_at.is_some() {
        return Ok(ResetLink::Used);
    }
    if superseded_at.is_some() {
        return Ok(ResetLink::Superseded);
    }
    if now >= expires_at {
        return Ok(ResetLink::Expired);
    }
    let account = credentials::find_active_by_id(&mut *conn, account_id).await?;
    Ok(account.map_or(ResetLink::Unknown, |a| ResetLink::Valid(Box::new(a))))
}

pub async fn check(pool: &PgPool, token: &str, now: OffsetDateTime) -> sqlx::Result<ResetLink> {
    let mut conn = pool.acquire().await?;
    find(&mut conn, token, now, false).await
}

async fn set_password(
    conn: &mut PgConnection,
    account: &Account,
    password_hash: &str,
    keep_session: Option<SessionId>,
    action: Action,
    client_ip: &str,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    credentials::set_password_hash(&mut *conn, account.id, password_hash, now).await?;
    let ended = sessions::end_all_but(conn, account.id, keep_session).await?;
    supersede_links(conn, account, now).await?;
    audit::record(
        conn,
        Entry {
            actor: Some(account.id),
            action,
            target: Some(account.id),
            partner: account.tenant(),
            client_ip: Some(client_ip),
            details: json!({ "sessions_ended": ended }),
        },
        now,
    )
    .await?;
    let name = account.full_name();
    let notice = SecurityNotice {
        account_id: account.id,
        recipient: &account.email,
        recipient_name: name.trim(),
        headline: "your password was changed",
        what: "The password of your Yeastar Portal account was changed, and your other sessions were signed out.",
        at: now,
        client_ip,
        zone: account.zone(),
    }
    .render()?;
    outbox::enqueue(conn, &notice, now).await?;
    Ok(())
}

/// Uses the link: sets the new password and ends every session, in one transaction that locks
/// the token so it works once. The second factor, if any, was checked by the caller.
pub async fn complete(
    pool: &PgPool,
    token: &str,
    password_hash: &str,
    client_ip: &str,
    now: OffsetDateTime,
) -> anyhow::Result<ResetLink> {
    let mut tx = pool.begin().await?;
    let link = find(&mut tx, token, now, true).await?;
    let ResetLink::Valid(account) = &link else {
        return Ok(link);
    };
    set_password(
        &mut tx,
        account,
        password_hash,
        None,
        Action::PasswordResetCompleted,
        client_ip,
        now,
    )
    .await?;
    // This link and any other outstanding one for the account stop working.
    store::use_reset_links(&mut tx, account.id, now).await?;
    tx.commit().await?;
    Ok(link)
}

/// A signed-in owner's password change: every other session ends, this one stays.
pub async fn change(
    pool: &PgPool,
    account: &Account,
    password_hash: &str,
    current_session: SessionId,
    client_ip: &str,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    set_password(
        &mut tx,
        account,
        password_hash,
        Some(current_session),
        Action::PasswordChanged,
        client_ip,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The stored hash, to check the current password before a change.
pub async fn current_hash(pool: &PgPool, account: &Account) -> sqlx::Result<Option<String>> {
    credentials::password_hash(pool, account.id).await
}

/// Every unused reset link of the account counts as used (a removed customer's, say).
pub async fn revoke_open_links(
    conn: &mut PgConnection,
    account: crate::ids::AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    store::use_reset_links(conn, account, now).await
}
