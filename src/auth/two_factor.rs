//! Turning TOTP two-factor authentication on and off, and checking a second factor (a TOTP code
//! or a one-time recovery code). Only the account's owner turns it on; the owner (with password
//! and code) or the customer's partner (lost phone) turns it off. Every change is audited and
//! the owner is emailed.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::recovery;
use super::secretbox::{SecretBox, Unsealed};
use super::sessions;
use super::store;
use super::totp;
use crate::accounts::credentials;
use crate::accounts::model::{Account, AccountId};
use crate::audit::Action;
use crate::audit::{self, Entry};
use crate::ids::SessionId;
use crate::mail::messages::SecurityNotice;
use crate::mail::outbox;

/// Which second factor was accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    Totp,
    RecoveryCode { remaining: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeCheck {
    Accepted(Accepted),
    Wrong,
    /// A correct TOTP code whose time step was already used.
    Replayed,
    /// The stored TOTP secret opens with neither `SECRET_KEY` nor `SECRET_KEY_PREVIOUS` (a key
    /// rotated without keeping the old one), so no TOTP code can be checked; recovery codes
    /// still work. Logged as an error naming the account.
    Unreadable,
}

/// Checks a second factor for `account_id`. A TOTP time step is accepted at most once per
/// account, enforced by one conditional update, so two concurrent submissions of the same code
/// cannot both pass; a recovery code is consumed the same way.
pub async fn verify(
    pool: &PgPool,
    secrets: &SecretBox,
    account_id: AccountId,
    code: &str,
    now: OffsetDateTime,
) -> anyhow::Result<CodeCheck> {
    let sealed = credentials::sealed_totp_secret(pool, account_id).await?;
    let Some(sealed) = sealed else {
        return Ok(CodeCheck::Wrong);
    };
    if recovery::looks_like_recovery_code(code) {
        if !store::use_recovery_code(pool, account_id, &recovery::hash(code), now).await? {
            return Ok(CodeCheck::Wrong);
        }
        let remaining = codes_left(pool, account_id).await?;
        return Ok(CodeCheck::Accepted(Accepted::RecoveryCode { remaining }));
    }
    let secret = match secrets.unseal(&sealed) {
        Ok(unsealed) => store_resealed(pool, account_id, &sealed, unsealed).await?,
        Err(err) => {
            // The person cannot fix this; the operator can (restore the previous key as
            // SECRET_KEY_PREVIOUS) or a partner/manager resets this account's 2FA.
            tracing::error!(account = %account_id, error = %format!("{err:#}"),
                "a TOTP secret opens with neither SECRET_KEY nor SECRET_KEY_PREVIOUS; the account \
                 can finish signing in only with a recovery code until its 2FA is reset");
            return Ok(CodeCheck::Unreadable);
        }
    };
    let Some(step) = totp::matching_step(&secret, code, now.unix_timestamp().max(0) as u64) else {
        return Ok(CodeCheck::Wrong);
    };
    if credentials::accept_totp_step(pool, account_id, step).await? {
        Ok(CodeCheck::Accepted(Accepted::Totp))
    } else {
        tracing::warn!(account = %account_id, step, "refused a replayed TOTP code");
        Ok(CodeCheck::Replayed)
    }
}

/// Hands back the opened TOTP secret. One sealed by `SECRET_KEY_PREVIOUS` (or before key ids)
/// is stored again under the current key, so a rotation completes as people sign in; the update
/// is conditional on the old value, so a concurrent turn-off or re-enrolment is never overwritten.
async fn store_resealed(
    pool: &PgPool,
    account_id: AccountId,
    sealed: &[u8],
    unsealed: Unsealed,
) -> sqlx::Result<Vec<u8>> {
    if let Some(resealed) = &unsealed.resealed {
        credentials::reseal_totp_secret(pool, account_id, sealed, resealed).await?;
        tracing::info!(account = %account_id, "re-sealed a TOTP secret under the current SECRET_KEY");
    }
    Ok(unsealed.plaintext)
}

/// What [`reseal_all`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Resealed {
    /// Secrets now sealed under the current key that were not before.
    pub resealed: u64,
    /// Secrets already under the current key.
    pub current: u64,
    /// Secrets neither key opens (their accounts cannot finish a TOTP sign-in).
    pub unreadable: u64,
}

/// Re-seals every stored TOTP secret under the current key, so `SECRET_KEY_PREVIOUS` can be
/// removed without waiting for every account to sign in. Safe to run while the portal serves:
/// each update is conditional on the value it read.
pub async fn reseal_all(pool: &PgPool, secrets: &SecretBox) -> anyhow::Result<Resealed> {
    let rows = credentials::all_sealed_totp_secrets(pool).await?;
    let mut report = Resealed::default();
    for (account_id, sealed) in rows {
        match secrets.unseal(&sealed) {
            Ok(unsealed) if unsealed.resealed.is_none() => report.current += 1,
            Ok(unsealed) => {
                store_resealed(pool, account_id, &sealed, unsealed).await?;
                report.resealed += 1;
            }
            Err(err) => {
                tracing::error!(account = %account_id, error = %err, "TOTP secret unreadable");
                report.unreadable += 1;
            }
        }
    }
    Ok(report)
}

pub async fn codes_left(pool: &PgPool, account_id: AccountId) -> sqlx::Result<i64> {
    store::unused_recovery_codes(pool, account_id).await
}

async fn replace_codes(
    conn: &mut PgConnection,
    account_id: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<Vec<String>> {
    store::delete_recovery_codes(&mut *conn, account_id).await?;
    let codes = recovery::generate();
    for code in &codes {
        store::insert_recovery_code(&mut *conn, account_id, &recovery::hash(code), now).await?;
    }
    Ok(codes)
}

/// Who changed what, for the audit log and the owner's email.
pub struct Change<'a> {
    pub actor: AccountId,
    pub client_ip: &'a str,
    pub now: OffsetDateTime,
}

async fn notify(
    conn: &mut PgConnection,
    account: &Account,
    headline: &str,
    what: &str,
    change: &Change<'_>,
) -> anyhow::Result<()> {
    let name = account.full_name();
    let email = SecurityNotice {
        account_id: account.id,
        recipient: &account.email,
        recipient_name: name.trim(),
        headline,
        what,
        at: change.now,
        client_ip: change.client_ip,
        zone: account.zone(),
    }
    .render()?;
    outbox::enqueue(conn, &email, change.now).await?;
    Ok(())
}

async fn audit(
    conn: &mut PgConnection,
    account: &Account,
    action: Action,
    change: &Change<'_>,
    details: serde_json::Value,
) -> sqlx::Result<()> {
    audit::record(
        conn,
        Entry {
            actor: Some(change.actor),
            action,
            target: Some(account.id),
            partner: account.tenant(),
            client_ip: Some(change.client_ip),
            details,
        },
        change.now,
    )
    .await
}

/// What turning 2FA on produced: the recovery codes (shown once) and how many other sessions
/// were signed out.
pub struct Enabled {
    pub codes: Vec<String>,
    pub sessions_ended: u64,
}

/// Turns 2FA on once the owner proved their app has `secret` with a current `code`; with
/// `end_others_but`, every other session of the account ends in the same transaction. None
/// when the code does not match.
pub async fn enable(
    pool: &PgPool,
    secrets: &SecretBox,
    account: &Account,
    secret: &[u8],
    code: &str,
    end_others_but: Option<SessionId>,
    change: Change<'_>,
) -> anyhow::Result<Option<Enabled>> {
    let Some(step) = totp::matching_step(secret, code, change.now.unix_timestamp().max(0) as u64)
    else {
        return Ok(None);
    };
    let mut tx = pool.begin().await?;
    // The confirming code's step is spent: it cannot be replayed to sign in.
    let sealed = secrets.seal(secret);
    credentials::enable_two_factor(&mut tx, account.id, &sealed, step, change.now).await?;
    let codes = replace_codes(&mut tx, account.id, change.now).await?;
    let sessions_ended = match end_others_but {
        Some(keep) => sessions::end_all_but(&mut tx, account.id, Some(keep)).await?,
        None => 0,
    };
    let details = json!({ "sessions_ended": sessions_ended });
    audit(&mut tx, account, Action::TwoFactorEnabled, &change, details).await?;
    notify(&mut tx, account, "two-factor authentication was turned on",
        "Two-factor authentication was turned on for your Yeastar Portal account. Signing in now needs a code from your authenticator app.",
        &change).await?;
    tx.commit().await?;
    Ok(Some(Enabled {
        codes,
        sessions_ended,
    }))
}

/// Turns 2FA off. `by_partner` marks the partner's "lost phone" reset of a customer.
pub async fn disable(
    pool: &PgPool,
    account: &Account,
    by_partner: bool,
    change: Change<'_>,
) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    credentials::disable_two_factor(&mut tx, account.id, change.now).await?;
    store::delete_recovery_codes(&mut tx, account.id).await?;
    let by = if by_partner { "partner" } else { "owner" };
    audit(
        &mut tx,
        account,
        Action::TwoFactorDisabled,
        &change,
        json!({ "by": by }),
    )
    .await?;
    let what = if by_partner {
        "Your Yeastar partner turned off two-factor authentication for your account (for example because you lost your phone). Sign in with your password and turn it on again on the Security page."
    } else {
        "Two-factor authentication was turned off for your Yeastar Portal account."
    };
    notify(
        &mut tx,
        account,
        "two-factor authentication was turned off",
        what,
        &change,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Replaces every recovery code with 10 new ones (shown once).
pub async fn regenerate_codes(
    pool: &PgPool,
    account: &Account,
    change: Change<'_>,
) -> anyhow::Result<Vec<String>> {
    let mut tx = pool.begin().await?;
    let codes = replace_codes(&mut tx, account.id, change.now).await?;
    audit(
        &mut tx,
        account,
        Action::TwoFactorRecoveryCodesRegenerated,
        &change,
        json!({}),
    )
    .await?;
    notify(&mut tx, account, "new recovery codes were created",
        "New recovery codes were created for your Yeastar Portal account; the old ones no longer work.",
        &change).await?;
    tx.commit().await?;
    Ok(codes)
}

/// True when every one of `codes` is an unused recovery code of the account (the codes page
/// offers them for download; nothing but the account's current codes is ever echoed back).
pub async fn are_current_codes(
    pool: &PgPool,
    account_id: AccountId,
    codes: &[String],
) -> sqlx::Result<bool> {
    let mut hashes: Vec<Vec<u8>> = codes.iter().map(|c| recovery::hash(c)).collect();
    hashes.sort();
    hashes.dedup();
    if hashes.is_empty() || hashes.len() != codes.len() {
        return Ok(false);
    }
    let found = store::count_unused_among(pool, account_id, &hashes).await?;
    Ok(found == hashes.len() as i64)
}
