//! The product configuration form (plan, units, add-ons, term) shared by the partner's
//! purchase and the customer's subscribe and cost-estimate pages: parsing what was typed,
//! turning it into a pricing `Configuration`, and what the template needs to show it.

use std::collections::BTreeMap;

use time::Date;

use crate::accounts::model::FieldErrors;
use crate::catalog::{Addon, Catalog, Plan};
use crate::pricing::{AddonChoice, Configuration, PricingError, Term};

/// The form as typed, kept verbatim to re-fill it.
#[derive(Debug, Clone, Default)]
pub struct ConfigInput {
    pub plan: String,
    pub units: String,
    pub term: String,
    /// `addon.<code>` → quantity as typed.
    pub addons: BTreeMap<String, String>,
    /// Any other field (e.g. `licenses`, `customer_email`, `idempotency_key`).
    pub other: BTreeMap<String, String>,
}

impl ConfigInput {
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut input = Self::default();
        for (key, value) in pairs {
            match key.as_str() {
                "plan" => input.plan = value.clone(),
                "units" => input.units = value.clone(),
                "term" => input.term = value.clone(),
                "csrf_token" => {}
                _ => match key.strip_prefix("addon.") {
                    Some(code) => {
                        input.addons.insert(code.to_owned(), value.clone());
                    }
                    None => {
                        input.other.insert(key.clone(), value.clone());
                    }
                },
            }
        }
        input
    }

    pub fn get(&self, field: &str) -> &str {
        self.other.get(field).map(String::as_str).unwrap_or("")
    }

    pub fn addon_value(&self, code: &str) -> &str {
        self.addons.get(code).map(String::as_str).unwrap_or("")
    }

    /// The configuration, or errors next to the fields. Empty add-on quantities mean "none".
    pub fn configuration(&self, start: Date, errors: &mut FieldErrors) -> Option<Configuration> {
        let units = match self.units.trim().parse::<u32>() {
            Ok(units) => Some(units),
            Err(_) => {
                errors.add("units", "Enter a whole number.");
                None
            }
        };
        let term = match self.term.trim().parse::<Term>() {
            Ok(term) => Some(term),
            Err(_) => {
                errors.add("term", "Choose a monthly term or a term of 1 to 5 years.");
                None
            }
        };
        let mut addons = Vec::new();
        for (code, raw) in &self.addons {
            let raw = raw.trim();
            if raw.is_empty() || raw == "0" {
                continue;
            }
            match raw.parse::<u32>() {
                Ok(quantity) => addons.push(AddonChoice {
                    code: code.clone(),
                    quantity,
                }),
                Err(_) => errors.add("addons", "Add-on quantities must be whole numbers."),
            }
        }
        if self.plan.trim().is_empty() {
            errors.add("plan", "Choose a plan.");
        }
        Some(Configuration {
            plan: self.plan.trim().to_owned(),
            units: units?,
            addons,
            term: term?,
            start,
        })
    }

    /// Hidden inputs that carry this configuration to the next step.
    pub fn hidden_fields(&self) -> Vec<(String, String)> {
        let mut fields = vec![
            ("plan".to_owned(), self.plan.clone()),
            ("units".to_owned(), self.units.clone()),
            ("term".to_owned(), self.term.clone()),
        ];
        for (code, value) in &self.addons {
            fields.push((format!("addon.{code}"), value.clone()));
        }
        for (key, value) in &self.other {
            fields.push((key.clone(), value.clone()));
        }
        fields
    }

    /// The configuration as a query string (a shareable estimate, "subscribe with this").
    pub fn query_string(&self) -> String {
        let fields: Vec<(String, String)> = self
            .hidden_fields()
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect();
        serde_urlencoded::to_string(fields).unwrap_or_default()
    }
}

/// Puts a pricing error next to the field it is about.
pub fn field_error(err: &PricingError, errors: &mut FieldErrors) {
    let field = match err {
        PricingError::UnknownPlan { .. } => "plan",
        PricingError::NoUnits { .. }
        | PricingError::TooFewUnits { .. }
        | PricingError::TooManyUnits { .. } => "units",
        PricingError::BadTerm { .. } => "term",
        _ => "addons",
    };
    errors.add(field, err.to_string());
}

/// What the form template shows.
pub struct ConfigView<'a> {
    pub input: ConfigInput,
    pub groups: Vec<(String, Vec<&'a Plan>)>,
    pub addons: Vec<AddonView<'a>>,
    pub terms: Vec<(String, String)>,
}

pub struct AddonView<'a> {
    pub addon: &'a Addon,
    /// "Cloud PBX Ultimate Plan (UP), Software PBX Standard" — where it can be added.
    pub available_with: String,
}

impl<'a> ConfigView<'a> {
    /// `product_types`: which product types to offer (None: all).
    pub fn new(catalog: &'a Catalog, input: ConfigInput, product_types: Option<&[&str]>) -> Self {
        let groups = catalog
            .product_types
            .iter()
            .filter(|t| product_types.is_none_or(|only| only.contains(&t.code.as_str())))
            .map(|t| {
                (
                    t.name.clone(),
                    catalog.plans_of(&t.code).collect::<Vec<_>>(),
                )
            })
            .filter(|(_, plans)| !plans.is_empty())
            .collect::<Vec<_>>();
        let offered: Vec<&str> = groups
            .iter()
            .flat_map(|(_, plans)| plans.iter().map(|p| p.code.as_str()))
            .collect();
        let addons = catalog
            .addons
            .iter()
            .filter_map(|addon| {
                let plans: Vec<String> = catalog
                    .plan_addons
                    .iter()
                    .filter(|pa| {
                        pa.addon_code == addon.code && offered.contains(&pa.plan_code.as_str())
                    })
                    .filter_map(|pa| catalog.plan(&pa.plan_code))
                    .map(|p| crate::labels::plan_of(catalog, &p.code))
                    .collect();
                (!plans.is_empty()).then(|| AddonView {
                    addon,
                    available_with: plans.join(", "),
                })
            })
            .collect();
        let terms = Term::all().map(|t| (t.to_string(), t.label())).collect();
        Self {
            input,
            groups,
            addons,
            terms,
        }
    }

    pub fn plan_selected(&self, plan: &Plan) -> bool {
        self.input.plan == plan.code
    }

    pub fn term_selected(&self, value: &str) -> bool {
        self.input.term == value
    }
}

/// A quote with every amount formatted, for the review, estimate and invoice pages.
pub struct QuoteView {
    pub lines: Vec<LineView>,
    pub subtotal: String,
    pub discount_percent: u8,
    pub discount: String,
    pub total: String,
    pub per_month: String,
    /// "Price per month", "Price for 1 year".
    pub term: String,
    pub start: String,
    pub end: String,
    pub placeholder: bool,
}

pub struct LineView {
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub months: String,
    pub amount: String,
}

impl QuoteView {
    pub fn new(quote: &crate::pricing::Quote) -> Self {
        let money = |minor: i64| crate::pricing::format_money(minor, &quote.currency);
        Self {
            lines: quote
                .lines
                .iter()
                .map(|line| LineView {
                    description: line.description.clone(),
                    quantity: crate::labels::count(&line.unit, line.quantity),
                    unit_price: money(line.unit_price_minor),
                    months: line
                        .months
                        .map_or("one-time".to_owned(), |m| format!("{m} mo")),
                    amount: money(line.amount_minor),
                })
                .collect(),
            subtotal: money(quote.subtotal_minor),
            discount_percent: quote.discount_percent,
            discount: money(quote.discount_minor),
            total: money(quote.total_minor),
            per_month: money(quote.per_month_minor),
            term: quote.term.price_heading(),
            start: crate::format::day(quote.start),
            end: crate::format::day(quote.end),
            placeholder: quote.placeholder,
        }
    }
}
