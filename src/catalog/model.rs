//! Catalog types: product types, plans, add-ons and term discounts, as seeded by the catalog
//! migration. Counts are unsigned here (the database checks keep them non-negative) so the
//! pricing engine never has to guard against a negative extension count; money is `i64` minor
//! units with the currency beside it.

/// A product type of Products & Purchase: Cloud PBX, Software PBX, Linkus Cloud Service,
/// Workplace SaaS, Remote Management.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductType {
    pub code: String,
    pub name: String,
    pub description: String,
    /// Length of the free trial; `None` when the product cannot be tried.
    pub trial_days: Option<u32>,
    /// What a plan's quantity counts: "extension" / "extensions", "user" / "users", ...
    pub unit_singular: String,
    pub unit_plural: String,
}

impl ProductType {
    /// "1 extension", "20 extensions".
    pub fn units(&self, count: u32) -> String {
        let unit = if count == 1 {
            &self.unit_singular
        } else {
            &self.unit_plural
        };
        format!("{count} {unit}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Plan {
    pub code: String,
    pub product_type: String,
    /// "Enterprise Plan (EP)".
    pub name: String,
    pub description: String,
    /// Order within the product type; a higher tier is an upgrade (EP 1 < UP 2).
    #[sqlx(try_from = "i16")]
    pub tier: u8,
    /// Price of one unit (extension, user, device) for one month.
    pub unit_price_minor: i64,
    pub currency: String,
    #[sqlx(try_from = "i32")]
    pub min_units: u32,
    /// Counts add-ons that add units too (extension expansion).
    #[sqlx(try_from = "i32")]
    pub max_units: u32,
    #[sqlx(try_from = "i32")]
    pub included_recording_minutes: u32,
    /// The price is a stand-in, not a real Yeastar list price.
    pub placeholder: bool,
}

/// How an add-on is charged; see the `addon_pricing` enum in the catalog migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "addon_pricing", rename_all = "snake_case")]
pub enum AddonPricing {
    /// Quantity × price, every month of the term.
    PerUnitMonthly,
    /// One price every month of the term; on or off (quantity 1).
    FlatMonthly,
    /// Charged once per purchase; neither repeated nor term-discounted.
    FlatOnce,
}

impl AddonPricing {
    /// A flat add-on is on or off: its only quantity is 1.
    pub fn is_flat(self) -> bool {
        !matches!(self, AddonPricing::PerUnitMonthly)
    }

    pub fn is_recurring(self) -> bool {
        !matches!(self, AddonPricing::FlatOnce)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Addon {
    pub code: String,
    pub name: String,
    pub description: String,
    pub pricing: AddonPricing,
    /// What one of the quantity buys: "100 minutes", "call", "extension".
    pub unit_label: String,
    /// List price of one `unit_label` (per month unless charged once); a plan may override it.
    pub price_minor: i64,
    pub currency: String,
    /// Each unit is one more of the plan's units and counts against its `max_units`.
    pub adds_units: bool,
    pub placeholder: bool,
}

/// An add-on that a plan allows, with the plan's limit and (optionally) its own price.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PlanAddon {
    pub plan_code: String,
    pub addon_code: String,
    #[sqlx(try_from = "i32")]
    pub max_quantity: u32,
    /// `None`: the add-on's list price.
    pub price_minor: Option<i64>,
    pub placeholder: bool,
}

impl PlanAddon {
    pub fn unit_price_minor(&self, addon: &Addon) -> i64 {
        self.price_minor.unwrap_or(addon.price_minor)
    }

    /// The largest quantity a configuration may choose (1 for a flat add-on).
    pub fn max_quantity_of(&self, addon: &Addon) -> u32 {
        if addon.pricing.is_flat() {
            self.max_quantity.min(1)
        } else {
            self.max_quantity
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TermDiscount {
    #[sqlx(try_from = "i16")]
    pub years: u8,
    /// Percent off the recurring charges of the whole term.
    #[sqlx(try_from = "i16")]
    pub percent_off: u8,
    pub placeholder: bool,
}

/// The whole catalog. It is a few dozen rows, so it is loaded whole and searched linearly;
/// every list keeps the display order (product sort order, plan tier, add-on sort order).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog {
    pub product_types: Vec<ProductType>,
    pub plans: Vec<Plan>,
    pub addons: Vec<Addon>,
    pub plan_addons: Vec<PlanAddon>,
    pub term_discounts: Vec<TermDiscount>,
}

impl Catalog {
    pub fn product_type(&self, code: &str) -> Option<&ProductType> {
        self.product_types.iter().find(|p| p.code == code)
    }

    pub fn plan(&self, code: &str) -> Option<&Plan> {
        self.plans.iter().find(|p| p.code == code)
    }

    /// A plan's name with its product's ("Cloud PBX Enterprise Plan (EP)"); the plan's name
    /// alone when the product type is unknown.
    pub fn plan_name(&self, plan: &Plan) -> String {
        let product = self
            .product_type(&plan.product_type)
            .map_or("", |t| t.name.as_str());
        super::plan_name(product, &plan.name)
    }

    /// The name of the plan with this code, with its product's; `None` for an unknown code.
    pub fn plan_name_of(&self, code: &str) -> Option<String> {
        self.plan(code).map(|p| self.plan_name(p))
    }

    /// The plans of one product type, lowest tier first.
    pub fn plans_of<'a>(&'a self, product_type: &'a str) -> impl Iterator<Item = &'a Plan> + 'a {
        self.plans
            .iter()
            .filter(move |p| p.product_type == product_type)
    }

    pub fn addon(&self, code: &str) -> Option<&Addon> {
        self.addons.iter().find(|a| a.code == code)
    }

    /// The add-on if the plan allows it, with the plan's terms for it.
    pub fn plan_addon(&self, plan: &str, addon: &str) -> Option<(&PlanAddon, &Addon)> {
        let offer = self
            .plan_addons
            .iter()
            .find(|pa| pa.plan_code == plan && pa.addon_code == addon)?;
        Some((offer, self.addon(addon)?))
    }

    /// Every add-on the plan allows, in the catalog's add-on order.
    pub fn addons_for<'a>(
        &'a self,
        plan: &'a str,
    ) -> impl Iterator<Item = (&'a PlanAddon, &'a Addon)> + 'a {
        self.addons.iter().filter_map(move |addon| {
            let offer = self
                .plan_addons
                .iter()
                .find(|pa| pa.plan_code == plan && pa.addon_code == addon.code)?;
            Some((offer, addon))
        })
    }

    pub fn term_discount(&self, years: u8) -> Option<&TermDiscount> {
        self.term_discounts.iter().find(|d| d.years == years)
    }

    /// True while any price is a stand-in: pages say so next to every total.
    pub fn has_placeholder_prices(&self) -> bool {
        self.plans.iter().any(|p| p.placeholder)
            || self.addons.iter().any(|a| a.placeholder)
            || self.plan_addons.iter().any(|pa| pa.placeholder)
            || self.term_discounts.iter().any(|d| d.placeholder)
    }
}
