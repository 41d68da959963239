//! The product catalog of Products & Purchase: product types, their plans, the add-ons each
//! plan allows and the discounts of annual terms.
//!
//! The catalog lives in the database, seeded by a migration, because orders and invoices must
//! be priced from data that an operator can audit and change without a release. It is a few
//! dozen rows and changes only with migrations, so it is loaded whole and handed to the pure
//! pricing engine; nothing here computes a price. The catalog knows what its things are called:
//! a plan's name with its product, and a count of a product's unit.

pub mod model;
mod seed;
pub mod store;

use anyhow::Context;
use sqlx::PgPool;

pub use model::{Addon, AddonPricing, Catalog, Plan, PlanAddon, ProductType, TermDiscount};

/// A plan with its product: "Cloud PBX Enterprise Plan (EP)", "Workplace SaaS Standard". A
/// plan name alone ("Standard") does not say what was bought.
pub fn plan_name(product: &str, plan: &str) -> String {
    if product.is_empty() {
        plan.to_owned()
    } else {
        format!("{product} {plan}")
    }
}

/// A count of a catalog unit: "40 users", "1 extension", "3 × 100 minutes" (a unit that is
/// itself a quantity). Not "40 × user".
pub fn count(unit: &str, quantity: impl std::fmt::Display) -> String {
    let quantity = quantity.to_string();
    if unit.starts_with(|c: char| c.is_ascii_digit()) {
        format!("{quantity} × {unit}")
    } else if quantity == "1" {
        format!("1 {unit}")
    } else {
        format!("{quantity} {unit}s")
    }
}

/// The whole catalog, read in one consistent snapshot.
pub async fn load(pool: &PgPool) -> anyhow::Result<Catalog> {
    store::load(pool).await.context("loading the catalog")
}
