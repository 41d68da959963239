//! Purchased licences: the partner's lists per product type, and associating a licence with
//! one of the partner's activated customers (Products & Purchase → More → Associate a User).
//! Every query takes the partner id and filters on it.

pub mod list;
mod model;
mod search;
mod store;

use serde_json::json;
use sqlx::PgPool;
use time::OffsetDateTime;

pub use model::{AssociateError, LicenseRow, LicenseStatus, TypeCount};
/// The columns of a licence as its lists read them (`benches/sql/` is checked against it).
#[cfg(test)]
pub(crate) use store::ROW as LIST_ROW;
pub use store::{
    counts_by_type, customer_list_json, find, insert, list_for_customer, list_for_partner_customer,
    NewLicense,
};

use crate::accounts::model::{Account, AccountStatus};
use crate::accounts::tenancy::{self, Lock};
use crate::audit::Action;
use crate::audit::{self, Entry};
use crate::ids::{AccountId, LicenseId};

/// Associates a licence of `partner` with one of its activated customers (or, with `None`,
/// dissociates it), audited, in one transaction.
pub async fn set_customer(
    pool: &PgPool,
    partner: &Account,
    license_id: LicenseId,
    customer: Option<AccountId>,
    client_ip: &str,
    now: OffsetDateTime,
) -> Result<(), AssociateError> {
    let mut tx = pool.begin().await?;
    let previous = store::lock_customer(&mut tx, partner.organization(), license_id)
        .await?
        .ok_or(AssociateError::NotFound)?;
    if let Some(customer) = customer {
        // Checked here, not only in the form: a hand-made request naming a pending, removed or
        // another partner's customer changes nothing.
        let found =
            tenancy::lock_customer_of(&mut tx, partner.organization(), customer, Lock::Share)
                .await?;
        match found.map(|c| c.status) {
            None => return Err(AssociateError::CustomerNotFound),
            Some(AccountStatus::Active) => {}
            Some(_) => return Err(AssociateError::CustomerNotEligible),
        }
    }
    store::update_customer(&mut tx, license_id, customer, now).await?;
    let (action, target) = match customer {
        Some(customer) => (Action::LicenseAssociated, Some(customer)),
        None => (Action::LicenseDissociated, previous),
    };
    audit::record(
        &mut tx,
        Entry {
            actor: Some(partner.id),
            action,
            target,
            partner: Some(partner.organization()),
            client_ip: Some(client_ip),
            details: json!({ "license_id": license_id, "previous_customer": previous }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The partner's activated customers a licence can be associated with, optionally searched.
pub async fn eligible_customers(
    pool: &PgPool,
    partner_id: AccountId,
    search: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<tenancy::CustomerChoice>> {
    tenancy::active_customers_of(pool, partner_id, search, limit).await
}
