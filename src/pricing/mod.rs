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

use crate::catalog::{Addon, Catalog, Plan, ProductType, TermDiscount};

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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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
    let plan_name = crate::catalog::plan_name(&product.name, &plan.name);
    check_units(config.units, plan, product)?;
    let months = config.term.months();
    let discount = term_discount(catalog, config.term)?;
    let chosen = chosen_addons(catalog, config, plan, &plan_name)?;
    let mut priced = price_lines(catalog, config, plan, product, plan_name, &chosen)?;
    priced.placeholder |= discount.is_some_and(|d| d.placeholder);
    if priced.total_units > plan.max_units {
        return Err(too_many_units(plan, product));
    }
    let lines = priced.lines;
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
        placeholder: priced.placeholder,
    })
}

fn too_many_units(plan: &Plan, product: &ProductType) -> PricingError {
    PricingError::TooManyUnits {
        product: product.name.clone(),
        max: plan.max_units,
        units: product.unit_plural.clone(),
    }
}

/// The plan's own units: at least one, within the plan's limits.
fn check_units(units: u32, plan: &Plan, product: &ProductType) -> Result<(), PricingError> {
    if units == 0 {
        return Err(PricingError::NoUnits {
            unit: product.unit_singular.clone(),
        });
    }
    if units < plan.min_units {
        return Err(PricingError::TooFewUnits {
            min: plan.min_units,
            units: product.unit_plural.clone(),
        });
    }
    if units > plan.max_units {
        return Err(too_many_units(plan, product));
    }
    Ok(())
}

/// The discount of an annual term (none for monthly); a term the catalog has no discount for
/// is not offered.
fn term_discount(catalog: &Catalog, term: Term) -> Result<Option<&TermDiscount>, PricingError> {
    match term {
        Term::Monthly => Ok(None),
        Term::Annual { years } => catalog
            .term_discount(years)
            .filter(|_| (1..=Term::MAX_YEARS).contains(&years))
            .map(Some)
            .ok_or_else(|| PricingError::BadTerm {
                term: term.to_string(),
            }),
    }
}

/// The add-ons chosen, by code: each one the plan allows, in a quantity it allows, priced in
/// the plan's currency, chosen once.
fn chosen_addons<'a>(
    catalog: &'a Catalog,
    config: &Configuration,
    plan: &Plan,
    plan_name: &str,
) -> Result<BTreeMap<&'a str, u32>, PricingError> {
    let mut chosen: BTreeMap<&str, u32> = BTreeMap::new();
    for choice in &config.addons {
        let addon = catalog
            .addon(&choice.code)
            .ok_or_else(|| PricingError::UnknownAddon {
                addon: choice.code.clone(),
            })?;
        check_addon(catalog, choice, addon, plan, plan_name)?;
        if chosen.insert(&addon.code, choice.quantity).is_some() {
            return Err(PricingError::DuplicateAddon {
                addon: addon.name.clone(),
            });
        }
    }
    Ok(chosen)
}

fn check_addon(
    catalog: &Catalog,
    choice: &AddonChoice,
    addon: &Addon,
    plan: &Plan,
    plan_name: &str,
) -> Result<(), PricingError> {
    let (offer, _) = catalog.plan_addon(&plan.code, &addon.code).ok_or_else(|| {
        PricingError::AddonNotAllowed {
            addon: addon.name.clone(),
            plan: plan_name.to_owned(),
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
    Ok(())
}

/// The lines of a quote, before its discount.
struct PricedLines {
    lines: Vec<Line>,
    /// The plan's units and those add-ons add, against the plan's `max_units`.
    total_units: u32,
    placeholder: bool,
}

/// The plan's line, then one line per chosen add-on in catalog order (not the order of the
/// form, so equal configurations give equal quotes).
fn price_lines(
    catalog: &Catalog,
    config: &Configuration,
    plan: &Plan,
    product: &ProductType,
    plan_name: String,
    chosen: &BTreeMap<&str, u32>,
) -> Result<PricedLines, PricingError> {
    let months = config.term.months();
    let mut lines = vec![Line::new(
        plan_name,
        product.unit_singular.clone(),
        config.units,
        plan.unit_price_minor,
        Some(months),
    )?];
    let mut total_units = config.units;
    let mut placeholder = plan.placeholder;
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
    Ok(PricedLines {
        lines,
        total_units,
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

/// The same configuration bought `count` times (e.g. three identical PBX licences): every line
/// and total multiplied, so an order of N equals N single quotes to the cent.
pub fn times(quote: &Quote, count: u32) -> Result<Quote, PricingError> {
    let n = i64::from(count);
    let mul = |v: i64| v.checked_mul(n).ok_or(PricingError::TooLarge);
    let mut scaled = quote.clone();
    for line in &mut scaled.lines {
        line.quantity = line
            .quantity
            .checked_mul(count)
            .ok_or(PricingError::TooLarge)?;
        line.amount_minor = mul(line.amount_minor)?;
    }
    scaled.subtotal_minor = mul(quote.subtotal_minor)?;
    scaled.discount_minor = mul(quote.discount_minor)?;
    scaled.total_minor = mul(quote.total_minor)?;
    scaled.per_month_minor = mul(quote.per_month_minor)?;
    Ok(scaled)
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
mod tests;
