//! Drains the outbox. Due rows are claimed in batches with `FOR UPDATE SKIP LOCKED` and a short
//! lease, so any number of workers (in any number of app instances) deliver each email once; a
//! worker that dies mid-send leaves the lease to expire and the email is retried. A batch is
//! sent over several SMTP connections at once and its outcomes are recorded in one statement.

use std::time::Duration as StdDuration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use time::{Duration, OffsetDateTime};
use tokio::sync::watch;

use super::transport::{self, Envelope, SendError, Transport};
use crate::clock::Clock;
use crate::ids::EmailId;
use crate::telemetry::{self, EmailOutcome};

/// How long a claimed email stays invisible to other workers.
const LEASE: Duration = Duration::minutes(2);
const POLL_INTERVAL: StdDuration = StdDuration::from_secs(5);
/// Emails one worker sends at once: one per connection its transport keeps open. A worker
/// claims no more than that at a time, so every email claimed is being sent at once and its
/// lease covers its own send only, as when emails were claimed one by one.
pub const IN_FLIGHT: usize = transport::CONNECTIONS;
/// A batch's outcomes are recorded once no send has ended for this long, even though some
/// are still going (a hung server, which only lettre's TLS connections wait on without end).
const RECORD_WITHIN: StdDuration = StdDuration::from_secs(1);

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

impl Claimed {
    fn envelope(&self) -> Envelope<'_> {
        Envelope {
            id: self.id,
            recipient: &self.recipient,
            subject: &self.subject,
            text_body: &self.text_body,
            html_body: &self.html_body,
            kind: &self.kind,
        }
    }
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
        Ok(self.deliver_batch(1).await?.pop())
    }

    /// Delivers every email that is due now; returns how many were attempted.
    pub async fn drain(&self) -> anyhow::Result<usize> {
        let mut attempted = 0;
        loop {
            let delivered = self.deliver_batch(IN_FLIGHT as i64).await?.len();
            if delivered == 0 {
                return Ok(attempted);
            }
            attempted += delivered;
        }
    }

    /// Claims up to `limit` due emails, sends them all at once and records their outcomes;
    /// empty when nothing is due. The outcomes are recorded together, in one statement, when
    /// the sends end together; a send that is still going after `RECORD_WITHIN` does not hold
    /// back the record of those that ended, so each email sent is recorded while its own lease
    /// runs, as when emails were sent one by one.
    async fn deliver_batch(&self, limit: i64) -> anyhow::Result<Vec<Delivery>> {
        let emails = self.claim(limit).await?;
        let mut sending: FuturesUnordered<_> =
            emails.iter().map(|email| self.send(email)).collect();
        let mut ended = Vec::with_capacity(emails.len());
        let mut delivered = Vec::with_capacity(emails.len());
        loop {
            let next = if ended.is_empty() {
                Ok(sending.next().await)
            } else {
                tokio::time::timeout(RECORD_WITHIN, sending.next()).await
            };
            match next {
                Ok(Some((email, result))) => ended.push(judge(email, result, self.clock.now())),
                Ok(None) => {
                    self.record(&ended).await?;
                    delivered.extend(ended.into_iter().map(|outcome| outcome.delivery));
                    return Ok(delivered);
                }
                Err(_slow) => {
                    self.record(&ended).await?;
                    delivered.extend(ended.drain(..).map(|outcome| outcome.delivery));
                }
            }
        }
    }

    async fn send<'a>(&self, email: &'a Claimed) -> (&'a Claimed, Result<(), SendError>) {
        let result = self.transport.send(&self.from, &email.envelope()).await;
        (email, result)
    }

    /// Takes up to `limit` due emails for the lease, counting the attempt of each.
    async fn claim(&self, limit: i64) -> sqlx::Result<Vec<Claimed>> {
        let now = self.clock.now();
        // `materialized`: the locking select runs once, whatever plan the update gets.
        sqlx::query_as(
            "with due as materialized ( \
                 select id from email_outbox \
                 where status = 'pending' and next_attempt_at <= $1 \
                   and (locked_until is null or locked_until < $1) \
                 order by next_attempt_at limit $3 for update skip locked) \
             update email_outbox o set locked_until = $2, attempts = o.attempts + 1 \
             from due where o.id = due.id \
             returning o.id, o.recipient, o.subject, o.text_body, o.html_body, o.kind, \
                 o.attempts",
        )
        .bind(now)
        .bind(now + LEASE)
        .bind(limit)
        .fetch_all(&self.pool)
        .await
    }

    /// Records what became of each email in `outcomes`, in one statement: sent, retried
    /// later (each with its own backoff) or failed for good, with the error of a failure.
    async fn record(&self, outcomes: &[Outcome]) -> sqlx::Result<()> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let ids: Vec<EmailId> = outcomes.iter().map(|outcome| outcome.id).collect();
        let statuses: Vec<&str> = outcomes
            .iter()
            .map(|outcome| match outcome.delivery {
                Delivery::Sent => "sent",
                Delivery::Retry(_) => "pending",
                Delivery::Failed => "failed",
            })
            .collect();
        let errors: Vec<Option<&str>> = outcomes.iter().map(|o| o.error.as_deref()).collect();
        let retry_at: Vec<Option<OffsetDateTime>> = outcomes
            .iter()
            .map(|outcome| match outcome.delivery {
                Delivery::Retry(next) => Some(next),
                _ => None,
            })
            .collect();
        // Once sent (or refused for good) the body is never needed again, and it holds live
        // links (activation, password reset): keep only the envelope that pages showing
        // delivery state read (recipient, subject, kind, status, times).
        sqlx::query(
            "update email_outbox o set status = r.status::outbox_status, last_error = r.error, \
                 next_attempt_at = coalesce(r.retry_at, o.next_attempt_at), \
                 sent_at = case when r.status = 'sent' then $5 else o.sent_at end, \
                 locked_until = null, \
                 text_body = case when r.status = 'pending' then o.text_body else '' end, \
                 html_body = case when r.status = 'pending' then o.html_body else '' end \
             from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) \
                 as r(id, status, error, retry_at) \
             where o.id = r.id",
        )
        .bind(ids)
        .bind(statuses)
        .bind(errors)
        .bind(retry_at)
        .bind(self.clock.now())
        .execute(&self.pool)
        .await?;
        for outcome in outcomes {
            telemetry::email(match outcome.delivery {
                Delivery::Sent => EmailOutcome::Sent,
                Delivery::Retry(_) => EmailOutcome::Retried,
                Delivery::Failed => EmailOutcome::Failed,
            });
        }
        Ok(())
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

/// What became of one email of a batch, to be recorded.
struct Outcome {
    id: EmailId,
    delivery: Delivery,
    /// Why it failed, when it did.
    error: Option<String>,
}

/// What a send's result means for its email: sent, retried after its backoff, or failed for
/// good.
fn judge(email: &Claimed, result: Result<(), SendError>, now: OffsetDateTime) -> Outcome {
    let (delivery, error) = match result {
        Ok(()) => (Delivery::Sent, None),
        Err(err) if err.permanent => {
            tracing::error!(email = %email.id, error = %err.message, "email refused for good");
            (Delivery::Failed, Some(err.message))
        }
        Err(err) => {
            let next = now + backoff(email.attempts);
            tracing::warn!(email = %email.id, attempts = email.attempts, error = %err.message,
                retry_at = %next, "email delivery failed; will retry");
            (Delivery::Retry(next), Some(err.message))
        }
    };
    Outcome {
        id: email.id,
        delivery,
        error,
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
