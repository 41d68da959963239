//! The engine's words: terms, configurations, add-on choices, quotes and their lines, and
//! why a configuration cannot be priced.

use std::fmt;
use std::str::FromStr;

use time::Date;

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
    pub(super) fn new(
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
