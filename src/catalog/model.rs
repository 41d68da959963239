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

    /// The catalog migration's seed as Rust data, so unit and property tests of prices need no
    /// database. Never price a real order with it: the database is the source of truth. The
    /// integration test `seeded_catalog_matches_its_rust_mirror` keeps the two equal.
    // One row per line, like the migration's seed, so the two are easy to compare.
    #[rustfmt::skip]
    pub fn seed_mirror() -> Catalog {
        let product = |code: &str, name: &str, description: &str, trial, unit: &str| ProductType {
            code: code.into(),
            name: name.into(),
            description: description.into(),
            trial_days: trial,
            unit_singular: unit.into(),
            unit_plural: format!("{unit}s"),
        };
        let plan = |code: &str, product: &str, name: &str, description: &str, tier, price, max| {
            let cloud = product == "cloud_pbx";
            Plan {
                code: code.into(),
                product_type: product.into(),
                name: name.into(),
                description: description.into(),
                tier,
                unit_price_minor: price,
                currency: "USD".into(),
                min_units: 1,
                max_units: max,
                included_recording_minutes: if cloud { 500 } else { 0 },
                placeholder: true,
            }
        };
        let addon = |code: &str, name: &str, description: &str, pricing, unit: &str, price| Addon {
            code: code.into(),
            name: name.into(),
            description: description.into(),
            pricing,
            unit_label: unit.into(),
            price_minor: price,
            currency: "USD".into(),
            adds_units: code == "extension_expansion",
            placeholder: true,
        };
        let offer = |plan: &str, addon: &str, max_quantity, price_minor| PlanAddon {
            plan_code: plan.into(),
            addon_code: addon.into(),
            max_quantity,
            price_minor,
            placeholder: true,
        };
        use AddonPricing::{FlatMonthly, FlatOnce, PerUnitMonthly};
        let (ep, up, sw) = (
            "cloud_pbx_enterprise",
            "cloud_pbx_ultimate",
            "software_pbx_standard",
        );
        Catalog {
            product_types: vec![
                product("cloud_pbx", "Cloud PBX", "Yeastar P-Series Cloud Edition: a PBX instance hosted by Yeastar.", Some(30), "extension"),
                product("software_pbx", "Software PBX", "Yeastar P-Series Software Edition, installed on your own server or cloud.", None, "extension"),
                product("linkus_cloud", "Linkus Cloud Service", "Linkus UC clients for mobile, desktop and web, connected through Yeastar's cloud.", Some(30), "user"),
                product("workplace_saas", "Workplace SaaS", "Yeastar Workplace: room and desk booking, visitor management and digital signage.", Some(14), "user"),
                product("remote_management", "Remote Management", "Central Management: monitor, configure and upgrade your Yeastar devices remotely.", None, "device"),
            ],
            plans: vec![
                plan(ep, "cloud_pbx", "Enterprise Plan (EP)", "Calling, IVR, queues, call recording and the Linkus UC clients.", 1, 500, 500),
                plan(up, "cloud_pbx", "Ultimate Plan (UP)", "Everything in EP, plus call center features, CRM integrations and High Availability.", 2, 800, 500),
                plan(sw, "software_pbx", "Standard Plan", "The P-Series feature set on your own server, priced per extension.", 1, 400, 10_000),
                plan("linkus_cloud_standard", "linkus_cloud", "Standard", "Linkus clients for every user, without running a PBX of your own.", 1, 200, 10_000),
                plan("workplace_basic", "workplace_saas", "Basic", "Room booking and displays.", 1, 500, 10_000),
                plan("workplace_standard", "workplace_saas", "Standard", "Basic, plus desk booking and visitor management.", 2, 650, 10_000),
                plan("workplace_pro", "workplace_saas", "Pro", "Standard, plus analytics, digital signage and integrations.", 3, 800, 10_000),
                plan("remote_management_standard", "remote_management", "Standard", "Monitoring, alarms, remote access and bulk upgrades.", 1, 100, 10_000),
            ],
            addons: vec![
                addon("extension_expansion", "Extension expansion", "More extensions on the same PBX, at the plan's price per extension.", PerUnitMonthly, "extension", 500),
                addon("recording_minutes", "Recording minutes", "Call recording beyond the minutes included in the plan.", PerUnitMonthly, "100 minutes", 200),
                addon("concurrent_calls", "Concurrent calls", "More calls at the same time.", PerUnitMonthly, "call", 150),
                addon("high_availability", "High Availability", "A standby instance that takes over if the PBX fails.", FlatMonthly, "PBX", 3000),
                addon("hot_standby", "Hot Standby", "A licence for a second server that takes over if the primary fails.", FlatOnce, "server", 9900),
            ],
            plan_addons: vec![
                offer(ep, "extension_expansion", 499, None),
                offer(ep, "recording_minutes", 100, None),
                offer(ep, "concurrent_calls", 200, None),
                offer(up, "extension_expansion", 499, Some(800)),
                offer(up, "recording_minutes", 100, None),
                offer(up, "concurrent_calls", 200, None),
                offer(up, "high_availability", 1, None),
                offer(sw, "extension_expansion", 9_999, Some(400)),
                offer(sw, "concurrent_calls", 1_000, None),
                offer(sw, "hot_standby", 1, None),
            ],
            term_discounts: [(1, 10), (2, 15), (3, 20), (4, 22), (5, 25)]
                .into_iter()
                .map(|(years, percent_off)| TermDiscount {
                    years,
                    percent_off,
                    placeholder: true,
                })
                .collect(),
        }
    }
}
