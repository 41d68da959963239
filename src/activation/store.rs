//! SQL for activation links (`activation_tokens`). Only the SHA-256 of a token is stored.

use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::model::AccountId;
use crate::tokens;

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
    tokens::supersede_links(conn, "activation_tokens", account_id, now).await
}

pub(super) async fn insert_link(
    conn: &mut PgConnection,
    account_id: AccountId,
    token_hash: &[u8],
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> sqlx::Result<()> {
    tokens::insert_link(
        conn,
        "activation_tokens",
        account_id,
        token_hash,
        now,
        expires_at,
    )
    .await
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
