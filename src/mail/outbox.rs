//! Enqueueing email inside the caller's transaction: the email exists if and only if the change
//! that needs it was committed.

use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::ids::{AccountId, EmailId};

/// A rendered email ready to be queued.
#[derive(Debug, Clone)]
pub struct OutgoingEmail {
    pub recipient: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    /// What kind of email it is (e.g. "activation"), for pages that show delivery state.
    pub kind: &'static str,
    pub account_id: Option<AccountId>,
}

pub async fn enqueue(
    conn: &mut PgConnection,
    email: &OutgoingEmail,
    now: OffsetDateTime,
) -> sqlx::Result<EmailId> {
    let id = EmailId::new();
    sqlx::query(
        "insert into email_outbox (id, recipient, subject, text_body, html_body, account_id, kind, \
         created_at, next_attempt_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(id)
    .bind(&email.recipient)
    .bind(&email.subject)
    .bind(&email.text_body)
    .bind(&email.html_body)
    .bind(email.account_id)
    .bind(email.kind)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    // Wake local workers now instead of at their next poll.
    sqlx::query("select pg_notify('email_outbox', '')")
        .execute(conn)
        .await?;
    Ok(id)
}

/// The emails waiting to be delivered (`pending`, retries included) and when the oldest was
/// queued: what an operator alerts on. One statement over the pending rows only.
pub async fn pending_summary(
    conn: &mut PgConnection,
) -> sqlx::Result<(i64, Option<OffsetDateTime>)> {
    sqlx::query_as("select count(*), min(created_at) from email_outbox where status = 'pending'")
        .fetch_one(conn)
        .await
}
