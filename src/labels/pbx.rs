//! The words for a Cloud PBX: its status, its live state and badge, and its history's events.

use time::Duration;

use super::humanize;
use crate::format::{datetime, Zone};
use crate::pbx::{Event, EventKind, PbxState, PbxStatus};

impl PbxStatus {
    pub fn label(self) -> &'static str {
        match self {
            PbxStatus::Provisioning => "Being set up",
            PbxStatus::Running => "Running",
            PbxStatus::Suspended => "Suspended",
            PbxStatus::Terminated => "Terminated",
        }
    }
}

/// "just now", "1 min ago", "3 min ago", "2 h ago".
pub fn ago(elapsed: Duration) -> String {
    let minutes = elapsed.whole_minutes();
    match minutes {
        i64::MIN..=0 => "just now".to_owned(),
        1..=59 => format!("{minutes} min ago"),
        _ => format!("{} h ago", elapsed.whole_hours()),
    }
}

impl PbxState {
    /// The whole state in one phrase, for a line of its own: "Running, last heartbeat 1 min
    /// ago", "Offline since 01 Dec 2026, 14:05 CET", "Restart requested".
    pub fn label(&self, zone: &Zone) -> String {
        match self {
            Self::Online { ago: a } => format!("Running, last heartbeat {}", ago(*a)),
            Self::RestartRequested => "Restart requested".to_owned(),
            Self::Offline { since: Some(at) } => format!("Offline since {}", datetime(*at, zone)),
            Self::Offline { since: None } => "Offline, no heartbeat yet".to_owned(),
            Self::Suspended => "Suspended: the trial or subscription has ended".to_owned(),
            Self::Provisioning | Self::Terminated => self.badge_label().to_owned(),
        }
    }

    /// The one word of the badge.
    pub fn badge_label(&self) -> &'static str {
        match self {
            Self::Provisioning => "Being set up",
            Self::Online { .. } => "Online",
            Self::RestartRequested => "Restart requested",
            Self::Offline { .. } => "Offline",
            Self::Suspended => "Suspended",
            Self::Terminated => "Terminated",
        }
    }

    pub fn badge_class(&self) -> &'static str {
        match self {
            Self::Provisioning => "badge badge-info",
            Self::Online { .. } => "badge badge-active",
            Self::RestartRequested => "badge badge-pending",
            Self::Offline { .. } | Self::Suspended => "badge badge-expired",
            Self::Terminated => "badge badge-removed",
        }
    }

    /// What the badge does not say, shown beside it: "last heartbeat 1 min ago", "since 01 Dec
    /// 2026, 14:05 CET" (in the viewer's zone), "no heartbeat yet".
    pub fn detail(&self, zone: &Zone) -> String {
        match self {
            Self::Online { ago: a } => format!("last heartbeat {}", ago(*a)),
            Self::RestartRequested => "the PBX receives it with its next heartbeat".to_owned(),
            Self::Offline { since: Some(at) } => format!("since {}", datetime(*at, zone)),
            Self::Offline { since: None } => "no heartbeat yet".to_owned(),
            Self::Suspended => "the trial or subscription has ended".to_owned(),
            Self::Provisioning | Self::Terminated => String::new(),
        }
    }
}

impl EventKind {
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Renamed => "Renamed",
            EventKind::AlarmContactChanged => "Alarm contact changed",
            EventKind::RestartQueued => "Restart requested",
            EventKind::TokenIssued => "Connection token issued",
            EventKind::CommandDelivered => "Command delivered to the PBX",
            EventKind::BackOnline => "Back online",
            EventKind::WentOffline => "Went offline (no heartbeat for 3 minutes)",
        }
    }
}

impl Event {
    /// One line of the history: "Renamed from “PBX” to “Head office”, by ann@example.com".
    pub fn description(&self) -> String {
        let inner = &self.details["details"];
        let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        let mut line = match EventKind::from_code(&self.kind) {
            Some(EventKind::Renamed) => match (text(&inner["from"]), text(&inner["to"])) {
                (Some(from), Some(to)) => format!("Renamed from “{from}” to “{to}”"),
                _ => EventKind::Renamed.label().to_owned(),
            },
            Some(EventKind::AlarmContactChanged) => match text(&inner["email"]) {
                Some(email) => format!("Alarm contact changed to {email}"),
                None => "Alarm contact reset to the account's email".to_owned(),
            },
            Some(EventKind::CommandDelivered) if self.details["kind"] == "restart" => {
                "Restart delivered to the PBX".to_owned()
            }
            Some(kind) => kind.label().to_owned(),
            None => humanize(&self.kind),
        };
        if let Some(by) = text(&self.details["by"]) {
            line.push_str(", by ");
            line.push_str(&by);
        }
        line
    }
}
