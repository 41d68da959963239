//! Editing account information: a partner editing one of its customers', or a person their own.
//! The same fields as when the account was added, the Yeastar ID (email) fixed. A partner's edit
//! is scoped to the partner in SQL; either is written and audited (every changed field with its
//! old and new value) in one transaction.

use serde_json::{json, Map, Value};
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::model::{Account, AccountId, AccountInfo, AccountStatus};
use super::store;
use super::tenancy::{self, Lock};
use crate::audit;
use crate::audit::Action;
use crate::format::Zone;

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
    let found =
        tenancy::lock_customer_of(&mut tx, partner.organization(), customer_id, Lock::Update)
            .await?;
    let Some(before) = found.filter(|c| c.status != AccountStatus::Removed) else {
        return Ok(None);
    };
    // The row was found and locked as this partner's customer above, so the shared update by
    // id writes only that row.
    let changed = save_changes(&mut tx, partner.id, &before, info, client_ip, now).await?;
    tx.commit().await?;
    Ok(Some(changed))
}

/// A person saves their own account information and time zone (if sent): all or nothing,
/// audited as a partner's edit is (every changed field with its old and new value).
pub async fn update_own_info(
    pool: &PgPool,
    id: AccountId,
    info: &AccountInfo,
    zone: Option<&Zone>,
    client_ip: &str,
    now: OffsetDateTime,
) -> sqlx::Result<Changes> {
    let mut tx = pool.begin().await?;
    let before = store::lock(&mut tx, id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let changed = save_changes(&mut tx, id, &before, info, client_ip, now).await?;
    if let Some(zone) = zone {
        store::update_time_zone(&mut tx, id, zone.name(), now).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

/// Writes `info` over the locked account `before` and records who changed which field, inside
/// the caller's transaction; nothing when no field differs.
async fn save_changes(
    conn: &mut PgConnection,
    actor: AccountId,
    before: &Account,
    info: &AccountInfo,
    client_ip: &str,
    now: OffsetDateTime,
) -> sqlx::Result<Changes> {
    let changed = changes(before, info);
    if changed.is_empty() {
        return Ok(changed);
    }
    store::update_info(&mut *conn, before.id, info, now).await?;
    let details: Map<String, Value> = changed
        .iter()
        .map(|(field, old, new)| (field.to_string(), json!({ "from": old, "to": new })))
        .collect();
    let entry = audit::Entry {
        actor: Some(actor),
        action: Action::CustomerUpdated,
        target: Some(before.id),
        partner: before.tenant(),
        client_ip: Some(client_ip),
        details: json!({ "changes": details }),
    };
    audit::record(conn, entry, now).await?;
    Ok(changed)
}
