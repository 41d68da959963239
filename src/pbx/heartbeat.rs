//! The PBX reporting API's domain side: a heartbeat updates what the instance reports and
//! collects its pending commands (marked delivered, so each is delivered once); a scheduled
//! check marks instances offline after three silent minutes and alerts once per incident.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{record_event, token_hash, EventKind, OFFLINE_AFTER};
use crate::mail::messages::Notice;
use crate::mail::outbox;

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
    pub id: Uuid,
    pub kind: String,
}

#[derive(Debug, thiserror::Error)]
pub enum HeartbeatError {
    #[error("unknown or revoked token")]
    Unauthorized,
    #[error("this PBX is {0}; heartbeats are not accepted")]
    NotRunning(String),
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

#[derive(sqlx::FromRow)]
struct Target {
    id: Uuid,
    status: String,
    name: String,
    offline_alerted_at: Option<OffsetDateTime>,
    alert_to: String,
    customer_id: crate::accounts::model::AccountId,
}

const TARGET: &str = "select i.id, i.status::text as status, i.name, i.offline_alerted_at, \
     coalesce(i.alarm_email, c.email) as alert_to, i.customer_id from pbx_instances i join accounts c on c.id = i.customer_id";

async fn alert(
    conn: &mut sqlx::PgConnection,
    target: &Target,
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

/// Accepts a heartbeat for the instance `token` belongs to (and only that one: the token is
/// the instance's identity) and returns its pending commands.
pub async fn accept(
    pool: &PgPool,
    token: &str,
    report: &Report,
    now: OffsetDateTime,
) -> Result<Vec<Command>, HeartbeatError> {
    let (extensions_in_use, active_calls) = checked(report)?;
    let mut tx = pool.begin().await?;
    let target: Option<Target> =
        sqlx::query_as(&format!("{TARGET} where i.token_hash = $1 for update of i"))
            .bind(token_hash(token))
            .fetch_optional(&mut *tx)
            .await?;
    let target = target.ok_or(HeartbeatError::Unauthorized)?;
    if target.status != "running" {
        return Err(HeartbeatError::NotRunning(target.status));
    }
    sqlx::query(
        "update pbx_instances set software_version = $2, extensions_in_use = $3, active_calls = $4, \
         last_heartbeat_at = $5, offline_alerted_at = null where id = $1",
    )
    .bind(target.id)
    .bind(&report.version)
    .bind(extensions_in_use)
    .bind(active_calls)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if target.offline_alerted_at.is_some() {
        record_event(&mut tx, target.id, EventKind::BackOnline, json!({}), now).await?;
        let body = format!("{} is online again.", target.name);
        alert(
            &mut tx,
            &target,
            &format!("{} is back online", target.name),
            &body,
            now,
        )
        .await?;
    }
    let commands: Vec<(Uuid, String)> = sqlx::query_as(
        "update pbx_commands set delivered_at = $2 where id in (select id from pbx_commands \
         where instance_id = $1 and delivered_at is null order by created_at for update skip locked) \
         returning id, kind",
    )
    .bind(target.id)
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    for (id, kind) in &commands {
        record_event(
            &mut tx,
            target.id,
            EventKind::CommandDelivered,
            json!({ "command": id, "kind": kind }),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(commands
        .into_iter()
        .map(|(id, kind)| Command { id, kind })
        .collect())
}

/// Running instances silent for longer than `OFFLINE_AFTER` that have not been alerted.
fn offline_check() -> crate::jobs::Job {
    crate::jobs::Job {
        name: "pbx_offline",
        table: "pbx_instances i",
        alias: "i",
        due: format!(
            "i.status = 'running' and i.last_heartbeat_at < $1 - interval '{} seconds' \
             and i.offline_alerted_at is null",
            OFFLINE_AFTER.whole_seconds()
        ),
        order: "i.last_heartbeat_at",
    }
}

/// Marks silent running instances offline and alerts once per incident; returns how many.
/// Each instance is claimed and handled in its own transaction (`crate::jobs`): one that fails
/// is recorded and retried later, and the others are still checked.
pub async fn check_offline(pool: &PgPool, now: OffsetDateTime) -> anyhow::Result<usize> {
    let job = offline_check();
    let mut alerted = 0;
    for id in job.due_items(pool, now, 200).await? {
        let Some(mut item) = job.claim(pool, id, now).await? else {
            continue;
        };
        let outcome = mark_offline(item.conn(), id, now).await;
        if item.finish(outcome).await?.is_some() {
            alerted += 1;
        }
    }
    Ok(alerted)
}

async fn mark_offline(
    conn: &mut sqlx::PgConnection,
    id: Uuid,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let target: Target = sqlx::query_as(&format!("{TARGET} where i.id = $1"))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query("update pbx_instances set offline_alerted_at = $2 where id = $1")
        .bind(target.id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
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
