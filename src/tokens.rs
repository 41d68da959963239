//! One-time secrets (activation links, password-reset links, PBX API keys): the caller shows
//! the token once and stores only its SHA-256, so a leaked table opens nothing. 32 random bytes
//! need no slow hash: nobody can guess them, and a lookup by hash stays an index probe.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ids::AccountId;

/// A fresh token (what goes in the link) and its hash (what is stored).
pub fn new_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Stores a new link of the account in `table`, one of the tables of one-time links
/// (`activation_tokens`, `password_reset_tokens`), which share their columns.
pub async fn insert_link(
    conn: &mut PgConnection,
    table: &'static str,
    account_id: AccountId,
    token_hash: &[u8],
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "insert into {table} (id, account_id, token_hash, created_at, expires_at) \
         values ($1, $2, $3, $4, $5)"
    ))
    .bind(Uuid::now_v7())
    .bind(account_id)
    .bind(token_hash)
    .bind(now)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Every unused link of the account in `table` (as for [`insert_link`]) stops working.
pub async fn supersede_links(
    conn: &mut PgConnection,
    table: &'static str,
    account_id: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "update {table} set superseded_at = $2 \
         where account_id = $1 and used_at is null and superseded_at is null"
    ))
    .bind(account_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_and_only_their_hash_is_kept() {
        let (token, hash) = new_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&token).unwrap().len(), 32);
        assert_eq!(hash, hash_token(&token));
        assert_eq!(hash.len(), 32);
        assert_ne!(new_token().0, token);
    }
}
