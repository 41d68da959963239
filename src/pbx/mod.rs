//! Central Management of Cloud PBX instances: what each PBX reports through its heartbeat,
//! online/offline from the last heartbeat, commands queued for it (delivered with the next
//! heartbeat, once), and actions by the customer or the customer's partner, each an event and
//! an audit entry.

pub mod heartbeat;

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::accounts::model::{Account, AccountId, Role};
use crate::audit::{self, Entry};
use crate::tokens::{hash_token, new_token};

/// No heartbeat for this long: offline.
pub const OFFLINE_AFTER: Duration = Duration::minutes(3);

/// Where an instance is in its lifecycle (`pbx_status`). Whether it is online is a separate
/// question, answered from its last heartbeat: see [`PbxState`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "pbx_status", rename_all = "snake_case")]
pub enum PbxStatus {
    Provisioning,
    Running,
    Suspended,
    Terminated,
}

/// What a person is told about an instance: its lifecycle and its heartbeat in one state, so
/// a page never says "running" next to "offline".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PbxState {
    Provisioning,
    /// Running and reported within [`OFFLINE_AFTER`]; `ago` is the time since that heartbeat.
    Online {
        ago: Duration,
    },
    /// Running and online, with a restart waiting for its next heartbeat.
    RestartRequested,
    /// Running but silent: `since` is its last heartbeat, `None` when it never reported.
    Offline {
        since: Option<OffsetDateTime>,
    },
    Suspended,
    Terminated,
}

impl PbxState {
    pub fn of(
        status: PbxStatus,
        last_heartbeat_at: Option<OffsetDateTime>,
        restart_pending: bool,
        now: OffsetDateTime,
    ) -> Self {
        match status {
            PbxStatus::Provisioning => Self::Provisioning,
            PbxStatus::Suspended => Self::Suspended,
            PbxStatus::Terminated => Self::Terminated,
            PbxStatus::Running => match last_heartbeat_at {
                Some(at) if now - at < OFFLINE_AFTER => {
                    let ago = (now - at).max(Duration::ZERO);
                    if restart_pending {
                        Self::RestartRequested
                    } else {
                        Self::Online { ago }
                    }
                }
                since => Self::Offline { since },
            },
        }
    }

    pub fn is_online(self) -> bool {
        matches!(self, Self::Online { .. } | Self::RestartRequested)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InstanceView {
    pub id: Uuid,
    pub name: String,
    pub region: String,
    pub status: PbxStatus,
    pub software_version: Option<String>,
    pub extensions_in_use: Option<i32>,
    pub active_calls: Option<i32>,
    pub last_heartbeat_at: Option<OffsetDateTime>,
    pub alarm_email: Option<String>,
    pub has_token: bool,
    pub plan_name: String,
    pub units: i32,
    pub subscription_status: String,
    pub trial_ends_at: Option<OffsetDateTime>,
    pub customer_id: AccountId,
    pub customer_email: String,
    /// A restart was asked for and not yet delivered with a heartbeat.
    pub restart_pending: bool,
}

impl InstanceView {
    pub fn state(&self, now: OffsetDateTime) -> PbxState {
        PbxState::of(
            self.status,
            self.last_heartbeat_at,
            self.restart_pending,
            now,
        )
    }
    pub fn online(&self, now: OffsetDateTime) -> bool {
        self.state(now).is_online()
    }
    pub fn trial_days_left(&self, now: OffsetDateTime) -> Option<i64> {
        (self.subscription_status == "trial")
            .then(|| {
                self.trial_ends_at
                    .map(|end| (end - now).whole_days().max(0))
            })
            .flatten()
    }
    /// Where the PBX answers, e.g. `acme-pbx-1a2b3c.eu-central-1.ycm.example`.
    pub fn address(&self) -> String {
        let slug: String = self
            .name
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let short = self.id.simple().to_string();
        format!(
            "{}-{}.{}.ycm.example",
            slug.trim_matches('-'),
            &short[short.len() - 6..],
            self.region
        )
    }
}

const VIEW: &str = "select i.id, i.name, i.region, i.status, i.software_version, i.extensions_in_use, \
     i.active_calls, i.last_heartbeat_at, i.alarm_email, i.token_hash is not null as has_token, pl.name as plan_name, \
     s.units, s.status::text as subscription_status, s.trial_ends_at, i.customer_id, c.email as customer_email, \
     exists (select 1 from pbx_commands k where k.instance_id = i.id and k.kind = 'restart' and k.delivered_at is null) \
       as restart_pending \
     from pbx_instances i join subscriptions s on s.id = i.subscription_id join plans pl on pl.code = s.plan_code \
     join accounts c on c.id = i.customer_id";

/// Who is looking: a customer sees their instances, a partner its customers'.
#[derive(Debug, Clone, Copy)]
pub enum Viewer {
    Customer(AccountId),
    Partner(AccountId),
}

impl Viewer {
    pub fn of(account: &Account) -> Option<Self> {
        match account.role {
            Role::Customer => Some(Self::Customer(account.id)),
            Role::Partner => Some(Self::Partner(account.id)),
            Role::Manager => None,
        }
    }
    fn filter(self) -> (&'static str, AccountId) {
        match self {
            Viewer::Customer(id) => ("i.customer_id = $1", id),
            Viewer::Partner(id) => ("i.partner_id = $1", id),
        }
    }
}

pub async fn list(pool: &PgPool, viewer: Viewer) -> sqlx::Result<Vec<InstanceView>> {
    let (filter, id) = viewer.filter();
    sqlx::query_as(&format!(
        "{VIEW} where {filter} order by i.created_at desc limit 500"
    ))
    .bind(id)
    .fetch_all(pool)
    .await
}

/// The Cloud PBXs of one of the partner's customers, newest first, at most `limit`.
pub async fn list_for_partner_customer(
    pool: &PgPool,
    partner_id: AccountId,
    customer_id: AccountId,
    limit: i64,
) -> sqlx::Result<Vec<InstanceView>> {
    sqlx::query_as(&format!(
        "{VIEW} where i.partner_id = $1 and i.customer_id = $2 order by i.created_at desc limit $3"
    ))
    .bind(partner_id)
    .bind(customer_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

pub async fn find(
    pool: &PgPool,
    viewer: Viewer,
    instance: Uuid,
) -> sqlx::Result<Option<InstanceView>> {
    let (filter, id) = viewer.filter();
    sqlx::query_as(&format!("{VIEW} where {filter} and i.id = $2"))
        .bind(id)
        .bind(instance)
        .fetch_optional(pool)
        .await
}

/// What happened to an instance, as `pbx_events.kind` stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Renamed,
    AlarmContactChanged,
    RestartQueued,
    TokenIssued,
    CommandDelivered,
    BackOnline,
    WentOffline,
}

impl EventKind {
    pub const ALL: [EventKind; 7] = [
        Self::Renamed,
        Self::AlarmContactChanged,
        Self::RestartQueued,
        Self::TokenIssued,
        Self::CommandDelivered,
        Self::BackOnline,
        Self::WentOffline,
    ];

    /// The stored code; also the suffix of the audit action (`pbx.restart_queued`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Renamed => "renamed",
            Self::AlarmContactChanged => "alarm_contact_changed",
            Self::RestartQueued => "restart_queued",
            Self::TokenIssued => "token_issued",
            Self::CommandDelivered => "command_delivered",
            Self::BackOnline => "back_online",
            Self::WentOffline => "offline",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Event {
    pub at: OffsetDateTime,
    pub kind: String,
    pub details: serde_json::Value,
}

pub async fn events(pool: &PgPool, instance: Uuid) -> sqlx::Result<Vec<Event>> {
    sqlx::query_as(
        "select at, kind, details from pbx_events where instance_id = $1 order by at desc limit 50",
    )
    .bind(instance)
    .fetch_all(pool)
    .await
}

pub async fn record_event(
    conn: &mut PgConnection,
    instance: Uuid,
    kind: EventKind,
    details: serde_json::Value,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into pbx_events (id, instance_id, at, kind, details) values ($1, $2, $3, $4, $5)",
    )
    .bind(Uuid::now_v7())
    .bind(instance)
    .bind(now)
    .bind(kind.code())
    .bind(details)
    .execute(conn)
    .await?;
    Ok(())
}

/// An action on an instance by its customer or the customer's partner.
pub enum Action {
    Rename(String),
    AlarmEmail(Option<String>),
    Restart,
    /// A new bearer token for the PBX (returned once; the old one stops working).
    NewToken,
}

/// Carries out `action` on an instance the actor may manage; returns the new token for
/// `NewToken`. None when the instance is not the actor's.
pub async fn act(
    pool: &PgPool,
    actor: &Account,
    viewer: Viewer,
    instance: Uuid,
    action: Action,
    client_ip: &str,
    now: OffsetDateTime,
) -> anyhow::Result<Option<Option<String>>> {
    let Some(view) = find(pool, viewer, instance).await? else {
        return Ok(None);
    };
    let mut tx = pool.begin().await?;
    let mut token = None;
    let (kind, audited, details) = match action {
        Action::Rename(name) => {
            sqlx::query("update pbx_instances set name = $2, updated_at = $3 where id = $1")
                .bind(instance)
                .bind(&name)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            (
                EventKind::Renamed,
                audit::Action::PbxRenamed,
                json!({ "from": view.name, "to": name }),
            )
        }
        Action::AlarmEmail(email) => {
            sqlx::query("update pbx_instances set alarm_email = $2, updated_at = $3 where id = $1")
                .bind(instance)
                .bind(&email)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            (
                EventKind::AlarmContactChanged,
                audit::Action::PbxAlarmContactChanged,
                json!({ "email": email }),
            )
        }
        Action::Restart => {
            sqlx::query("insert into pbx_commands (id, instance_id, kind, requested_by, created_at) values ($1, $2, 'restart', $3, $4)")
                .bind(Uuid::now_v7()).bind(instance).bind(actor.id).bind(now).execute(&mut *tx).await?;
            (
                EventKind::RestartQueued,
                audit::Action::PbxRestartQueued,
                json!({}),
            )
        }
        Action::NewToken => {
            let (plain, hash) = new_token();
            sqlx::query("update pbx_instances set token_hash = $2, updated_at = $3 where id = $1")
                .bind(instance)
                .bind(hash)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            token = Some(plain);
            (
                EventKind::TokenIssued,
                audit::Action::PbxTokenIssued,
                json!({}),
            )
        }
    };
    record_event(
        &mut tx,
        instance,
        kind,
        json!({ "by": actor.email, "details": details }),
        now,
    )
    .await?;
    let partner = match viewer {
        Viewer::Customer(_) => actor.partner_id,
        Viewer::Partner(id) => Some(id),
    };
    audit::record(
        &mut tx,
        Entry {
            actor: Some(actor.id),
            action: audited,
            target: Some(view.customer_id),
            partner,
            client_ip: Some(client_ip),
            details: json!({ "instance": instance, "details": details }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(token))
}

/// Finds the instance a bearer token belongs to.
pub fn token_hash(token: &str) -> Vec<u8> {
    hash_token(token)
}
