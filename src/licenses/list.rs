//! The partner's purchased product list per product type: a "contains" search over licence
//! key, order number, plan and customer, status filters and sort orders, keyset-paginated.

use sqlx::{PgPool, Postgres, QueryBuilder};
use time::{Date, Duration};

use super::search;
use super::store::ROW;
use super::LicenseRow;
use crate::ids::AccountId;
use crate::paging::{Choice, KeyCursor, SortKey, SortKind, SortValue};

/// A licence counts as expiring soon this many days before its last day.
pub const EXPIRING_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenseFilter {
    All,
    Unassigned,
    Associated,
    ExpiringSoon,
    Expired,
}

impl Choice for LicenseFilter {
    const ALL: &'static [Self] = &[
        Self::All,
        Self::Unassigned,
        Self::Associated,
        Self::ExpiringSoon,
        Self::Expired,
    ];

    fn code(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Unassigned => "unassigned",
            Self::Associated => "associated",
            Self::ExpiringSoon => "expiring",
            Self::Expired => "expired",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::All => "All licences",
            Self::Unassigned => "Not associated",
            Self::Associated => "Associated with a customer",
            Self::ExpiringSoon => "Expiring within 30 days",
            Self::Expired => "Expired",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenseSort {
    Newest,
    Oldest,
    ExpirySoonest,
    ExpiryLatest,
}

impl Choice for LicenseSort {
    const ALL: &'static [Self] = &[
        Self::Newest,
        Self::Oldest,
        Self::ExpirySoonest,
        Self::ExpiryLatest,
    ];

    fn code(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Oldest => "oldest",
            Self::ExpirySoonest => "expiry",
            Self::ExpiryLatest => "expiry_desc",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Newest => "Newest first",
            Self::Oldest => "Oldest first",
            Self::ExpirySoonest => "Expiry (soonest first)",
            Self::ExpiryLatest => "Expiry (latest first)",
        }
    }
}

impl LicenseSort {
    pub fn key(self) -> SortKey {
        let (column, kind) = match self {
            Self::Newest | Self::Oldest => ("l.created_at", SortKind::Time),
            Self::ExpirySoonest | Self::ExpiryLatest => ("l.ends_on", SortKind::Date),
        };
        SortKey {
            column,
            id: "l.id",
            kind,
            descending: matches!(self, Self::Newest | Self::ExpiryLatest),
        }
    }

    pub fn cursor(self, row: &LicenseRow) -> KeyCursor {
        let value = match self {
            Self::Newest | Self::Oldest => SortValue::Time(row.created_at),
            Self::ExpirySoonest | Self::ExpiryLatest => SortValue::Date(row.ends_on),
        };
        KeyCursor::new(value, row.id)
    }
}

pub struct LicenseList<'a> {
    pub product_type: &'a str,
    /// The search term and the codes of the plans whose names contain it (worked out by the
    /// caller from the in-memory catalog, so no query joins plan names row by row).
    pub search: Option<(&'a str, &'a [String])>,
    pub filter: LicenseFilter,
    pub sort: LicenseSort,
    pub after: Option<&'a KeyCursor>,
    /// Expiry is decided against this day.
    pub today: Date,
    pub limit: i64,
}

/// The tenant scope, product type, status filter and page position: written into every part
/// of the query.
fn push_scope(q: &mut QueryBuilder<Postgres>, partner_id: AccountId, list: &LicenseList<'_>) {
    q.push(" where l.partner_id = ");
    q.push_bind(partner_id);
    q.push(" and l.product_type = ");
    q.push_bind(list.product_type.to_owned());
    match list.filter {
        LicenseFilter::All => {}
        LicenseFilter::Unassigned => {
            q.push(" and l.customer_id is null");
        }
        LicenseFilter::Associated => {
            q.push(" and l.customer_id is not null");
        }
        LicenseFilter::ExpiringSoon => {
            q.push(" and l.status <> 'expired' and l.ends_on >= ");
            q.push_bind(list.today);
            q.push(" and l.ends_on <= ");
            q.push_bind(list.today + Duration::days(EXPIRING_DAYS));
        }
        LicenseFilter::Expired => {
            q.push(" and (l.status = 'expired' or l.ends_on < ");
            q.push_bind(list.today);
            q.push(")");
        }
    }
    list.sort.key().push_after(q, list.after);
}

/// One page of the partner's licences of one product type.
///
/// A search is a `UNION` of one query per index (key and order number through their trigram
/// indexes, customer through the accounts trigram index, plan by code; along the list for a
/// term too short for a trigram index), each already filtered, positioned and limited to a
/// page, so it never scans the partner's whole list the way one `OR` filter does (`search`
/// says how each part is written, and why).
pub async fn list(
    pool: &PgPool,
    partner_id: AccountId,
    list: LicenseList<'_>,
) -> sqlx::Result<Vec<LicenseRow>> {
    let key = list.sort.key();
    let scope = |q: &mut QueryBuilder<Postgres>| push_scope(q, partner_id, &list);
    let parts = list
        .search
        .map(|(term, plan_codes)| search::parts(term, plan_codes))
        .unwrap_or_default();
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new("");
    search::push_hits(&mut q, partner_id, &parts, key.column, &scope);
    q.push(ROW);
    scope(&mut q);
    if !parts.is_empty() {
        search::push_pages(&mut q, partner_id, &parts, key, list.limit, &scope);
    }
    key.push_order_and_limit(&mut q, list.limit);
    q.build_query_as()
        // Prepared once per connection, as every statement whose text does not depend on what
        // was typed; one holding an order-number literal is planned for it and not kept.
        .persistent(search::preparable(&parts))
        .fetch_all(pool)
        .await
}
