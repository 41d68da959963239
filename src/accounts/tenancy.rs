//! The tenancy rules other modules need, written once: "a customer of this partner" and what
//! changes an account's standing (removal, partner access). Orders, licences, removals and
//! partnership call these instead of writing SQL against `accounts` themselves.

use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;

use super::model::{Account, AccountId, AccountStatus};
use super::store::ACCOUNT_COLUMNS;

/// How a customer row is locked until the caller's transaction ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// FOR SHARE: the row cannot change meanwhile (selling to it, associating a licence).
    Share,
    /// FOR UPDATE: the caller writes the row, or must queue behind another writer (an edit,
    /// a removal request).
    Update,
}

/// `partner`'s customer `customer` (any status), locked as `lock` says; None when the account
/// is not a customer of this partner. The one definition of "a customer of this partner".
pub async fn lock_customer_of(
    conn: &mut PgConnection,
    partner: AccountId,
    customer: AccountId,
    lock: Lock,
) -> sqlx::Result<Option<Account>> {
    let mode = match lock {
        Lock::Share => "for share",
        Lock::Update => "for update",
    };
    sqlx::query_as(&format!(
        "select {ACCOUNT_COLUMNS} from accounts where id = $1 and partner_id = $2 \
         and role = 'customer' {mode}"
    ))
    .bind(customer)
    .bind(partner)
    .fetch_optional(conn)
    .await
}

/// Whether `customer` is an activated customer of `partner`, locked FOR SHARE: the only
/// customers a partner may sell to or associate a licence with.
pub async fn lock_active_customer_of(
    conn: &mut PgConnection,
    partner: AccountId,
    customer: AccountId,
) -> sqlx::Result<bool> {
    let found = lock_customer_of(conn, partner, customer, Lock::Share).await?;
    Ok(found.is_some_and(|c| c.status == AccountStatus::Active))
}

/// An account read inside the caller's transaction (e.g. to address an email about it).
pub async fn load(conn: &mut PgConnection, id: AccountId) -> sqlx::Result<Account> {
    super::store::find_where(conn, "id = $1", id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

/// Marks a customer removed: it can no longer sign in; its orders and licences stay.
pub async fn mark_removed(
    conn: &mut PgConnection,
    id: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "update accounts set status = 'removed', removed_at = $2, updated_at = $2 where id = $1",
    )
    .bind(id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Opens the Partner Portal to an approved customer, with `manager` as its account manager.
/// The account keeps its customer role and products.
pub async fn grant_partner_access(
    conn: &mut PgConnection,
    id: AccountId,
    manager: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "update accounts set partner_access = true, manager_id = $2, updated_at = $3 where id = $1",
    )
    .bind(id)
    .bind(manager)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    // It founds its own organization, as every partner does (see the organizations migration).
    super::organization::found(conn, id, now).await
}

/// One choice in a "which customer" picker: id, name, company, email.
pub type CustomerChoice = (AccountId, String, String, String);

/// The partner's activated customers, optionally searched, for pickers (associating a licence,
/// choosing whom an order is for).
pub async fn active_customers_of(
    pool: &PgPool,
    partner: AccountId,
    search: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<CustomerChoice>> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
        "select id, first_name || ' ' || last_name, company, email from accounts \
         where role = 'customer' and status = 'active' and partner_id = ",
    );
    q.push_bind(partner);
    if let Some(term) = search {
        // Through the partner's trigram index of customers (`accounts_partner_search_idx`).
        crate::db::push_contains(&mut q, "search_text", &term.to_lowercase());
    }
    q.push(format!(
        " order by lower(company), lower(last_name) limit {limit}"
    ));
    q.build_query_as()
        .persistent(search.is_none())
        .fetch_all(pool)
        .await
}

/// Pushes `select a.id …`: up to `limit` of the partner's customers (any status) whose name,
/// company or email contains `lower` (lower case), for a search of their licences in the same
/// statement. Through the partner's trigram index when `indexed` (`db::push_contains`); else
/// by reading the partner's customers, for a term too short for trigrams.
pub fn push_customers_matching(
    q: &mut QueryBuilder<'_, Postgres>,
    partner: AccountId,
    lower: &str,
    indexed: bool,
    limit: i64,
) {
    q.push("select a.id from accounts a where a.role = 'customer' and a.partner_id = ");
    q.push_bind(partner);
    if indexed {
        crate::db::push_contains(q, "a.search_text", lower);
    } else {
        q.push(" and ");
        crate::db::push_strpos(q, "a.search_text", lower);
    }
    q.push(format!(" limit {limit}"));
}
