//! The audit log: an append-only record of every state change (the table refuses updates and
//! deletes). Entries are written inside the transaction of the change they record.

pub mod action;
pub mod store;

use serde_json::Value;
use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::ids::{AccountId, AuditEntryId};

pub use action::Action;

/// One entry to record.
pub struct Entry<'a> {
    /// Who did it (None: the system or an operator at the command line).
    pub actor: Option<AccountId>,
    /// What happened.
    pub action: Action,
    /// Whom it was done to.
    pub target: Option<AccountId>,
    /// The partner whose tenant this belongs to, if any.
    pub partner: Option<AccountId>,
    pub client_ip: Option<&'a str>,
    pub details: Value,
}

pub async fn record(
    conn: &mut PgConnection,
    entry: Entry<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into audit_log (id, at, actor_id, action, target_id, partner_id, client_ip, details) \
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(AuditEntryId::new())
    .bind(now)
    .bind(entry.actor)
    .bind(entry.action.as_str())
    .bind(entry.target)
    .bind(entry.partner)
    .bind(entry.client_ip)
    .bind(entry.details)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records an entry on its own, for events that change nothing else (e.g. a failed sign-in).
pub async fn record_alone(
    pool: &sqlx::PgPool,
    entry: Entry<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    record(&mut conn, entry, now).await
}
