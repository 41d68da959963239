//! SQL for activation links (`activation_tokens`). Only the SHA-256 of a token is stored.

use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::model::AccountId;

#[derive(sqlx::FromRow)]
pub(super) struct TokenRow {
    pub id: Uuid,
    pub account_id: AccountId,
    pub expires_at: OffsetDateTime,
    pub used_at: Option<OffsetDateTime>,
    pub superseded_at: Option<OffsetDateTime>,
}

/// Every unused link of the account stops working.
pub(super) async fn supersede_links(
    conn: &mut PgConnection,
    account_id: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "update activation_tokens set superseded_at = $2 \
         where account_id = $1 and used_at is null and superseded_at is null",
    )
    .bind(account_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub(super) async fn insert_link(
    conn: &mut PgConnection,
    account_id: AccountId,
    token_hash: &[u8],
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into activation_tokens (id, account_id, token_hash, created_at, expires_at) \
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

/// The link with this token hash, locked (FOR UPDATE) when `lock`.
pub(super) async fn find_token(
    conn: &mut PgConnection,
    token_hash: &[u8],
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
        .bind(token_hash)
        .fetch_optional(conn)
        .await
}

pub(super) async fn mark_used(
    conn: &mut PgConnection,
    id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("update activation_tokens set used_at = $2 where id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}
