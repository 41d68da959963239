//! A partner editing the account information of one of its customers: the same fields as when
//! the customer was added, the Yeastar ID (email) fixed. Scoped to the partner in SQL, written
//! and audited (every changed field with its old and new value) in one transaction.

use serde_json::{json, Map, Value};
use sqlx::PgPool;
use time::OffsetDateTime;

use super::model::{Account, AccountId, AccountInfo};
use super::store::ACCOUNT_COLUMNS;
use crate::audit::{self, Action};

/// What a saved edit changed: (field, old value, new value) for each field that differs.
pub type Changes = Vec<(&'static str, String, String)>;

fn changes(before: &Account, after: &AccountInfo) -> Changes {
    let country = |c: &Option<String>| c.clone().unwrap_or_default();
    [
        (
            "first_name",
            before.first_name.clone(),
            after.first_name.clone(),
        ),
        (
            "last_name",
            before.last_name.clone(),
            after.last_name.clone(),
        ),
        ("company", before.company.clone(), after.company.clone()),
        ("phone", before.phone.clone(), after.phone.clone()),
        ("country", country(&before.country), country(&after.country)),
        ("address", before.address.clone(), after.address.clone()),
        ("city", before.city.clone(), after.city.clone()),
        ("state", before.state.clone(), after.state.clone()),
        ("postcode", before.postcode.clone(), after.postcode.clone()),
    ]
    .into_iter()
    .filter(|(_, old, new)| old != new)
    .collect()
}

/// Saves `info` for the partner's customer `customer_id`. `None` when the customer is not this
/// partner's (or was removed): the caller answers 404, and nothing is written. An edit that
/// changes nothing writes nothing and records nothing.
pub async fn update_customer_info(
    pool: &PgPool,
    partner: &Account,
    customer_id: AccountId,
    info: &AccountInfo,
    client_ip: &str,
    now: OffsetDateTime,
) -> sqlx::Result<Option<Changes>> {
    let mut tx = pool.begin().await?;
    // Locked, so two edits at once each see (and audit) the other's values as "old".
    let before: Option<Account> = sqlx::query_as(&format!(
        "select {ACCOUNT_COLUMNS} from accounts where id = $1 and partner_id = $2 \
         and role = 'customer' and status <> 'removed' for update"
    ))
    .bind(customer_id)
    .bind(partner.id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(before) = before else {
        return Ok(None);
    };
    let changed = changes(&before, info);
    if changed.is_empty() {
        return Ok(Some(changed));
    }
    // The row was found and locked as this partner's customer above, so the shared update by
    // id writes only that row.
    super::store::update_info(&mut tx, customer_id, info, now).await?;
    let details: Map<String, Value> = changed
        .iter()
        .map(|(field, old, new)| (field.to_string(), json!({ "from": old, "to": new })))
        .collect();
    let entry = audit::Entry {
        actor: Some(partner.id),
        action: Action::CustomerUpdated,
        target: Some(customer_id),
        partner: Some(partner.id),
        client_ip: Some(client_ip),
        details: json!({ "changes": details }),
    };
    audit::record(&mut tx, entry, now).await?;
    tx.commit().await?;
    Ok(Some(changed))
}
