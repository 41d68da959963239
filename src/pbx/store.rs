//! The SQL of `pbx_instances`, `pbx_commands` and `pbx_events`. Reads through a [`Viewer`] are
//! scoped to the customer's own instances or the partner's customers'.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::model::{AlertTarget, Event, EventKind, InstanceView, PbxStatus, Viewer, OFFLINE_AFTER};
use crate::accounts::model::Account;
use crate::ids::{AccountId, PbxCommandId, PbxId, SubscriptionId};

const VIEW: &str = "select i.id, i.name, i.region, i.status, i.software_version, i.extensions_in_use, \
     i.active_calls, i.last_heartbeat_at, i.alarm_email, i.token_hash is not null as has_token, pl.name as plan_name, \
     s.units, s.status = 'trial' as on_trial, s.trial_ends_at, i.customer_id, c.email as customer_email, \
     exists (select 1 from pbx_commands k where k.instance_id = i.id and k.kind = 'restart' and k.delivered_at is null) \
       as restart_pending \
     from pbx_instances i join subscriptions s on s.id = i.subscription_id join plans pl on pl.code = s.plan_code \
     join accounts c on c.id = i.customer_id";

/// The customer's instances (as `list` for `Viewer::Customer`, at most 500) as one JSON array
/// (of `InstanceView`s), for a statement that reads several lists at once (`overview`); `$1`
/// is the customer.
pub fn customer_list_json() -> String {
    format!(
        "(select coalesce(json_agg(v), '[]') from ({VIEW} where i.customer_id = $1 \
         order by i.created_at desc limit 500) v)"
    )
}

/// The viewer's instances (only those of `customer`, when given), newest first, at most `limit`.
pub async fn list(
    pool: &PgPool,
    viewer: Viewer,
    customer: Option<AccountId>,
    limit: i64,
) -> sqlx::Result<Vec<InstanceView>> {
    let (filter, id) = viewer.filter();
    sqlx::query_as(&format!(
        "{VIEW} where {filter} and ($2::uuid is null or i.customer_id = $2) \
         order by i.created_at desc limit $3"
    ))
    .bind(id)
    .bind(customer)
    .bind(limit)
    .fetch_all(pool)
    .await
}

pub async fn find(
    pool: &PgPool,
    viewer: Viewer,
    instance: PbxId,
) -> sqlx::Result<Option<InstanceView>> {
    let (filter, id) = viewer.filter();
    sqlx::query_as(&format!("{VIEW} where {filter} and i.id = $2"))
        .bind(id)
        .bind(instance)
        .fetch_optional(pool)
        .await
}

pub async fn events(pool: &PgPool, instance: PbxId) -> sqlx::Result<Vec<Event>> {
    sqlx::query_as(
        "select at, kind, details from pbx_events where instance_id = $1 order by at desc limit 50",
    )
    .bind(instance)
    .fetch_all(pool)
    .await
}

pub async fn insert_event(
    conn: &mut PgConnection,
    instance: PbxId,
    kind: EventKind,
    details: serde_json::Value,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into pbx_events (id, instance_id, at, kind, details) values ($1, $2, $3, $4, $5)",
    )
    .bind(uuid::Uuid::now_v7())
    .bind(instance)
    .bind(now)
    .bind(kind.code())
    .bind(details)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update_name(
    conn: &mut PgConnection,
    id: PbxId,
    name: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("update pbx_instances set name = $2, updated_at = $3 where id = $1")
        .bind(id)
        .bind(name)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn update_alarm_email(
    conn: &mut PgConnection,
    id: PbxId,
    email: Option<&str>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("update pbx_instances set alarm_email = $2, updated_at = $3 where id = $1")
        .bind(id)
        .bind(email)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces the instance's bearer token (its hash); the old token stops working.
pub async fn update_token_hash(
    conn: &mut PgConnection,
    id: PbxId,
    hash: Vec<u8>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("update pbx_instances set token_hash = $2, updated_at = $3 where id = $1")
        .bind(id)
        .bind(hash)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Queues a restart, delivered with the instance's next heartbeat.
pub async fn insert_restart(
    conn: &mut PgConnection,
    id: PbxId,
    requested_by: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("insert into pbx_commands (id, instance_id, kind, requested_by, created_at) values ($1, $2, 'restart', $3, $4)")
        .bind(PbxCommandId::new()).bind(id).bind(requested_by).bind(now).execute(conn).await?;
    Ok(())
}

const TARGET: &str = "select i.id, i.name, \
     coalesce(i.alarm_email, c.email) as alert_to, i.customer_id from pbx_instances i join accounts c on c.id = i.customer_id";

pub async fn find_target(conn: &mut PgConnection, id: PbxId) -> sqlx::Result<AlertTarget> {
    sqlx::query_as(&format!("{TARGET} where i.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await
}

/// What an accepted heartbeat tells the caller about the instance.
#[derive(sqlx::FromRow)]
pub struct RecordedBeat {
    pub id: PbxId,
    /// An offline alarm was sent for the current incident: the instance is back.
    pub was_offline: bool,
    /// Commands wait to be delivered with this heartbeat.
    pub has_commands: bool,
}

/// Records what a heartbeat reports, in one statement: the token names the instance, only a
/// running one accepts it, and at most `per_minute` are accepted in each one-minute window of
/// the instance (counted in the row itself, so every app instance enforces the same limit).
/// `None` when it was not accepted; [`find_refusal`] tells why.
///
/// The statement commits without waiting for its WAL to reach the disk
/// (`synchronous_commit = off`, for its own transaction only). A heartbeat is telemetry the PBX
/// sends again in 30 s: a crash of PostgreSQL can lose the last ~0.6 s of beats, as the network
/// can, and the offline check allows three minutes. Nothing else is relaxed: other sessions see
/// the beat at once, and the writes that must last (the back-online alert, delivered commands)
/// commit durably in their own transactions, which also flushes this one's WAL before theirs.
pub async fn record_beat(
    pool: &PgPool,
    hash: &[u8],
    version: &str,
    (extensions_in_use, active_calls): (i32, i32),
    now: OffsetDateTime,
    per_minute: i32,
) -> sqlx::Result<Option<RecordedBeat>> {
    // Every right-hand side reads the row as it was before this update.
    sqlx::query_as(
        "update pbx_instances i set software_version = $2, extensions_in_use = $3, \
           active_calls = $4, last_heartbeat_at = $5, \
           beats_in_window = case when beat_window_started_at > $5 - interval '1 minute' \
             then beats_in_window + 1 else 1 end, \
           beat_window_started_at = case when beat_window_started_at > $5 - interval '1 minute' \
             then beat_window_started_at else $5 end \
         from (select set_config('synchronous_commit', 'off', true)) as telemetry \
         where token_hash = $1 and status = 'running' \
           and (beat_window_started_at is null or beat_window_started_at <= $5 - interval '1 minute' \
                or beats_in_window < $6) \
         returning id, offline_alerted_at is not null as was_offline, \
           exists (select 1 from pbx_commands k where k.instance_id = i.id \
                   and k.delivered_at is null) as has_commands",
    )
    .bind(hash)
    .bind(version)
    .bind(extensions_in_use)
    .bind(active_calls)
    .bind(now)
    .bind(per_minute)
    .fetch_optional(pool)
    .await
}

/// Why the instance behind `hash` did not accept a heartbeat: its status and when its current
/// rate window started; `None` for an unknown or revoked token.
pub async fn find_refusal(
    pool: &PgPool,
    hash: &[u8],
) -> sqlx::Result<Option<(PbxStatus, Option<OffsetDateTime>)>> {
    sqlx::query_as("select status, beat_window_started_at from pbx_instances where token_hash = $1")
        .bind(hash)
        .fetch_optional(pool)
        .await
}

/// Ends the instance's offline incident, once: the alert target when an offline alarm was
/// pending to be answered by a "back online" one, `None` when another heartbeat already did.
pub async fn end_offline_incident(
    conn: &mut PgConnection,
    id: PbxId,
) -> sqlx::Result<Option<AlertTarget>> {
    sqlx::query_as(&format!(
        "with ended as (update pbx_instances set offline_alerted_at = null \
           where id = $1 and offline_alerted_at is not null returning id) \
         {TARGET} join ended on ended.id = i.id"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Marks the instance's undelivered commands delivered and returns them, oldest first; a
/// concurrent heartbeat skips those already being delivered.
pub async fn take_commands(
    conn: &mut PgConnection,
    id: PbxId,
    now: OffsetDateTime,
) -> sqlx::Result<Vec<(PbxCommandId, String)>> {
    sqlx::query_as(
        "update pbx_commands set delivered_at = $2 where id in (select id from pbx_commands \
         where instance_id = $1 and delivered_at is null order by created_at for update skip locked) \
         returning id, kind",
    )
    .bind(id)
    .bind(now)
    .fetch_all(conn)
    .await
}

pub async fn mark_offline_alerted(
    conn: &mut PgConnection,
    id: PbxId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("update pbx_instances set offline_alerted_at = $2 where id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Running instances silent for longer than `OFFLINE_AFTER` that have not been alerted.
pub fn offline_check() -> crate::jobs::Job {
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

/// The Cloud PBX instance of a subscription, running (made, or started again).
pub async fn provision_for_subscription(
    conn: &mut PgConnection,
    id: SubscriptionId,
    customer: &Account,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into pbx_instances (id, subscription_id, customer_id, partner_id, name, status, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, 'running', $6, $6) \
         on conflict (subscription_id) do update set status = 'running', updated_at = excluded.updated_at",
    )
    .bind(PbxId::new())
    .bind(id)
    .bind(customer.id)
    .bind(customer.partner_id)
    .bind(format!("{} PBX", customer.company))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Suspends the subscription's PBX, if it has one.
pub async fn suspend_for_subscription(
    conn: &mut PgConnection,
    id: SubscriptionId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "update pbx_instances set status = 'suspended', updated_at = $2 where subscription_id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}
