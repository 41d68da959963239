//! SQL for the catalog. It is not tenant data (every partner and customer sees the same
//! catalog), so nothing here is scoped by a partner id.

use sqlx::PgPool;

use super::model::{Addon, Catalog, Plan, PlanAddon, ProductType, TermDiscount};

/// `product_types.trial_days` is a nullable integer; the model keeps it unsigned.
#[derive(sqlx::FromRow)]
struct ProductTypeRow {
    code: String,
    name: String,
    description: String,
    trial_days: Option<i32>,
    unit_singular: String,
    unit_plural: String,
}

impl TryFrom<ProductTypeRow> for ProductType {
    type Error = sqlx::Error;

    fn try_from(row: ProductTypeRow) -> Result<Self, Self::Error> {
        let trial_days = row
            .trial_days
            .map(u32::try_from)
            .transpose()
            .map_err(|err| sqlx::Error::Decode(Box::new(err)))?;
        Ok(ProductType {
            code: row.code,
            name: row.name,
            description: row.description,
            trial_days,
            unit_singular: row.unit_singular,
            unit_plural: row.unit_plural,
        })
    }
}

/// Loads the whole catalog in display order. The queries share one read-only, repeatable-read
/// transaction, so a migration that changes prices between two of them cannot produce a
/// catalog that mixes old plans with new add-on prices.
pub async fn load(pool: &PgPool) -> sqlx::Result<Catalog> {
    let mut tx = pool.begin().await?;
    sqlx::query("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await?;

    let product_types: Vec<ProductTypeRow> = sqlx::query_as(
        "select code, name, description, trial_days, unit_singular, unit_plural \
         from product_types order by sort_order, code",
    )
    .fetch_all(&mut *tx)
    .await?;
    let product_types = product_types
        .into_iter()
        .map(ProductType::try_from)
        .collect::<Result<_, _>>()?;

    let plans: Vec<Plan> = sqlx::query_as(
        "select p.code, p.product_type, p.name, p.description, p.tier, p.unit_price_minor, \
           p.currency, p.min_units, p.max_units, p.included_recording_minutes, p.placeholder \
         from plans p join product_types t on t.code = p.product_type \
         order by t.sort_order, p.tier, p.code",
    )
    .fetch_all(&mut *tx)
    .await?;

    let addons: Vec<Addon> = sqlx::query_as(
        "select code, name, description, pricing, unit_label, price_minor, currency, \
           adds_units, placeholder \
         from addons order by sort_order, code",
    )
    .fetch_all(&mut *tx)
    .await?;

    let plan_addons: Vec<PlanAddon> = sqlx::query_as(
        "select pa.plan_code, pa.addon_code, pa.max_quantity, pa.price_minor, pa.placeholder \
         from plan_addons pa \
         join plans p on p.code = pa.plan_code \
         join product_types t on t.code = p.product_type \
         join addons a on a.code = pa.addon_code \
         order by t.sort_order, p.tier, p.code, a.sort_order, a.code",
    )
    .fetch_all(&mut *tx)
    .await?;

    let term_discounts: Vec<TermDiscount> =
        sqlx::query_as("select years, percent_off, placeholder from term_discounts order by years")
            .fetch_all(&mut *tx)
            .await?;

    tx.commit().await?;
    Ok(Catalog {
        product_types,
        plans,
        addons,
        plan_addons,
        term_discounts,
    })
}
