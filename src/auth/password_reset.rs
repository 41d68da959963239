//! Forgotten passwords and password changes. A reset request is queued and handled off the
//! request path; a reset link is single-use, valid for one hour, and replaced by a newer
//! request or any password change; it never bypasses 2FA (the page asks for the second
//! factor); afterwards every session of the account ends. A change ends every other session.
//! The owner is emailed either way.

use serde_json::json;
use sqlx::{Acquire, PgConnection, PgPool};
use time::{Duration, OffsetDateTime};
use tokio::sync::watch;
use uuid::Uuid;

use crate::accounts::model::Account;
use crate::accounts::store::ACCOUNT_COLUMNS;
use crate::audit::{self, Action, Entry};
use crate::auth::sessions;
use crate::clock::Clock;
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
    sqlx::query(
        "insert into password_reset_requests (id, email, client_ip, requested_at) \
         values ($1, $2, $3, $4)",
    )
    .bind(Uuid::now_v7())
    .bind(email.trim())
    .bind(client_ip)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
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
    let claimed: Option<(Uuid, String, String, OffsetDateTime)> = sqlx::query_as(
        "delete from password_reset_requests where id = \
           (select id from password_reset_requests order by requested_at \
            for update skip locked limit 1) \
         returning id, email, client_ip, requested_at",
    )
    .fetch_optional(&mut *tx)
    .await?;
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
    let account: Option<Account> = sqlx::query_as(&format!(
        "select {ACCOUNT_COLUMNS} from accounts where lower(email) = lower($1) and status = 'active'"
    ))
    .bind(email)
    .fetch_optional(&mut *conn)
    .await?;
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
    sqlx::query("select 1 from accounts where id = $1 for no key update")
        .bind(account.id)
        .execute(&mut *conn)
        .await?;
    let newer: bool = sqlx::query_scalar(
        "select exists (select 1 from password_reset_tokens where account_id = $1 and created_at > $2)",
    )
    .bind(account.id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    if newer {
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
    sqlx::query(
        "insert into password_reset_tokens (id, account_id, token_hash, created_at, expires_at) \
         values ($1, $2, $3, $4, $5)",
    )
    .bind(Uuid::now_v7())
    .bind(account.id)
    .bind(hash)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
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
    sqlx::query(
        "update password_reset_tokens set superseded_at = $2 \
         where account_id = $1 and used_at is null and superseded_at is null",
    )
    .bind(account.id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
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
    type Row = (
        Uuid,
        OffsetDateTime,
        Option<OffsetDateTime>,
        Option<OffsetDateTime>,
    );
    let row: Option<Row> = sqlx::query_as(&format!(
        "select account_id, expires_at, used_at, superseded_at from password_reset_tokens \
         where token_hash = $1{}",
        if lock { " for update" } else { "" }
    ))
    .bind(hash_token(token))
    .fetch_optional(&mut *conn)
    .await?;
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
    let account: Option<Account> = sqlx::query_as(&format!(
        "select {ACCOUNT_COLUMNS} from accounts where id = $1 and status = 'active'"
    ))
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?;
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
    keep_session: Option<Uuid>,
    action: Action,
    client_ip: &str,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    sqlx::query("update accounts set password_hash = $2, password_changed_at = $3, updated_at = $3 where id = $1")
        .bind(account.id)
        .bind(password_hash)
        .bind(now)
        .execute(&mut *conn)
        .await?;
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
    sqlx::query(
        "update password_reset_tokens set used_at = $2 where account_id = $1 and used_at is null",
    )
    .bind(account.id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(link)
}

/// A signed-in owner's password change: every other session ends, this one stays.
pub async fn change(
    pool: &PgPool,
    account: &Account,
    password_hash: &str,
    current_session: Uuid,
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
    sqlx::query_scalar("select password_hash from accounts where id = $1")
        .bind(account.id)
        .fetch_one(pool)
        .await
}
