//! Keyset pagination shared by every newest-first list: the position after the last row of a
//! page (its time and id), carried in the `after` query parameter, and splitting off the extra
//! row that tells whether a next page exists without counting.

use time::OffsetDateTime;
use uuid::Uuid;

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

/// Callers fetch `page_size + 1` rows; this keeps `page_size` of them and returns the cursor of
/// the next page when the extra row showed there is one.
pub fn split_page<T>(
    rows: &mut Vec<T>,
    page_size: i64,
    key: impl Fn(&T) -> Cursor,
) -> Option<Cursor> {
    let size = usize::try_from(page_size).unwrap_or(0);
    if rows.len() <= size {
        return None;
    }
    rows.truncate(size);
    rows.last().map(key)
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
}
