//! SQL for orders, their lines and the licences they create. Reads are scoped by partner.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{OrderSummary, PlacedOrder, StoredLine};
use super::record::OrderRecord;

use crate::ids::{AccountId, OrderId, SubscriptionId};
use crate::pricing::Quote;

/// Inserts the order and returns its number (from a sequence, e.g. YP-001001).
pub async fn insert_order(
    conn: &mut PgConnection,
    id: OrderId,
    row: &OrderRecord<'_>,
) -> sqlx::Result<String> {
    sqlx::query_scalar(
        "insert into orders (id, number, partner_id, placed_by, customer_id, plan_code, term, licenses, \
           units, currency, subtotal_minor, discount_minor, total_minor, starts_on, ends_on, \
           idempotency_key, placeholder_prices, created_at, kind, subscription_id) \
         values ($1, 'YP-' || lpad(nextval('order_number_seq')::text, 6, '0'), $2, $3, $4, $5, $6, $7, \
           $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) returning number",
    )
    .bind(id)
    .bind(row.parties.partner)
    .bind(row.parties.placed_by)
    .bind(row.parties.customer)
    .bind(&row.quote.plan)
    .bind(row.quote.term.to_string())
    .bind(row.licenses as i32)
    .bind(row.units as i32)
    .bind(&row.quote.currency)
    .bind(row.quote.subtotal_minor)
    .bind(row.quote.discount_minor)
    .bind(row.quote.total_minor)
    .bind(row.quote.start)
    .bind(row.quote.end)
    .bind(row.idempotency_key)
    .bind(row.quote.placeholder)
    .bind(row.now)
    .bind(row.kind.code())
    .bind(row.subscription)
    .fetch_one(conn)
    .await
}

pub async fn insert_lines(
    conn: &mut PgConnection,
    order_id: OrderId,
    quote: &Quote,
) -> sqlx::Result<()> {
    for (position, line) in quote.lines.iter().enumerate() {
        sqlx::query(
            "insert into order_lines (order_id, position, description, unit, quantity, unit_price_minor, \
             months, amount_minor) values ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(order_id)
        .bind(position as i32)
        .bind(&line.description)
        .bind(&line.unit)
        .bind(i64::from(line.quantity))
        .bind(line.unit_price_minor)
        .bind(line.months.map(|m| m as i32))
        .bind(line.amount_minor)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The order an account already placed with this confirmation key. Keys are scoped to the
/// account that submitted them, like the unique constraint `orders_idempotency_scope_key`.
pub async fn find_by_idempotency_key(
    pool: &PgPool,
    placed_by: AccountId,
    key: Uuid,
) -> sqlx::Result<Option<(OrderId, String)>> {
    sqlx::query_as("select id, number from orders where placed_by = $1 and idempotency_key = $2")
        .bind(placed_by)
        .bind(key)
        .fetch_optional(pool)
        .await
}

pub async fn find_placed_by_idempotency_key(
    conn: &mut PgConnection,
    partner_id: AccountId,
    key: Uuid,
) -> sqlx::Result<Option<PlacedOrder>> {
    sqlx::query_as(
        "select number, total_minor, currency from orders where partner_id = $1 and idempotency_key = $2",
    )
    .bind(partner_id)
    .bind(key)
    .fetch_optional(conn)
    .await
}

pub(crate) const SUMMARY: &str =
    "select o.id, o.number, o.status, o.plan_code, pl.name as plan_name, t.name as product_name, \
     o.term, o.licenses, o.units, o.currency, o.subtotal_minor, o.discount_minor, o.total_minor, \
     o.starts_on, o.ends_on, o.placeholder_prices, o.created_at, \
     c.first_name || ' ' || c.last_name as customer_name, c.email as customer_email, \
     c.status as customer_status, p.company as partner_company, p.email as partner_email \
     from orders o join plans pl on pl.code = o.plan_code join product_types t on t.code = pl.product_type \
     join accounts p on p.id = o.partner_id \
     left join accounts c on c.id = o.customer_id";

pub async fn find(
    pool: &PgPool,
    partner_id: AccountId,
    id: OrderId,
) -> sqlx::Result<Option<OrderSummary>> {
    sqlx::query_as(&format!("{SUMMARY} where o.partner_id = $1 and o.id = $2"))
        .bind(partner_id)
        .bind(id)
        .fetch_optional(pool)
        .await
}

pub async fn lines(pool: &PgPool, order_id: OrderId) -> sqlx::Result<Vec<StoredLine>> {
    sqlx::query_as(
        "select description, unit, quantity, unit_price_minor, months, amount_minor from order_lines \
         where order_id = $1 order by position",
    )
    .bind(order_id)
    .fetch_all(pool)
    .await
}

/// The subscription an order was for (`None` for a partner's purchase).
pub async fn subscription_of(
    pool: &PgPool,
    order_id: OrderId,
) -> sqlx::Result<Option<SubscriptionId>> {
    sqlx::query_scalar("select subscription_id from orders where id = $1")
        .bind(order_id)
        .fetch_one(pool)
        .await
}
