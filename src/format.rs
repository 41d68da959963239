//! How dates and times are shown to people, in one place: one date format ("01 Dec 2026") and
//! one date-time format ("01 Dec 2026, 14:05 CET"). An instant is shown in the viewer's own
//! time zone with the zone named, so a time read aloud to someone in another country is never
//! ambiguous. Calendar dates (a term's first and last day, a renewal date) are dates of the
//! contract, the same for everyone, and are shown as they are, never shifted by a zone.
//! Machine formats (CSV exports, JSON) stay RFC 3339 in UTC and do not come through here.
//!
//! The tz database is `jiff`'s bundled copy, compiled into the binary: nothing is read from the
//! host's `/usr/share/zoneinfo`, so every machine shows the same times.

use jiff::tz::TimeZone;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::time_zones;

/// A person's time zone: an IANA zone from the tz database, or UTC.
#[derive(Clone, Debug)]
pub struct Zone(TimeZone);

impl Zone {
    pub fn utc() -> Self {
        Self(TimeZone::UTC)
    }

    /// A zone name as a browser or a form sends it (`Europe/Berlin`), checked against the tz
    /// database; matched case-insensitively and canonicalised. Offsets, POSIX rules and file
    /// paths are not zone names and are refused.
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim();
        let plausible = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c))
            && !name.starts_with('/')
            && !name.contains("//");
        if !plausible {
            return None;
        }
        let tz = jiff::tz::db().get(name).ok()?;
        tz.iana_name()?;
        Some(Self(tz))
    }

    /// The main zone of a country (ISO 3166-1 alpha-2), if it has one.
    pub fn of_country(code: &str) -> Option<Self> {
        let code = code.trim().to_ascii_uppercase();
        Self::parse(time_zones::country_zone(&code)?)
    }

    /// The zone a person sees times in: the one they chose (or their browser gave at their
    /// first sign-in), else their country's main zone, else UTC.
    pub fn for_person(chosen: Option<&str>, country: Option<&str>) -> Self {
        chosen
            .and_then(Self::parse)
            .or_else(|| country.and_then(Self::of_country))
            .unwrap_or_else(Self::utc)
    }

    /// The IANA name, e.g. `Europe/Berlin` (or `UTC`).
    pub fn name(&self) -> &str {
        self.0.iana_name().unwrap_or("UTC")
    }

    /// The instant as local time in this zone, with the zone's abbreviation at that instant
    /// ("CET" in winter, "CEST" in summer). Where the tz database has no letters for a zone
    /// (it writes "+08"), the offset is spelled "UTC+8" so it still reads as a zone.
    fn local(&self, at: OffsetDateTime) -> (OffsetDateTime, String) {
        let Ok(ts) = jiff::Timestamp::from_second(at.unix_timestamp()) else {
            return (at.to_offset(UtcOffset::UTC), "UTC".to_owned());
        };
        let info = self.0.to_offset_info(ts);
        let seconds = info.offset().seconds();
        let offset = UtcOffset::from_whole_seconds(seconds).unwrap_or(UtcOffset::UTC);
        let abbreviation = info.abbreviation();
        let abbreviation = if abbreviation.chars().any(|c| c.is_ascii_alphabetic()) {
            abbreviation.to_owned()
        } else {
            utc_offset_label(seconds)
        };
        (at.to_offset(offset), abbreviation)
    }

    /// The calendar date of an instant in this zone.
    pub fn local_date(&self, at: OffsetDateTime) -> Date {
        self.local(at).0.date()
    }

    /// The first instant of a calendar day in this zone (local midnight, or the first time
    /// that exists where a DST jump skips midnight): where a viewer's "from 1 Dec" begins.
    pub fn start_of(&self, date: Date) -> OffsetDateTime {
        let utc_midnight = date.midnight().assume_utc();
        let start =
            jiff::civil::Date::new(date.year() as i16, date.month() as i8, date.day() as i8)
                .and_then(|d| d.to_zoned_datetime(self.0.clone()))
                .ok()
                .and_then(|z| OffsetDateTime::from_unix_timestamp(z.timestamp().as_second()).ok());
        start.unwrap_or(utc_midnight)
    }

    /// The abbreviation in force at `at`, e.g. "CET" (for labels such as "Times are in …").
    pub fn abbreviation(&self, at: OffsetDateTime) -> String {
        self.local(at).1
    }
}

impl Default for Zone {
    fn default() -> Self {
        Self::utc()
    }
}

/// "UTC+8", "UTC-3", "UTC+5:45".
fn utc_offset_label(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    match (minutes / 60, minutes % 60) {
        (0, 0) => "UTC".to_owned(),
        (h, 0) => format!("UTC{sign}{h}"),
        (h, m) => format!("UTC{sign}{h}:{m:02}"),
    }
}

/// An instant as the viewer's local date and time with the zone: "01 Dec 2026, 14:05 CET".
pub fn datetime(at: OffsetDateTime, zone: &Zone) -> String {
    let (local, abbreviation) = zone.local(at);
    let shown = local
        .format(format_description!(
            "[day] [month repr:short] [year], [hour]:[minute]"
        ))
        .unwrap_or_else(|_| local.to_string());
    format!("{shown} {abbreviation}")
}

/// The viewer's calendar date of an instant ("01 Dec 2026"): an order placed at 23:30 UTC
/// was placed the next day for someone in Berlin.
pub fn date_in(at: OffsetDateTime, zone: &Zone) -> String {
    day(zone.local_date(at))
}

/// A calendar date, shown as it is: "01 Dec 2026". Takes `&Date` (and `&&Date`) too, as
/// templates pass their arguments by reference.
pub fn day(date: impl CalendarDate) -> String {
    let date = date.calendar_date();
    date.format(format_description!("[day] [month repr:short] [year]"))
        .unwrap_or_else(|_| date.to_string())
}

/// A `Date`, or a reference to one, however deep.
pub trait CalendarDate {
    fn calendar_date(&self) -> Date;
}

impl CalendarDate for Date {
    fn calendar_date(&self) -> Date {
        *self
    }
}

impl<T: CalendarDate + ?Sized> CalendarDate for &T {
    fn calendar_date(&self) -> Date {
        (**self).calendar_date()
    }
}

/// An instant in UTC, for readers with no zone of their own (the operator's terminal).
pub fn datetime_utc(at: OffsetDateTime) -> String {
    datetime(at, &Zone::utc())
}

/// The UTC calendar date of an instant. Prefer [`date_in`] with the viewer's zone.
pub fn date(at: OffsetDateTime) -> String {
    date_in(at, &Zone::utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn zone(name: &str) -> Zone {
        Zone::parse(name).unwrap_or_else(|| panic!("{name} should be a zone"))
    }

    #[test]
    fn formats_in_utc() {
        let at = datetime!(2026-11-29 21:05 +08:00);
        assert_eq!(datetime_utc(at), "29 Nov 2026, 13:05 UTC");
        assert_eq!(date(at), "29 Nov 2026");
    }

    /// Each instant, as a person in zone `name` reads it.
    fn reads(name: &str, cases: &[(OffsetDateTime, &str)]) {
        let zone = zone(name);
        for (at, shown) in cases {
            assert_eq!(datetime(*at, &zone), *shown, "{at} in {name}");
        }
    }

    #[test]
    fn berlin_is_cet_in_winter_and_cest_in_summer() {
        reads(
            "Europe/Berlin",
            &[
                (datetime!(2026-12-01 13:05 UTC), "01 Dec 2026, 14:05 CET"),
                (datetime!(2026-07-01 13:05 UTC), "01 Jul 2026, 15:05 CEST"),
            ],
        );
    }

    #[test]
    fn new_york_changes_offset_at_the_dst_switch() {
        reads(
            "America/New_York",
            &[
                // Clocks go from 02:00 EST to 03:00 EDT on 8 March 2026 (07:00 UTC).
                (datetime!(2026-03-08 06:59 UTC), "08 Mar 2026, 01:59 EST"),
                (datetime!(2026-03-08 07:00 UTC), "08 Mar 2026, 03:00 EDT"),
                // And back on 1 November 2026 (06:00 UTC): 01:30 happens twice, told apart by
                // the zone.
                (datetime!(2026-11-01 05:30 UTC), "01 Nov 2026, 01:30 EDT"),
                (datetime!(2026-11-01 06:30 UTC), "01 Nov 2026, 01:30 EST"),
            ],
        );
    }

    #[test]
    fn southern_summer_and_half_hour_zones() {
        let at = datetime!(2026-12-01 13:05 UTC);
        reads("Australia/Sydney", &[(at, "02 Dec 2026, 00:05 AEDT")]);
        reads("Asia/Kolkata", &[(at, "01 Dec 2026, 18:35 IST")]);
        // The tz database has no letters for Singapore and Kathmandu: the offset is spelled out.
        reads("Asia/Singapore", &[(at, "01 Dec 2026, 21:05 UTC+8")]);
        reads("Asia/Kathmandu", &[(at, "01 Dec 2026, 18:50 UTC+5:45")]);
        reads("America/Sao_Paulo", &[(at, "01 Dec 2026, 10:05 UTC-3")]);
    }

    #[test]
    fn the_date_of_an_instant_is_the_viewers_date() {
        let late = datetime!(2026-11-30 23:30 UTC);
        assert_eq!(date_in(late, &zone("Asia/Tokyo")), "01 Dec 2026");
        assert_eq!(date_in(late, &zone("America/Los_Angeles")), "30 Nov 2026");
        assert_eq!(date_in(late, &Zone::utc()), "30 Nov 2026");
    }

    #[test]
    fn a_day_starts_at_local_midnight() {
        assert_eq!(
            zone("Europe/Berlin").start_of(date!(2026 - 12 - 01)),
            datetime!(2026-11-30 23:00 UTC)
        );
        assert_eq!(
            zone("Europe/Berlin").start_of(date!(2026 - 07 - 01)),
            datetime!(2026-06-30 22:00 UTC)
        );
        assert_eq!(
            Zone::utc().start_of(date!(2026 - 12 - 01)),
            datetime!(2026-12-01 00:00 UTC)
        );
    }

    #[test]
    fn calendar_dates_are_shown_as_they_are() {
        assert_eq!(day(date!(2027 - 12 - 01)), "01 Dec 2027");
    }

    #[test]
    fn zone_names_are_checked_against_the_tz_database() {
        assert_eq!(zone("europe/berlin").name(), "Europe/Berlin");
        assert_eq!(zone(" Asia/Kolkata ").name(), "Asia/Kolkata");
        // Old names that browsers still report are links in the database.
        assert!(Zone::parse("Asia/Calcutta").is_some());
        assert_eq!(zone("UTC").name(), "UTC");
        for bad in [
            "",
            "Mars/Olympus_Mons",
            "Europe/Berlin; drop table",
            "+01:00",
            "/etc/passwd",
            "../../etc/passwd",
            "Europe/\nBerlin",
        ] {
            assert!(Zone::parse(bad).is_none(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn a_person_without_a_zone_gets_their_countrys_then_utc() {
        assert_eq!(
            Zone::for_person(Some("Asia/Tokyo"), Some("DE")).name(),
            "Asia/Tokyo"
        );
        assert_eq!(Zone::for_person(None, Some("DE")).name(), "Europe/Berlin");
        assert_eq!(
            Zone::for_person(None, Some("us")).name(),
            "America/New_York"
        );
        assert_eq!(
            Zone::for_person(Some("Nowhere/Else"), Some("CN")).name(),
            "Asia/Shanghai"
        );
        assert_eq!(Zone::for_person(None, Some("AQ")).name(), "UTC");
        assert_eq!(Zone::for_person(None, None).name(), "UTC");
    }

    #[test]
    fn every_listed_zone_and_country_zone_is_in_the_database() {
        for name in time_zones::ZONES.iter() {
            assert_eq!(zone(name).name(), *name);
        }
        let codes: Vec<_> = time_zones::COUNTRY_ZONES.iter().map(|(c, _)| *c).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted by code");
        for (code, name) in time_zones::COUNTRY_ZONES {
            assert!(time_zones::ZONES.contains(name), "{code}: {name}");
            assert!(crate::countries::is_valid(code), "{code} is a country");
        }
    }
}
