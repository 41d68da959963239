//! Limits on sign-in attempts (password, second factor, and the step-up checks that stand in
//! for them), per account and per client address, and on password reset requests. A few quick
//! failures are free; after that each one adds a growing delay, and an hourly cap stops slow
//! guessing. An attempt is counted *before* it is checked and given back when it was right, so
//! a burst of parallel requests cannot outrun the count. State lives in PostgreSQL so every app
//! instance sees it.

use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

use super::store;

/// How many failures a key may have before delays start, and in one hour at most.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub free_failures: i32,
    pub max_per_hour: i32,
}

/// Per account (keyed by the email as typed, so unknown emails are limited identically).
pub const ACCOUNT: Limit = Limit {
    free_failures: 5,
    max_per_hour: 100,
};
/// Per client address: higher, since offices share one address.
pub const CLIENT: Limit = Limit {
    free_failures: 20,
    max_per_hour: 500,
};

/// Reset requests per email (as typed, known or not): three quick ones, five an hour.
pub const RESET_EMAIL: Limit = Limit {
    free_failures: 3,
    max_per_hour: 5,
};

const WINDOW: Duration = Duration::hours(1);
const MAX_DELAY_SECONDS: i64 = 300;

pub fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

pub fn client_key(ip: &str) -> String {
    format!("ip:{ip}")
}

/// The keys of a reset request: every request counts, whether or not the email has an account.
pub fn reset_keys(email: &str, ip: &str) -> [(String, Limit); 2] {
    [
        (
            format!("reset:email:{}", email.trim().to_lowercase()),
            RESET_EMAIL,
        ),
        (format!("reset:{ip}"), CLIENT),
    ]
}

/// How long a key stays locked after its `failures`-th failure in the current window.
pub fn delay_after(
    failures: i32,
    limit: Limit,
    window_started_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Option<OffsetDateTime> {
    if failures >= limit.max_per_hour {
        return Some(window_started_at + WINDOW);
    }
    if failures < limit.free_failures {
        return None;
    }
    // 1 s after the first failure past the free ones, doubling, at most five minutes.
    let exponent = (failures - limit.free_failures).min(16) as u32;
    Some(now + Duration::seconds((1i64 << exponent).min(MAX_DELAY_SECONDS)))
}

/// Attempts that were counted before their verdict: a right answer gives them back
/// ([`Reservation::release`]); a wrong one leaves them counted.
#[derive(Debug)]
#[must_use = "a right answer should release the reservation"]
pub struct Reservation {
    /// Each key with the lock this attempt set on it, if it set one.
    keys: Vec<(String, Option<OffsetDateTime>)>,
    /// When the keys lock because of this attempt, if they do.
    locked_until: Option<OffsetDateTime>,
}

impl Reservation {
    /// True when this attempt used up the free ones: a wrong answer now means a lock.
    pub fn locks(&self) -> bool {
        self.locked_until.is_some()
    }

    /// Gives the attempt back (the answer was right): each key's count goes down by one, and
    /// the lock this attempt set is lifted (the key was not locked before it, or the attempt
    /// would have been refused), unless a later attempt has set another one since.
    pub async fn release(self, pool: &PgPool) -> sqlx::Result<()> {
        for (key, locked) in &self.keys {
            store::give_back_attempt(pool, key, *locked).await?;
        }
        Ok(())
    }
}

/// Counts one attempt against every key *before* it is checked, or refuses it (returning when
/// the earliest retry is allowed) if any key is locked. Each key is one conditional upsert that
/// does nothing while the key is locked, and the lock an attempt causes is set in the same
/// transaction while its row is still locked, so N concurrent attempts cannot all slip past:
/// at most the free failures get a verdict, the rest are refused. Either every key counts the
/// attempt or none does. Keys are taken in sorted order so two attempts never deadlock.
pub async fn reserve(
    pool: &PgPool,
    keys: &[(String, Limit)],
    now: OffsetDateTime,
) -> sqlx::Result<Result<Reservation, OffsetDateTime>> {
    let mut keys = keys.to_vec();
    keys.sort_by(|a, b| a.0.cmp(&b.0));
    keys.dedup_by(|a, b| a.0 == b.0);
    let mut tx = pool.begin().await?;
    let mut locked_until = None;
    let mut reserved = Vec::with_capacity(keys.len());
    for (key, limit) in &keys {
        // A key whose window has passed starts a new one.
        let counted = store::count_attempt(&mut tx, key, now, now - WINDOW).await?;
        let Some((failures, window_started_at)) = counted else {
            let until = store::locked_until(&mut tx, key).await?;
            tx.rollback().await?;
            return Ok(Err(until));
        };
        let locked = delay_after(failures, *limit, window_started_at, now);
        store::set_locked_until(&mut tx, key, locked).await?;
        if locked.is_some() {
            tracing::warn!(key, failures, "attempts throttled");
            locked_until = locked_until.max(locked);
        }
        reserved.push((key.clone(), locked));
    }
    tx.commit().await?;
    Ok(Ok(Reservation {
        keys: reserved,
        locked_until,
    }))
}

/// The keys of a sign-in attempt (and of every check that stands in for one): the account, by
/// the email as typed, and the client address.
pub fn sign_in_keys(email: &str, ip: &str) -> [(String, Limit); 2] {
    [(account_key(email), ACCOUNT), (client_key(ip), CLIENT)]
}

/// A successful sign-in clears the account's counter (not the client's: one valid account must
/// not reset the limit for guessing others).
pub async fn reset(pool: &PgPool, key: &str) -> sqlx::Result<()> {
    store::delete_throttle_key(pool, key).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn delays_start_after_the_free_failures_grow_and_cap_per_hour() {
        let now = datetime!(2026-11-27 12:00 UTC);
        let start = now - Duration::minutes(10);
        assert_eq!(delay_after(4, ACCOUNT, start, now), None);
        assert_eq!(
            delay_after(5, ACCOUNT, start, now),
            Some(now + Duration::seconds(1))
        );
        assert_eq!(
            delay_after(7, ACCOUNT, start, now),
            Some(now + Duration::seconds(4))
        );
        assert_eq!(
            delay_after(40, ACCOUNT, start, now),
            Some(now + Duration::seconds(300))
        );
        assert_eq!(
            delay_after(100, ACCOUNT, start, now),
            Some(start + Duration::hours(1))
        );
    }
}
