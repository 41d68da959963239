//! Applying for partnership: a customer applies (one open application at a time) and may
//! withdraw; the account manager of the customer's partner approves or rejects with a reason;
//! the applicant is emailed at each decision. Approval gives the account Partner Portal access,
//! assigned to that manager; it keeps its own products as a customer.

use serde_json::json;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::model::{Account, AccountId, AccountStatus};
use crate::accounts::tenancy;
use crate::audit::{self, Action, Entry};
use crate::auth::sessions;
use crate::mail::messages::Notice;
use crate::mail::outbox;
use crate::paging::Cursor;

pub const BUSINESS_TYPES: &[&str] = &[
    "Reseller",
    "System integrator",
    "Distributor",
    "Managed service provider",
    "Telecom operator",
];
pub const VOLUMES: &[&str] = &[
    "Under 50 extensions",
    "50 to 500 extensions",
    "500 to 5,000 extensions",
    "Over 5,000 extensions",
];

/// Where an application stands (`application_status`). Rows keep the code as text; pages
/// read it through [`ApplicationStatus::from_code`] and its label in `crate::labels`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "application_status", rename_all = "snake_case")]
pub enum ApplicationStatus {
    Pending,
    Approved,
    Rejected,
    Withdrawn,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 4] = [
        Self::Pending,
        Self::Approved,
        Self::Rejected,
        Self::Withdrawn,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Application {
    pub id: Uuid,
    pub customer_id: AccountId,
    pub company: String,
    pub website: String,
    pub country: String,
    pub business_type: String,
    pub yearly_volume: String,
    pub message: String,
    pub status: String,
    pub created_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
    pub decision_reason: Option<String>,
}

impl Application {
    /// The country's English name ("Germany" for "DE"); the stored value if it is no code.
    pub fn country_name(&self) -> &str {
        crate::countries::name_of(&self.country).unwrap_or(&self.country)
    }
}

const COLUMNS: &str =
    "a.id, a.customer_id, a.company, a.website, a.country, a.business_type, a.yearly_volume, \
     a.message, a.status::text as status, a.created_at, a.decided_at, a.decision_reason";

pub struct NewApplication {
    pub company: String,
    pub website: String,
    pub country: String,
    pub business_type: String,
    pub yearly_volume: String,
    pub message: String,
}

pub const APPLICANT_REMOVED: &str = "The applicant's account was removed, so it cannot be given Partner Portal access. Reject the application instead.";

#[derive(Debug, thiserror::Error)]
pub enum ApplicationError {
    #[error("You already have an open application. Withdraw it to apply again.")]
    AlreadyOpen,
    #[error("not found")]
    NotFound,
    #[error("This application was already decided or withdrawn.")]
    NotPending,
    #[error("{}", APPLICANT_REMOVED)]
    ApplicantRemoved,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for ApplicationError {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
    }
}

pub async fn latest(pool: &PgPool, customer: AccountId) -> sqlx::Result<Option<Application>> {
    sqlx::query_as(&format!("select {COLUMNS} from partnership_applications a where a.customer_id = $1 order by a.created_at desc limit 1"))
        .bind(customer)
        .fetch_optional(pool)
        .await
}

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
) -> Result<Uuid, ApplicationError> {
    let id = Uuid::now_v7();
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "insert into partnership_applications (id, customer_id, company, website, country, business_type, \
         yearly_volume, message, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id).bind(customer.id).bind(&new.company).bind(&new.website).bind(&new.country)
    .bind(&new.business_type).bind(&new.yearly_volume).bind(&new.message).bind(now)
    .execute(&mut *tx)
    .await;
    match inserted {
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
    let done = sqlx::query("update partnership_applications set status = 'withdrawn', decided_at = $2 where customer_id = $1 and status = 'pending'")
        .bind(customer.id).bind(now).execute(&mut *tx).await?;
    if done.rows_affected() != 1 {
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

/// A pending application with who applied, for the manager's queue.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueueRow {
    #[sqlx(flatten)]
    pub application: Application,
    pub applicant_email: String,
    pub applicant_name: String,
    pub partner_company: String,
}

/// Pending applications from customers of the manager's partners (or of one of them).
pub async fn queue(
    pool: &PgPool,
    manager: AccountId,
    partner: Option<AccountId>,
) -> sqlx::Result<Vec<QueueRow>> {
    sqlx::query_as(&format!(
        "select {COLUMNS}, c.email as applicant_email, c.first_name || ' ' || c.last_name as applicant_name, \
           p.company as partner_company \
         from partnership_applications a join accounts c on c.id = a.customer_id join accounts p on p.id = c.partner_id \
         where a.status = 'pending' and p.manager_id = $1 and ($2::uuid is null or p.id = $2) \
         order by a.created_at limit 200"
    ))
    .bind(manager)
    .bind(partner)
    .fetch_all(pool)
    .await
}

/// An approved or rejected application, with who decided.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DecidedRow {
    #[sqlx(flatten)]
    pub application: Application,
    pub applicant_email: String,
    pub applicant_name: String,
    pub partner_company: String,
    pub decided_by: Option<String>,
}

/// Decisions on applications of the manager's partners' customers, newest first, one page
/// after `after` (`(decided_at, id)` keyset). Withdrawals are the applicant's, not decisions.
pub async fn decided(
    pool: &PgPool,
    manager: AccountId,
    after: Option<Cursor>,
    limit: i64,
) -> sqlx::Result<Vec<DecidedRow>> {
    sqlx::query_as(&format!(
        "select {COLUMNS}, c.email as applicant_email, c.first_name || ' ' || c.last_name as applicant_name, \
           p.company as partner_company, d.first_name || ' ' || d.last_name as decided_by \
         from partnership_applications a join accounts c on c.id = a.customer_id \
           join accounts p on p.id = c.partner_id left join accounts d on d.id = a.decided_by \
         where p.manager_id = $1 and a.status in ('approved', 'rejected') \
           and ($2::timestamptz is null or (a.decided_at, a.id) < ($2, $3)) \
         order by a.decided_at desc, a.id desc limit $4"
    ))
    .bind(manager)
    .bind(after.map(|c| c.at))
    .bind(after.map(|c| c.id))
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Approves or rejects an application of a customer under `manager`, and emails the applicant.
pub async fn decide(
    pool: &PgPool,
    manager: &Account,
    id: Uuid,
    approve: bool,
    reason: &str,
    ip: &str,
    now: OffsetDateTime,
) -> Result<(), ApplicationError> {
    let mut tx = pool.begin().await?;
    let found: Option<(Uuid, String)> = sqlx::query_as(
        "select a.customer_id, a.status::text from partnership_applications a join accounts c on c.id = a.customer_id \
         join accounts p on p.id = c.partner_id where a.id = $1 and p.manager_id = $2 for update of a",
    )
    .bind(id).bind(manager.id).fetch_optional(&mut *tx).await?;
    let (customer_id, status) = found.ok_or(ApplicationError::NotFound)?;
    if status != "pending" {
        return Err(ApplicationError::NotPending);
    }
    let customer: Account = tenancy::load(&mut tx, AccountId(customer_id)).await?;
    // A removed account gains nothing (the transaction rolls back untouched).
    if approve && customer.status == AccountStatus::Removed {
        return Err(ApplicationError::ApplicantRemoved);
    }
    sqlx::query("update partnership_applications set status = $2::application_status, decided_by = $3, decided_at = $4, decision_reason = nullif($5, '') where id = $1")
        .bind(id).bind(if approve { "approved" } else { "rejected" }).bind(manager.id).bind(now).bind(reason)
        .execute(&mut *tx).await?;
    if approve {
        tenancy::grant_partner_access(&mut tx, customer.id, manager.id, now).await?;
        // New privileges, new sessions: every session of the applicant ends, so they sign in
        // again and the Partner Portal opens in a session created after the change.
        sessions::end_all_but(&mut tx, customer.id, None).await?;
    }
    let action = if approve {
        Action::PartnershipApproved
    } else {
        Action::PartnershipRejected
    };
    audit::record(
        &mut tx,
        entry(
            manager.id,
            action,
            &customer,
            ip,
            json!({ "application": id, "reason": reason }),
        ),
        now,
    )
    .await?;
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
    outbox::enqueue(&mut tx, &email, now).await?;
    tx.commit().await?;
    Ok(())
}
