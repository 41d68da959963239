//! The review of a change to a subscription: the configuration now and after, when it takes
//! effect, and the engine's figures for the order it places (or, for a downgrade, the next term).

use askama::Template;
use askama_web::WebTemplate;
use time::Date;

use crate::catalog::Catalog;
use crate::pricing::{format_money, Configuration};
use crate::subscriptions::Charge;
use crate::subscriptions::{ChangePlan, ChangeReview, SubscriptionView};
use crate::web::config_form::ConfigInput;
use crate::web::extractors::Chrome;
use crate::web::state::AppState;

/// Fields the review adds to the form; the edit step drops them again.
pub(super) const REVIEW_FIELDS: [&str; 3] = ["idempotency_key", "revision", "amount_minor"];

/// One row of "now / after the change".
pub struct Row {
    label: String,
    now: String,
    after: String,
}

pub struct ChargeView {
    old_full_term: String,
    new_full_term: String,
    difference: String,
    days_left: i64,
    days_in_term: i64,
    amount: String,
    order_line: String,
}

pub struct RenewalView {
    from: String,
    price: String,
    /// Zero in the currency: what a downgrade costs now.
    nothing: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "customer/subscription_change_review.html")]
pub struct ReviewPage {
    chrome: Chrome,
    sub: SubscriptionView,
    /// "Workplace SaaS: Standard → Pro".
    headline: String,
    rows: Vec<Row>,
    takes_effect: String,
    charge: Option<ChargeView>,
    /// A downgrade: what the next term will cost.
    renewal: Option<RenewalView>,
    replaces_scheduled: bool,
    placeholder: bool,
    hidden: Vec<(String, String)>,
}

/// Dates as the other pages show them.
pub(super) fn day(date: Date) -> String {
    crate::format::day(date)
}

pub(super) fn plan_label(catalog: &Catalog, sub: &SubscriptionView, code: &str) -> String {
    match catalog.plan(code) {
        Some(p) => crate::labels::plan(&sub.product_name, &p.name),
        None => crate::labels::plan_of(catalog, code),
    }
}

fn addon_quantity(catalog: &Catalog, config: &Configuration, code: &str) -> String {
    config.addons.iter().find(|a| a.code == code).map_or_else(
        || "None".to_owned(),
        |a| crate::labels::addon_amount(catalog, a),
    )
}

/// The configuration now and after the change, row by row.
fn rows(
    catalog: &Catalog,
    sub: &SubscriptionView,
    now: &Configuration,
    after: &Configuration,
) -> Vec<Row> {
    let mut rows = vec![
        Row {
            label: "Plan".into(),
            now: plan_label(catalog, sub, &now.plan),
            after: plan_label(catalog, sub, &after.plan),
        },
        Row {
            label: "Extensions / users".into(),
            now: now.units.to_string(),
            after: after.units.to_string(),
        },
    ];
    let mut codes: Vec<&str> = now
        .addons
        .iter()
        .chain(&after.addons)
        .map(|a| a.code.as_str())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    for code in codes {
        rows.push(Row {
            label: catalog
                .addon(code)
                .map_or_else(|| crate::labels::humanize(code), |a| a.name.clone()),
            now: addon_quantity(catalog, now, code),
            after: addon_quantity(catalog, after, code),
        });
    }
    rows
}

fn charge_view(charge: &Charge) -> ChargeView {
    let currency = &charge.order.currency;
    ChargeView {
        old_full_term: format_money(charge.old_full_term_minor, currency),
        new_full_term: format_money(charge.new_full_term_minor, currency),
        difference: format_money(
            charge.new_full_term_minor - charge.old_full_term_minor,
            currency,
        ),
        days_left: charge.days_left,
        days_in_term: charge.days_in_term,
        amount: format_money(charge.order.total_minor, currency),
        order_line: charge
            .order
            .lines
            .first()
            .map(|l| l.description.clone())
            .unwrap_or_default(),
    }
}

pub(super) fn review_page(
    chrome: Chrome,
    state: &AppState,
    sub: SubscriptionView,
    review: ChangeReview,
    mut input: ConfigInput,
) -> ReviewPage {
    let catalog = &state.catalog;
    let (after, takes_effect, charge, renewal, placeholder, amount) = match &review.plan {
        ChangePlan::Charge(charge) => (
            charge.new.clone(),
            format!(
                "Takes effect now, {}",
                crate::format::date_in(state.clock.now(), &chrome.zone)
            ),
            Some(charge_view(charge)),
            None,
            charge.order.placeholder,
            charge.order.total_minor,
        ),
        ChangePlan::Downgrade {
            target,
            on,
            renewal,
        } => (
            target.clone(),
            format!("Takes effect at the end of the term, {}", day(*on)),
            None,
            Some(RenewalView {
                from: day(*on),
                price: format_money(renewal.total_minor, &renewal.currency),
                nothing: format_money(0, &renewal.currency),
            }),
            renewal.placeholder,
            0,
        ),
        ChangePlan::Nothing => (review.current.clone(), String::new(), None, None, false, 0),
    };
    // What the confirmation must find unchanged, and its key against double submits.
    let key = uuid::Uuid::new_v4().to_string();
    for (field, value) in
        REVIEW_FIELDS
            .into_iter()
            .zip([key, review.revision.clone(), amount.to_string()])
    {
        input.other.insert(field.into(), value);
    }
    ReviewPage {
        chrome: chrome.with_price_note(placeholder),
        headline: headline(catalog, &sub, &review.current, &after),
        rows: rows(catalog, &sub, &review.current, &after),
        sub,
        takes_effect,
        charge,
        renewal,
        replaces_scheduled: review.replaces_scheduled
            && matches!(review.plan, ChangePlan::Charge(_)),
        placeholder,
        hidden: input.hidden_fields(),
    }
}

/// "Workplace SaaS: Standard → Pro", or the one plan ("Workplace SaaS Pro") when only
/// capacity changes.
fn headline(
    catalog: &Catalog,
    sub: &SubscriptionView,
    now: &Configuration,
    after: &Configuration,
) -> String {
    let name = |code: &str| {
        catalog
            .plan(code)
            .map_or_else(|| crate::labels::humanize(code), |p| p.name.clone())
    };
    if after.plan == now.plan {
        plan_label(catalog, sub, &after.plan)
    } else {
        format!(
            "{}: {} → {}",
            sub.product_name,
            name(&now.plan),
            name(&after.plan)
        )
    }
}
