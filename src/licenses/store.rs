//! The SQL of `licenses` (rows are inserted by `orders` when an order is placed). Every query
//! takes the partner id and filters on it, except the customer's own list.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::model::{LicenseRow, TypeCount};
use crate::catalog::Catalog;
use crate::ids::{AccountId, LicenseId, OrderId};

/// Every product type of the catalog with how many licences the partner bought and how many
/// are associated, in the catalog's order (types with none show 0).
pub async fn counts_by_type(
    pool: &PgPool,
    catalog: &Catalog,
    partner_id: AccountId,
) -> sqlx::Result<Vec<TypeCount>> {
    let counted: Vec<(String, i64, i64)> = sqlx::query_as(
        "select product_type, count(*), count(customer_id) from licenses where partner_id = $1 \
         group by product_type",
    )
    .bind(partner_id)
    .fetch_all(pool)
    .await?;
    Ok(catalog
        .product_types
        .iter()
        .map(|t| {
            let (licenses, associated) = counted
                .iter()
                .find(|(code, _, _)| *code == t.code)
                .map_or((0, 0), |(_, l, a)| (*l, *a));
            TypeCount {
                product_type: t.code.clone(),
                name: t.name.clone(),
                licenses,
                associated,
            }
        })
        .collect())
}

/// A licence as lists show it. The plan is its code: its name comes from the in-memory catalog
/// (the catalog changes only with migrations), which saves a lookup per row (pgbench of the
/// licence list's query at 1,000,000 licences: ~8,300 → ~10,000/s). The order's number is the
/// licence's own copy (a foreign key keeps it equal to the order's), which saves a probe of
/// `orders` per row.
pub(crate) const ROW: &str = "select l.id, l.key, l.product_type, l.plan_code, l.capacity, l.status, \
     l.starts_on, l.ends_on, l.created_at, \
     l.order_number, l.customer_id, \
     c.first_name || ' ' || c.last_name as customer_name, c.email as customer_email, c.status as customer_status \
     from licenses l left join accounts c on c.id = l.customer_id";

pub async fn find(
    pool: &PgPool,
    partner_id: AccountId,
    id: LicenseId,
) -> sqlx::Result<Option<LicenseRow>> {
    sqlx::query_as(&format!("{ROW} where l.partner_id = $1 and l.id = $2"))
        .bind(partner_id)
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// The licences associated with one customer, newest first: `$1` is the customer.
const FOR_CUSTOMER: &str = "where l.customer_id = $1 order by l.created_at desc limit 500";

/// The licences associated with one customer (the Customer Portal's product list).
pub async fn list_for_customer(
    pool: &PgPool,
    customer_id: AccountId,
) -> sqlx::Result<Vec<LicenseRow>> {
    sqlx::query_as(&format!("{ROW} {FOR_CUSTOMER}"))
        .bind(customer_id)
        .fetch_all(pool)
        .await
}

/// [`list_for_customer`] as one JSON array (of `LicenseRow`s), for a statement that reads
/// several lists at once (`overview`); `$1` is the customer.
pub fn customer_list_json() -> String {
    format!("(select coalesce(json_agg(v), '[]') from ({ROW} {FOR_CUSTOMER}) v)")
}

/// The licences of one of the partner's customers, newest first, at most `limit` (the customer
/// page). Scoped by the partner: another partner's customer has none here.
pub async fn list_for_partner_customer(
    pool: &PgPool,
    partner_id: AccountId,
    customer_id: AccountId,
    limit: i64,
) -> sqlx::Result<Vec<LicenseRow>> {
    sqlx::query_as(&format!(
        "{ROW} where l.partner_id = $1 and l.customer_id = $2 \
         order by l.created_at desc, l.id desc limit $3"
    ))
    .bind(partner_id)
    .bind(customer_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// The customer a licence of the partner is associated with, the licence locked until the
/// transaction ends; None (outer) when the licence is not the partner's.
pub async fn lock_customer(
    conn: &mut PgConnection,
    partner_id: AccountId,
    id: LicenseId,
) -> sqlx::Result<Option<Option<AccountId>>> {
    sqlx::query_scalar(
        "select customer_id from licenses where id = $1 and partner_id = $2 for update",
    )
    .bind(id)
    .bind(partner_id)
    .fetch_optional(conn)
    .await
}

/// Associates the licence with `customer` (None: with nobody), stamping when.
pub async fn update_customer(
    conn: &mut PgConnection,
    id: LicenseId,
    customer: Option<AccountId>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("update licenses set customer_id = $2, associated_at = case when $2::uuid is null then null else $3 end where id = $1")
        .bind(id)
        .bind(customer)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// A licence as an order issues it.
pub struct NewLicense<'a> {
    pub id: LicenseId,
    pub key: &'a str,
    pub partner: AccountId,
    pub order: OrderId,
    /// The order's number, which the licence keeps a copy of for its lists.
    pub order_number: &'a str,
    pub product_type: &'a str,
    pub plan_code: &'a str,
    pub capacity: i32,
    pub starts_on: time::Date,
    pub ends_on: time::Date,
    /// Associated at once with the order's customer, when it has one.
    pub customer: Option<AccountId>,
    pub now: OffsetDateTime,
}

/// Issues one licence (the only place licences are created; only an order issues them).
pub async fn insert(conn: &mut PgConnection, new: NewLicense<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "insert into licenses (id, key, partner_id, order_id, order_number, product_type, plan_code, \
         capacity, starts_on, ends_on, customer_id, associated_at, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, \
         case when $11::uuid is null then null else $12 end, $12)",
    )
    .bind(new.id)
    .bind(new.key)
    .bind(new.partner)
    .bind(new.order)
    .bind(new.order_number)
    .bind(new.product_type)
    .bind(new.plan_code)
    .bind(new.capacity)
    .bind(new.starts_on)
    .bind(new.ends_on)
    .bind(new.customer)
    .bind(new.now)
    .execute(conn)
    .await?;
    Ok(())
}
