//! The partner's customer list: status filters, sort orders and its one query. Scoped by the
//! partner id in SQL like every other read of a partner's customers.

use std::ops::Range;

use sqlx::{PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;

use super::model::{AccountId, CustomerListRow};
use crate::paging::{Choice, KeyCursor, SortKey, SortKind, SortValue};

/// Which customers the list shows. `All` is every customer not removed (removed customers
/// leave the list); `Removed` shows them on request, for the partner's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerFilter {
    All,
    Active,
    Pending,
    LinkExpired,
    RemovalRequested,
    Removed,
}

impl Choice for CustomerFilter {
    const ALL: &'static [Self] = &[
        Self::All,
        Self::Active,
        Self::Pending,
        Self::LinkExpired,
        Self::RemovalRequested,
        Self::Removed,
    ];

    fn code(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Active => "active",
            Self::Pending => "pending",
            Self::LinkExpired => "link_expired",
            Self::RemovalRequested => "removal_requested",
            Self::Removed => "removed",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::All => "All customers",
            Self::Active => "Active",
            Self::Pending => "Pending activation",
            Self::LinkExpired => "Link expired",
            Self::RemovalRequested => "Removal requested",
            Self::Removed => "Removed",
        }
    }
}

impl CustomerFilter {
    /// The status a search for a status word means ("pending", "link expired", "Removed"…):
    /// no name contains such a word as often as people type it to find customers in that state.
    pub fn named_by(search: &str) -> Option<Self> {
        let words = search
            .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        let filter = match words.as_str() {
            "active" | "activated" => Self::Active,
            "pending" | "pending activation" | "not activated" => Self::Pending,
            "expired" | "link expired" => Self::LinkExpired,
            "removal" | "removal requested" | "removal pending" => Self::RemovalRequested,
            "removed" => Self::Removed,
            _ => return None,
        };
        Some(filter)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerSort {
    Newest,
    Oldest,
    NameAz,
    NameZa,
}

impl Choice for CustomerSort {
    const ALL: &'static [Self] = &[Self::Newest, Self::Oldest, Self::NameAz, Self::NameZa];

    fn code(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Oldest => "oldest",
            Self::NameAz => "name",
            Self::NameZa => "name_desc",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Newest => "Newest first",
            Self::Oldest => "Oldest first",
            Self::NameAz => "Name (A–Z)",
            Self::NameZa => "Name (Z–A)",
        }
    }
}

/// The name as sorted: the expression of `accounts_partner_name_idx`, returned as `name_key`
/// so the cursor carries exactly the value PostgreSQL compared.
const NAME_KEY: &str = "lower(a.first_name || ' ' || a.last_name)";

impl CustomerSort {
    pub fn key(self) -> SortKey {
        let (column, kind) = match self {
            Self::Newest | Self::Oldest => ("a.created_at", SortKind::Time),
            Self::NameAz | Self::NameZa => (NAME_KEY, SortKind::Text),
        };
        SortKey {
            column,
            id: "a.id",
            kind,
            descending: matches!(self, Self::Newest | Self::NameZa),
        }
    }

    pub fn cursor(self, row: &CustomerListRow) -> KeyCursor {
        let value = match self {
            Self::Newest | Self::Oldest => SortValue::Time(row.created_at),
            Self::NameAz | Self::NameZa => SortValue::Text(row.name_key.clone()),
        };
        KeyCursor::new(value, row.id)
    }
}

pub struct CustomerList<'a> {
    /// A "contains" search over name, company and email (the trigram index's expression).
    pub search: Option<&'a str>,
    pub filter: CustomerFilter,
    pub sort: CustomerSort,
    pub after: Option<&'a KeyCursor>,
    /// Whether a pending customer's link is still valid is decided against this time.
    pub now: OffsetDateTime,
    pub limit: i64,
}

/// The columns a list row shows, from `accounts a` and its newest live link `t`.
const ROW: &str = "select a.id, a.email, a.first_name, a.last_name, a.company, a.status, \
       a.has_profile_image, a.created_at, t.expires_at as link_expires_at, \
       exists (select 1 from removal_requests r where r.customer_id = a.id \
         and r.status = 'pending') as removal_pending, lower(a.first_name || ' ' || a.last_name) as name_key";

/// The partner's customers with the newest live link of each (for the status filters).
const FROM: &str = " from accounts a \
     left join lateral (select expires_at from activation_tokens t \
         where a.status = 'pending_activation' and t.account_id = a.id \
           and t.used_at is null and t.superseded_at is null \
         order by t.created_at desc limit 1) t on true";

/// A search first looks at up to this many customers in list order, from the index alone: a
/// frequent term finds its page among them without reading every match.
const WALK: i64 = 1000;

/// A term that matched at least [`MID_HITS`] but less than a page of the first [`WALK`]
/// customers (one customer in 300 or more) walks on to this many: its page is most likely
/// among them, and walking the index costs less than reading a thousand candidates of the
/// trigram index one row at a time (an email prefix matching 1 %: 2.1 ms in that index and
/// its rows, against a walk of ~3,000 entries). The longer walk starts where the first one
/// ended, so the first thousand are checked once.
const MID_WALK: i64 = 10_000;
const MID_HITS: i64 = 3;

/// One page of a partner's customers.
pub async fn list(
    pool: &PgPool,
    partner_id: AccountId,
    list: CustomerList<'_>,
) -> sqlx::Result<Vec<CustomerListRow>> {
    let mut query: QueryBuilder<Postgres> = QueryBuilder::new("");
    match list.search {
        None => {
            query.push(ROW).push(FROM);
            push_scope(&mut query, partner_id, &list);
            list.sort.key().push_order_and_limit(&mut query, list.limit);
        }
        Some(term) => push_search(&mut query, partner_id, &list, term),
    }
    query.build_query_as().fetch_all(pool).await
}

/// ` where` the partner's customers, the status filter and the page position.
fn push_scope(query: &mut QueryBuilder<'_, Postgres>, partner_id: AccountId, list: &CustomerList) {
    query.push(" where a.role = 'customer' and a.partner_id = ");
    query.push_bind(partner_id);
    match list.filter {
        CustomerFilter::All => {
            query.push(" and a.status <> 'removed'");
        }
        CustomerFilter::Active => {
            query.push(" and a.status = 'active'");
        }
        CustomerFilter::Pending => {
            query.push(" and a.status = 'pending_activation' and t.expires_at > ");
            query.push_bind(list.now);
        }
        CustomerFilter::LinkExpired => {
            query.push(
                " and a.status = 'pending_activation' and (t.expires_at is null or t.expires_at <= ",
            );
            query.push_bind(list.now);
            query.push(")");
        }
        CustomerFilter::RemovalRequested => {
            query.push(
                " and a.status <> 'removed' and exists (select 1 from removal_requests r \
                 where r.customer_id = a.id and r.status = 'pending')",
            );
        }
        CustomerFilter::Removed => {
            query.push(" and a.status = 'removed'");
        }
    }
    list.sort.key().push_after(query, list.after);
}

/// A "contains" search, in one statement and up to three steps. `near`: walking the first
/// [`WALK`] customers in list order (`accounts_customer_walk_idx`: key, id, `search_text` and
/// status from the index alone), the first matches, at most a page. `mid`: only when `near`
/// found a few but less than a page, the walk on from there to [`MID_WALK`], up to the rest of
/// the page. `far`: only when those are still fewer than a page and there are customers beyond
/// the walk, the matches beyond it through the partner's trigram index
/// (`accounts_partner_search_idx`). A frequent term ("acme", 1 customer in 16) stops its walk
/// after a few hundred index entries, a middling one (an email prefix) after a few thousand; a
/// rare one walks a thousand and reads a handful of candidates; none reads the partner's whole
/// list or thousands of matches.
fn push_search(
    query: &mut QueryBuilder<'_, Postgres>,
    partner_id: AccountId,
    list: &CustomerList,
    term: &str,
) {
    let key = list.sort.key();
    let lower = term.to_lowercase();
    let limit = list.limit;
    query.push("with near as materialized ");
    push_walk(
        query,
        partner_id,
        list,
        &lower,
        0..WALK,
        "",
        &limit.to_string(),
    );
    query.push(", mid as materialized ");
    let only_when = format!(
        " and (select count(*) from near) between {MID_HITS} and {}",
        limit - 1
    );
    // The page is `near`'s matches and then the first of `mid`'s: it stops at the rest.
    let rest = format!("{limit} - (select count(*) from near)");
    push_walk(
        query,
        partner_id,
        list,
        &lower,
        WALK..MID_WALK,
        &only_when,
        &rest,
    );
    query.push(", far as ");
    push_far(query, partner_id, list, &lower);
    query.push(ROW).push(FROM);
    query.push(
        " where a.id in (select id from near union all select id from mid \
         union all select id from far)",
    );
    key.push_order_and_limit(query, limit);
}

/// `(select id …)`: when `near` and `mid` found less than a page, the first page of matches
/// beyond the last customer the walks read, through the partner's trigram index.
fn push_far(
    query: &mut QueryBuilder<'_, Postgres>,
    partner_id: AccountId,
    list: &CustomerList,
    lower: &str,
) {
    let key = list.sort.key();
    let limit = list.limit;
    query.push("(select a.id");
    push_from(query, list.filter);
    push_scope(query, partner_id, list);
    crate::db::push_contains(query, "a.search_text", lower);
    query.push(format!(
        " and (select count(*) from near) + (select count(*) from mid) < {limit}"
    ));
    // The last customer the walks read (the longer one's when `mid` ran): null when there are
    // no more, and then nothing is beyond.
    query.push(format!(
        " and ({column}, {id}) {} (select {column}, {id}",
        key.after_op(),
        column = key.column,
        id = key.id,
    ));
    push_from(query, list.filter);
    push_scope(query, partner_id, list);
    key.push_order(query);
    query.push(format!(
        " offset case when (select count(*) from near) >= {MID_HITS} then {} else {} end \
         limit 1)",
        MID_WALK - 1,
        WALK - 1
    ));
    // Only the first page of them: a broad term matches hundreds beyond the walk, and each
    // one the outer query reads costs a row lookup and its link and removal checks.
    key.push_order_and_limit(query, limit);
    query.push(")");
}

/// `(select id …)`: the first `take` customers (an SQL expression) containing `lower` among
/// those at positions `walk` of the list, looked at only when `only_when` holds. The term is
/// checked outside the walk, so the customers skipped to reach its start are not checked (a
/// filter is not moved inside a subquery that has a limit).
fn push_walk(
    query: &mut QueryBuilder<'_, Postgres>,
    partner_id: AccountId,
    list: &CustomerList,
    lower: &str,
    walk: Range<i64>,
    only_when: &str,
    take: &str,
) {
    query.push("(select id from (select a.id, a.search_text");
    push_from(query, list.filter);
    push_scope(query, partner_id, list);
    query.push(only_when);
    list.sort
        .key()
        .push_order_and_limit(query, walk.end - walk.start);
    query.push(format!(" offset {}) walk where ", walk.start));
    crate::db::push_strpos(query, "walk.search_text", lower);
    query.push(format!(" limit ({take}))"));
}

/// ` from accounts a`, with each one's newest live link only when the filter asks about it.
fn push_from(query: &mut QueryBuilder<'_, Postgres>, filter: CustomerFilter) {
    if matches!(
        filter,
        CustomerFilter::Pending | CustomerFilter::LinkExpired
    ) {
        query.push(FROM);
    } else {
        query.push(" from accounts a");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_words_in_a_search_name_the_filter() {
        assert_eq!(
            CustomerFilter::named_by(" Pending "),
            Some(CustomerFilter::Pending)
        );
        assert_eq!(
            CustomerFilter::named_by("link_expired"),
            Some(CustomerFilter::LinkExpired)
        );
        assert_eq!(
            CustomerFilter::named_by("Removal requested"),
            Some(CustomerFilter::RemovalRequested)
        );
        assert_eq!(CustomerFilter::named_by("pending ltd"), None);
        assert_eq!(CustomerFilter::named_by("acme"), None);
    }
}
