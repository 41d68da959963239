//! How dates and times are shown (UTC, unambiguous for partners in every time zone).

use time::macros::format_description;
use time::OffsetDateTime;

pub fn datetime_utc(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    at.format(format_description!(
        "[day] [month repr:short] [year], [hour]:[minute] UTC"
    ))
    .unwrap_or_else(|_| at.to_string())
}

pub fn date(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    at.format(format_description!("[day] [month repr:short] [year]"))
        .unwrap_or_else(|_| at.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_in_utc() {
        let at = datetime!(2026-11-29 21:05 +08:00);
        assert_eq!(datetime_utc(at), "29 Nov 2026, 13:05 UTC");
        assert_eq!(date(at), "29 Nov 2026");
    }
}
