//! A licence as the partner's and customer's lists show it, and what associating can refuse.

use time::{Date, OffsetDateTime};

use crate::accounts::model::AccountStatus;
use crate::ids::{AccountId, LicenseId};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TypeCount {
    pub product_type: String,
    pub name: String,
    pub licenses: i64,
    pub associated: i64,
}

/// Where a licence stands (`license_status`); its words and badge are in `crate::labels`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type, serde::Deserialize)]
#[sqlx(type_name = "license_status", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum LicenseStatus {
    Active,
    Suspended,
    Expired,
}

impl LicenseStatus {
    pub const ALL: [LicenseStatus; 3] = [Self::Active, Self::Suspended, Self::Expired];

    pub fn code(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Expired => "expired",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct LicenseRow {
    pub id: LicenseId,
    pub key: String,
    pub product_type: String,
    /// The plan's code; its name is the in-memory catalog's (`labels::plan_of`, `plan_own`).
    pub plan_code: String,
    pub capacity: i32,
    pub status: LicenseStatus,
    #[serde(deserialize_with = "crate::db::json::date")]
    pub starts_on: Date,
    #[serde(deserialize_with = "crate::db::json::date")]
    pub ends_on: Date,
    #[serde(deserialize_with = "crate::db::json::datetime")]
    pub created_at: OffsetDateTime,
    pub order_number: String,
    pub customer_id: Option<AccountId>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_status: Option<AccountStatus>,
}

impl LicenseRow {
    pub fn customer_removed(&self) -> bool {
        self.customer_status == Some(AccountStatus::Removed)
    }

    /// Past its last day a licence is expired, whatever its stored status says (nothing
    /// rewrites the status on that day), as the Expired filter of the list has it.
    pub fn is_expired(&self, today: &Date) -> bool {
        self.status == LicenseStatus::Expired || self.ends_on < *today
    }

    /// Where the licence stands today; its words and badge come from `crate::labels`.
    pub fn state(&self, today: &Date) -> LicenseStatus {
        if self.is_expired(today) {
            LicenseStatus::Expired
        } else {
            self.status
        }
    }

    pub fn state_label(&self, today: &Date) -> &'static str {
        self.state(today).label()
    }

    pub fn state_badge(&self, today: &Date) -> &'static str {
        self.state(today).badge_class()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AssociateError {
    /// The licence is not this partner's.
    #[error("not found")]
    NotFound,
    /// The customer is not this partner's (or does not exist).
    #[error("not found")]
    CustomerNotFound,
    #[error(
        "Products can be associated only with your customers who have activated their accounts."
    )]
    CustomerNotEligible,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AssociateError {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
    }
}
