//! Accounts of every role and the rules for creating them: a pending account, its activation
//! link and its activation email are written in one transaction.

pub mod customer_list;
pub mod edit;
pub mod model;
pub mod store;
pub mod tenancy;

use sqlx::PgPool;
use time::OffsetDateTime;

use serde_json::json;

use crate::activation;
use crate::audit::{self, Action};
use crate::format::Zone;
use crate::mail::messages::ActivationEmail;
use crate::mail::outbox;
use model::{AccountId, AccountInfo, Email, FieldErrors, Role};

/// Everything needed to create a pending account.
pub struct NewAccount {
    pub role: Role,
    pub email: Email,
    pub info: AccountInfo,
    /// The account manager of a new partner.
    pub manager_id: Option<AccountId>,
    /// The partner of a new customer.
    pub partner_id: Option<AccountId>,
    pub created_by: Option<AccountId>,
    /// Already decoded and re-encoded (see `images`).
    pub profile_png: Option<Vec<u8>>,
    /// Named in the activation email as the one who created the account.
    pub invited_by: String,
    /// Where the request came from, for the audit log (None from the command line).
    pub client_ip: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    #[error("this email address is already used by another account")]
    EmailTaken,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl CreateAccountError {
    /// The form error for the email field, when that is what went wrong.
    pub fn into_field_errors(self) -> Result<FieldErrors, anyhow::Error> {
        match self {
            CreateAccountError::EmailTaken => {
                let mut errors = FieldErrors::default();
                errors.add(
                    "email",
                    "This email address is already used by another Yeastar account. \
                     Each Yeastar ID must be unique.",
                );
                Ok(errors)
            }
            CreateAccountError::Unexpected(err) => Err(err),
        }
    }
}

/// A created account and the link that activates it (printed by the CLI, mailed by the outbox).
pub struct Created {
    pub id: AccountId,
    pub activation_link: String,
    pub expires_at: OffsetDateTime,
}

fn is_email_taken(err: &sqlx::Error) -> bool {
    crate::db::on_constraint(err, "accounts_email_key")
}

/// Creates a pending account with its activation link and queues the activation email, all in
/// one transaction: either all of it exists afterwards or none of it.
pub async fn create_pending_account(
    pool: &PgPool,
    new: NewAccount,
    public_base_url: &str,
    now: OffsetDateTime,
) -> Result<Created, CreateAccountError> {
    let id = AccountId::new();
    let mut tx = pool.begin().await.map_err(anyhow::Error::from)?;
    let inserted = store::insert_account(
        &mut tx,
        store::NewAccountRow {
            id,
            role: new.role,
            email: &new.email,
            info: &new.info,
            manager_id: new.manager_id,
            partner_id: new.partner_id,
            created_by: new.created_by,
            now,
        },
    )
    .await;
    match inserted {
        Err(err) if is_email_taken(&err) => return Err(CreateAccountError::EmailTaken),
        other => other.map_err(anyhow::Error::from)?,
    }
    if let Some(png) = &new.profile_png {
        store::insert_profile_image(&mut tx, id, png, now)
            .await
            .map_err(anyhow::Error::from)?;
    }
    let (token, expires_at) = activation::issue(&mut tx, id, now)
        .await
        .map_err(anyhow::Error::from)?;
    let activation_link = format!("{public_base_url}/activate/{token}");
    let recipient_name = format!("{} {}", new.info.first_name, new.info.last_name);
    let email = ActivationEmail {
        account_id: id,
        recipient: new.email.as_str(),
        recipient_name: &recipient_name,
        invited_by: &new.invited_by,
        portal_name: portal_name(new.role),
        link: &activation_link,
        expires_at,
        zone: Zone::for_person(None, new.info.country.as_deref()),
    }
    .render()?;
    outbox::enqueue(&mut tx, &email, now)
        .await
        .map_err(anyhow::Error::from)?;
    let tenant = match new.role {
        Role::Customer => new.partner_id,
        Role::Partner => Some(id),
        Role::Manager => None,
    };
    for (action, details) in [
        (
            Action::AccountCreated,
            json!({ "role": new.role, "email": new.email.as_str() }),
        ),
        (
            Action::ActivationSent,
            json!({ "expires_at": expires_at.unix_timestamp() }),
        ),
    ] {
        let entry = audit::Entry {
            actor: new.created_by,
            action,
            target: Some(id),
            partner: tenant,
            client_ip: new.client_ip.as_deref(),
            details,
        };
        audit::record(&mut tx, entry, now)
            .await
            .map_err(anyhow::Error::from)?;
    }
    tx.commit().await.map_err(anyhow::Error::from)?;
    Ok(Created {
        id,
        activation_link,
        expires_at,
    })
}

/// A person saves their own account information and time zone (if sent): all or nothing.
pub async fn save_own_information(
    pool: &PgPool,
    id: AccountId,
    info: &AccountInfo,
    zone: Option<&Zone>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    store::update_info(&mut tx, id, info, now).await?;
    if let Some(zone) = zone {
        store::update_time_zone(&mut tx, id, zone.name(), now).await?;
    }
    tx.commit().await
}

/// A person chooses the zone their pages and emails show times in.
pub async fn choose_time_zone(
    pool: &PgPool,
    id: AccountId,
    zone: &Zone,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    store::update_time_zone(&mut conn, id, zone.name(), now).await
}

pub fn portal_name(role: Role) -> &'static str {
    match role {
        Role::Manager => "Account Manager console",
        Role::Partner => "Partner Portal",
        Role::Customer => "Customer Portal",
    }
}
