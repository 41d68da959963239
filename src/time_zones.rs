//! The IANA time zones people choose from, and each country's main zone (the default for a
//! person who has not chosen one and whose browser did not say). Generated once from the tz
//! database's `zone.tab` (one entry per country; where a country has several zones, the one of
//! its capital or most people was picked by hand). The zone data itself comes from `jiff`'s
//! bundled database; a unit test checks that every name here is in it.

mod countries;

use std::sync::LazyLock;

pub use countries::COUNTRY_ZONES;

/// Canonical zone names, sorted, `UTC` first (`time_zones/zones.txt`: white-space separated,
/// grouped by region).
pub static ZONES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    include_str!("time_zones/zones.txt")
        .split_whitespace()
        .collect()
});

/// The main zone of a country (ISO 3166-1 alpha-2, upper case), if it has one.
pub fn country_zone(code: &str) -> Option<&'static str> {
    COUNTRY_ZONES
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .ok()
        .map(|i| COUNTRY_ZONES[i].1)
}
