//! Purchased licences: the partner's lists per product type, and associating a licence with
//! one of the partner's activated customers (Products & Purchase → More → Associate a User).
//! Every query takes the partner id and filters on it.

pub mod list;

use serde_json::json;
use sqlx::PgPool;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::accounts::model::{Account, AccountId, AccountStatus};
use crate::accounts::tenancy;
use crate::audit::{self, Action, Entry};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TypeCount {
    pub product_type: String,
    pub name: String,
    pub licenses: i64,
    pub associated: i64,
}

/// Every product type with how many licences the partner bought and how many are associated.
pub async fn counts_by_type(pool: &PgPool, partner_id: AccountId) -> sqlx::Result<Vec<TypeCount>> {
    sqlx::query_as(
        "select t.code as product_type, t.name, count(l.id) as licenses, count(l.customer_id) as associated \
         from product_types t left join licenses l on l.product_type = t.code and l.partner_id = $1 \
         group by t.code, t.name, t.sort_order order by t.sort_order",
    )
    .bind(partner_id)
    .fetch_all(pool)
    .await
}

/// Where a licence stands (`license_status`). Rows keep the code as text; pages read it
/// through [`LicenseStatus::from_code`] and its label in `crate::labels`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "license_status", rename_all = "snake_case")]
pub enum LicenseStatus {
    Active,
    Suspended,
    Expired,
}

impl LicenseStatus {
    pub const ALL: [LicenseStatus; 3] = [Self::Active, Self::Suspended, Self::Expired];

    pub fn code(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Expired => "expired",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LicenseRow {
    pub id: Uuid,
    pub key: String,
    pub product_type: String,
    pub plan_name: String,
    pub capacity: i32,
    pub status: String,
    pub starts_on: Date,
    pub ends_on: Date,
    pub created_at: OffsetDateTime,
    pub order_number: String,
    pub customer_id: Option<AccountId>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_status: Option<AccountStatus>,
}

impl LicenseRow {
    pub fn customer_removed(&self) -> bool {
        self.customer_status == Some(AccountStatus::Removed)
    }

    /// Past its last day a licence is expired, whatever its stored status says (nothing
    /// rewrites the status on that day), as the Expired filter of the list has it.
    pub fn is_expired(&self, today: &Date) -> bool {
        self.status == "expired" || self.ends_on < *today
    }

    /// Where the licence stands today; its words and badge come from `crate::labels`.
    pub fn state(&self, today: &Date) -> LicenseStatus {
        if self.is_expired(today) {
            LicenseStatus::Expired
        } else {
            LicenseStatus::from_code(&self.status).unwrap_or(LicenseStatus::Active)
        }
    }

    pub fn state_label(&self, today: &Date) -> &'static str {
        self.state(today).label()
    }

    pub fn state_badge(&self, today: &Date) -> &'static str {
        self.state(today).badge_class()
    }
}

const ROW: &str = "select l.id, l.key, l.product_type, pl.name as plan_name, l.capacity, l.status::text as status, \
     l.starts_on, l.ends_on, l.created_at, o.number as order_number, l.customer_id, \
     c.first_name || ' ' || c.last_name as customer_name, c.email as customer_email, c.status as customer_status \
     from licenses l join plans pl on pl.code = l.plan_code join orders o on o.id = l.order_id \
     left join accounts c on c.id = l.customer_id";

pub async fn find(
    pool: &PgPool,
    partner_id: AccountId,
    id: Uuid,
) -> sqlx::Result<Option<LicenseRow>> {
    sqlx::query_as(&format!("{ROW} where l.partner_id = $1 and l.id = $2"))
        .bind(partner_id)
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// The licences associated with one customer (the Customer Portal's product list).
pub async fn list_for_customer(
    pool: &PgPool,
    customer_id: AccountId,
) -> sqlx::Result<Vec<LicenseRow>> {
    sqlx::query_as(&format!(
        "{ROW} where l.customer_id = $1 order by l.created_at desc limit 500"
    ))
    .bind(customer_id)
    .fetch_all(pool)
    .await
}

/// The licences of one of the partner's customers, newest first, at most `limit` (the customer
/// page). Scoped by the partner: another partner's customer has none here.
pub async fn list_for_partner_customer(
    pool: &PgPool,
    partner_id: AccountId,
    customer_id: AccountId,
    limit: i64,
) -> sqlx::Result<Vec<LicenseRow>> {
    sqlx::query_as(&format!(
        "{ROW} where l.partner_id = $1 and l.customer_id = $2 \
         order by l.created_at desc, l.id desc limit $3"
    ))
    .bind(partner_id)
    .bind(customer_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

#[derive(Debug, thiserror::Error)]
pub enum AssociateError {
    /// The licence is not this partner's.
    #[error("not found")]
    NotFound,
    /// The customer is not this partner's (or does not exist).
    #[error("not found")]
    CustomerNotFound,
    #[error(
        "Products can be associated only with your customers who have activated their accounts."
    )]
    CustomerNotEligible,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AssociateError {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
    }
}

/// Associates a licence of `partner` with one of its activated customers (or, with `None`,
/// dissociates it), audited, in one transaction.
pub async fn set_customer(
    pool: &PgPool,
    partner: &Account,
    license_id: Uuid,
    customer: Option<AccountId>,
    client_ip: &str,
    now: OffsetDateTime,
) -> Result<(), AssociateError> {
    let mut tx = pool.begin().await?;
    let previous: Option<(Option<AccountId>,)> = sqlx::query_as(
        "select customer_id from licenses where id = $1 and partner_id = $2 for update",
    )
    .bind(license_id)
    .bind(partner.id)
    .fetch_optional(&mut *tx)
    .await?;
    let (previous,) = previous.ok_or(AssociateError::NotFound)?;
    if let Some(customer) = customer {
        // Checked here, not only in the form: a hand-made request naming a pending, removed or
        // another partner's customer changes nothing.
        match tenancy::lock_customer_of(&mut tx, partner.id, customer).await? {
            None => return Err(AssociateError::CustomerNotFound),
            Some(AccountStatus::Active) => {}
            Some(_) => return Err(AssociateError::CustomerNotEligible),
        }
    }
    sqlx::query("update licenses set customer_id = $2, associated_at = case when $2::uuid is null then null else $3 end where id = $1")
        .bind(license_id)
        .bind(customer)
        .bind(now)
        .execute(&mut *tx)
        .await?;
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
            partner: Some(partner.id),
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
