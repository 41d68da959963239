//! A removal request and the rows the manager's queue and history show.

use time::OffsetDateTime;

use crate::ids::{AccountId, RemovalId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "removal_status", rename_all = "snake_case")]
pub enum RemovalStatus {
    Pending,
    Approved,
    Rejected,
    Withdrawn,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RemovalRequest {
    pub id: RemovalId,
    pub customer_id: AccountId,
    pub partner_id: AccountId,
    pub reason: String,
    pub status: RemovalStatus,
    pub requested_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
    pub decision_reason: Option<String>,
}

/// A pending request with who it is about, for the manager's queue.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueueRow {
    #[sqlx(flatten)]
    pub request: RemovalRequest,
    pub customer_name: String,
    pub customer_email: String,
    pub customer_company: String,
    pub partner_company: String,
}

/// An approved or rejected request, with who decided.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DecidedRow {
    #[sqlx(flatten)]
    pub request: RemovalRequest,
    pub customer_name: String,
    pub customer_email: String,
    pub partner_company: String,
    /// None when the deciding account is gone from the record (never today).
    pub decided_by: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RemovalError {
    #[error("not found")]
    NotFound,
    #[error("a removal request for this customer is already pending")]
    AlreadyPending,
    #[error("this request was already decided")]
    NotPending,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for RemovalError {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
    }
}
