//! The credential columns of `accounts`: the password hash and the TOTP secret, last accepted
//! time step and two-factor flag. `auth` keeps the rules (hashing, sealing, replay); the SQL on
//! the table is here, with its owner.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::model::{Account, AccountId};
use super::store::find_where;

/// The active account with this email (the only kind a reset link is sent to), read inside the
/// caller's transaction.
pub async fn find_active_by_email(
    conn: &mut PgConnection,
    email: &str,
) -> sqlx::Result<Option<Account>> {
    find_where(
        conn,
        "lower(email) = lower($1) and status = 'active'",
        email,
    )
    .await
}

/// The active account with this id, inside the caller's transaction.
pub async fn find_active_by_id(
    conn: &mut PgConnection,
    id: AccountId,
) -> sqlx::Result<Option<Account>> {
    find_where(conn, "id = $1 and status = 'active'", id).await
}

/// Locks the account row until the caller's transaction ends, without blocking the foreign-key
/// checks of other writers (one credential worker at a time per account).
pub async fn lock_for_credentials(conn: &mut PgConnection, id: AccountId) -> sqlx::Result<()> {
    sqlx::query("select 1 from accounts where id = $1 for no key update")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores a new password hash and when it changed.
pub async fn set_password_hash(
    conn: &mut PgConnection,
    id: AccountId,
    password_hash: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("update accounts set password_hash = $2, password_changed_at = $3, updated_at = $3 where id = $1")
        .bind(id)
        .bind(password_hash)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// The stored password hash (none before activation).
pub async fn password_hash(pool: &PgPool, id: AccountId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("select password_hash from accounts where id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
}

/// The sealed TOTP secret of an account with two-factor authentication on.
pub async fn sealed_totp_secret(pool: &PgPool, id: AccountId) -> sqlx::Result<Option<Vec<u8>>> {
    Ok(sqlx::query_scalar::<_, Option<Vec<u8>>>(
        "select totp_secret from accounts where id = $1 and two_factor_enabled",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    .flatten())
}

/// Records `step` as the last accepted TOTP time step, only when it is later than the stored
/// one: one conditional update, so a step is accepted at most once. True when it was accepted.
pub async fn accept_totp_step(pool: &PgPool, id: AccountId, step: i64) -> sqlx::Result<bool> {
    let accepted = sqlx::query(
        "update accounts set totp_last_step = $2 \
         where id = $1 and (totp_last_step is null or totp_last_step < $2)",
    )
    .bind(id)
    .bind(step)
    .execute(pool)
    .await?;
    Ok(accepted.rows_affected() == 1)
}

/// Replaces the sealed secret `sealed` by `resealed`, only if it is still the stored value.
pub async fn reseal_totp_secret(
    pool: &PgPool,
    id: AccountId,
    sealed: &[u8],
    resealed: &[u8],
) -> sqlx::Result<()> {
    sqlx::query("update accounts set totp_secret = $3 where id = $1 and totp_secret = $2")
        .bind(id)
        .bind(sealed)
        .bind(resealed)
        .execute(pool)
        .await?;
    Ok(())
}

/// Every stored sealed TOTP secret, with its account.
pub async fn all_sealed_totp_secrets(pool: &PgPool) -> sqlx::Result<Vec<(AccountId, Vec<u8>)>> {
    sqlx::query_as("select id, totp_secret from accounts where totp_secret is not null")
        .fetch_all(pool)
        .await
}

/// Turns two-factor authentication on with the sealed secret; `step` (the confirming code's) is
/// spent.
pub async fn enable_two_factor(
    conn: &mut PgConnection,
    id: AccountId,
    sealed_secret: &[u8],
    step: i64,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "update accounts set totp_secret = $2, two_factor_enabled = true, totp_last_step = $3, \
         updated_at = $4 where id = $1",
    )
    .bind(id)
    .bind(sealed_secret)
    .bind(step)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Turns two-factor authentication off and forgets the secret.
pub async fn disable_two_factor(
    conn: &mut PgConnection,
    id: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "update accounts set two_factor_enabled = false, totp_secret = null, totp_last_step = null, \
         updated_at = $2 where id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
