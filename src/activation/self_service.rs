//! "Send me a new link" on an expired activation link: the holder of the link asks for a fresh
//! 48-hour one, emailed to the account's own address (never to one the visitor names), so the
//! link's owner is the only one who can use it.
//!
//! The answer never says whether anything was sent (the caller shows one page whatever the
//! outcome), so the form tells nobody which links or accounts exist. Limits:
//! - per client address: the sign-in throttle's conditional upsert, counted before anything is
//!   looked up (a few quick requests, then growing delays, at most 20 an hour);
//! - per account: only the account's *latest* link, once it has *expired*, can ask, and asking
//!   replaces it. The check runs under the account's row lock, so of any number of requests at
//!   once exactly one sends; the next can come only when the new link has expired in turn, so
//!   an account gets at most one self-service link per 48 hours — stricter than a daily count.
//!
//! These requests are audited as `activation.requested`; the account manager's resends
//! (`activation.resent`, limited to 5 a day in `resend`) are counted apart and keep working.

use sqlx::PgPool;
use time::OffsetDateTime;

use super::{classify, find_token, LinkState};
use crate::accounts::store as account_store;
use crate::audit::Action;
use crate::auth::throttle::Limit;

/// Requests per client address: a few quick ones, then growing delays, at most 20 an hour.
pub const CLIENT: Limit = Limit {
    free_failures: 5,
    max_per_hour: 20,
};

/// The audit action of a link asked for by its holder (the manager's is `activation.resent`).
pub const ACTION: Action = Action::ActivationRequested;

pub fn client_key(ip: &str) -> (String, Limit) {
    (format!("activation-request:ip:{ip}"), CLIENT)
}

/// What happened; for logs and tests only (the visitor is shown the same page in every case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Unknown, used, replaced or still valid link, or an account no longer pending.
    NotExpired,
}

/// Issues and emails a new link when `token` is the account's latest link and has expired.
pub async fn request_new_link(
    pool: &PgPool,
    token: &str,
    public_base_url: &str,
    client_ip: &str,
    now: OffsetDateTime,
) -> anyhow::Result<Outcome> {
    let mut tx = pool.begin().await?;
    let Some(row) = find_token(&mut tx, token, false).await? else {
        return Ok(Outcome::NotExpired);
    };
    // The account first, then the link again: two requests at once are serialised here, and
    // the second sees the link the first one replaced.
    let account = account_store::lock(&mut tx, row.account_id).await?;
    let (Some(account), Some(row)) = (account, find_token(&mut tx, token, true).await?) else {
        return Ok(Outcome::NotExpired);
    };
    let LinkState::Expired { account } = classify(&row, account, now) else {
        return Ok(Outcome::NotExpired);
    };
    let by = super::Requester {
        actor: account.id,
        action: ACTION,
        client_ip,
    };
    super::send_new_link(&mut tx, &account, by, public_base_url, now).await?;
    tx.commit().await?;
    Ok(Outcome::Sent)
}
