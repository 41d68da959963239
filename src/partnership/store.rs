//! The SQL of `partnership_applications`. The manager's side is scoped through
//! `managed_partner_ids`: applications of customers of the manager's partners.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::model::{Application, ApplicationStatus, DecidedRow, NewApplication, QueueRow};
use crate::ids::{AccountId, ApplicationId};
use crate::paging::{fetch_newest_first, Cursor};

const COLUMNS: &str =
    "a.id, a.customer_id, a.company, a.website, a.country, a.business_type, a.yearly_volume, \
     a.message, a.status, a.created_at, a.decided_at, a.decision_reason";

/// Applications of customers (`c`) of the partners of manager `$1`.
const MANAGED: &str = "c.partner_id in (select id from managed_partner_ids($1) id)";

/// The applicant, the partner it is a customer of, and the application.
const FROM: &str = "from partnership_applications a join accounts c on c.id = a.customer_id \
     join accounts p on p.id = c.partner_id";

pub async fn latest(pool: &PgPool, customer: AccountId) -> sqlx::Result<Option<Application>> {
    sqlx::query_as(&format!("select {COLUMNS} from partnership_applications a where a.customer_id = $1 order by a.created_at desc limit 1"))
        .bind(customer)
        .fetch_optional(pool)
        .await
}

/// A new pending application; fails on `partnership_applications_one_open` when one is open.
pub async fn insert(
    conn: &mut PgConnection,
    id: ApplicationId,
    customer: AccountId,
    new: &NewApplication,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into partnership_applications (id, customer_id, company, website, country, business_type, \
         yearly_volume, message, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id).bind(customer).bind(&new.company).bind(&new.website).bind(&new.country)
    .bind(&new.business_type).bind(&new.yearly_volume).bind(&new.message).bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks the customer's pending application withdrawn; false when none was pending.
pub async fn withdraw_pending(
    conn: &mut PgConnection,
    customer: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query("update partnership_applications set status = 'withdrawn', decided_at = $2 where customer_id = $1 and status = 'pending'")
        .bind(customer).bind(now).execute(conn).await?;
    Ok(done.rows_affected() == 1)
}

/// Pending applications from customers of the manager's partners (or of one of them).
pub async fn queue(
    pool: &PgPool,
    manager: AccountId,
    partner: Option<AccountId>,
) -> sqlx::Result<Vec<QueueRow>> {
    sqlx::query_as(&format!(
        "select {COLUMNS}, c.email as applicant_email, c.first_name || ' ' || c.last_name as applicant_name, \
           p.company as partner_company {FROM} \
         where a.status = 'pending' and {MANAGED} and ($2::uuid is null or p.id = $2) \
         order by a.created_at limit 200"
    ))
    .bind(manager)
    .bind(partner)
    .fetch_all(pool)
    .await
}

/// Decisions on applications of the manager's partners' customers, newest first, one page
/// after `after` (`(decided_at, id)` keyset). Withdrawals are the applicant's, not decisions.
pub async fn decided(
    pool: &PgPool,
    manager: AccountId,
    after: Option<Cursor>,
    limit: i64,
) -> sqlx::Result<Vec<DecidedRow>> {
    let head = format!(
        "select {COLUMNS}, c.email as applicant_email, c.first_name || ' ' || c.last_name as applicant_name, \
           p.company as partner_company, d.first_name || ' ' || d.last_name as decided_by \
         {FROM} left join accounts d on d.id = a.decided_by \
         where {MANAGED} and a.status in ('approved', 'rejected') and"
    );
    let keyset = ("a.decided_at", "a.id");
    fetch_newest_first(pool, &head, keyset, manager, after, limit).await
}

/// The applicant and status of an application under `manager`, locked until the transaction
/// ends.
pub async fn lock_for_manager(
    conn: &mut PgConnection,
    manager: AccountId,
    id: ApplicationId,
) -> sqlx::Result<Option<(AccountId, ApplicationStatus)>> {
    sqlx::query_as(&format!(
        "select a.customer_id, a.status from partnership_applications a \
         join accounts c on c.id = a.customer_id where a.id = $2 and {MANAGED} for update of a"
    ))
    .bind(manager)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Writes the manager's decision and reason (an empty reason is stored as none).
pub async fn record_decision(
    conn: &mut PgConnection,
    id: ApplicationId,
    status: ApplicationStatus,
    manager: AccountId,
    reason: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("update partnership_applications set status = $2, decided_by = $3, decided_at = $4, decision_reason = nullif($5, '') where id = $1")
        .bind(id).bind(status).bind(manager).bind(now).bind(reason)
        .execute(conn).await?;
    Ok(())
}
