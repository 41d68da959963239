//! Subscription types: the row and its status, the view pages read, and the words of a change
//! (what is asked, what it would do, what was confirmed and what it did).

use sqlx::types::Json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::ids::{AccountId, PbxId, SubscriptionId};
use crate::pricing::{AddonChoice, Configuration, Quote};

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type, serde::Deserialize)]
#[sqlx(type_name = "subscription_status", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Trial,
    Active,
    Expired,
    Cancelled,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct Subscription {
    pub id: SubscriptionId,
    pub customer_id: AccountId,
    pub partner_id: AccountId,
    pub product_type: String,
    pub plan_code: String,
    pub units: i32,
    pub addons: Json<Vec<AddonChoice>>,
    pub term: String,
    pub status: SubscriptionStatus,
    pub started_as_trial: bool,
    #[serde(deserialize_with = "crate::db::json::datetime_option")]
    pub trial_ends_at: Option<OffsetDateTime>,
    #[serde(deserialize_with = "crate::db::json::date_option")]
    pub current_period_start: Option<Date>,
    #[serde(deserialize_with = "crate::db::json::date_option")]
    pub current_period_end: Option<Date>,
    pub auto_renew: bool,
    /// A scheduled change (a downgrade at the end of the term) is the whole configuration it
    /// was validated with: plan, units and add-ons are set together or not at all.
    pub scheduled_plan_code: Option<String>,
    pub scheduled_units: Option<i32>,
    pub scheduled_addons: Option<Json<Vec<AddonChoice>>>,
    #[serde(deserialize_with = "crate::db::json::datetime")]
    pub created_at: OffsetDateTime,
}

/// A subscription with the names pages show.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct SubscriptionView {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub subscription: Subscription,
    pub plan_name: String,
    pub product_name: String,
    pub scheduled_plan_name: Option<String>,
    /// The Cloud PBX of the subscription, if it has one: its id, lifecycle and last heartbeat.
    pub instance_id: Option<PbxId>,
    pub instance_status: Option<crate::pbx::PbxStatus>,
    #[serde(deserialize_with = "crate::db::json::datetime_option")]
    pub instance_heartbeat_at: Option<OffsetDateTime>,
    pub customer_email: String,
}

/// What the customer asks to change on an active subscription.
#[derive(Debug, Clone)]
pub struct Change {
    pub plan: String,
    pub units: u32,
    pub addons: Vec<AddonChoice>,
}

/// A change charged now: the order's quote and the figures it was worked out from.
#[derive(Debug, Clone)]
pub struct Charge {
    pub new: Configuration,
    pub old_full_term_minor: i64,
    pub new_full_term_minor: i64,
    pub days_left: i64,
    pub days_in_term: i64,
    /// The order the confirmation places: one prorated line.
    pub order: Quote,
}

/// What a change would do, priced by the engine.
#[derive(Debug, Clone)]
pub enum ChangePlan {
    Charge(Box<Charge>),
    /// Applied at the end of the term, `on`; `renewal` prices the next term as it will renew.
    Downgrade {
        target: Configuration,
        on: Date,
        renewal: Quote,
    },
    Nothing,
}

/// The review of a change: the configuration now, what the change does, and the revision of
/// the subscription it was priced against (the confirmation must find the same).
#[derive(Debug, Clone)]
pub struct ChangeReview {
    pub current: Configuration,
    pub plan: ChangePlan,
    pub revision: String,
    /// A downgrade scheduled now, which an immediate change replaces.
    pub replaces_scheduled: bool,
}

/// What the customer confirmed: the review's revision and amount, and its idempotency key.
pub struct Confirmation {
    pub revision: String,
    pub amount_minor: i64,
    pub idempotency_key: Uuid,
}

pub enum Changed {
    /// Charged now, prorated; `duplicate` when this confirmation had already been applied.
    Charged {
        order_number: String,
        amount: String,
        duplicate: bool,
    },
    /// A downgrade, applied at the end of the term.
    Scheduled {
        on: Date,
    },
    Nothing,
}
