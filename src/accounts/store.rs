//! SQL for accounts. Every query that reads a partner's customers takes the partner id and
//! filters on it: tenant isolation lives here, not in handlers.

use sqlx::{PgConnection, PgExecutor, PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;

use super::model::{Account, AccountId, AccountInfo, AccountStatus, Cursor, Email, Role};
use crate::ids::SessionId;

/// The columns of `Account`, for every query that loads one.
pub(super) const ACCOUNT_COLUMNS: &str =
    "id, role, status, email, first_name, last_name, company, phone, \
     country, address, city, state, postcode, manager_id, partner_id, two_factor_enabled, \
     has_profile_image, created_at, activated_at, partner_access, time_zone, organization_id, \
     permissions";

/// [`ACCOUNT_COLUMNS`] of the table aliased `a`, for queries that join other accounts.
pub(super) const A_ACCOUNT_COLUMNS: &str =
    "a.id, a.role, a.status, a.email, a.first_name, a.last_name, a.company, a.phone, \
     a.country, a.address, a.city, a.state, a.postcode, a.manager_id, a.partner_id, \
     a.two_factor_enabled, a.has_profile_image, a.created_at, a.activated_at, a.partner_access, \
     a.time_zone, a.organization_id, a.permissions";

/// [`A_ACCOUNT_COLUMNS`] for another owner's statement that joins `accounts a` to load an
/// `Account` with its own row (the web session store: the signed-in account comes with the
/// session, in one statement).
pub const JOINED_ACCOUNT_COLUMNS: &str = A_ACCOUNT_COLUMNS;

/// The account whose id is the statement's parameter `param` (`"$2"`), as JSON (an `Account`),
/// or null, for a statement that reads it beside other things (`overview`).
pub fn account_json(param: &str) -> String {
    format!("(select row_to_json(v) from (select {ACCOUNT_COLUMNS} from accounts where id = {param}) v)")
}

/// The account `filter` finds, if there is one: a condition on `accounts` that binds `$1` to
/// `key` (and may end in a locking clause).
pub(super) async fn find_where<'c, K>(
    executor: impl PgExecutor<'c>,
    filter: &str,
    key: K,
) -> sqlx::Result<Option<Account>>
where
    K: for<'q> sqlx::Encode<'q, Postgres> + sqlx::Type<Postgres> + Send,
{
    sqlx::query_as(&format!(
        "select {ACCOUNT_COLUMNS} from accounts where {filter}"
    ))
    .bind(key)
    .fetch_optional(executor)
    .await
}

pub struct NewAccountRow<'a> {
    pub id: AccountId,
    pub role: Role,
    pub email: &'a Email,
    pub info: &'a AccountInfo,
    pub manager_id: Option<AccountId>,
    pub partner_id: Option<AccountId>,
    /// The organization a new colleague joins, with its permissions; none for a new partner
    /// (it founds its own, see the organizations migration) and for everyone else.
    pub organization: Option<(AccountId, &'a [String])>,
    pub created_by: Option<AccountId>,
    pub now: OffsetDateTime,
}

/// Inserts a pending account. A duplicate email fails on `accounts_email_key`.
pub async fn insert_account(conn: &mut PgConnection, row: NewAccountRow<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "insert into accounts (id, role, email, first_name, last_name, company, phone, country, \
         address, city, state, postcode, manager_id, partner_id, created_by, created_at, updated_at, \
         organization_id, permissions) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16, $17, \
         coalesce($18, '{}'))",
    )
    .bind(row.id)
    .bind(row.role)
    .bind(row.email.as_str())
    .bind(&row.info.first_name)
    .bind(&row.info.last_name)
    .bind(&row.info.company)
    .bind(&row.info.phone)
    .bind(&row.info.country)
    .bind(&row.info.address)
    .bind(&row.info.city)
    .bind(&row.info.state)
    .bind(&row.info.postcode)
    .bind(row.manager_id)
    .bind(row.partner_id)
    .bind(row.created_by)
    .bind(row.now)
    .bind(row.organization.map(|(id, _)| id))
    .bind(row.organization.map(|(_, permissions)| permissions))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn email_in_use(pool: &PgPool, email: &Email) -> sqlx::Result<bool> {
    sqlx::query_scalar("select exists (select 1 from accounts where lower(email) = lower($1))")
        .bind(email.as_str())
        .fetch_one(pool)
        .await
}

pub async fn find_by_id(pool: &PgPool, id: AccountId) -> sqlx::Result<Option<Account>> {
    find_where(pool, "id = $1", id).await
}

/// The account, locked (FOR UPDATE) until the caller's transaction ends.
pub async fn lock(conn: &mut PgConnection, id: AccountId) -> sqlx::Result<Option<Account>> {
    find_where(conn, "id = $1 for update", id).await
}

/// The account behind a live session, in one statement (run on every signed-in request): none
/// when the session row was deleted (signed out) or belongs to another account.
pub async fn find_with_session(
    pool: &PgPool,
    id: AccountId,
    session: SessionId,
) -> sqlx::Result<Option<Account>> {
    sqlx::query_as(&format!(
        "select {A_ACCOUNT_COLUMNS} from accounts a join account_sessions s on s.account_id = a.id \
         where a.id = $1 and s.id = $2"
    ))
    .bind(id)
    .bind(session)
    .fetch_optional(pool)
    .await
}

/// The account and its password hash, for signing in.
pub async fn find_for_login(
    pool: &PgPool,
    email: &str,
) -> sqlx::Result<Option<(Account, Option<String>)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        account: Account,
        password_hash: Option<String>,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {ACCOUNT_COLUMNS}, password_hash from accounts where lower(email) = lower($1)"
    ))
    .bind(email.trim())
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.account, r.password_hash)))
}

pub async fn find_by_email(pool: &PgPool, email: &str) -> sqlx::Result<Option<Account>> {
    find_where(pool, "lower(email) = lower($1)", email.trim()).await
}

/// One customer of one partner; another partner's customer is simply not found.
pub async fn find_customer_of_partner(
    pool: &PgPool,
    partner_id: AccountId,
    customer_id: AccountId,
) -> sqlx::Result<Option<(Account, Option<OffsetDateTime>)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        account: Account,
        link_expires_at: Option<OffsetDateTime>,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {ACCOUNT_COLUMNS}, \
           (select t.expires_at from activation_tokens t \
             where t.account_id = accounts.id and t.used_at is null and t.superseded_at is null \
             order by t.created_at desc limit 1) as link_expires_at \
         from accounts \
         where partner_id = $1 and id = $2 and role = 'customer' and status <> 'removed'"
    ))
    .bind(partner_id)
    .bind(customer_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| (r.account, r.link_expires_at)))
}

/// One row of the manager's partner list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PartnerRow {
    #[sqlx(flatten)]
    pub account: Account,
    pub customers: i64,
    /// Members of the partner organization who are not removed.
    pub members: i64,
}

/// The partners assigned to one account manager, newest first, optionally searched, one page
/// after `after`.
pub async fn list_partners_of_manager(
    pool: &PgPool,
    manager_id: AccountId,
    search: Option<&str>,
    after: Option<Cursor>,
    limit: i64,
) -> sqlx::Result<Vec<PartnerRow>> {
    let mut query: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "select {A_ACCOUNT_COLUMNS}, (select count(*) from accounts c where c.partner_id = a.id \
           and c.role = 'customer' and c.status <> 'removed') as customers, \
           (select count(*) from accounts m where m.organization_id = a.id \
           and m.status <> 'removed') as members \
         from accounts a where a.id in (select id from managed_partner_ids("
    ));
    query.push_bind(manager_id);
    query.push(") id)");
    push_search_and_page(&mut query, search, after, limit);
    query
        .build_query_as()
        .persistent(search.is_none())
        .fetch_all(pool)
        .await
}

/// One partner of the manager (a partner, or a customer approved as one); none for anyone
/// else's partner, so another manager's id answers "not found".
pub async fn find_partner_of_manager(
    pool: &PgPool,
    manager_id: AccountId,
    partner_id: AccountId,
) -> sqlx::Result<Option<Account>> {
    sqlx::query_as(&format!(
        "select {ACCOUNT_COLUMNS} from accounts \
         where id = $2 and id in (select id from managed_partner_ids($1) id)"
    ))
    .bind(manager_id)
    .bind(partner_id)
    .fetch_optional(pool)
    .await
}

/// How many customers a partner has in each status, for the partner's summary.
pub async fn count_customers_by_status(
    pool: &PgPool,
    partner_id: AccountId,
) -> sqlx::Result<Vec<(AccountStatus, i64)>> {
    sqlx::query_as(
        "select status, count(*) from accounts where partner_id = $1 and role = 'customer' \
         group by status order by status",
    )
    .bind(partner_id)
    .fetch_all(pool)
    .await
}

pub async fn update_info(
    conn: &mut PgConnection,
    id: AccountId,
    info: &AccountInfo,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "update accounts set first_name = $2, last_name = $3, company = $4, phone = $5, \
         country = $6, address = $7, city = $8, state = $9, postcode = $10, updated_at = $11 \
         where id = $1",
    )
    .bind(id)
    .bind(&info.first_name)
    .bind(&info.last_name)
    .bind(&info.company)
    .bind(&info.phone)
    .bind(&info.country)
    .bind(&info.address)
    .bind(&info.city)
    .bind(&info.state)
    .bind(&info.postcode)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets the zone a person chose.
pub async fn update_time_zone(
    conn: &mut PgConnection,
    id: AccountId,
    zone: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("update accounts set time_zone = $2, updated_at = $3 where id = $1")
        .bind(id)
        .bind(zone)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets the zone a browser reported at sign-in, only while the account has none: a zone the
/// person chose (or an earlier sign-in set) is never overridden. One conditional `UPDATE`, so
/// two sign-ins at once cannot both write.
pub async fn set_time_zone_if_unset(
    pool: &PgPool,
    id: AccountId,
    zone: &str,
) -> sqlx::Result<bool> {
    let done =
        sqlx::query("update accounts set time_zone = $2 where id = $1 and time_zone is null")
            .bind(id)
            .bind(zone)
            .execute(pool)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_password_and_activate(
    conn: &mut PgConnection,
    id: AccountId,
    password_hash: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "update accounts set password_hash = $2, status = 'active', activated_at = $3, \
         updated_at = $3 where id = $1 and status = 'pending_activation'",
    )
    .bind(id)
    .bind(password_hash)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// When the account last signed in (the colleagues page shows it).
pub async fn record_sign_in(pool: &PgPool, id: AccountId, now: OffsetDateTime) -> sqlx::Result<()> {
    sqlx::query("update accounts set last_signed_in_at = $2 where id = $1")
        .bind(id)
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn set_status(
    conn: &mut PgConnection,
    id: AccountId,
    status: AccountStatus,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("update accounts set status = $2, updated_at = $3 where id = $1")
        .bind(id)
        .bind(status)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// The common end of the account lists (alias `a`): a "contains" search over name, company
/// and email (`search_text`, checked on the list's own rows: a manager's partners, an
/// organization's members), the keyset position, newest first.
pub(super) fn push_search_and_page(
    query: &mut QueryBuilder<'_, Postgres>,
    search: Option<&str>,
    after: Option<Cursor>,
    limit: i64,
) {
    if let Some(term) = search {
        query.push(" and ");
        crate::db::push_strpos(query, "a.search_text", &term.to_lowercase());
    }
    if let Some(cursor) = after {
        query.push(" and (a.created_at, a.id) < (");
        query.push_bind(cursor.at);
        query.push(", ");
        query.push_bind(cursor.id);
        query.push(")");
    }
    query.push(format!(
        " order by a.created_at desc, a.id desc limit {limit}"
    ));
}
