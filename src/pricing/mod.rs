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

mod model;

use std::collections::BTreeMap;

use time::{Date, Month};

use crate::catalog::{Addon, Catalog, Plan, ProductType, TermDiscount};
pub use model::{AddonChoice, Configuration, Line, PricingError, Quote, Term};

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
