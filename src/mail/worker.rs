//! Drains the outbox. A row is claimed with `FOR UPDATE SKIP LOCKED` and a short lease, so any
//! number of workers (in any number of app instances) deliver each email once; a worker that
//! dies mid-send leaves the lease to expire and the email is retried.

use std::time::Duration as StdDuration;

use sqlx::postgres::PgListener;
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};
use tokio::sync::watch;

use super::transport::{Envelope, Transport};
use crate::clock::Clock;
use crate::ids::EmailId;
use crate::telemetry::{self, EmailOutcome};

/// How long a claimed email stays invisible to other workers.
const LEASE: Duration = Duration::minutes(2);
const POLL_INTERVAL: StdDuration = StdDuration::from_secs(5);

/// What wakes the worker between deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// A notification from `enqueue`, or the poll interval, whichever comes first.
    NotifyOrPoll,
    /// The poll interval alone.
    Poll,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// Failed; retried at the given time.
    Retry(OffsetDateTime),
    /// Failed for good (e.g. the address was refused).
    Failed,
}

#[derive(sqlx::FromRow)]
struct Claimed {
    id: EmailId,
    recipient: String,
    subject: String,
    text_body: String,
    html_body: String,
    kind: String,
    attempts: i32,
}

/// Delay before the next attempt after `attempts` failures: 5 s doubling, at most one hour.
/// Transient failures are retried for as long as it takes, so nothing is lost while the SMTP
/// server is down.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = attempts.clamp(1, 20) - 1;
    Duration::seconds((5i64 << exponent).min(3600))
}

pub struct Worker {
    pub pool: PgPool,
    pub transport: Transport,
    pub from: String,
    pub clock: Clock,
}

impl Worker {
    /// Claims and delivers one due email; `None` when nothing is due.
    pub async fn deliver_one(&self) -> anyhow::Result<Option<Delivery>> {
        let Some(email) = self.claim().await? else {
            return Ok(None);
        };
        let envelope = Envelope {
            id: email.id,
            recipient: &email.recipient,
            subject: &email.subject,
            text_body: &email.text_body,
            html_body: &email.html_body,
            kind: &email.kind,
        };
        let result = self.transport.send(&self.from, &envelope).await;
        let now = self.clock.now();
        let outcome = match result {
            Ok(()) => self.mark_sent(email.id, now).await?,
            Err(err) if err.permanent => {
                tracing::error!(email = %email.id, error = %err.message, "email refused for good");
                self.mark_failed(email.id, &err.message).await?
            }
            Err(err) => {
                let next = now + backoff(email.attempts);
                tracing::warn!(email = %email.id, attempts = email.attempts, error = %err.message,
                    retry_at = %next, "email delivery failed; will retry");
                self.retry_at(email.id, &err.message, next).await?
            }
        };
        Ok(Some(outcome))
    }

    /// Takes the next due email for the lease, counting the attempt.
    async fn claim(&self) -> sqlx::Result<Option<Claimed>> {
        let now = self.clock.now();
        sqlx::query_as(
            "update email_outbox set locked_until = $2, attempts = attempts + 1 \
             where id = (select id from email_outbox \
                 where status = 'pending' and next_attempt_at <= $1 \
                   and (locked_until is null or locked_until < $1) \
                 order by next_attempt_at limit 1 for update skip locked) \
             returning id, recipient, subject, text_body, html_body, kind, attempts",
        )
        .bind(now)
        .bind(now + LEASE)
        .fetch_optional(&self.pool)
        .await
    }

    async fn mark_sent(&self, id: EmailId, now: OffsetDateTime) -> sqlx::Result<Delivery> {
        // Once sent (or refused for good) the body is never needed again, and it holds
        // live links (activation, password reset): keep only the envelope that pages
        // showing delivery state read (recipient, subject, kind, status, times).
        sqlx::query(
            "update email_outbox set status = 'sent', sent_at = $2, locked_until = null, \
             last_error = null, text_body = '', html_body = '' where id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        telemetry::email(EmailOutcome::Sent);
        Ok(Delivery::Sent)
    }

    async fn mark_failed(&self, id: EmailId, error: &str) -> sqlx::Result<Delivery> {
        sqlx::query(
            "update email_outbox set status = 'failed', last_error = $2, \
             locked_until = null, text_body = '', html_body = '' where id = $1",
        )
        .bind(id)
        .bind(error)
        .execute(&self.pool)
        .await?;
        telemetry::email(EmailOutcome::Failed);
        Ok(Delivery::Failed)
    }

    async fn retry_at(
        &self,
        id: EmailId,
        error: &str,
        next: OffsetDateTime,
    ) -> sqlx::Result<Delivery> {
        sqlx::query(
            "update email_outbox set last_error = $2, next_attempt_at = $3, \
             locked_until = null where id = $1",
        )
        .bind(id)
        .bind(error)
        .bind(next)
        .execute(&self.pool)
        .await?;
        telemetry::email(EmailOutcome::Retried);
        Ok(Delivery::Retry(next))
    }

    /// Delivers every email that is due now; returns how many were attempted.
    pub async fn drain(&self) -> anyhow::Result<usize> {
        let mut attempted = 0;
        while self.deliver_one().await?.is_some() {
            attempted += 1;
        }
        Ok(attempted)
    }

    /// Runs until `shutdown` turns true: delivers what is due, then waits for a notification
    /// from `enqueue` (sent when the enqueueing transaction commits) or the next poll, which
    /// catches whatever a lost notification or a retry time left behind.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        self.run_waking_on(Wake::NotifyOrPoll, shutdown).await;
    }

    /// As `run`, choosing what wakes the worker (`Wake::Poll` only measures the difference).
    pub async fn run_waking_on(self, wake: Wake, mut shutdown: watch::Receiver<bool>) {
        let mut listener = match wake {
            Wake::NotifyOrPoll => self.listen().await,
            Wake::Poll => None,
        };
        loop {
            if *shutdown.borrow() {
                break;
            }
            if let Err(err) = self.drain().await {
                tracing::error!(error = format!("{err:#}"), "outbox worker error");
            }
            if wake == Wake::NotifyOrPoll && listener.is_none() {
                // The database was away when the worker started: listen once it is back.
                listener = self.listen().await;
            }
            let notified = async {
                match listener.as_mut() {
                    Some(listener) => {
                        if listener.recv().await.is_err() {
                            // The listener reconnects on its next recv; don't spin meanwhile.
                            tokio::time::sleep(POLL_INTERVAL).await;
                        }
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = shutdown.changed() => {}
                _ = notified => {}
                _ = tokio::time::sleep(POLL_INTERVAL) => {}
            }
        }
        tracing::info!("outbox worker stopped");
    }

    /// A connection listening on the outbox's channel; `None` (polling only) when it fails.
    async fn listen(&self) -> Option<PgListener> {
        match PgListener::connect_with(&self.pool).await {
            Ok(mut listener) => match listener.listen("email_outbox").await {
                Ok(()) => Some(listener),
                Err(err) => {
                    tracing::warn!(error = %err, "outbox LISTEN failed; polling only");
                    None
                }
            },
            Err(err) => {
                tracing::warn!(error = %err, "outbox listener failed to connect; polling only");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_five_seconds_and_caps_at_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(5));
        assert_eq!(backoff(2), Duration::seconds(10));
        assert_eq!(backoff(5), Duration::seconds(80));
        assert_eq!(backoff(11), Duration::seconds(3600));
        assert_eq!(backoff(500), Duration::seconds(3600));
    }
}
