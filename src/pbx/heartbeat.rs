//! The PBX reporting API's domain side: a heartbeat updates what the instance reports and
//! collects its pending commands (marked delivered, so each is delivered once); a scheduled
//! check marks instances offline after three silent minutes and alerts once per incident.

use super::model::AlertTarget;
use super::{record_event, store, token_hash, EventKind, PbxStatus};
use crate::ids::{PbxCommandId, PbxId};
use crate::mail::messages::Notice;
use crate::mail::outbox;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;
use time::OffsetDateTime;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub version: String,
    // Signed and wide on purpose: a negative or huge number is read, then refused by name
    // (422) in `checked`, instead of failing as malformed JSON or wrapping into the column.
    pub extensions_in_use: i64,
    pub active_calls: i64,
}

/// The largest count a PBX may report: far above any real PBX, well inside `integer`.
pub const MAX_REPORTED_COUNT: i64 = 100_000;

/// The report's counts as stored, each checked against its range.
fn checked(report: &Report) -> Result<(i32, i32), HeartbeatError> {
    if report.version.is_empty() || report.version.len() > 40 {
        return Err(HeartbeatError::BadReport(
            "version must be 1 to 40 characters".into(),
        ));
    }
    if report.version.chars().any(char::is_control) {
        return Err(HeartbeatError::BadReport(
            "version must not contain control characters".into(),
        ));
    }
    let count = |field: &str, value: i64| {
        i32::try_from(value)
            .ok()
            .filter(|v| (0..=MAX_REPORTED_COUNT).contains(&i64::from(*v)))
            .ok_or_else(|| {
                HeartbeatError::BadReport(format!(
                    "{field} must be a whole number from 0 to {MAX_REPORTED_COUNT} (got {value})"
                ))
            })
    };
    Ok((
        count("extensions_in_use", report.extensions_in_use)?,
        count("active_calls", report.active_calls)?,
    ))
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Command {
    pub id: PbxCommandId,
    pub kind: String,
}

#[derive(Debug, thiserror::Error)]
pub enum HeartbeatError {
    #[error("unknown or revoked token")]
    Unauthorized,
    #[error("this PBX is {0}; heartbeats are not accepted")]
    NotRunning(String),
    #[error("more than {BEATS_PER_MINUTE} heartbeats a minute from this PBX; try again in {retry_after} s")]
    TooFrequent { retry_after: i64 },
    /// The message names the field and its range.
    #[error("{0}")]
    BadReport(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for HeartbeatError {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
    }
}

async fn alert(
    conn: &mut sqlx::PgConnection,
    target: &AlertTarget,
    subject: &str,
    body: &str,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let email = Notice {
        account_id: target.customer_id,
        recipient: &target.alert_to,
        recipient_name: "",
        subject,
        body,
        link: "",
        kind: "pbx_alarm",
    }
    .render()?;
    outbox::enqueue(conn, &email, now).await?;
    Ok(())
}

/// Heartbeats accepted per instance in each one-minute window. A PBX reports every 30-60 s;
/// this leaves room for restarts and retries, and refuses a PBX (or a stolen token) that floods.
pub const BEATS_PER_MINUTE: i32 = 12;

/// Accepts a heartbeat for the instance `token` belongs to (and only that one: the token is
/// the instance's identity) and returns its pending commands. The usual beat is one statement;
/// only a beat that ends an offline incident or collects commands writes more.
pub async fn accept(
    pool: &PgPool,
    token: &str,
    report: &Report,
    now: OffsetDateTime,
) -> Result<Vec<Command>, HeartbeatError> {
    let counts = checked(report)?;
    let hash = token_hash(token);
    let recorded =
        store::record_beat(pool, &hash, &report.version, counts, now, BEATS_PER_MINUTE).await?;
    let Some(beat) = recorded else {
        return Err(refusal(pool, &hash, now).await?);
    };
    if beat.was_offline {
        back_online(pool, beat.id, now).await?;
    }
    if !beat.has_commands {
        return Ok(Vec::new());
    }
    deliver_commands(pool, beat.id, now).await
}

/// Why a heartbeat was not accepted (read only on that rare path).
async fn refusal(
    pool: &PgPool,
    hash: &[u8],
    now: OffsetDateTime,
) -> Result<HeartbeatError, HeartbeatError> {
    Ok(match store::find_refusal(pool, hash).await? {
        None => HeartbeatError::Unauthorized,
        Some((status, _)) if status != PbxStatus::Running => {
            HeartbeatError::NotRunning(status.code().to_owned())
        }
        Some((_, window_started)) => {
            let window_ends = window_started.unwrap_or(now) + time::Duration::minutes(1);
            let wait = (window_ends - now).whole_seconds().clamp(1, 60);
            HeartbeatError::TooFrequent { retry_after: wait }
        }
    })
}

/// Ends the offline incident with its event and one "back online" email, in one transaction;
/// of two heartbeats racing here, one does it.
async fn back_online(pool: &PgPool, id: PbxId, now: OffsetDateTime) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    if let Some(target) = store::end_offline_incident(&mut tx, id).await? {
        record_event(&mut tx, target.id, EventKind::BackOnline, json!({}), now).await?;
        let body = format!("{} is online again.", target.name);
        let subject = format!("{} is back online", target.name);
        alert(&mut tx, &target, &subject, &body, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Marks the instance's pending commands delivered, each with its event, and returns them.
async fn deliver_commands(
    pool: &PgPool,
    id: PbxId,
    now: OffsetDateTime,
) -> Result<Vec<Command>, HeartbeatError> {
    let mut tx = pool.begin().await?;
    let commands = store::take_commands(&mut tx, id, now).await?;
    for (command, kind) in &commands {
        let details = json!({ "command": command, "kind": kind });
        record_event(&mut tx, id, EventKind::CommandDelivered, details, now).await?;
    }
    tx.commit().await?;
    Ok(commands
        .into_iter()
        .map(|(id, kind)| Command { id, kind })
        .collect())
}

/// Marks silent running instances offline and alerts once per incident; returns how many.
/// Each instance is claimed and handled in its own transaction (`crate::jobs`): one that fails
/// is recorded and retried later, and the others are still checked.
pub async fn check_offline(pool: &PgPool, now: OffsetDateTime) -> anyhow::Result<usize> {
    let job = store::offline_check();
    let mut alerted = 0;
    for id in job.due_items(pool, now, 200).await? {
        let Some(mut item) = job.claim(pool, id, now).await? else {
            continue;
        };
        let outcome = mark_offline(item.conn(), PbxId(id), now).await;
        if item.finish(outcome).await?.is_some() {
            alerted += 1;
        }
    }
    Ok(alerted)
}

async fn mark_offline(
    conn: &mut sqlx::PgConnection,
    id: PbxId,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let target = store::find_target(&mut *conn, id).await?;
    store::mark_offline_alerted(&mut *conn, target.id, now).await?;
    record_event(conn, target.id, EventKind::WentOffline, json!({}), now).await?;
    let body = format!("{} has not reported for 3 minutes and is offline. You will get one more email when it is back.", target.name);
    alert(
        conn,
        &target,
        &format!("{} is offline", target.name),
        &body,
        now,
    )
    .await?;
    Ok(())
}
