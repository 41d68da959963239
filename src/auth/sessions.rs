//! The signed-in sessions of each account. The cookie session (tower-sessions) carries the id of
//! one row here; deleting the row signs that session out on its next request, which is how
//! sessions are ended server-side and listed on the security page.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts;
use crate::accounts::model::{Account, AccountId};
use crate::ids::SessionId;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: SessionId,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub user_agent: String,
    pub client_ip: String,
}

pub async fn create(
    pool: &PgPool,
    account_id: AccountId,
    user_agent: &str,
    client_ip: &str,
    now: OffsetDateTime,
) -> sqlx::Result<SessionId> {
    let id = SessionId(Uuid::new_v4());
    sqlx::query(
        "insert into account_sessions (id, account_id, created_at, last_seen_at, user_agent, client_ip) \
         values ($1, $2, $3, $3, $4, $5)",
    )
    .bind(id)
    .bind(account_id)
    .bind(now)
    .bind(user_agent.chars().take(300).collect::<String>())
    .bind(client_ip)
    .execute(pool)
    .await?;
    Ok(id)
}

/// The account behind a live session, in one query (run on every signed-in request).
pub async fn find_account(
    pool: &PgPool,
    account_id: AccountId,
    session_id: SessionId,
) -> sqlx::Result<Option<Account>> {
    accounts::store::find_with_session(pool, account_id, session_id).await
}

pub async fn touch(pool: &PgPool, session_id: SessionId, now: OffsetDateTime) -> sqlx::Result<()> {
    sqlx::query("update account_sessions set last_seen_at = $2 where id = $1")
        .bind(session_id)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn list(pool: &PgPool, account_id: AccountId) -> sqlx::Result<Vec<SessionRow>> {
    sqlx::query_as(
        "select id, created_at, last_seen_at, user_agent, client_ip from account_sessions \
         where account_id = $1 order by last_seen_at desc limit 100",
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
}

/// Ends one session of the account; returns false if it was not one of its sessions.
pub async fn end(
    pool: &PgPool,
    account_id: AccountId,
    session_id: SessionId,
) -> sqlx::Result<bool> {
    let done = sqlx::query("delete from account_sessions where account_id = $1 and id = $2")
        .bind(account_id)
        .bind(session_id)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every session of the account but `keep` (every session when `keep` is None).
pub async fn end_all_but(
    conn: &mut PgConnection,
    account_id: AccountId,
    keep: Option<SessionId>,
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "delete from account_sessions where account_id = $1 and ($2::uuid is null or id <> $2)",
    )
    .bind(account_id)
    .bind(keep)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
