//! The catalog migration's seed as Rust data, so unit and property tests of prices need no
//! database. Never price a real order with it: the database is the source of truth. The
//! integration test `seeded_catalog_matches_its_rust_mirror` keeps the two equal. One row per
//! line, like the migration's seed, so the two are easy to compare.

use super::model::{Addon, AddonPricing, Catalog, Plan, PlanAddon, ProductType, TermDiscount};

const EP: &str = "cloud_pbx_enterprise";
const UP: &str = "cloud_pbx_ultimate";
const SW: &str = "software_pbx_standard";

impl Catalog {
    /// The seeded catalog (see the module documentation).
    pub fn seed_mirror() -> Catalog {
        Catalog {
            product_types: product_types(),
            plans: plans(),
            addons: addons(),
            plan_addons: plan_addons(),
            term_discounts: term_discounts(),
        }
    }
}

#[rustfmt::skip]
fn product_types() -> Vec<ProductType> {
    let product = |code: &str, name: &str, description: &str, trial, unit: &str| ProductType {
        code: code.into(),
        name: name.into(),
        description: description.into(),
        trial_days: trial,
        unit_singular: unit.into(),
        unit_plural: format!("{unit}s"),
    };
    vec![
        product("cloud_pbx", "Cloud PBX", "Yeastar P-Series Cloud Edition: a PBX instance hosted by Yeastar.", Some(30), "extension"),
        product("software_pbx", "Software PBX", "Yeastar P-Series Software Edition, installed on your own server or cloud.", None, "extension"),
        product("linkus_cloud", "Linkus Cloud Service", "Linkus UC clients for mobile, desktop and web, connected through Yeastar's cloud.", Some(30), "user"),
        product("workplace_saas", "Workplace SaaS", "Yeastar Workplace: room and desk booking, visitor management and digital signage.", Some(14), "user"),
        product("remote_management", "Remote Management", "Central Management: monitor, configure and upgrade your Yeastar devices remotely.", None, "device"),
    ]
}

#[rustfmt::skip]
fn plans() -> Vec<Plan> {
    let (ep, up, sw) = (EP, UP, SW);
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
    vec![
        plan(ep, "cloud_pbx", "Enterprise Plan (EP)", "Calling, IVR, queues, call recording and the Linkus UC clients.", 1, 500, 500),
        plan(up, "cloud_pbx", "Ultimate Plan (UP)", "Everything in EP, plus call center features, CRM integrations and High Availability.", 2, 800, 500),
        plan(sw, "software_pbx", "Standard Plan", "The P-Series feature set on your own server, priced per extension.", 1, 400, 10_000),
        plan("linkus_cloud_standard", "linkus_cloud", "Standard", "Linkus clients for every user, without running a PBX of your own.", 1, 200, 10_000),
        plan("workplace_basic", "workplace_saas", "Basic", "Room booking and displays.", 1, 500, 10_000),
        plan("workplace_standard", "workplace_saas", "Standard", "Basic, plus desk booking and visitor management.", 2, 650, 10_000),
        plan("workplace_pro", "workplace_saas", "Pro", "Standard, plus analytics, digital signage and integrations.", 3, 800, 10_000),
        plan("remote_management_standard", "remote_management", "Standard", "Monitoring, alarms, remote access and bulk upgrades.", 1, 100, 10_000),
    ]
}

#[rustfmt::skip]
fn addons() -> Vec<Addon> {
    use AddonPricing::{FlatMonthly, FlatOnce, PerUnitMonthly};
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
    vec![
        addon("extension_expansion", "Extension expansion", "More extensions on the same PBX, at the plan's price per extension.", PerUnitMonthly, "extension", 500),
        addon("recording_minutes", "Recording minutes", "Call recording beyond the minutes included in the plan.", PerUnitMonthly, "100 minutes", 200),
        addon("concurrent_calls", "Concurrent calls", "More calls at the same time.", PerUnitMonthly, "call", 150),
        addon("high_availability", "High Availability", "A standby instance that takes over if the PBX fails.", FlatMonthly, "PBX", 3000),
        addon("hot_standby", "Hot Standby", "A licence for a second server that takes over if the primary fails.", FlatOnce, "server", 9900),
    ]
}

#[rustfmt::skip]
fn plan_addons() -> Vec<PlanAddon> {
    let (ep, up, sw) = (EP, UP, SW);
    let offer = |plan: &str, addon: &str, max_quantity, price_minor| PlanAddon {
        plan_code: plan.into(),
        addon_code: addon.into(),
        max_quantity,
        price_minor,
        placeholder: true,
    };
    vec![
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
    ]
}

fn term_discounts() -> Vec<TermDiscount> {
    [(1, 10), (2, 15), (3, 20), (4, 22), (5, 25)]
        .into_iter()
        .map(|(years, percent_off)| TermDiscount {
            years,
            percent_off,
            placeholder: true,
        })
        .collect()
}
