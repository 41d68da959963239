//! What waits for an account manager's decision: pending removal requests and partnership
//! applications of the manager's partners. The console's navigation shows both counts on every
//! page, so they are read with the session in one statement (no round trip of their own). The
//! counting is the SQL function `manager_pending_counts` (migration 20261207000013), scoped
//! like the queues in `removals` and `partnership`: through `managed_partner_ids`, the one
//! definition of the manager's partners.

use sqlx::PgPool;

use crate::ids::AccountId;

/// How many decisions wait, per queue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PendingCounts {
    pub removals: i64,
    pub applications: i64,
}

pub async fn pending_counts(pool: &PgPool, manager_id: AccountId) -> sqlx::Result<PendingCounts> {
    let counts: Vec<i64> = sqlx::query_scalar("select manager_pending_counts($1)")
        .bind(manager_id)
        .fetch_one(pool)
        .await?;
    from_loaded(Some(&counts)).ok_or_else(|| {
        sqlx::Error::Decode("manager_pending_counts did not return two counts".into())
    })
}

/// The counts as one SQL expression over the signed-in account `account` (an alias of
/// `accounts`): `array[removals, applications]` for a manager, null for anyone else. The web
/// layer has the session store load it with the account (`PortalSessionStore::loading_also`),
/// so a console page needs no statement of its own for its navigation. The counting is in the
/// function `manager_pending_counts` (migration 20261207000013), called for managers only.
pub fn loaded_with_account(account: &str) -> String {
    format!("case when {account}.role = 'manager' then manager_pending_counts({account}.id) end")
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
