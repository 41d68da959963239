//! The SQL of `licenses` (rows are inserted by `orders` when an order is placed). Every query
//! takes the partner id and filters on it, except the customer's own list.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::model::{LicenseRow, TypeCount};
use crate::ids::{AccountId, LicenseId};

/// Every product type with how many licences the partner bought and how many are associated.
pub async fn counts_by_type(pool: &PgPool, partner_id: AccountId) -> sqlx::Result<Vec<TypeCount>> {
    sqlx::query_as(
        "select t.code as product_type, t.name, count(l.id) as licenses, count(l.customer_id) as associated \
         from product_types t left join licenses l on l.product_type = t.code and l.partner_id = $1 \
         group by t.code, t.name, t.sort_order order by t.sort_order",
    )
    .bind(partner_id)
    .fetch_all(pool)
    .await
}

pub(super) const ROW: &str = "select l.id, l.key, l.product_type, pl.name as plan_name, l.capacity, l.status, \
     l.starts_on, l.ends_on, l.created_at, o.number as order_number, l.customer_id, \
     c.first_name || ' ' || c.last_name as customer_name, c.email as customer_email, c.status as customer_status \
     from licenses l join plans pl on pl.code = l.plan_code join orders o on o.id = l.order_id \
     left join accounts c on c.id = l.customer_id";

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

/// The licences associated with one customer (the Customer Portal's product list).
pub async fn list_for_customer(
    pool: &PgPool,
    customer_id: AccountId,
) -> sqlx::Result<Vec<LicenseRow>> {
    sqlx::query_as(&format!(
        "{ROW} where l.customer_id = $1 order by l.created_at desc limit 500"
    ))
    .bind(customer_id)
    .fetch_all(pool)
    .await
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
