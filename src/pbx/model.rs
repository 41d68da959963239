//! A Cloud PBX instance as pages show it, its lifecycle and online state, who is looking, and
//! what happens to it.

use time::{Duration, OffsetDateTime};

use crate::accounts::model::{Account, Role};
use crate::ids::{AccountId, PbxId};

/// No heartbeat for this long: offline.
pub const OFFLINE_AFTER: Duration = Duration::minutes(3);

/// Where an instance is in its lifecycle (`pbx_status`). Whether it is online is a separate
/// question, answered from its last heartbeat: see [`PbxState`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type, serde::Deserialize)]
#[sqlx(type_name = "pbx_status", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum PbxStatus {
    Provisioning,
    Running,
    Suspended,
    Terminated,
}

impl PbxStatus {
    /// The stored code (`running`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Provisioning => "provisioning",
            Self::Running => "running",
            Self::Suspended => "suspended",
            Self::Terminated => "terminated",
        }
    }
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

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct InstanceView {
    pub id: PbxId,
    pub name: String,
    pub region: String,
    pub status: PbxStatus,
    pub software_version: Option<String>,
    pub extensions_in_use: Option<i32>,
    pub active_calls: Option<i32>,
    #[serde(deserialize_with = "crate::db::json::datetime_option")]
    pub last_heartbeat_at: Option<OffsetDateTime>,
    pub alarm_email: Option<String>,
    pub has_token: bool,
    pub plan_name: String,
    pub units: i32,
    /// The subscription is a free trial.
    pub on_trial: bool,
    #[serde(deserialize_with = "crate::db::json::datetime_option")]
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
        self.on_trial
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
        let short = self.id.0.simple().to_string();
        format!(
            "{}-{}.{}.ycm.example",
            slug.trim_matches('-'),
            &short[short.len() - 6..],
            self.region
        )
    }
}

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
            Role::Partner => Some(Self::Partner(account.organization())),
            Role::Manager => None,
        }
    }
    pub(super) fn filter(self) -> (&'static str, AccountId) {
        match self {
            Viewer::Customer(id) => ("i.customer_id = $1", id),
            Viewer::Partner(id) => ("i.partner_id = $1", id),
        }
    }
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

/// An action on an instance by its customer or the customer's partner.
pub enum Action {
    Rename(String),
    AlarmEmail(Option<String>),
    Restart,
    /// A new bearer token for the PBX (returned once; the old one stops working).
    NewToken,
}

/// Whom an instance's alarms go to, with what the heartbeat and offline check need.
#[derive(sqlx::FromRow)]
pub struct AlertTarget {
    pub id: PbxId,
    pub name: String,
    pub alert_to: String,
    pub customer_id: AccountId,
}
