//! The bottom floor's identifiers: one newtype per entity, so a licence id cannot be passed
//! where an order id is meant. Each is a UUIDv7 (time-ordered, so keyset pages and indexes
//! stay in insertion order), stored as `uuid`, shown and parsed as the usual hyphenated text.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! entity_id {
    ($($(#[$doc:meta])* $name:ident;)+) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type)]
        #[sqlx(transparent)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh id for a row about to be inserted.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    )+};
}

entity_id! {
    /// A partner, customer or account manager (`accounts`).
    AccountId;
    /// An order (`orders`).
    OrderId;
    /// A licence (`licenses`).
    LicenseId;
    /// A trial or subscription (`subscriptions`).
    SubscriptionId;
    /// A Cloud PBX instance (`pbx_instances`).
    PbxId;
    /// A command queued for a PBX (`pbx_commands`).
    PbxCommandId;
    /// A partner's request to remove a customer (`removal_requests`).
    RemovalId;
    /// A customer's application for partnership (`partnership_applications`).
    ApplicationId;
    /// A failed scheduled-job item awaiting a manager (`job_failures`).
    JobFailureId;
    /// A queued email (`email_outbox`).
    EmailId;
    /// An audit log entry (`audit_log`).
    AuditEntryId;
    /// A signed-in session (`account_sessions`).
    SessionId;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_back_what_it_shows() {
        let id = LicenseId::new();
        assert_eq!(id.to_string().parse::<LicenseId>().unwrap(), id);
        assert!("not-an-id".parse::<OrderId>().is_err());
    }

    #[test]
    fn new_ids_sort_in_the_order_they_were_made() {
        let first = OrderId::new();
        let second = OrderId::new();
        assert!(first < second);
    }
}
