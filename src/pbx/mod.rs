//! Central Management of Cloud PBX instances: what each PBX reports through its heartbeat,
//! online/offline from the last heartbeat, commands queued for it (delivered with the next
//! heartbeat, once), and actions by the customer or the customer's partner, each an event and
//! an audit entry.

pub mod heartbeat;
mod model;
mod store;

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

pub use model::{
    Action, Event, EventKind, InstanceView, PbxState, PbxStatus, Viewer, OFFLINE_AFTER,
};
pub use store::{
    customer_list_json, events, find, insert_event as record_event, provision_for_subscription,
    suspend_for_subscription,
};

use crate::accounts::model::Account;
use crate::audit::{self, Entry};
use crate::ids::{AccountId, PbxId};
use crate::tokens::{hash_token, new_token};

/// The viewer's instances, newest first.
pub async fn list(pool: &PgPool, viewer: Viewer) -> sqlx::Result<Vec<InstanceView>> {
    store::list(pool, viewer, None, 500).await
}

/// The Cloud PBXs of one of the partner's customers, newest first, at most `limit`.
pub async fn list_for_partner_customer(
    pool: &PgPool,
    partner_id: AccountId,
    customer_id: AccountId,
    limit: i64,
) -> sqlx::Result<Vec<InstanceView>> {
    store::list(pool, Viewer::Partner(partner_id), Some(customer_id), limit).await
}

/// Writes what `action` changes; returns its event, the event's details and, for `NewToken`,
/// the new token.
async fn apply(
    conn: &mut PgConnection,
    actor: &Account,
    view: &InstanceView,
    action: Action,
    now: OffsetDateTime,
) -> sqlx::Result<(EventKind, audit::Action, serde_json::Value, Option<String>)> {
    let instance = view.id;
    Ok(match action {
        Action::Rename(name) => {
            store::update_name(conn, instance, &name, now).await?;
            let details = json!({ "from": view.name, "to": name });
            (EventKind::Renamed, audit::Action::PbxRenamed, details, None)
        }
        Action::AlarmEmail(email) => {
            store::update_alarm_email(conn, instance, email.as_deref(), now).await?;
            let details = json!({ "email": email });
            (
                EventKind::AlarmContactChanged,
                audit::Action::PbxAlarmContactChanged,
                details,
                None,
            )
        }
        Action::Restart => {
            store::insert_restart(conn, instance, actor.id, now).await?;
            (
                EventKind::RestartQueued,
                audit::Action::PbxRestartQueued,
                json!({}),
                None,
            )
        }
        Action::NewToken => {
            let (plain, hash) = new_token();
            store::update_token_hash(conn, instance, hash, now).await?;
            (
                EventKind::TokenIssued,
                audit::Action::PbxTokenIssued,
                json!({}),
                Some(plain),
            )
        }
    })
}

/// Carries out `action` on an instance the actor may manage; returns the new token for
/// `NewToken`. None when the instance is not the actor's.
pub async fn act(
    pool: &PgPool,
    actor: &Account,
    viewer: Viewer,
    instance: PbxId,
    action: Action,
    client_ip: &str,
    now: OffsetDateTime,
) -> anyhow::Result<Option<Option<String>>> {
    let Some(view) = find(pool, viewer, instance).await? else {
        return Ok(None);
    };
    let mut tx = pool.begin().await?;
    let (kind, audited, details, token) = apply(&mut tx, actor, &view, action, now).await?;
    let event = json!({ "by": actor.email, "details": details });
    record_event(&mut tx, instance, kind, event, now).await?;
    let partner = match viewer {
        Viewer::Customer(_) => actor.partner_id,
        Viewer::Partner(id) => Some(id),
    };
    audit::record(
        &mut tx,
        Entry {
            actor: Some(actor.id),
            action: audited,
            target: Some(view.customer_id),
            partner,
            client_ip: Some(client_ip),
            details: json!({ "instance": instance, "details": details }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Some(token))
}

/// Finds the instance a bearer token belongs to.
pub fn token_hash(token: &str) -> Vec<u8> {
    hash_token(token)
}
