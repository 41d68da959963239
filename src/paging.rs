//! Keyset pagination shared by every list: the position after the last row of a page (its sort
//! value and id), carried in the `after` query parameter, and splitting off the extra row that
//! tells whether a next page exists without counting.
//!
//! Newest-first lists use [`Cursor`] (time, id). Lists that people sort and filter describe
//! each order as a [`SortKey`] and carry a [`KeyCursor`]; their filters and orders are
//! [`Choice`]s picked by a code in the query string.

use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgPool, Postgres, QueryBuilder};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::ids::AccountId;

/// Position in a list ordered by `(time desc, id desc)`: the last row of the previous page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: OffsetDateTime,
    pub id: Uuid,
}

impl Cursor {
    pub fn new(at: OffsetDateTime, id: impl Into<Uuid>) -> Self {
        Self { at, id: id.into() }
    }

    /// `<unix microseconds>.<uuid>`
    pub fn encode(&self) -> String {
        format!("{}.{}", self.at.unix_timestamp_nanos() / 1_000, self.id)
    }

    /// None for anything that is not a cursor (the list then starts at its first page).
    pub fn decode(raw: &str) -> Option<Self> {
        let (micros, id) = raw.split_once('.')?;
        let micros: i128 = micros.parse().ok()?;
        Some(Self {
            at: OffsetDateTime::from_unix_timestamp_nanos(micros.checked_mul(1_000)?).ok()?,
            id: Uuid::parse_str(id).ok()?,
        })
    }
}

/// One page of a newest-first list on `(time, id)` columns: `head` selects and filters the rows
/// with the list's scope (an account id) as `$1`, ending in `where ... and`; the cursor becomes
/// `$2`, `$3`. The first page and the others are two statements (and two plans), and the page
/// size is written in: PostgreSQL plans each statement once for all values, and a plan made for
/// "cursor or no cursor" could not start its index scan at the cursor.
pub async fn fetch_newest_first<T>(
    pool: &PgPool,
    head: &str,
    (time, id): (&str, &str),
    scope: AccountId,
    after: Option<Cursor>,
    limit: i64,
) -> sqlx::Result<Vec<T>>
where
    T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
{
    let order = format!("order by {time} desc, {id} desc limit {limit}");
    match after {
        None => {
            sqlx::query_as(&format!("{head} true {order}"))
                .bind(scope)
                .fetch_all(pool)
                .await
        }
        Some(cursor) => {
            sqlx::query_as(&format!("{head} ({time}, {id}) < ($2, $3) {order}"))
                .bind(scope)
                .bind(cursor.at)
                .bind(cursor.id)
                .fetch_all(pool)
                .await
        }
    }
}

/// Callers fetch `page_size + 1` rows; this keeps `page_size` of them and returns the cursor of
/// the next page when the extra row showed there is one.
pub fn split_page<T, K>(rows: &mut Vec<T>, page_size: i64, key: impl Fn(&T) -> K) -> Option<K> {
    let size = usize::try_from(page_size).unwrap_or(0);
    if rows.len() <= size {
        return None;
    }
    rows.truncate(size);
    rows.last().map(key)
}

/// The kind of value a list is sorted on, which says how its cursor is read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKind {
    Time,
    Date,
    Text,
    Int,
}

/// A row's value of the column its list is sorted on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SortValue {
    Time(OffsetDateTime),
    Date(Date),
    Text(String),
    Int(i64),
}

/// One order a list can be shown in: a SQL expression over the row, its kind and direction.
/// Ties are broken by the row's id in the same direction, so the order is total and the
/// `(value, id)` of the last row shown names exactly where the next page starts, however many
/// rows share a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub column: &'static str,
    pub id: &'static str,
    pub kind: SortKind,
    pub descending: bool,
}

/// The position after the last row of a page of a list in a [`SortKey`]'s order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCursor {
    pub value: SortValue,
    pub id: Uuid,
}

impl KeyCursor {
    pub fn new(value: SortValue, id: impl Into<Uuid>) -> Self {
        Self {
            value,
            id: id.into(),
        }
    }

    /// `<value>.<uuid>`: times as unix microseconds, dates as julian days, text as it is (the
    /// uuid after the last dot has no dot of its own, so a dot in the text is harmless).
    pub fn encode(&self) -> String {
        let value = match &self.value {
            SortValue::Time(at) => (at.unix_timestamp_nanos() / 1_000).to_string(),
            SortValue::Date(day) => day.to_julian_day().to_string(),
            SortValue::Text(text) => text.clone(),
            SortValue::Int(n) => n.to_string(),
        };
        format!("{value}.{}", self.id)
    }

    /// Reads a cursor of a list sorted on a `kind` value; None for anything else (the list
    /// then starts at its first page), so a hand-edited cursor never reaches the database
    /// with the wrong type.
    pub fn decode(raw: &str, kind: SortKind) -> Option<Self> {
        let (value, id) = raw.rsplit_once('.')?;
        let id = Uuid::parse_str(id).ok()?;
        let value = match kind {
            SortKind::Time => {
                let micros: i128 = value.parse().ok()?;
                SortValue::Time(
                    OffsetDateTime::from_unix_timestamp_nanos(micros.checked_mul(1_000)?).ok()?,
                )
            }
            SortKind::Date => SortValue::Date(Date::from_julian_day(value.parse().ok()?).ok()?),
            SortKind::Text => SortValue::Text(value.to_owned()),
            SortKind::Int => SortValue::Int(value.parse().ok()?),
        };
        Some(Self { value, id })
    }
}

impl SortKey {
    /// ` and (column, id) < (value, id)` (`>` when ascending): the rows after `after`.
    pub fn push_after(&self, query: &mut QueryBuilder<'_, Postgres>, after: Option<&KeyCursor>) {
        let Some(after) = after else { return };
        query.push(format!(
            " and ({}, {}) {} (",
            self.column,
            self.id,
            self.after_op()
        ));
        match &after.value {
            SortValue::Time(at) => query.push_bind(*at),
            SortValue::Date(day) => query.push_bind(*day),
            SortValue::Text(text) => query.push_bind(text.clone()),
            SortValue::Int(n) => query.push_bind(*n),
        };
        query.push(", ");
        query.push_bind(after.id);
        query.push(")");
    }

    /// ` order by column dir, id dir limit n`. The limit is written into the statement, not
    /// bound: it is a page size the code chose, and PostgreSQL plans a statement once for all
    /// values (`db::connect`), so a bound limit would plan every page as if unlimited.
    pub fn push_order_and_limit(&self, query: &mut QueryBuilder<'_, Postgres>, limit: i64) {
        self.push_order(query);
        query.push(format!(" limit {limit}"));
    }

    /// ` order by column dir, id dir`.
    pub fn push_order(&self, query: &mut QueryBuilder<'_, Postgres>) {
        let dir = if self.descending { "desc" } else { "asc" };
        query.push(format!(
            " order by {} {dir}, {} {dir}",
            self.column, self.id
        ));
    }

    /// `<` (`>` when ascending): how `(column, id)` of a row after a position compares to it.
    pub fn after_op(&self) -> &'static str {
        if self.descending {
            "<"
        } else {
            ">"
        }
    }
}

/// A list's filter or sort order, picked by a code in the query string. The first of `ALL` is
/// the default: chosen by an empty value and left out of links.
pub trait Choice: Copy + PartialEq + Sized + 'static {
    const ALL: &'static [Self];

    fn code(self) -> &'static str;

    fn label(self) -> &'static str;

    fn default_choice() -> Self {
        Self::ALL[0]
    }

    /// The choice named by `raw`, or None when no choice has that code.
    fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Some(Self::default_choice());
        }
        Self::ALL.iter().copied().find(|c| c.code() == raw)
    }

    /// The value for a link's query string: empty for the default, so links stay short.
    fn param(self) -> &'static str {
        if self == Self::default_choice() {
            ""
        } else {
            self.code()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_none() {
        let cursor = Cursor::new(
            OffsetDateTime::from_unix_timestamp_nanos(1_732_740_000_123_456_000).unwrap(),
            Uuid::now_v7(),
        );
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("garbage"), None);
        assert_eq!(Cursor::decode("12.not-a-uuid"), None);
    }

    #[test]
    fn the_extra_row_means_a_next_page() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let key = |n: &u128| Cursor::new(at, Uuid::from_u128(*n));
        let mut rows: Vec<u128> = (0..26).collect();
        assert_eq!(split_page(&mut rows, 25, key), Some(key(&24)));
        assert_eq!(rows.len(), 25);
        let mut rows: Vec<u128> = (0..25).collect();
        assert_eq!(split_page(&mut rows, 25, key), None);
        assert_eq!(rows.len(), 25);
    }

    #[test]
    fn key_cursors_round_trip_for_every_kind_and_refuse_the_wrong_kind() {
        let id = Uuid::now_v7();
        let cursors = [
            (
                SortKind::Time,
                SortValue::Time(
                    OffsetDateTime::from_unix_timestamp_nanos(1_732_740_000_123_456_000).unwrap(),
                ),
            ),
            (
                SortKind::Date,
                SortValue::Date(Date::from_calendar_date(2027, time::Month::March, 1).unwrap()),
            ),
            (SortKind::Text, SortValue::Text("ann o.brien".into())),
            (SortKind::Int, SortValue::Int(-540_000)),
        ];
        for (kind, value) in cursors {
            let cursor = KeyCursor::new(value, id);
            assert_eq!(KeyCursor::decode(&cursor.encode(), kind), Some(cursor));
        }
        let text = KeyCursor::new(SortValue::Text("zed".into()), id).encode();
        assert_eq!(KeyCursor::decode(&text, SortKind::Int), None);
        assert_eq!(KeyCursor::decode(&text, SortKind::Time), None);
        assert_eq!(KeyCursor::decode("no-id", SortKind::Text), None);
    }
}
