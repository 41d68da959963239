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

/// Both counts for the manager `manager` (an SQL expression: `$1`, or a column).
fn counts(manager: &str) -> String {
    format!(
        "(select count(*) from removal_requests r where r.status = 'pending' \
           and r.partner_id in (select id from managed_partner_ids({manager}) id)) as removals, \
         (select count(*) from partnership_applications pa join accounts c on c.id = pa.customer_id \
           where pa.status = 'pending' \
           and c.partner_id in (select id from managed_partner_ids({manager}) id)) as applications"
    )
}

pub async fn pending_counts(pool: &PgPool, manager_id: AccountId) -> sqlx::Result<PendingCounts> {
    sqlx::query_as(&format!("select {}", counts("$1")))
        .bind(manager_id)
        .fetch_one(pool)
        .await
}

/// The counts as one SQL expression over the signed-in account `account` (an alias of
/// `accounts`): `array[removals, applications]` for a manager, null for anyone else. The web
/// layer has the session store load it with the account (`PortalSessionStore::loading_also`),
/// so a console page needs no statement of its own for its navigation.
pub fn loaded_with_account(account: &str) -> String {
    format!(
        "case when {account}.role = 'manager' then \
           (select array[removals, applications] from (select {}) c) end",
        counts(&format!("{account}.id"))
    )
}

/// The counts [`loaded_with_account`] read, if it read them.
pub fn from_loaded(values: Option<&[i64]>) -> Option<PendingCounts> {
    match values? {
        [removals, applications] => Some(PendingCounts {
            removals: *removals,
            applications: *applications,
        }),
        _ => None,
    }
}
