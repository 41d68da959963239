//! SQL for orders, their lines and the licences they create. Reads are scoped by partner.

use sqlx::{PgConnection, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::accounts::model::{AccountId, AccountStatus};
use crate::pricing::Quote;

pub struct OrderRow<'a> {
    pub id: Uuid,
    pub partner_id: AccountId,
    pub placed_by: AccountId,
    pub customer_id: Option<AccountId>,
    pub plan_code: &'a str,
    pub licenses: u32,
    pub units: u32,
    pub quote: &'a Quote,
    pub idempotency_key: Uuid,
    /// "purchase" (a partner's), "subscription", "change" or "renewal" (a customer's).
    pub kind: &'static str,
    pub subscription_id: Option<Uuid>,
    pub now: OffsetDateTime,
}

/// Inserts the order and returns its number (from a sequence, e.g. YP-001001).
pub async fn insert_order(conn: &mut PgConnection, row: OrderRow<'_>) -> sqlx::Result<String> {
    sqlx::query_scalar(
        "insert into orders (id, number, partner_id, placed_by, customer_id, plan_code, term, licenses, \
           units, currency, subtotal_minor, discount_minor, total_minor, starts_on, ends_on, \
           idempotency_key, placeholder_prices, created_at, kind, subscription_id) \
         values ($1, 'YP-' || lpad(nextval('order_number_seq')::text, 6, '0'), $2, $3, $4, $5, $6, $7, \
           $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) returning number",
    )
    .bind(row.id)
    .bind(row.partner_id)
    .bind(row.placed_by)
    .bind(row.customer_id)
    .bind(row.plan_code)
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
    .bind(row.kind)
    .bind(row.subscription_id)
    .fetch_one(conn)
    .await
}

pub async fn insert_lines(
    conn: &mut PgConnection,
    order_id: Uuid,
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

pub struct LicenseRow<'a> {
    pub id: Uuid,
    pub key: &'a str,
    pub partner_id: AccountId,
    pub order_id: Uuid,
    pub product_type: &'a str,
    pub plan_code: &'a str,
    pub capacity: u32,
    pub starts_on: Date,
    pub ends_on: Date,
    pub customer_id: Option<AccountId>,
    pub now: OffsetDateTime,
}

pub async fn insert_license(conn: &mut PgConnection, row: LicenseRow<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "insert into licenses (id, key, partner_id, order_id, product_type, plan_code, capacity, \
         starts_on, ends_on, customer_id, associated_at, created_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, case when $10::uuid is null then null else $11 end, $11)",
    )
    .bind(row.id)
    .bind(row.key)
    .bind(row.partner_id)
    .bind(row.order_id)
    .bind(row.product_type)
    .bind(row.plan_code)
    .bind(row.capacity as i32)
    .bind(row.starts_on)
    .bind(row.ends_on)
    .bind(row.customer_id)
    .bind(row.now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The order an account already placed with this confirmation key. Keys are scoped to the
/// account that submitted them, like the unique constraint `orders_idempotency_scope_key`.
pub async fn find_by_idempotency_key(
    pool: &PgPool,
    placed_by: AccountId,
    key: Uuid,
) -> sqlx::Result<Option<(Uuid, String)>> {
    sqlx::query_as("select id, number from orders where placed_by = $1 and idempotency_key = $2")
        .bind(placed_by)
        .bind(key)
        .fetch_optional(pool)
        .await
}

/// The order an idempotency key already placed, read inside the caller's transaction (after
/// it has locked what the order is for, so a concurrent submit's order is visible).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlacedOrder {
    pub number: String,
    pub total_minor: i64,
    pub currency: String,
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

/// Where an order stands (`order_status`). Rows keep the code as text; pages read it
/// through [`OrderStatus::from_code`] and its label in `crate::labels`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "order_status", rename_all = "snake_case")]
pub enum OrderStatus {
    AwaitingPayment,
    Paid,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 3] = [Self::AwaitingPayment, Self::Paid, Self::Cancelled];

    pub fn code(self) -> &'static str {
        match self {
            Self::AwaitingPayment => "awaiting_payment",
            Self::Paid => "paid",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// An order as lists and detail pages show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderSummary {
    pub id: Uuid,
    pub number: String,
    pub status: String,
    pub plan_code: String,
    pub plan_name: String,
    pub product_name: String,
    pub term: String,
    pub licenses: i32,
    pub units: i32,
    pub currency: String,
    pub subtotal_minor: i64,
    pub discount_minor: i64,
    pub total_minor: i64,
    pub starts_on: Date,
    pub ends_on: Date,
    pub placeholder_prices: bool,
    pub created_at: OffsetDateTime,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_status: Option<AccountStatus>,
    pub partner_company: String,
    pub partner_email: String,
}

pub(crate) const SUMMARY: &str =
    "select o.id, o.number, o.status::text as status, o.plan_code, pl.name as plan_name, t.name as product_name, \
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
    id: Uuid,
) -> sqlx::Result<Option<OrderSummary>> {
    sqlx::query_as(&format!("{SUMMARY} where o.partner_id = $1 and o.id = $2"))
        .bind(partner_id)
        .bind(id)
        .fetch_optional(pool)
        .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredLine {
    pub description: String,
    pub unit: String,
    pub quantity: i64,
    pub unit_price_minor: i64,
    pub months: Option<i32>,
    pub amount_minor: i64,
}

pub async fn lines(pool: &PgPool, order_id: Uuid) -> sqlx::Result<Vec<StoredLine>> {
    sqlx::query_as(
        "select description, unit, quantity, unit_price_minor, months, amount_minor from order_lines \
         where order_id = $1 order by position",
    )
    .bind(order_id)
    .fetch_all(pool)
    .await
}
