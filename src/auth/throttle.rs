//! Limits on failed sign-in attempts (password and second factor), per account and per client
//! address. A few quick failures are free; after that each failure adds a growing delay, and an
//! hourly cap stops slow guessing. State lives in PostgreSQL so every app instance sees it.

use sqlx::PgPool;
use time::{Duration, OffsetDateTime};

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

const WINDOW: Duration = Duration::hours(1);
const MAX_DELAY_SECONDS: i64 = 300;

pub fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

pub fn client_key(ip: &str) -> String {
    format!("ip:{ip}")
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

/// When the earliest of `keys` may try again, if any of them is locked now.
pub async fn locked_until(
    pool: &PgPool,
    keys: &[String],
    now: OffsetDateTime,
) -> sqlx::Result<Option<OffsetDateTime>> {
    sqlx::query_scalar(
        "select max(locked_until) from login_throttle where key = any($1) and locked_until > $2",
    )
    .bind(keys)
    .bind(now)
    .fetch_one(pool)
    .await
}

/// Counts one failure against `key`.
pub async fn record_failure(
    pool: &PgPool,
    key: &str,
    limit: Limit,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    // A failure after the window has passed starts a new window.
    let (failures, window_started_at): (i32, OffsetDateTime) = sqlx::query_as(
        "insert into login_throttle (key, failures, window_started_at, last_failure_at) \
         values ($1, 1, $2, $2) \
         on conflict (key) do update set \
           failures = case when login_throttle.window_started_at <= $3 then 1 \
                           else login_throttle.failures + 1 end, \
           window_started_at = case when login_throttle.window_started_at <= $3 then $2 \
                                    else login_throttle.window_started_at end, \
           last_failure_at = $2 \
         returning failures, window_started_at",
    )
    .bind(key)
    .bind(now)
    .bind(now - WINDOW)
    .fetch_one(&mut *tx)
    .await?;
    let locked = delay_after(failures, limit, window_started_at, now);
    sqlx::query("update login_throttle set locked_until = $2 where key = $1")
        .bind(key)
        .bind(locked)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    if locked.is_some() {
        tracing::warn!(key, failures, "sign-in attempts throttled");
    }
    Ok(())
}

/// A successful sign-in clears the account's counter (not the client's: one valid account must
/// not reset the limit for guessing others).
pub async fn reset(pool: &PgPool, key: &str) -> sqlx::Result<()> {
    sqlx::query("delete from login_throttle where key = $1")
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
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
