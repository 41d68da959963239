//! Order types: where an order stands, what it was for, and the rows pages read.

use time::{Date, OffsetDateTime};

use crate::ids::{AccountId, OrderId, SubscriptionId};

/// Where an order stands (`order_status`); its words are with the other labels.
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

/// What an order was for (`orders.kind`, kept as text): a partner's purchase of licences, or a
/// customer's subscription, change or renewal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderKind {
    Purchase,
    Subscription,
    Change,
    Renewal,
}

impl OrderKind {
    pub const ALL: [OrderKind; 4] = [
        Self::Purchase,
        Self::Subscription,
        Self::Change,
        Self::Renewal,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Purchase => "purchase",
            Self::Subscription => "subscription",
            Self::Change => "change",
            Self::Renewal => "renewal",
        }
    }
}

impl TryFrom<String> for OrderKind {
    type Error = String;

    fn try_from(code: String) -> Result<Self, Self::Error> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or_else(|| format!("unknown order kind {code:?}"))
    }
}

/// The order an idempotency key already placed, read inside the caller's transaction (after
/// it has locked what the order is for, so a concurrent submit's order is visible).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PlacedOrder {
    pub number: String,
    pub total_minor: i64,
    pub currency: String,
}

/// An order as lists and detail pages show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderSummary {
    pub id: OrderId,
    pub number: String,
    pub status: OrderStatus,
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
    pub customer_status: Option<crate::accounts::model::AccountStatus>,
    pub partner_company: String,
    pub partner_email: String,
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

/// One row of a customer's Billing page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BillingRow {
    pub id: OrderId,
    pub number: String,
    /// A subscription, change or renewal.
    #[sqlx(try_from = "String")]
    pub kind: OrderKind,
    pub status: OrderStatus,
    pub product_name: String,
    pub plan_name: String,
    pub currency: String,
    pub total_minor: i64,
    pub created_at: OffsetDateTime,
    pub subscription_id: SubscriptionId,
}

/// Who an order is between: the partner it is billed to, who placed it, and the customer it
/// is for (if any).
#[derive(Debug, Clone, Copy)]
pub struct Parties {
    pub partner: AccountId,
    pub placed_by: AccountId,
    pub customer: Option<AccountId>,
}
