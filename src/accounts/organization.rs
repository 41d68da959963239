//! Partner organizations and their members (SQL). An organization has the id of the account
//! that founded it, so every `partner_id` names one; its members are partner accounts whose
//! `organization_id` is it. Every member query takes the organization's id and filters on it:
//! one organization never reads or changes another's members.

use sqlx::{PgConnection, PgExecutor, PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;

use super::model::{Account, AccountId, AccountStatus, Cursor};
use super::permission::{codes, Permission};
use super::store::{push_search_and_page, ACCOUNT_COLUMNS};

/// An organization, with the names its pages show.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Organization {
    pub id: AccountId,
    pub owner_id: AccountId,
    pub require_two_factor: bool,
    /// The company of the founding account, which is the organization's.
    pub company: String,
    pub owner_name: String,
    pub owner_email: String,
}

const ORGANIZATION_SELECT: &str = "select o.id, o.owner_id, o.require_two_factor, f.company, \
       w.first_name || ' ' || w.last_name as owner_name, w.email as owner_email \
     from organizations o join accounts f on f.id = o.id join accounts w on w.id = o.owner_id \
     where o.id = $1";

/// Makes the account the founder, Owner and only member of an organization with its own id
/// (a customer approved as a partner; partner accounts found theirs when inserted).
pub async fn found(
    conn: &mut PgConnection,
    id: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into organizations (id, owner_id, created_at) values ($1, $1, $2) \
         on conflict (id) do nothing",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("update accounts set organization_id = $1, permissions = $2 where id = $1")
        .bind(id)
        .bind(codes(&Permission::ALL))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn find<'c>(
    executor: impl PgExecutor<'c>,
    id: AccountId,
) -> sqlx::Result<Option<Organization>> {
    sqlx::query_as(ORGANIZATION_SELECT)
        .bind(id)
        .fetch_optional(executor)
        .await
}

/// The organization, locked until the transaction ends: ownership and policy changes of one
/// organization happen one at a time, so it always has exactly one Owner.
pub async fn lock(conn: &mut PgConnection, id: AccountId) -> sqlx::Result<Option<Organization>> {
    sqlx::query_as(&format!("{ORGANIZATION_SELECT} for update of o"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// One row of the colleagues page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Member {
    pub id: AccountId,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub status: AccountStatus,
    pub permissions: Vec<String>,
    pub two_factor_enabled: bool,
    pub last_signed_in_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub is_owner: bool,
}

/// The organization's members, newest first, optionally searched, one page after `after`.
pub async fn list_members(
    pool: &PgPool,
    organization: AccountId,
    search: Option<&str>,
    after: Option<Cursor>,
    limit: i64,
) -> sqlx::Result<Vec<Member>> {
    let mut query: QueryBuilder<Postgres> = QueryBuilder::new(
        "select a.id, a.email, a.first_name, a.last_name, a.status, a.permissions, \
           a.two_factor_enabled, a.last_signed_in_at, a.created_at, o.owner_id = a.id as is_owner \
         from accounts a join organizations o on o.id = a.organization_id \
         where a.organization_id = ",
    );
    query.push_bind(organization);
    push_search_and_page(&mut query, search, after, limit);
    query
        .build_query_as()
        .persistent(search.is_none())
        .fetch_all(pool)
        .await
}

/// A member of the organization, locked until the transaction ends; none for anyone else.
pub async fn lock_member(
    conn: &mut PgConnection,
    organization: AccountId,
    member: AccountId,
) -> sqlx::Result<Option<Account>> {
    member_where(conn, organization, member, " for update").await
}

/// A member of the organization; none for anyone else.
pub async fn find_member(
    pool: &PgPool,
    organization: AccountId,
    member: AccountId,
) -> sqlx::Result<Option<Account>> {
    member_where(pool, organization, member, "").await
}

/// The member, scoped by its organization in SQL (another organization's row is never read,
/// let alone locked), with `suffix` (a locking clause) appended.
async fn member_where<'c>(
    executor: impl PgExecutor<'c>,
    organization: AccountId,
    member: AccountId,
    suffix: &str,
) -> sqlx::Result<Option<Account>> {
    sqlx::query_as(&format!(
        "select {ACCOUNT_COLUMNS} from accounts where id = $1 and organization_id = $2{suffix}"
    ))
    .bind(member)
    .bind(organization)
    .fetch_optional(executor)
    .await
}

pub async fn set_permissions(
    conn: &mut PgConnection,
    member: AccountId,
    permissions: &[Permission],
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("update accounts set permissions = $2, updated_at = $3 where id = $1")
        .bind(member)
        .bind(codes(permissions))
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Makes `member` the Owner (with every permission); the previous Owner stays a member.
pub async fn set_owner(
    conn: &mut PgConnection,
    organization: AccountId,
    member: AccountId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("update organizations set owner_id = $2 where id = $1")
        .bind(organization)
        .bind(member)
        .execute(&mut *conn)
        .await?;
    set_permissions(conn, member, &Permission::ALL, now).await
}

pub async fn set_two_factor_policy(
    conn: &mut PgConnection,
    organization: AccountId,
    required: bool,
) -> sqlx::Result<()> {
    sqlx::query("update organizations set require_two_factor = $2 where id = $1")
        .bind(organization)
        .bind(required)
        .execute(conn)
        .await?;
    Ok(())
}

/// When the account last signed in, if ever.
pub async fn last_signed_in_at(
    pool: &PgPool,
    id: AccountId,
) -> sqlx::Result<Option<OffsetDateTime>> {
    sqlx::query_scalar("select last_signed_in_at from accounts where id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
}

/// Whether the organization asks its members for a second factor (read at sign-in).
pub async fn requires_two_factor(pool: &PgPool, organization: AccountId) -> sqlx::Result<bool> {
    sqlx::query_scalar("select require_two_factor from organizations where id = $1")
        .bind(organization)
        .fetch_optional(pool)
        .await
        .map(|found| found.unwrap_or(false))
}
