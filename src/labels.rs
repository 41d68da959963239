//! The words people read for the codes the system keeps: statuses, terms, PBX states and
//! events, plans with their product, add-ons with their quantity, countries, scheduled jobs.
//!
//! Why one file: the enums stay in their domain modules (a status belongs to the rules that
//! change it), but the words for them are written here, side by side, so they are chosen and
//! reviewed together and say the same thing on every page. Each label is an inherent method on
//! its enum (Rust allows inherent impls anywhere in the defining crate), so a template calls
//! `status.label()` with no import, and each is an exhaustive `match`: a new variant does not
//! compile until it has its words.
//!
//! Codes stored as text (licence, order and application statuses, PBX event kinds, job names)
//! are parsed into their enum first; a code no enum knows (an old row) is shown by
//! [`humanize`], never raw. Catalog names (plans, add-ons) come from the catalog; this module
//! only composes them. Dates are formatted by `crate::format`, not here. Audit log actions
//! have their own sentences and filter labels in [`audit`].

pub mod audit;
mod pbx;

pub use self::pbx::ago;

use std::borrow::Cow;

use crate::accounts::model::{AccountStatus, ActivationState, Role};
use crate::catalog::Catalog;
use crate::licenses::LicenseStatus;
use crate::orders::OrderStatus;
use crate::partnership::ApplicationStatus;
use crate::pricing::{AddonChoice, Term};
use crate::removals::RemovalStatus;
use crate::subscriptions::SubscriptionStatus;

/// A code no label knows, made readable: `link_expired` → "Link expired".
pub fn humanize(code: &str) -> String {
    let words = code.replace(['_', '.', '-'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn parsed<T>(
    code: &str,
    parse: fn(&str) -> Option<T>,
    label: fn(T) -> &'static str,
) -> Cow<'static, str> {
    parse(code).map_or_else(|| Cow::Owned(humanize(code)), |v| Cow::Borrowed(label(v)))
}

// ----- Accounts -----

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Manager => "Account Manager",
            Role::Partner => "Partner",
            Role::Customer => "Customer",
        }
    }
}

impl AccountStatus {
    pub fn label(self) -> &'static str {
        match self {
            AccountStatus::PendingActivation => "Pending activation",
            AccountStatus::Active => "Active",
            AccountStatus::Removed => "Removed",
            AccountStatus::Suspended => "Suspended",
        }
    }

    pub fn badge_class(self) -> &'static str {
        match self {
            AccountStatus::Active => "badge badge-active",
            AccountStatus::PendingActivation => "badge badge-pending",
            AccountStatus::Removed | AccountStatus::Suspended => "badge badge-removed",
        }
    }
}

impl ActivationState {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Removed => "Removed",
            Self::Suspended => "Suspended",
            Self::Pending { .. } => "Pending activation",
            Self::LinkExpired => "Link expired",
        }
    }

    pub fn badge_class(&self) -> &'static str {
        match self {
            Self::Active => "badge badge-active",
            Self::Removed | Self::Suspended => "badge badge-removed",
            Self::Pending { .. } => "badge badge-pending",
            Self::LinkExpired => "badge badge-expired",
        }
    }
}

/// The badge shown beside a customer whose removal the partner asked for.
pub const REMOVAL_REQUESTED: &str = "Removal requested";

impl RemovalStatus {
    pub fn label(self) -> &'static str {
        match self {
            RemovalStatus::Pending => REMOVAL_REQUESTED,
            RemovalStatus::Approved => "Removed",
            RemovalStatus::Rejected => "Removal rejected",
            RemovalStatus::Withdrawn => "Request withdrawn",
        }
    }
}

impl ApplicationStatus {
    pub fn label(self) -> &'static str {
        match self {
            ApplicationStatus::Pending => "Under review",
            ApplicationStatus::Approved => "Approved",
            ApplicationStatus::Rejected => "Rejected",
            ApplicationStatus::Withdrawn => "Withdrawn",
        }
    }

    pub fn badge_class(self) -> &'static str {
        match self {
            ApplicationStatus::Pending => "badge badge-pending",
            ApplicationStatus::Approved => "badge badge-active",
            ApplicationStatus::Rejected | ApplicationStatus::Withdrawn => "badge badge-removed",
        }
    }
}

/// An application's status as stored (`pending`) → "Under review".
pub fn application_status(code: &str) -> Cow<'static, str> {
    parsed(code, ApplicationStatus::from_code, ApplicationStatus::label)
}

pub fn application_badge(code: &str) -> &'static str {
    ApplicationStatus::from_code(code).map_or("badge badge-removed", ApplicationStatus::badge_class)
}

/// A country by name: `DE` → "Germany"; an unknown code is shown as it is.
pub fn country(code: &str) -> Cow<'_, str> {
    crate::countries::name_of(&code.to_ascii_uppercase()).map_or(Cow::Borrowed(code), Cow::Borrowed)
}

// ----- Subscriptions, licences and orders -----

impl SubscriptionStatus {
    pub fn label(self) -> &'static str {
        match self {
            SubscriptionStatus::Trial => "Free trial",
            SubscriptionStatus::Active => "Active",
            SubscriptionStatus::Expired => "Expired",
            SubscriptionStatus::Cancelled => "Cancelled",
        }
    }

    pub fn badge_class(self) -> &'static str {
        match self {
            SubscriptionStatus::Trial => "badge badge-info",
            SubscriptionStatus::Active => "badge badge-active",
            SubscriptionStatus::Expired | SubscriptionStatus::Cancelled => "badge badge-expired",
        }
    }
}

impl LicenseStatus {
    pub fn label(self) -> &'static str {
        match self {
            LicenseStatus::Active => "Active",
            LicenseStatus::Suspended => "Suspended",
            LicenseStatus::Expired => "Expired",
        }
    }

    pub fn badge_class(self) -> &'static str {
        match self {
            LicenseStatus::Active => "badge badge-active",
            LicenseStatus::Suspended => "badge badge-pending",
            LicenseStatus::Expired => "badge badge-expired",
        }
    }
}

/// A licence's status as stored (`active`) → "Active".
pub fn license_status(code: &str) -> Cow<'static, str> {
    parsed(code, LicenseStatus::from_code, LicenseStatus::label)
}

pub fn license_badge(code: &str) -> &'static str {
    LicenseStatus::from_code(code).map_or("badge badge-removed", LicenseStatus::badge_class)
}

impl OrderStatus {
    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::AwaitingPayment => "Awaiting payment (invoice)",
            OrderStatus::Paid => "Paid",
            OrderStatus::Cancelled => "Cancelled",
        }
    }
}

/// An order's status as stored (`awaiting_payment`) → "Awaiting payment (invoice)".
pub fn order_status(code: &str) -> Cow<'static, str> {
    parsed(code, OrderStatus::from_code, OrderStatus::label)
}

impl Term {
    /// "Monthly", "1 year", "3 years".
    pub fn label(self) -> String {
        match self {
            Term::Monthly => "Monthly".to_owned(),
            Term::Annual { years: 1 } => "1 year".to_owned(),
            Term::Annual { years } => format!("{years} years"),
        }
    }

    /// The heading of a quote: "Price per month", "Price for 1 year", "Price for 3 years".
    pub fn price_heading(self) -> String {
        match self {
            Term::Monthly => "Price per month".to_owned(),
            Term::Annual { .. } => format!("Price for {}", self.label()),
        }
    }
}

/// A term as stored (`1y`, `monthly`) → "1 year", "Monthly".
pub fn term(code: &str) -> String {
    code.parse::<Term>()
        .map_or_else(|_| humanize(code), Term::label)
}

/// A plan with its product: "Cloud PBX Enterprise Plan (EP)", "Workplace SaaS Standard". A
/// plan name alone ("Standard") does not say what was bought.
pub fn plan(product: &str, plan: &str) -> String {
    crate::catalog::plan_name(product, plan)
}

impl crate::subscriptions::SubscriptionView {
    /// "Workplace SaaS Standard": what the subscription is for, in words.
    pub fn name(&self) -> String {
        plan(&self.product_name, &self.plan_name)
    }
}

/// A plan code's name with its product, from the catalog; an unknown code is humanized.
pub fn plan_of(catalog: &Catalog, code: &str) -> String {
    catalog.plan_name_of(code).unwrap_or_else(|| humanize(code))
}

/// A plan's own name by its code ("Enterprise Plan (EP)"), where its product is already said
/// (a list of one product's licences).
pub fn plan_own(catalog: &Catalog, code: &str) -> String {
    catalog
        .plan(code)
        .map_or_else(|| humanize(code), |p| p.name.clone())
}

/// A count of a catalog unit: "40 users", "1 extension", "3 × 100 minutes" (a unit that is
/// itself a quantity). Not "40 × user".
pub fn count(unit: &str, quantity: impl std::fmt::Display) -> String {
    crate::catalog::count(unit, quantity)
}

/// The quantity of an add-on in words: "2 extra calls", "3 × 100 minutes", or "Included" for
/// an on/off add-on. `unit` is the catalog's unit label ("call", "100 minutes", "PBX").
fn addon_quantity(unit: &str, flat: bool, quantity: u32) -> String {
    if flat {
        "Included".to_owned()
    } else if unit.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{quantity} × {unit}")
    } else if quantity == 1 {
        format!("1 extra {unit}")
    } else {
        format!("{quantity} extra {unit}s")
    }
}

/// An add-on as chosen: "Concurrent calls: 2 extra calls", "Recording minutes: 3 × 100
/// minutes", "High Availability". Never the code (`concurrent_calls × 2`).
pub fn addon(catalog: &Catalog, choice: &AddonChoice) -> String {
    match catalog.addon(&choice.code) {
        Some(a) if a.pricing.is_flat() => a.name.clone(),
        Some(a) => format!(
            "{}: {}",
            a.name,
            addon_quantity(&a.unit_label, false, choice.quantity)
        ),
        None => format!("{} × {}", humanize(&choice.code), choice.quantity),
    }
}

/// Just the quantity of an add-on, for a table whose row already names it.
pub fn addon_amount(catalog: &Catalog, choice: &AddonChoice) -> String {
    match catalog.addon(&choice.code) {
        Some(a) => addon_quantity(&a.unit_label, a.pricing.is_flat(), choice.quantity),
        None => choice.quantity.to_string(),
    }
}

// ----- Scheduled jobs -----

/// What people read for a scheduled job in the console.
pub fn job(code: &str) -> &'static str {
    match code {
        "trial_7d" => "Trial reminder, 7 days before",
        "trial_1d" => "Trial reminder, 1 day before",
        "trial_expiry" => "Trial expiry",
        "renewal_30d" => "Renewal reminder, 30 days before",
        "renewal_7d" => "Renewal reminder, 7 days before",
        "renewal_0d" => "Renewal reminder, on the day",
        "term_end" => "Renewal at the end of the term",
        "pbx_offline" => "PBX offline check",
        _ => "Scheduled job",
    }
}

#[cfg(test)]
mod tests;
