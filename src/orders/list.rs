//! The partner's order list: status filters and sort orders, keyset-paginated, scoped by the
//! partner id in SQL.

use sqlx::{PgPool, Postgres, QueryBuilder};

use super::model::{OrderStatus, OrderSummary};
use super::store::SUMMARY;
use crate::accounts::model::AccountId;
use crate::paging::{Choice, KeyCursor, SortKey, SortKind, SortValue};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderFilter {
    All,
    AwaitingPayment,
    Paid,
    Cancelled,
}

impl Choice for OrderFilter {
    const ALL: &'static [Self] = &[
        Self::All,
        Self::AwaitingPayment,
        Self::Paid,
        Self::Cancelled,
    ];

    fn code(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::AwaitingPayment => "awaiting_payment",
            Self::Paid => "paid",
            Self::Cancelled => "cancelled",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::All => "All orders",
            Self::AwaitingPayment => "Awaiting payment",
            Self::Paid => "Paid",
            Self::Cancelled => "Cancelled",
        }
    }
}

impl OrderFilter {
    /// The status the filter keeps, if it keeps one.
    fn status(self) -> Option<OrderStatus> {
        match self {
            Self::All => None,
            Self::AwaitingPayment => Some(OrderStatus::AwaitingPayment),
            Self::Paid => Some(OrderStatus::Paid),
            Self::Cancelled => Some(OrderStatus::Cancelled),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderSort {
    Newest,
    Oldest,
    TotalHighest,
    TotalLowest,
}

impl Choice for OrderSort {
    const ALL: &'static [Self] = &[
        Self::Newest,
        Self::Oldest,
        Self::TotalHighest,
        Self::TotalLowest,
    ];

    fn code(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Oldest => "oldest",
            Self::TotalHighest => "total_desc",
            Self::TotalLowest => "total",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Newest => "Newest first",
            Self::Oldest => "Oldest first",
            Self::TotalHighest => "Total (highest first)",
            Self::TotalLowest => "Total (lowest first)",
        }
    }
}

impl OrderSort {
    pub fn key(self) -> SortKey {
        let (column, kind) = match self {
            Self::Newest | Self::Oldest => ("o.created_at", SortKind::Time),
            Self::TotalHighest | Self::TotalLowest => ("o.total_minor", SortKind::Int),
        };
        SortKey {
            column,
            id: "o.id",
            kind,
            descending: matches!(self, Self::Newest | Self::TotalHighest),
        }
    }

    pub fn cursor(self, row: &OrderSummary) -> KeyCursor {
        let value = match self {
            Self::Newest | Self::Oldest => SortValue::Time(row.created_at),
            Self::TotalHighest | Self::TotalLowest => SortValue::Int(row.total_minor),
        };
        KeyCursor::new(value, row.id)
    }
}

/// One page of the partner's orders.
pub async fn list(
    pool: &PgPool,
    partner_id: AccountId,
    filter: OrderFilter,
    sort: OrderSort,
    after: Option<&KeyCursor>,
    limit: i64,
) -> sqlx::Result<Vec<OrderSummary>> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(SUMMARY);
    q.push(" where o.partner_id = ");
    q.push_bind(partner_id);
    if let Some(status) = filter.status() {
        q.push(" and o.status = ");
        q.push_bind(status);
        q.push("::order_status");
    }
    let key = sort.key();
    key.push_after(&mut q, after);
    key.push_order_and_limit(&mut q, limit);
    q.build_query_as().fetch_all(pool).await
}
