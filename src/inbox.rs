//! What waits for an account manager's decision: pending removal requests and partnership
//! applications of the manager's partners. The console's navigation shows both counts on every
//! page, so they are read together in one statement (one round trip per page load). The
//! scoping is the same as the queues' in `removals` and `partnership`: through
//! `managed_partner_ids`, the one definition of the manager's partners.

use sqlx::PgPool;

use crate::ids::AccountId;

/// How many decisions wait, per queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingCounts {
    pub removals: i64,
    pub applications: i64,
}

pub async fn pending_counts(pool: &PgPool, manager_id: AccountId) -> sqlx::Result<PendingCounts> {
    sqlx::query_as(
        "select \
           (select count(*) from removal_requests r where r.status = 'pending' \
             and r.partner_id in (select id from managed_partner_ids($1) id)) as removals, \
           (select count(*) from partnership_applications a join accounts c on c.id = a.customer_id \
             where a.status = 'pending' \
             and c.partner_id in (select id from managed_partner_ids($1) id)) as applications",
    )
    .bind(manager_id)
    .fetch_one(pool)
    .await
}
