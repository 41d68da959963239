//! Orders: a partner buys licences, priced by the one pricing engine. Placing an order writes
//! the order, its lines, one licence per purchased unit and (optionally) their association to
//! an activated customer, all in one transaction. Payment is by invoice.

pub mod billing;
pub mod list;
pub mod store;

use rand::Rng;
use serde_json::json;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::model::{Account, AccountId};
use crate::accounts::tenancy;
use crate::audit::{self, Action, Entry};
use crate::catalog::Catalog;
use crate::pricing::{self, Configuration, PricingError, Quote};

pub const MAX_LICENSES_PER_ORDER: u32 = 100;

pub struct NewOrder<'a> {
    pub partner: &'a Account,
    pub customer: Option<AccountId>,
    pub config: Configuration,
    pub licenses: u32,
    pub idempotency_key: Uuid,
    pub client_ip: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum PlaceError {
    #[error(transparent)]
    Pricing(#[from] PricingError),
    #[error("Choose from 1 to {MAX_LICENSES_PER_ORDER} licences.")]
    LicenseCount,
    #[error(
        "Products can be associated only with your customers who have activated their accounts."
    )]
    CustomerNotEligible,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for PlaceError {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
    }
}

pub struct Placed {
    pub order_id: Uuid,
    pub number: String,
    /// The same confirmation was submitted before: this is that order, nothing new was made.
    pub duplicate: bool,
}

/// Prices `count` identical licences of `config` (what the review page shows and the order
/// charges).
pub fn price(catalog: &Catalog, config: &Configuration, count: u32) -> Result<Quote, PlaceError> {
    if count == 0 || count > MAX_LICENSES_PER_ORDER {
        return Err(PlaceError::LicenseCount);
    }
    let one = pricing::quote(catalog, config)?;
    Ok(pricing::times(&one, count)?)
}

/// A licence key like `YS-7K2M-9QX4-PL3D-8WZA`: 80 random bits in an unambiguous alphabet.
pub fn new_license_key() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut rng = rand::rngs::OsRng;
    let groups: Vec<String> = (0..4)
        .map(|_| {
            (0..4)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect()
        })
        .collect();
    format!("YS-{}", groups.join("-"))
}

/// The unique constraint on (placed_by, idempotency_key): the scope of a confirmation key.
pub const IDEMPOTENCY_CONSTRAINT: &str = "orders_idempotency_scope_key";

/// Places the order. Submitting the same `idempotency_key` again returns the first order.
pub async fn place(
    pool: &PgPool,
    catalog: &Catalog,
    new: NewOrder<'_>,
    now: OffsetDateTime,
) -> Result<Placed, PlaceError> {
    if let Some(existing) =
        store::find_by_idempotency_key(pool, new.partner.id, new.idempotency_key).await?
    {
        return Ok(Placed {
            order_id: existing.0,
            number: existing.1,
            duplicate: true,
        });
    }
    let total = price(catalog, &new.config, new.licenses)?;
    let plan = catalog
        .plan(&new.config.plan)
        .ok_or_else(|| PricingError::UnknownPlan {
            plan: new.config.plan.clone(),
        })?;
    let mut tx = pool.begin().await?;
    if let Some(customer) = new.customer {
        // Locked so the customer cannot be removed between this check and the commit.
        if !tenancy::lock_active_customer_of(&mut tx, new.partner.id, customer).await? {
            return Err(PlaceError::CustomerNotEligible);
        }
    }
    let order_id = Uuid::now_v7();
    let inserted = store::insert_order(
        &mut tx,
        store::OrderRow {
            id: order_id,
            partner_id: new.partner.id,
            placed_by: new.partner.id,
            customer_id: new.customer,
            plan_code: &plan.code,
            licenses: new.licenses,
            units: new.config.units,
            quote: &total,
            idempotency_key: new.idempotency_key,
            kind: "purchase",
            subscription_id: None,
            now,
        },
    )
    .await;
    let number = match inserted {
        Ok(number) => number,
        // A concurrent submission of the same confirmation won the race: show its order.
        Err(err) if crate::db::on_constraint(&err, IDEMPOTENCY_CONSTRAINT) => {
            drop(tx);
            let (order_id, number) =
                store::find_by_idempotency_key(pool, new.partner.id, new.idempotency_key)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("the order that won the race is not visible"))?;
            return Ok(Placed {
                order_id,
                number,
                duplicate: true,
            });
        }
        Err(err) => return Err(err.into()),
    };
    store::insert_lines(&mut tx, order_id, &total).await?;
    let tenant = Some(new.partner.id);
    for _ in 0..new.licenses {
        let license_id = Uuid::now_v7();
        store::insert_license(
            &mut tx,
            store::LicenseRow {
                id: license_id,
                key: &new_license_key(),
                partner_id: new.partner.id,
                order_id,
                product_type: &plan.product_type,
                plan_code: &plan.code,
                capacity: new.config.units,
                starts_on: total.start,
                ends_on: total.end,
                customer_id: new.customer,
                now,
            },
        )
        .await?;
        if let Some(customer) = new.customer {
            audit::record(
                &mut tx,
                Entry {
                    actor: Some(new.partner.id),
                    action: Action::LicenseAssociated,
                    target: Some(customer),
                    partner: tenant,
                    client_ip: Some(new.client_ip),
                    details: json!({ "license_id": license_id, "order": number }),
                },
                now,
            )
            .await?;
        }
    }
    audit::record(&mut tx, Entry {
        actor: Some(new.partner.id), action: Action::OrderPlaced, target: new.customer, partner: tenant,
        client_ip: Some(new.client_ip),
        details: json!({ "order": number, "plan": plan.code, "licenses": new.licenses, "total_minor": total.total_minor, "currency": total.currency }),
    }, now).await?;
    tx.commit().await?;
    Ok(Placed {
        order_id,
        number,
        duplicate: false,
    })
}
