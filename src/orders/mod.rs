//! Orders: a partner buys licences, priced by the one pricing engine. Placing an order writes
//! the order, its lines, one licence per purchased unit and (optionally) their association to
//! an activated customer, all in one transaction. Payment is by invoice.

pub mod billing;
pub mod list;
pub mod model;
mod record;
pub mod store;

use rand::Rng;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::model::Account;
use crate::accounts::tenancy;
use crate::audit::Action;
use crate::audit::{self, Entry};
use crate::catalog::{Catalog, Plan};
use crate::ids::{AccountId, OrderId};
use crate::pricing::{self, Configuration, PricingError, Quote};
pub use model::{OrderKind, OrderStatus, OrderSummary, Parties, PlacedOrder, StoredLine};
pub use record::{record, OrderRecord, Recorded};

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
    pub order_id: OrderId,
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
    if let Some(existing) = already_placed(pool, &new).await? {
        return Ok(existing);
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
        if !tenancy::lock_active_customer_of(&mut tx, new.partner.organization(), customer).await? {
            return Err(PlaceError::CustomerNotEligible);
        }
    }
    let order = OrderRecord {
        parties: Parties {
            partner: new.partner.organization(),
            placed_by: new.partner.id,
            customer: new.customer,
        },
        kind: OrderKind::Purchase,
        quote: &total,
        licenses: new.licenses,
        units: new.config.units,
        idempotency_key: new.idempotency_key,
        subscription: None,
        issues: Some(plan),
        now,
    };
    let recorded = match record(&mut tx, &order).await {
        Ok(recorded) => recorded,
        // A concurrent submission of the same confirmation won the race: show its order.
        Err(err) if crate::db::on_constraint(&err, IDEMPOTENCY_CONSTRAINT) => {
            drop(tx);
            return already_placed(pool, &new).await?.ok_or_else(|| {
                anyhow::anyhow!("the order that won the race is not visible").into()
            });
        }
        Err(err) => return Err(err.into()),
    };
    audit_purchase(&mut tx, &new, plan, &order, &recorded).await?;
    tx.commit().await?;
    Ok(Placed {
        order_id: recorded.id,
        number: recorded.number,
        duplicate: false,
    })
}

/// The order this partner already placed with the confirmation's key, as a repeat.
async fn already_placed(pool: &PgPool, new: &NewOrder<'_>) -> Result<Option<Placed>, PlaceError> {
    let existing =
        store::find_by_idempotency_key(pool, new.partner.organization(), new.idempotency_key)
            .await?;
    Ok(existing.map(|(order_id, number)| Placed {
        order_id,
        number,
        duplicate: true,
    }))
}

/// The purchase's audit entries: each licence associated with the customer, then the order.
async fn audit_purchase(
    conn: &mut PgConnection,
    new: &NewOrder<'_>,
    plan: &Plan,
    order: &OrderRecord<'_>,
    recorded: &Recorded,
) -> sqlx::Result<()> {
    let tenant = Some(new.partner.organization());
    if let Some(customer) = new.customer {
        for license_id in &recorded.licenses {
            audit::record(
                &mut *conn,
                Entry {
                    actor: Some(new.partner.id),
                    action: Action::LicenseAssociated,
                    target: Some(customer),
                    partner: tenant,
                    client_ip: Some(new.client_ip),
                    details: json!({ "license_id": license_id, "order": recorded.number }),
                },
                order.now,
            )
            .await?;
        }
    }
    let total = order.quote;
    audit::record(conn, Entry {
        actor: Some(new.partner.id), action: Action::OrderPlaced, target: new.customer, partner: tenant,
        client_ip: Some(new.client_ip),
        details: json!({ "order": recorded.number, "plan": plan.code, "licenses": new.licenses, "total_minor": total.total_minor, "currency": total.currency }),
    }, order.now).await
}
