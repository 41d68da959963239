//! The time zone `<select>` of Account Information (customers) and of the Security page
//! (partners and account managers): the zones of the tz database grouped by region, the
//! person's zone selected, and what it makes of "now" as a hint.

use std::sync::OnceLock;

use time::OffsetDateTime;

use crate::accounts::model::FieldErrors;
use crate::format::{self, Zone};
use crate::time_zones::ZONES;

pub const FIELD: &str = "time_zone";

pub struct ZoneGroup {
    /// "Europe", "America", …
    pub region: &'static str,
    /// (value, label): ("America/Argentina/Buenos_Aires", "Argentina / Buenos Aires").
    pub zones: Vec<(&'static str, String)>,
}

/// Every listed zone but UTC, grouped by region, built once.
fn groups() -> &'static [ZoneGroup] {
    static GROUPS: OnceLock<Vec<ZoneGroup>> = OnceLock::new();
    GROUPS.get_or_init(|| {
        let mut groups: Vec<ZoneGroup> = Vec::new();
        for name in ZONES.iter().filter(|z| z.contains('/')) {
            let (region, place) = name.split_once('/').unwrap_or((name, name));
            let label = place.replace('_', " ").replace('/', " / ");
            match groups.last_mut() {
                Some(group) if group.region == region => group.zones.push((name, label)),
                _ => groups.push(ZoneGroup {
                    region,
                    zones: vec![(name, label)],
                }),
            }
        }
        groups
    })
}

/// The field as a form shows it.
pub struct ZoneChoice {
    /// The value to select: the person's zone, or what they sent back when it was refused.
    pub selected: String,
    /// "01 Dec 2026, 22:15 CET": the current time in the zone pages use now.
    pub now: String,
    /// The zone pages use now, by name.
    pub effective: String,
}

impl ZoneChoice {
    /// `effective` is the viewer's zone (their own, else their country's, else UTC).
    pub fn new(effective: &Zone, now: OffsetDateTime) -> Self {
        Self {
            selected: effective.name().to_owned(),
            now: format::datetime(now, effective),
            effective: effective.name().to_owned(),
        }
    }

    /// Keeps what was sent, to show it again next to its error.
    pub fn keeping(mut self, sent: &str) -> Self {
        self.selected = sent.to_owned();
        self
    }

    pub fn groups(&self) -> &'static [ZoneGroup] {
        groups()
    }

    pub fn is_selected(&self, name: &str) -> bool {
        self.selected == name
    }

    /// False for a zone that is valid but not in the list (an old name a browser reported) or
    /// for a refused value: either is shown as an extra option so the input is kept.
    pub fn listed(&self) -> bool {
        ZONES.contains(&self.selected.as_str())
    }
}

/// The chosen zone; none for an empty field (the form always sends one, so empty means "no
/// change"); a message for the field when it is not a zone of the tz database.
pub fn parse(sent: &str, errors: &mut FieldErrors) -> Option<Zone> {
    if sent.trim().is_empty() {
        return None;
    }
    let zone = Zone::parse(sent);
    if zone.is_none() {
        errors.add(FIELD, "Choose a time zone from the list.");
    }
    zone
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_grouped_by_region_with_readable_labels() {
        let europe = groups().iter().find(|g| g.region == "Europe").unwrap();
        assert!(europe
            .zones
            .contains(&("Europe/Berlin", "Berlin".to_owned())));
        let america = groups().iter().find(|g| g.region == "America").unwrap();
        assert!(america.zones.contains(&(
            "America/Argentina/Buenos_Aires",
            "Argentina / Buenos Aires".to_owned()
        )));
        let regions: Vec<_> = groups().iter().map(|g| g.region).collect();
        let mut unique = regions.clone();
        unique.dedup();
        assert_eq!(regions, unique, "each region once");
    }
}
