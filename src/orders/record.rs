//! The one order write: an order, its lines and the licences it issues, inside the caller's
//! transaction. A partner's purchase, a customer's subscription or change and a renewal all
//! record their order here; each caller audits it in its own words.

use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use super::model::{OrderKind, Parties};
use super::store;
use crate::catalog::Plan;
use crate::ids::{LicenseId, OrderId, SubscriptionId};
use crate::licenses;
use crate::pricing::Quote;

/// What an order records.
pub struct OrderRecord<'a> {
    pub parties: Parties,
    pub kind: OrderKind,
    /// What is charged: the engine's quote (its plan, term, dates, lines and totals).
    pub quote: &'a Quote,
    pub licenses: u32,
    pub units: u32,
    pub idempotency_key: Uuid,
    pub subscription: Option<SubscriptionId>,
    /// The plan of the licences the order issues, one per licence; `None` when it issues
    /// none (a customer's subscription is its own entitlement).
    pub issues: Option<&'a Plan>,
    pub now: OffsetDateTime,
}

/// The order as written.
pub struct Recorded {
    pub id: OrderId,
    /// From a sequence, e.g. YP-001001.
    pub number: String,
    /// The licences issued, in order.
    pub licenses: Vec<LicenseId>,
}

/// Writes the order, its lines and its licences. A second use of the caller's idempotency key
/// fails on [`super::IDEMPOTENCY_CONSTRAINT`] before anything is written.
pub async fn record(conn: &mut PgConnection, order: &OrderRecord<'_>) -> sqlx::Result<Recorded> {
    let id = OrderId::new();
    let number = store::insert_order(conn, id, order).await?;
    store::insert_lines(conn, id, order.quote).await?;
    let mut licenses = Vec::new();
    if let Some(plan) = order.issues {
        for _ in 0..order.licenses {
            let license = LicenseId::new();
            let key = super::new_license_key();
            let new = licenses::NewLicense {
                id: license,
                key: &key,
                partner: order.parties.partner,
                order: id,
                order_number: &number,
                product_type: &plan.product_type,
                plan_code: &plan.code,
                capacity: order.units as i32,
                starts_on: order.quote.start,
                ends_on: order.quote.end,
                customer: order.parties.customer,
                now: order.now,
            };
            licenses::insert(conn, new).await?;
            licenses.push(license);
        }
    }
    Ok(Recorded {
        id,
        number,
        licenses,
    })
}
