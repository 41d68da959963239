//! The one pricing engine. The customer's cost estimate, partner orders and invoices all call
//! [`quote`], so an estimate always equals the order it becomes. It is a pure function of the
//! catalog and a configuration: no database, no clock, no IO, which is what makes it
//! property-testable.
//!
//! Rules, all on `i64` minor units of the plan's currency:
//! - a recurring line costs quantity × unit price × the months of the term; a one-time line
//!   (`FlatOnce`) costs quantity × unit price, once;
//! - the term discount is `percent_off` of the recurring lines only, rounded to the nearest
//!   minor unit with halves rounded up — one number for the whole quote, never per line, so it
//!   cannot drift from the total by one cent per line;
//! - `total = sum of the lines − discount`; `total` is what is charged;
//! - `per_month` is `total / months`, rounded the same way; it is a display figure, so
//!   `per_month × months` may differ from `total` by at most half a minor unit per month;
//! - the term ends on the same day of the month `months` later, clamped to the month's last
//!   day (31 Jan + 1 month = 28 Feb). The term covers `start` up to, not including, `end`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use time::{Date, Month};

use crate::catalog::{Catalog, TermDiscount};

/// How long is paid for at once. Annual terms are cheaper per month (see `term_discounts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Term {
    Monthly,
    Annual { years: u8 },
}

impl Term {
    pub const MAX_YEARS: u8 = 5;

    /// Every term offered, in the order a form lists them.
    pub fn all() -> impl Iterator<Item = Term> {
        std::iter::once(Term::Monthly)
            .chain((1..=Self::MAX_YEARS).map(|years| Term::Annual { years }))
    }

    pub fn months(self) -> u32 {
        match self {
            Term::Monthly => 1,
            Term::Annual { years } => 12 * u32::from(years),
        }
    }

    /// "Monthly", "1 year", "3 years".
    pub fn label(self) -> String {
        match self {
            Term::Monthly => "Monthly".to_owned(),
            Term::Annual { years: 1 } => "1 year".to_owned(),
            Term::Annual { years } => format!("{years} years"),
        }
    }
}

/// The form value: "monthly", "1y" … "5y".
impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Monthly => f.write_str("monthly"),
            Term::Annual { years } => write!(f, "{years}y"),
        }
    }
}

impl FromStr for Term {
    type Err = PricingError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let value = raw.trim().to_ascii_lowercase();
        let term = match value.strip_suffix('y') {
            _ if value == "monthly" => Some(Term::Monthly),
            Some(years) => years.parse().ok().map(|years| Term::Annual { years }),
            None => None,
        };
        term.filter(|t| Term::all().any(|offered| offered == *t))
            .ok_or(PricingError::BadTerm { term: value })
    }
}

/// One add-on as chosen: a quantity of its unit ("3" × "100 minutes"; 1 for a flat add-on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddonChoice {
    pub code: String,
    pub quantity: u32,
}

/// What a customer or partner wants to buy. Add-ons not wanted are left out (quantity 0 is
/// refused) so a stored configuration has exactly one form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuration {
    pub plan: String,
    /// Extensions, users or devices, as the plan's product type counts them.
    pub units: u32,
    pub addons: Vec<AddonChoice>,
    pub term: Term,
    pub start: Date,
}

/// One charge of a quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub description: String,
    /// What the quantity counts: "extension", "100 minutes", "PBX".
    pub unit: String,
    pub quantity: u32,
    pub unit_price_minor: i64,
    /// The months charged; `None` for a one-time charge (never repeated or discounted).
    pub months: Option<u32>,
    pub amount_minor: i64,
}

impl Line {
    fn new(
        description: String,
        unit: String,
        quantity: u32,
        unit_price_minor: i64,
        months: Option<u32>,
    ) -> Result<Self, PricingError> {
        let amount_minor = unit_price_minor
            .checked_mul(i64::from(quantity))
            .and_then(|a| a.checked_mul(i64::from(months.unwrap_or(1))))
            .ok_or(PricingError::TooLarge)?;
        Ok(Line {
            description,
            unit,
            quantity,
            unit_price_minor,
            months,
            amount_minor,
        })
    }
}

/// The price of a configuration. `total_minor == subtotal_minor − discount_minor`, and
/// `subtotal_minor` is the sum of the lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    pub plan: String,
    pub currency: String,
    pub term: Term,
    pub lines: Vec<Line>,
    pub subtotal_minor: i64,
    /// Percent off the recurring lines for the term (0 for monthly).
    pub discount_percent: u8,
    pub discount_minor: i64,
    pub total_minor: i64,
    /// 1, or 12 × years.
    pub months: u32,
    /// `total / months`, halves rounded up: for display only.
    pub per_month_minor: i64,
    pub start: Date,
    /// The first day no longer covered: the renewal date.
    pub end: Date,
    /// Some price used is a stand-in, not a real list price: pages must say so.
    pub placeholder: bool,
}

/// Why a configuration cannot be priced. The messages are written for the person filling in
/// the form and are shown next to the field as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PricingError {
    #[error("Choose a plan from the list.")]
    UnknownPlan { plan: String },
    #[error("Choose at least 1 {unit}.")]
    NoUnits { unit: String },
    #[error("Choose at least {min} {units}.")]
    TooFewUnits { min: u32, units: String },
    #[error("A {product} can have at most {max} {units}.")]
    TooManyUnits {
        product: String,
        max: u32,
        units: String,
    },
    #[error("Choose add-ons from the list.")]
    UnknownAddon { addon: String },
    #[error("{addon} is not available with the {plan}.")]
    AddonNotAllowed { addon: String, plan: String },
    #[error("{addon} is chosen more than once.")]
    DuplicateAddon { addon: String },
    #[error("{}", addon_quantity_message(.addon, *.max))]
    AddonQuantity { addon: String, max: u32 },
    #[error("Choose a monthly term or a term of 1 to 5 years.")]
    BadTerm { term: String },
    #[error("Choose an earlier start date.")]
    StartOutOfRange,
    /// A catalog inconsistency, not a user mistake; refused rather than adding two currencies.
    #[error("{addon} is priced in {addon_currency}, but the plan in {plan_currency}.")]
    CurrencyMismatch {
        addon: String,
        addon_currency: String,
        plan_currency: String,
    },
    #[error("This configuration is too large to quote; contact your account manager.")]
    TooLarge,
}

fn addon_quantity_message(addon: &str, max: u32) -> String {
    if max == 1 {
        format!("{addon} can be added only once.")
    } else {
        format!("{addon}: choose a quantity from 1 to {max}.")
    }
}

/// Prices a configuration against the catalog. See the module documentation for the rules.
pub fn quote(catalog: &Catalog, config: &Configuration) -> Result<Quote, PricingError> {
    let unknown_plan = || PricingError::UnknownPlan {
        plan: config.plan.clone(),
    };
    let plan = catalog.plan(&config.plan).ok_or_else(unknown_plan)?;
    let product = catalog
        .product_type(&plan.product_type)
        .ok_or_else(unknown_plan)?;
    let plan_name = format!("{} {}", product.name, plan.name);
    let too_many = || PricingError::TooManyUnits {
        product: product.name.clone(),
        max: plan.max_units,
        units: product.unit_plural.clone(),
    };
    if config.units == 0 {
        return Err(PricingError::NoUnits {
            unit: product.unit_singular.clone(),
        });
    }
    if config.units < plan.min_units {
        return Err(PricingError::TooFewUnits {
            min: plan.min_units,
            units: product.unit_plural.clone(),
        });
    }
    if config.units > plan.max_units {
        return Err(too_many());
    }

    let months = config.term.months();
    let discount: Option<&TermDiscount> = match config.term {
        Term::Monthly => None,
        Term::Annual { years } => Some(
            catalog
                .term_discount(years)
                .filter(|_| (1..=Term::MAX_YEARS).contains(&years))
                .ok_or_else(|| PricingError::BadTerm {
                    term: config.term.to_string(),
                })?,
        ),
    };

    let mut chosen: BTreeMap<&str, u32> = BTreeMap::new();
    for choice in &config.addons {
        let addon = catalog
            .addon(&choice.code)
            .ok_or_else(|| PricingError::UnknownAddon {
                addon: choice.code.clone(),
            })?;
        let (offer, _) = catalog.plan_addon(&plan.code, &addon.code).ok_or_else(|| {
            PricingError::AddonNotAllowed {
                addon: addon.name.clone(),
                plan: plan_name.clone(),
            }
        })?;
        let max = offer.max_quantity_of(addon);
        if !(1..=max).contains(&choice.quantity) {
            return Err(PricingError::AddonQuantity {
                addon: addon.name.clone(),
                max,
            });
        }
        if addon.currency != plan.currency {
            return Err(PricingError::CurrencyMismatch {
                addon: addon.name.clone(),
                addon_currency: addon.currency.clone(),
                plan_currency: plan.currency.clone(),
            });
        }
        if chosen.insert(&addon.code, choice.quantity).is_some() {
            return Err(PricingError::DuplicateAddon {
                addon: addon.name.clone(),
            });
        }
    }

    let mut lines = vec![Line::new(
        plan_name.clone(),
        product.unit_singular.clone(),
        config.units,
        plan.unit_price_minor,
        Some(months),
    )?];
    let mut total_units = config.units;
    let mut placeholder = plan.placeholder || discount.is_some_and(|d| d.placeholder);
    // Catalog order, not the order of the form, so equal configurations give equal quotes.
    for (offer, addon) in catalog.addons_for(&plan.code) {
        let Some(&quantity) = chosen.get(addon.code.as_str()) else {
            continue;
        };
        if addon.adds_units {
            total_units = total_units.saturating_add(quantity);
        }
        placeholder |= addon.placeholder || offer.placeholder;
        lines.push(Line::new(
            addon.name.clone(),
            addon.unit_label.clone(),
            quantity,
            offer.unit_price_minor(addon),
            addon.pricing.is_recurring().then_some(months),
        )?);
    }
    if total_units > plan.max_units {
        return Err(too_many());
    }

    let sum = |recurring_only: bool| {
        lines
            .iter()
            .filter(|line| !recurring_only || line.months.is_some())
            .try_fold(0_i64, |sum, line| sum.checked_add(line.amount_minor))
            .ok_or(PricingError::TooLarge)
    };
    let subtotal_minor = sum(false)?;
    let discount_percent = discount.map_or(0, |d| d.percent_off);
    let discount_minor = sum(true)?
        .checked_mul(i64::from(discount_percent))
        .map(|d| div_round_half_up(d, 100))
        .ok_or(PricingError::TooLarge)?;
    let total_minor = subtotal_minor
        .checked_sub(discount_minor)
        .ok_or(PricingError::TooLarge)?;
    let end = add_months(config.start, months).ok_or(PricingError::StartOutOfRange)?;

    Ok(Quote {
        plan: plan.code.clone(),
        currency: plan.currency.clone(),
        term: config.term,
        lines,
        subtotal_minor,
        discount_percent,
        discount_minor,
        total_minor,
        months,
        per_month_minor: div_round_half_up(total_minor, i64::from(months)),
        start: config.start,
        end,
        placeholder,
    })
}

/// `n / d` to the nearest integer, halves rounded up (towards +∞); `d > 0`.
fn div_round_half_up(n: i64, d: i64) -> i64 {
    let (n, d) = (i128::from(n), i128::from(d));
    // Fits in i64: the quotient is no further from zero than `n`.
    (2 * n + d).div_euclid(2 * d) as i64
}

/// `date` plus whole months, the day clamped to the last day of the target month.
fn add_months(date: Date, months: u32) -> Option<Date> {
    let index = i64::from(date.year()) * 12 + i64::from(u8::from(date.month()) - 1);
    let index = index + i64::from(months);
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(index.rem_euclid(12) + 1).ok()?).ok()?;
    Date::from_calendar_date(year, month, date.day().min(month.length(year))).ok()
}

/// "USD 3,876.00": minor units shown with two decimals and thousands separators.
pub fn format_money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}{currency} {grouped}.{:02}", abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn config(plan: &str, units: u32, addons: &[(&str, u32)], term: Term) -> Configuration {
        Configuration {
            plan: plan.to_owned(),
            units,
            addons: addons
                .iter()
                .map(|&(code, quantity)| AddonChoice {
                    code: code.to_owned(),
                    quantity,
                })
                .collect(),
            term,
            start: date!(2026 - 12 - 01),
        }
    }

    fn price(config: &Configuration) -> Result<Quote, PricingError> {
        quote(&Catalog::seed_mirror(), config)
    }

    const UP: &str = "cloud_pbx_ultimate";
    const EP: &str = "cloud_pbx_enterprise";

    #[test]
    fn ultimate_plan_with_high_availability_for_two_years_is_priced_by_hand() {
        let two_years = Term::Annual { years: 2 };
        let quote = price(&config(UP, 20, &[("high_availability", 1)], two_years)).unwrap();
        // 20 × 8.00 × 24 = 3,840.00; HA 30.00 × 24 = 720.00; 15% off 4,560.00 = 684.00.
        let amounts: Vec<i64> = quote.lines.iter().map(|l| l.amount_minor).collect();
        assert_eq!(amounts, [384_000, 72_000]);
        assert_eq!(quote.lines[0].description, "Cloud PBX Ultimate Plan (UP)");
        assert_eq!(quote.subtotal_minor, 456_000);
        assert_eq!((quote.discount_percent, quote.discount_minor), (15, 68_400));
        assert_eq!(quote.total_minor, 387_600);
        assert_eq!((quote.months, quote.per_month_minor), (24, 16_150));
        assert_eq!(quote.end, date!(2028 - 12 - 01));
        assert!(quote.placeholder);
    }

    #[test]
    fn a_monthly_term_has_no_discount_and_lasts_one_month() {
        let quote = price(&config(EP, 10, &[("recording_minutes", 3)], Term::Monthly)).unwrap();
        assert_eq!(quote.total_minor, 10 * 500 + 3 * 200);
        assert_eq!((quote.discount_minor, quote.per_month_minor), (0, 5_600));
        assert_eq!(quote.end, date!(2027 - 01 - 01));
    }

    #[test]
    fn a_one_time_charge_is_neither_repeated_nor_discounted() {
        let one_year = Term::Annual { years: 1 };
        let quote = price(&config(
            "software_pbx_standard",
            10,
            &[("hot_standby", 1)],
            one_year,
        ));
        let quote = quote.unwrap();
        assert_eq!(quote.lines[1].months, None);
        assert_eq!(quote.subtotal_minor, 48_000 + 9_900);
        assert_eq!(quote.discount_minor, 4_800);
        assert_eq!(quote.total_minor, 53_100);
    }

    #[test]
    fn add_ons_are_listed_in_catalog_order_whatever_the_form_order() {
        let picks = [("high_availability", 1), ("concurrent_calls", 4)];
        let quote = price(&config(UP, 5, &picks, Term::Monthly)).unwrap();
        let names: Vec<&str> = quote.lines.iter().map(|l| l.description.as_str()).collect();
        assert_eq!(names[1..], ["Concurrent calls", "High Availability"]);
    }

    #[test]
    fn the_discount_rounds_to_the_nearest_cent_with_halves_up() {
        let mut catalog = Catalog::seed_mirror();
        catalog.plans[0].unit_price_minor = 333;
        let quote = quote(&catalog, &config(EP, 1, &[], Term::Annual { years: 4 })).unwrap();
        // 3.33 × 48 = 159.84; 22% = 35.1648 → 35.16; 124.68 / 48 = 2.5975 → 2.60.
        assert_eq!(quote.discount_minor, 3_516);
        assert_eq!((quote.total_minor, quote.per_month_minor), (12_468, 260));
        assert_eq!(div_round_half_up(5, 10), 1);
        assert_eq!(div_round_half_up(14, 10), 1);
        assert_eq!(div_round_half_up(-5, 10), 0);
    }

    #[test]
    fn the_term_ends_on_the_same_day_or_the_last_day_of_a_shorter_month() {
        assert_eq!(
            add_months(date!(2027 - 01 - 31), 1),
            Some(date!(2027 - 02 - 28))
        );
        assert_eq!(
            add_months(date!(2028 - 02 - 29), 12),
            Some(date!(2029 - 02 - 28))
        );
        assert_eq!(
            add_months(date!(2026 - 11 - 15), 60),
            Some(date!(2031 - 11 - 15))
        );
        let mut late = config(EP, 1, &[], Term::Annual { years: 5 });
        late.start = date!(9998 - 01 - 01);
        assert_eq!(price(&late), Err(PricingError::StartOutOfRange));
    }

    #[test]
    fn bad_configurations_are_refused_with_a_clear_message() {
        let message = |c: Configuration| price(&c).unwrap_err().to_string();
        let monthly = Term::Monthly;
        assert_eq!(
            message(config(EP, 0, &[], monthly)),
            "Choose at least 1 extension."
        );
        let too_many = "A Cloud PBX can have at most 500 extensions.";
        assert_eq!(message(config(EP, 501, &[], monthly)), too_many);
        let expanded = config(EP, 450, &[("extension_expansion", 51)], monthly);
        assert_eq!(message(expanded), too_many);
        assert_eq!(
            message(config(EP, 5, &[("high_availability", 1)], monthly)),
            "High Availability is not available with the Cloud PBX Enterprise Plan (EP)."
        );
        assert_eq!(
            message(config(UP, 5, &[("high_availability", 2)], monthly)),
            "High Availability can be added only once."
        );
        assert_eq!(
            message(config(UP, 5, &[("recording_minutes", 0)], monthly)),
            "Recording minutes: choose a quantity from 1 to 100."
        );
        let twice = [("concurrent_calls", 1), ("concurrent_calls", 2)];
        assert!(matches!(
            price(&config(UP, 5, &twice, monthly)),
            Err(PricingError::DuplicateAddon { .. })
        ));
        assert!(matches!(
            price(&config(UP, 5, &[("fax", 1)], monthly)),
            Err(PricingError::UnknownAddon { .. })
        ));
        assert!(matches!(
            price(&config("gold", 5, &[], monthly)),
            Err(PricingError::UnknownPlan { .. })
        ));
        let six_years = config(UP, 5, &[], Term::Annual { years: 6 });
        assert!(matches!(
            price(&six_years),
            Err(PricingError::BadTerm { .. })
        ));
    }

    #[test]
    fn terms_parse_from_and_display_as_their_form_values() {
        for term in Term::all() {
            assert_eq!(term.to_string().parse::<Term>(), Ok(term));
        }
        assert_eq!(" 3Y ".parse::<Term>(), Ok(Term::Annual { years: 3 }));
        for bad in ["", "0y", "6y", "annual", "12m", "y", "-1y"] {
            assert!(bad.parse::<Term>().is_err(), "{bad:?} should be refused");
        }
        assert_eq!(Term::Annual { years: 1 }.label(), "1 year");
        assert_eq!(Term::Annual { years: 2 }.label(), "2 years");
    }

    #[test]
    fn money_is_shown_with_two_decimals_and_thousands_separators() {
        assert_eq!(format_money(387_600, "USD"), "USD 3,876.00");
        assert_eq!(format_money(123_456_789, "USD"), "USD 1,234,567.89");
        assert_eq!(format_money(5, "USD"), "USD 0.05");
        assert_eq!(format_money(-150, "USD"), "-USD 1.50");
    }

    /// A valid configuration of the seed catalog, drawn from seeds: any plan, any term, any
    /// allowed add-ons with in-range quantities, expansion kept within the plan's maximum.
    fn valid_config() -> impl Strategy<Value = Configuration> {
        let term = prop::sample::select(Term::all().collect::<Vec<_>>());
        let picks = prop::collection::vec((any::<bool>(), any::<u32>()), 5);
        (
            any::<prop::sample::Index>(),
            any::<u32>(),
            picks,
            term,
            0_i32..3_650,
        )
            .prop_map(|(plan, units, picks, term, day)| {
                let catalog = Catalog::seed_mirror();
                let plan = plan.get(&catalog.plans);
                let units = 1 + units % plan.max_units;
                let mut addons = Vec::new();
                for ((offer, addon), (wanted, seed)) in catalog.addons_for(&plan.code).zip(picks) {
                    let room = if addon.adds_units {
                        plan.max_units - units
                    } else {
                        u32::MAX
                    };
                    let max = offer.max_quantity_of(addon).min(room);
                    if wanted && max > 0 {
                        addons.push(AddonChoice {
                            code: addon.code.clone(),
                            quantity: 1 + seed % max,
                        });
                    }
                }
                let start = date!(2024 - 01 - 01) + time::Duration::days(day.into());
                Configuration {
                    plan: plan.code.clone(),
                    units,
                    addons,
                    term,
                    start,
                }
            })
    }

    fn expansion(config: &Configuration) -> u32 {
        let chosen = config
            .addons
            .iter()
            .find(|a| a.code == "extension_expansion");
        chosen.map_or(0, |a| a.quantity)
    }

    /// The seed's structure (plans, limits, allowed add-ons) with arbitrary prices and
    /// discounts, so the properties hold for any prices, not only the round placeholders.
    fn any_prices() -> impl Strategy<Value = Catalog> {
        let prices = prop::collection::vec(0_i64..=20_000, 13);
        let percents = prop::collection::vec(0_u8..=100, 5);
        (prices, percents).prop_map(|(prices, percents)| {
            let mut catalog = Catalog::seed_mirror();
            let (plans, addons) = prices.split_at(catalog.plans.len());
            for (plan, &price) in catalog.plans.iter_mut().zip(plans) {
                plan.unit_price_minor = price;
            }
            for (addon, &price) in catalog.addons.iter_mut().zip(addons) {
                addon.price_minor = price;
            }
            for (discount, percent) in catalog.term_discounts.iter_mut().zip(percents) {
                discount.percent_off = percent;
            }
            // Keep the seed's rule: an expansion extension costs what a plan extension costs.
            for offer in &mut catalog.plan_addons {
                if offer.addon_code == "extension_expansion" {
                    let plan = catalog.plans.iter().find(|p| p.code == offer.plan_code);
                    offer.price_minor = plan.map(|p| p.unit_price_minor);
                }
            }
            catalog
        })
    }

    proptest! {
        #[test]
        fn the_total_is_the_lines_minus_the_discount(
            catalog in any_prices(),
            config in valid_config(),
        ) {
            let quote = quote(&catalog, &config).unwrap();
            let lines: i64 = quote.lines.iter().map(|l| l.amount_minor).sum();
            prop_assert_eq!(quote.subtotal_minor, lines);
            prop_assert_eq!(quote.total_minor, lines - quote.discount_minor);
            prop_assert!(0 <= quote.discount_minor && quote.discount_minor <= lines);
            prop_assert!(quote.end > quote.start);
        }

        #[test]
        fn per_month_times_months_is_the_total_within_rounding(
            catalog in any_prices(),
            config in valid_config(),
        ) {
            let quote = quote(&catalog, &config).unwrap();
            let months = i64::from(quote.months);
            let gap = quote.per_month_minor * months - quote.total_minor;
            // Halves round up, so the gap lies in (-months/2, months/2].
            prop_assert!(-months < 2 * gap && 2 * gap <= months, "gap {}", gap);
        }

        #[test]
        fn more_units_never_cost_less(
            catalog in any_prices(),
            config in valid_config(),
            more in 1_u32..1_000,
        ) {
            let plan = catalog.plan(&config.plan).unwrap();
            let room = plan.max_units - config.units - expansion(&config);
            prop_assume!(room > 0);
            let bigger = Configuration { units: config.units + more.min(room), ..config.clone() };
            let small = quote(&catalog, &config).unwrap().total_minor;
            prop_assert!(quote(&catalog, &bigger).unwrap().total_minor >= small);
        }

        #[test]
        fn an_annual_term_never_costs_more_than_paying_monthly(
            catalog in any_prices(),
            config in valid_config(),
        ) {
            let monthly = Configuration { term: Term::Monthly, ..config.clone() };
            let monthly = quote(&catalog, &monthly).unwrap().total_minor;
            let annual = quote(&catalog, &config).unwrap();
            prop_assert!(annual.total_minor <= monthly * i64::from(annual.months));
        }

        #[test]
        fn an_expansion_extension_costs_what_a_plan_extension_costs(
            catalog in any_prices(),
            config in valid_config().prop_filter("a plan with extension expansion", |c| {
                Catalog::seed_mirror().plan_addon(&c.plan, "extension_expansion").is_some()
            }),
            split in any::<prop::sample::Index>(),
        ) {
            let mut plain = config.clone();
            plain.units += expansion(&config);
            plain.addons.retain(|a| a.code != "extension_expansion");
            prop_assume!(plain.units >= 2);
            // The same extensions, some of them bought as expansion.
            let extra = 1 + split.index(plain.units as usize - 1) as u32;
            let mut expanded = plain.clone();
            expanded.units -= extra;
            let code = "extension_expansion".to_owned();
            expanded.addons.push(AddonChoice { code, quantity: extra });
            let plain = quote(&catalog, &plain).unwrap().total_minor;
            prop_assert_eq!(quote(&catalog, &expanded).unwrap().total_minor, plain);
        }

        #[test]
        fn bad_configurations_are_typed_errors(
            catalog in any_prices(),
            config in valid_config(),
            over in 1_u32..10_000,
        ) {
            let max = catalog.plan(&config.plan).unwrap().max_units;
            let none = Configuration { units: 0, ..config.clone() };
            let result = quote(&catalog, &none);
            prop_assert!(matches!(result, Err(PricingError::NoUnits { .. })), "{:?}", result);
            let too_many = Configuration { units: max + over, ..config.clone() };
            let result = quote(&catalog, &too_many);
            prop_assert!(matches!(result, Err(PricingError::TooManyUnits { .. })), "{:?}", result);
            for addon in &catalog.addons {
                if catalog.plan_addon(&config.plan, &addon.code).is_none() {
                    let mut bad = config.clone();
                    bad.addons.push(AddonChoice { code: addon.code.clone(), quantity: 1 });
                    let result = quote(&catalog, &bad);
                    let refused = matches!(result, Err(PricingError::AddonNotAllowed { .. }));
                    prop_assert!(refused, "{:?}", result);
                }
            }
        }
    }
}
