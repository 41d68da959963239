//! The catalog as the migration seeds it, and the pricing engine over the real seeded rows.

use time::macros::date;
use yeastar_portal::catalog::{self, AddonPricing, Catalog};
use yeastar_portal::pricing::{self, AddonChoice, Configuration, Term};

use crate::helpers::spawn_app;

#[tokio::test]
async fn seeded_catalog_has_every_product_and_flags_every_price_as_a_placeholder() {
    let app = spawn_app().await;

    let catalog = catalog::load(&app.db).await.unwrap();

    let codes: Vec<&str> = catalog
        .product_types
        .iter()
        .map(|p| p.code.as_str())
        .collect();
    assert_eq!(
        codes,
        [
            "cloud_pbx",
            "software_pbx",
            "linkus_cloud",
            "workplace_saas",
            "remote_management"
        ]
    );
    let cloud: Vec<_> = catalog.plans_of("cloud_pbx").collect();
    let names: Vec<&str> = cloud.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Enterprise Plan (EP)", "Ultimate Plan (UP)"]);
    assert!(cloud[0].tier < cloud[1].tier, "EP → UP is an upgrade");
    for plan in &cloud {
        assert_eq!(
            (plan.max_units, plan.included_recording_minutes),
            (500, 500)
        );
    }
    assert_eq!(
        catalog.product_type("cloud_pbx").unwrap().trial_days,
        Some(30)
    );
    assert_eq!(
        catalog.product_type("software_pbx").unwrap().trial_days,
        None
    );
    let workplace: Vec<&str> = catalog
        .plans_of("workplace_saas")
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(workplace, ["Basic", "Standard", "Pro"]);
    assert!(catalog
        .plan_addon("cloud_pbx_enterprise", "high_availability")
        .is_none());
    let (_, hot_standby) = catalog
        .plan_addon("software_pbx_standard", "hot_standby")
        .unwrap();
    assert_eq!(hot_standby.pricing, AddonPricing::FlatOnce);

    assert!(catalog.plans.iter().all(|p| p.placeholder));
    assert!(catalog.addons.iter().all(|a| a.placeholder));
    assert!(catalog.plan_addons.iter().all(|pa| pa.placeholder));
    assert!(catalog.term_discounts.iter().all(|d| d.placeholder));
    // An extension costs the same bought in the plan or as expansion.
    for plan in &catalog.plans {
        if let Some((offer, addon)) = catalog.plan_addon(&plan.code, "extension_expansion") {
            assert_eq!(
                offer.unit_price_minor(addon),
                plan.unit_price_minor,
                "{}",
                plan.code
            );
        }
    }
}

/// The unit and property tests of `pricing` run over `Catalog::seed_mirror()`; this keeps that
/// mirror equal to what the migration really seeds.
#[tokio::test]
async fn seeded_catalog_matches_its_rust_mirror() {
    let app = spawn_app().await;

    let catalog = catalog::load(&app.db).await.unwrap();

    assert_eq!(catalog, Catalog::seed_mirror());
}

#[tokio::test]
async fn ultimate_plan_for_two_years_with_high_availability_is_priced_from_the_database() {
    let app = spawn_app().await;
    let catalog = catalog::load(&app.db).await.unwrap();
    let config = Configuration {
        plan: "cloud_pbx_ultimate".into(),
        units: 20,
        addons: vec![AddonChoice {
            code: "high_availability".into(),
            quantity: 1,
        }],
        term: "2y".parse().unwrap(),
        start: date!(2026 - 12 - 01),
    };

    let quote = pricing::quote(&catalog, &config).unwrap();

    // By hand: 20 extensions × 8.00 × 24 months = 3,840.00; HA 30.00 × 24 = 720.00;
    // subtotal 4,560.00; 2-year discount 15% = 684.00; total 3,876.00 = 161.50 a month.
    assert_eq!(quote.term, Term::Annual { years: 2 });
    assert_eq!(quote.currency, "USD");
    assert_eq!(quote.subtotal_minor, 456_000);
    assert_eq!(quote.discount_minor, 68_400);
    assert_eq!(quote.total_minor, 387_600);
    assert_eq!(
        pricing::format_money(quote.total_minor, &quote.currency),
        "USD 3,876.00"
    );
    assert_eq!((quote.months, quote.per_month_minor), (24, 16_150));
    assert_eq!(quote.end, date!(2028 - 12 - 01));
    assert!(
        quote.placeholder,
        "the quote says its prices are placeholders"
    );
}
