//! Unit and property tests of the pricing engine, on catalogs built in Rust.
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
    fn buying_n_licences_costs_n_times_one(
        catalog in any_prices(),
        config in valid_config(),
        count in 1u32..=100,
    ) {
        let one = quote(&catalog, &config).unwrap();
        let many = times(&one, count).unwrap();
        prop_assert_eq!(many.total_minor, one.total_minor * i64::from(count));
        let lines: i64 = many.lines.iter().map(|l| l.amount_minor).sum();
        prop_assert_eq!(many.total_minor, lines - many.discount_minor);
    }

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
