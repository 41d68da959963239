//! A partnership application and the rows the manager's queue and history show.

use time::OffsetDateTime;

use crate::ids::{AccountId, ApplicationId};

pub const BUSINESS_TYPES: &[&str] = &[
    "Reseller",
    "System integrator",
    "Distributor",
    "Managed service provider",
    "Telecom operator",
];
pub const VOLUMES: &[&str] = &[
    "Under 50 extensions",
    "50 to 500 extensions",
    "500 to 5,000 extensions",
    "Over 5,000 extensions",
];

/// Where an application stands (`application_status`); its words are in `crate::labels`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "application_status", rename_all = "snake_case")]
pub enum ApplicationStatus {
    Pending,
    Approved,
    Rejected,
    Withdrawn,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 4] = [
        Self::Pending,
        Self::Approved,
        Self::Rejected,
        Self::Withdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Application {
    pub id: ApplicationId,
    pub customer_id: AccountId,
    pub company: String,
    pub website: String,
    pub country: String,
    pub business_type: String,
    pub yearly_volume: String,
    pub message: String,
    pub status: ApplicationStatus,
    pub created_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
    pub decision_reason: Option<String>,
}

impl Application {
    /// The country's English name ("Germany" for "DE"); the stored value if it is no code.
    pub fn country_name(&self) -> &str {
        crate::countries::name_of(&self.country).unwrap_or(&self.country)
    }
}

pub struct NewApplication {
    pub company: String,
    pub website: String,
    pub country: String,
    pub business_type: String,
    pub yearly_volume: String,
    pub message: String,
}

pub const APPLICANT_REMOVED: &str = "The applicant's account was removed, so it cannot be given Partner Portal access. Reject the application instead.";

#[derive(Debug, thiserror::Error)]
pub enum ApplicationError {
    #[error("You already have an open application. Withdraw it to apply again.")]
    AlreadyOpen,
    #[error("not found")]
    NotFound,
    #[error("This application was already decided or withdrawn.")]
    NotPending,
    #[error("{}", APPLICANT_REMOVED)]
    ApplicantRemoved,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for ApplicationError {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
    }
}

/// A pending application with who applied, for the manager's queue.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueueRow {
    #[sqlx(flatten)]
    pub application: Application,
    pub applicant_email: String,
    pub applicant_name: String,
    pub partner_company: String,
}

/// An approved or rejected application, with who decided.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DecidedRow {
    #[sqlx(flatten)]
    pub queued: QueueRow,
    pub decided_by: Option<String>,
}
