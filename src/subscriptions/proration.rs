//! Charging for a change in the middle of a term: the difference in the full-term price,
//! times the share of the term that is left.

use time::Date;

/// `delta_minor × days left / days in the term`, rounded to the nearest minor unit with halves
/// up. Nothing is left on or after `end`; all of it is left on or before `start`.
pub fn prorate(delta_minor: i64, start: Date, end: Date, today: Date) -> i64 {
    let total = (end - start).whole_days().max(1);
    let left = (end - today).whole_days().clamp(0, total);
    let numerator = i128::from(delta_minor) * i128::from(left);
    let denominator = i128::from(total);
    let rounded = if numerator >= 0 {
        (2 * numerator + denominator) / (2 * denominator)
    } else {
        -((-2 * numerator + denominator) / (2 * denominator))
    };
    rounded as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_change_costs_the_share_of_the_term_that_is_left() {
        let (start, end) = (date!(2026 - 01 - 01), date!(2027 - 01 - 01)); // 365 days
        assert_eq!(
            prorate(36_500, start, end, start),
            36_500,
            "on the first day: all of it"
        );
        assert_eq!(
            prorate(36_500, start, end, date!(2026 - 07 - 02)),
            18_300,
            "half way: 183 days left"
        );
        assert_eq!(
            prorate(36_500, start, end, date!(2026 - 12 - 31)),
            100,
            "the last day: one day"
        );
        assert_eq!(prorate(36_500, start, end, end), 0, "at the end: nothing");
        assert_eq!(
            prorate(36_500, start, end, date!(2027 - 06 - 01)),
            0,
            "after the end: nothing"
        );
        assert_eq!(
            prorate(1, start, end, date!(2026 - 07 - 02)),
            1,
            "half a cent rounds up"
        );
    }
}
