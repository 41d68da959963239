//! Applying for partnership: a customer applies (one open application at a time) and may
//! withdraw; the account manager of the customer's partner approves or rejects with a reason;
//! the applicant is emailed at each decision. Approval gives the account Partner Portal access,
//! assigned to that manager; it keeps its own products as a customer.

mod model;
mod store;

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

pub use model::{
    Application, ApplicationError, ApplicationStatus, DecidedRow, NewApplication, QueueRow,
    APPLICANT_REMOVED, BUSINESS_TYPES, VOLUMES,
};
pub use store::{decided, latest, queue};

use crate::accounts::model::{Account, AccountStatus};
use crate::accounts::tenancy;
use crate::audit::Action;
use crate::audit::{self, Entry};
use crate::auth::sessions;
use crate::ids::{AccountId, ApplicationId};
use crate::mail::messages::Notice;
use crate::mail::outbox;

fn entry<'a>(
    actor: AccountId,
    action: Action,
    customer: &Account,
    ip: &'a str,
    details: serde_json::Value,
) -> Entry<'a> {
    Entry {
        actor: Some(actor),
        action,
        target: Some(customer.id),
        partner: customer.partner_id,
        client_ip: Some(ip),
        details,
    }
}

pub async fn apply(
    pool: &PgPool,
    customer: &Account,
    new: NewApplication,
    ip: &str,
    now: OffsetDateTime,
) -> Result<ApplicationId, ApplicationError> {
    let id = ApplicationId::new();
    let mut tx = pool.begin().await?;
    match store::insert(&mut tx, id, customer.id, &new, now).await {
        Err(err) if crate::db::on_constraint(&err, "partnership_applications_one_open") => {
            return Err(ApplicationError::AlreadyOpen)
        }
        other => other?,
    };
    audit::record(
        &mut tx,
        entry(
            customer.id,
            Action::PartnershipApplied,
            customer,
            ip,
            json!({ "application": id, "company": new.company }),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn withdraw(
    pool: &PgPool,
    customer: &Account,
    ip: &str,
    now: OffsetDateTime,
) -> Result<(), ApplicationError> {
    let mut tx = pool.begin().await?;
    if !store::withdraw_pending(&mut tx, customer.id, now).await? {
        return Err(ApplicationError::NotPending);
    }
    audit::record(
        &mut tx,
        entry(
            customer.id,
            Action::PartnershipWithdrawn,
            customer,
            ip,
            json!({}),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Approves or rejects an application of a customer under `manager`, and emails the applicant.
pub async fn decide(
    pool: &PgPool,
    manager: &Account,
    id: ApplicationId,
    approve: bool,
    reason: &str,
    ip: &str,
    now: OffsetDateTime,
) -> Result<(), ApplicationError> {
    let mut tx = pool.begin().await?;
    let (customer_id, status) = store::lock_for_manager(&mut tx, manager.id, id)
        .await?
        .ok_or(ApplicationError::NotFound)?;
    if status != ApplicationStatus::Pending {
        return Err(ApplicationError::NotPending);
    }
    let customer: Account = tenancy::load(&mut tx, customer_id).await?;
    // A removed account gains nothing (the transaction rolls back untouched).
    if approve && customer.status == AccountStatus::Removed {
        return Err(ApplicationError::ApplicantRemoved);
    }
    let (status, action) = if approve {
        (ApplicationStatus::Approved, Action::PartnershipApproved)
    } else {
        (ApplicationStatus::Rejected, Action::PartnershipRejected)
    };
    store::record_decision(&mut tx, id, status, manager.id, reason, now).await?;
    if approve {
        tenancy::grant_partner_access(&mut tx, customer.id, manager.id, now).await?;
        // New privileges, new sessions: every session of the applicant ends, so they sign in
        // again and the Partner Portal opens in a session created after the change.
        sessions::end_all_but(&mut tx, customer.id, None).await?;
    }
    let details = json!({ "application": id, "reason": reason });
    let audited = entry(manager.id, action, &customer, ip, details);
    audit::record(&mut tx, audited, now).await?;
    email_decision(&mut tx, manager, &customer, approve, reason, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Queues the applicant's email about the decision, in the deciding transaction.
async fn email_decision(
    conn: &mut PgConnection,
    manager: &Account,
    customer: &Account,
    approve: bool,
    reason: &str,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let body = if approve {
        format!("Your application to become a Yeastar partner was approved. You can now use the Partner Portal; your account manager is {} ({}).", manager.full_name(), manager.email)
    } else {
        format!("Your application to become a Yeastar partner was not approved: {reason}")
    };
    let name = customer.full_name();
    let email = Notice {
        account_id: customer.id,
        recipient: &customer.email,
        recipient_name: name.trim(),
        subject: "Your Yeastar partnership application",
        body: &body,
        link: "",
        kind: "partnership_decision",
    }
    .render()?;
    outbox::enqueue(conn, &email, now).await?;
    Ok(())
}
