//! SQL for the tables `auth` owns besides the sessions (`sessions.rs`): recovery codes, the
//! sign-in throttle, and password reset requests and links. The rules stay in `two_factor`,
//! `throttle` and `password_reset`.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::model::AccountId;

// ---- recovery_codes -------------------------------------------------------------------------

/// Marks an unused code of the account used; true when there was one.
pub async fn use_recovery_code(
    pool: &PgPool,
    account_id: AccountId,
    code_hash: &[u8],
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let used = sqlx::query(
        "update recovery_codes set used_at = $3 \
         where account_id = $1 and code_hash = $2 and used_at is null",
    )
    .bind(account_id)
    .bind(code_hash)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(used.rows_affected() == 1)
}

pub async fn unused_recovery_codes(pool: &PgPool, account_id: AccountId) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "select count(*) from recovery_codes where account_id = $1 and used_at is null",
    )
    .bind(account_id)
    .fetch_one(pool)
    .await
}

/// How many of `code_hashes` are unused codes of the account.
pub async fn count_unused_among(
    pool: &PgPool,
    account_id: AccountId,
    code_hashes: &[Vec<u8>],
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "select count(*) from recovery_codes where account_id = $1 and used_at is null \
         and code_hash = any($2)",
    )
    .bind(account_id)
    .bind(code_hashes)
    .fetch_one(pool)
    .await
}

pub async fn delete_recovery_codes(
    conn: &mut PgConnection,
    account_id: AccountId,
) -> sqlx::Result<()> {
    sqlx::query("delete from recovery_codes where account_id = $1")
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_recovery_code(
    conn: &mut PgConnection,
    account_id: AccountId,
    code_hash: &[u8],
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into recovery_codes (id, account_id, code_hash, created_at) values ($1, $2, $3, $4)",
    )
    .bind(Uuid::new_v4())
    .bind(account_id)
    .bind(code_hash)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

// ---- password_reset_requests and password_reset_tokens --------------------------------------

pub async fn queue_reset_request(
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
    .bind(email)
    .bind(client_ip)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// The oldest queued request no other worker holds, taken off the queue (the deletion commits
/// with the caller's transaction): id, email, client address, when it was asked.
pub async fn claim_reset_request(
    conn: &mut PgConnection,
) -> sqlx::Result<Option<(Uuid, String, String, OffsetDateTime)>> {
    sqlx::query_as(
        "delete from password_reset_requests where id = \
           (select id from password_reset_requests order by requested_at \
            for update skip locked limit 1) \
         returning id, email, client_ip, requested_at",
    )
    .fetch_optional(conn)
    .await
}

/// Whether the account was given a link later than `at`.
pub async fn newer_reset_link_exists(
    conn: &mut PgConnection,
    account_id: AccountId,
    at: OffsetDateTime,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "select exists (select 1 from password_reset_tokens where account_id = $1 and created_at > $2)",
    )
    .bind(account_id)
    .bind(at)
    .fetch_one(conn)
    .await
}

pub async fn insert_reset_link(
    conn: &mut PgConnection,
    account_id: AccountId,
    token_hash: &[u8],
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into password_reset_tokens (id, account_id, token_hash, created_at, expires_at) \
         values ($1, $2, $3, $4, $5)",
    )
    .bind(Uuid::now_v7())
    .bind(account_id)
    .bind(token_hash)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Every outstanding reset link of the account stops working.
pub async fn supersede_reset_links(
    conn: &mut PgConnection,
    account_id: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "update password_reset_tokens set superseded_at = $2 \
         where account_id = $1 and used_at is null and superseded_at is null",
    )
    .bind(account_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A reset link: its account, when it expires, when it was used or superseded.
pub type ResetLinkRow = (
    AccountId,
    OffsetDateTime,
    Option<OffsetDateTime>,
    Option<OffsetDateTime>,
);

/// The reset link with this token hash, locked (FOR UPDATE) when `lock`.
pub async fn find_reset_link(
    conn: &mut PgConnection,
    token_hash: &[u8],
    lock: bool,
) -> sqlx::Result<Option<ResetLinkRow>> {
    sqlx::query_as(&format!(
        "select account_id, expires_at, used_at, superseded_at from password_reset_tokens \
         where token_hash = $1{}",
        if lock { " for update" } else { "" }
    ))
    .bind(token_hash)
    .fetch_optional(conn)
    .await
}

/// Every unused link of the account counts as used.
pub async fn use_reset_links(
    conn: &mut PgConnection,
    account_id: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "update password_reset_tokens set used_at = $2 where account_id = $1 and used_at is null",
    )
    .bind(account_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

// ---- login_throttle -------------------------------------------------------------------------

/// Counts one failure against `key` unless it is locked at `now`; a key whose window started at
/// or before `window_start` starts a new one. The count and window start, or None when locked.
pub async fn count_attempt(
    conn: &mut PgConnection,
    key: &str,
    now: OffsetDateTime,
    window_start: OffsetDateTime,
) -> sqlx::Result<Option<(i32, OffsetDateTime)>> {
    sqlx::query_as(
        "insert into login_throttle as t (key, failures, window_started_at, last_failure_at) \
         values ($1, 1, $2, $2) \
         on conflict (key) do update set \
           failures = case when t.window_started_at <= $3 then 1 else t.failures + 1 end, \
           window_started_at = case when t.window_started_at <= $3 then $2 \
                                    else t.window_started_at end, \
           last_failure_at = $2 \
         where t.locked_until is null or t.locked_until <= $2 \
         returning failures, window_started_at",
    )
    .bind(key)
    .bind(now)
    .bind(window_start)
    .fetch_optional(conn)
    .await
}

pub async fn locked_until(conn: &mut PgConnection, key: &str) -> sqlx::Result<OffsetDateTime> {
    sqlx::query_scalar("select locked_until from login_throttle where key = $1")
        .bind(key)
        .fetch_one(conn)
        .await
}

pub async fn set_locked_until(
    conn: &mut PgConnection,
    key: &str,
    locked: Option<OffsetDateTime>,
) -> sqlx::Result<()> {
    sqlx::query("update login_throttle set locked_until = $2 where key = $1")
        .bind(key)
        .bind(locked)
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes one failure back from `key`, and lifts the lock `locked` if it is still the key's.
pub async fn give_back_attempt(
    pool: &PgPool,
    key: &str,
    locked: Option<OffsetDateTime>,
) -> sqlx::Result<()> {
    sqlx::query(
        "update login_throttle set failures = greatest(failures - 1, 0), \
           locked_until = case when locked_until = $2 then null else locked_until end \
         where key = $1",
    )
    .bind(key)
    .bind(locked)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn delete_throttle_key(pool: &PgPool, key: &str) -> sqlx::Result<()> {
    sqlx::query("delete from login_throttle where key = $1")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}
