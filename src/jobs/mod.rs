//! Scheduled work, one item at a time. A job lists the ids that are due, then claims each in
//! its own transaction with `FOR UPDATE SKIP LOCKED` (so any number of instances do each item
//! exactly once) and does the item's work under a savepoint. When the work fails, the savepoint
//! is rolled back and the failure recorded in the same transaction, while the row is still
//! locked: the item is skipped until its next attempt (exponential backoff), shown to account
//! managers, and every other item proceeds. A later success resolves the record.

pub mod store;

use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::ids::AccountId;
pub use store::FailureView;

/// Who an item belongs to: (partner, customer), as the claim selects it.
pub type Owner = (Option<AccountId>, Option<AccountId>);

/// One job: the table it works on and the SQL condition that makes an item due, written over
/// the table's `alias` and `$1`, the time of the run. The same condition lists the due items,
/// re-checks each one under its lock, and resolves records of items that are no longer due
/// (a trial converted meanwhile, a PBX that reported again).
pub struct Job {
    /// The job's name in `job_failures` (see `label`); a constant, never user input.
    pub name: &'static str,
    /// The table with its alias, e.g. `subscriptions s`; it has `id`, `partner_id`, `customer_id`.
    pub table: &'static str,
    pub alias: &'static str,
    pub due: String,
    /// The order due items are taken in, e.g. `s.trial_ends_at`.
    pub order: &'static str,
}

impl Job {
    /// Up to `limit` due items, leaving out those that wait for their next attempt.
    pub async fn due_items(
        &self,
        pool: &PgPool,
        now: OffsetDateTime,
        limit: i64,
    ) -> anyhow::Result<Vec<Uuid>> {
        store::resolve_not_due(pool, self, now).await?;
        Ok(store::list_due(pool, self, now, limit).await?)
    }

    /// Claims item `id`: `None` when another runner holds it, it is no longer due, or it waits
    /// for its next attempt.
    pub async fn claim(
        &self,
        pool: &PgPool,
        id: Uuid,
        now: OffsetDateTime,
    ) -> anyhow::Result<Option<Item>> {
        let mut tx = pool.begin().await?;
        let Some(owner) = store::lock_due(&mut tx, self, id, now).await? else {
            return Ok(None);
        };
        // A fresh statement after the lock: it sees a failure that another runner recorded
        // while it held the row, so the same failure is not tried twice in one round.
        if store::backing_off(&mut tx, self.name, id, now).await? {
            return Ok(None);
        }
        sqlx::query("savepoint item").execute(&mut *tx).await?;
        Ok(Some(Item {
            tx,
            job: self.name,
            id,
            owner,
            now,
        }))
    }
}

/// The wait before the next attempt after `attempts` failures: 5 minutes, doubling, at most a
/// day (a job runs every minute; a row that needs a person should not flood the log).
pub fn backoff(attempts: i32) -> Duration {
    let doublings = attempts.clamp(1, 10) - 1;
    Duration::minutes(5 * (1i64 << doublings)).min(Duration::days(1))
}

/// One claimed item: the transaction holding its row lock, inside which its work runs under
/// the savepoint `item`.
pub struct Item {
    tx: Transaction<'static, Postgres>,
    job: &'static str,
    id: Uuid,
    owner: Owner,
    now: OffsetDateTime,
}

impl Item {
    pub fn conn(&mut self) -> &mut PgConnection {
        &mut self.tx
    }

    /// Commits the item's work and resolves an earlier failure, or undoes the work and records
    /// the failure. `Some` with the work's value when it succeeded.
    pub async fn finish<T>(mut self, outcome: anyhow::Result<T>) -> anyhow::Result<Option<T>> {
        let value = match outcome {
            Ok(value) => {
                sqlx::query("release savepoint item")
                    .execute(&mut *self.tx)
                    .await?;
                store::resolve(&mut self.tx, self.job, self.id, self.now).await?;
                Some(value)
            }
            Err(err) => {
                let error = format!("{err:#}");
                sqlx::query("rollback to savepoint item")
                    .execute(&mut *self.tx)
                    .await?;
                let attempts = store::record(
                    &mut self.tx,
                    self.job,
                    self.id,
                    self.owner,
                    &error,
                    self.now,
                )
                .await?;
                tracing::error!(
                    job = self.job,
                    item = %self.id,
                    attempts,
                    error,
                    "scheduled job failed for one item; it is retried later"
                );
                None
            }
        };
        self.tx.commit().await?;
        crate::telemetry::job_item(self.job, value.is_some());
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_five_minutes_up_to_a_day() {
        let minutes: Vec<i64> = (1..=12).map(|n| backoff(n).whole_minutes()).collect();
        assert_eq!(
            minutes,
            [5, 10, 20, 40, 80, 160, 320, 640, 1280, 1440, 1440, 1440]
        );
        assert_eq!(backoff(0), Duration::minutes(5));
        assert_eq!(backoff(i32::MAX), Duration::days(1));
    }
}
