//! The product catalog of Products & Purchase: product types, their plans, the add-ons each
//! plan allows and the discounts of annual terms.
//!
//! The catalog lives in the database, seeded by a migration, because orders and invoices must
//! be priced from data that an operator can audit and change without a release. It is a few
//! dozen rows and changes only with migrations, so it is loaded whole and handed to the pure
//! pricing engine (`crate::pricing::quote`); nothing here computes a price.

pub mod model;
pub mod store;

use anyhow::Context;
use sqlx::PgPool;

pub use model::{Addon, AddonPricing, Catalog, Plan, PlanAddon, ProductType, TermDiscount};

/// The whole catalog, read in one consistent snapshot.
pub async fn load(pool: &PgPool) -> anyhow::Result<Catalog> {
    store::load(pool).await.context("loading the catalog")
}
