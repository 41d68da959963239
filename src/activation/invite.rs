//! Adding an account: a pending account, its activation link, its activation email and the
//! audit entries are written in one transaction. Managers add partners, partners add
//! customers, the command line adds either.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::Invitee;
use crate::accounts::model::{Account, AccountId, AccountInfo, Email, FieldErrors, Role};
use crate::accounts::{profile_image, store};
use crate::audit;
use crate::audit::Action;
use crate::format::Zone;

/// Everything needed to create a pending account.
pub struct NewAccount {
    pub role: Role,
    pub email: Email,
    pub info: AccountInfo,
    /// The account manager of a new partner.
    pub manager_id: Option<AccountId>,
    /// The partner of a new customer.
    pub partner_id: Option<AccountId>,
    /// The organization a new colleague joins and the permissions it gets there.
    pub organization: Option<(AccountId, Vec<String>)>,
    pub created_by: Option<AccountId>,
    /// Already decoded and re-encoded (see `images`).
    pub profile_png: Option<Vec<u8>>,
    /// Named in the activation email as the one who created the account.
    pub invited_by: String,
    /// Where the request came from, for the audit log (None from the command line).
    pub client_ip: Option<String>,
}

impl NewAccount {
    /// An account a signed-in user adds on the portal: a manager adds a partner it will
    /// manage, a partner adds its own customer; the one who adds it is its creator.
    pub fn added_by(
        by: &Account,
        role: Role,
        email: Email,
        info: AccountInfo,
        profile_png: Option<Vec<u8>>,
        client_ip: &str,
    ) -> Self {
        let (manager_id, partner_id, invited_by) = match role {
            Role::Partner => (
                Some(by.id),
                None,
                format!("Yeastar (your account manager {})", by.full_name()),
            ),
            // A customer belongs to the organization of the member who adds it.
            _ => (
                None,
                Some(by.organization()),
                format!("{} (your Yeastar partner)", by.company),
            ),
        };
        NewAccount {
            role,
            email,
            info,
            manager_id,
            partner_id,
            organization: None,
            created_by: Some(by.id),
            profile_png,
            invited_by,
            client_ip: Some(client_ip.to_owned()),
        }
    }
}

impl NewAccount {
    /// A colleague a member adds to its own organization: a partner account with the
    /// organization's company and account manager, and the permissions it was given.
    pub fn colleague_of(
        by: &Account,
        email: Email,
        mut info: AccountInfo,
        permissions: Vec<String>,
        client_ip: &str,
    ) -> Self {
        info.company.clone_from(&by.company);
        NewAccount {
            role: Role::Partner,
            email,
            info,
            manager_id: by.manager_id,
            partner_id: None,
            organization: Some((by.organization(), permissions)),
            created_by: Some(by.id),
            profile_png: None,
            invited_by: format!("{} of {}, your colleague", by.full_name(), by.company),
            client_ip: Some(client_ip.to_owned()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    #[error("this email address is already used by another account")]
    EmailTaken,
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for CreateAccountError {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
    }
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

/// Creates a pending account with its activation link and queues the activation email, all in
/// one transaction: either all of it exists afterwards or none of it.
pub async fn create_pending_account(
    pool: &PgPool,
    new: NewAccount,
    public_base_url: &str,
    now: OffsetDateTime,
) -> Result<Created, CreateAccountError> {
    let id = AccountId::new();
    let mut tx = pool.begin().await?;
    insert(&mut tx, id, &new, now).await?;
    let recipient_name = format!("{} {}", new.info.first_name, new.info.last_name);
    let invitee = Invitee {
        id,
        role: new.role,
        email: new.email.as_str(),
        name: &recipient_name,
        zone: Zone::for_person(None, new.info.country.as_deref()),
    };
    let (activation_link, expires_at) =
        super::issue_and_email(&mut tx, invitee, &new.invited_by, public_base_url, now).await?;
    record_created(&mut tx, id, &new, expires_at, now).await?;
    tx.commit().await?;
    Ok(Created {
        id,
        activation_link,
        expires_at,
    })
}

/// The account row and its profile image; a duplicate email is [`CreateAccountError::EmailTaken`].
async fn insert(
    conn: &mut PgConnection,
    id: AccountId,
    new: &NewAccount,
    now: OffsetDateTime,
) -> Result<(), CreateAccountError> {
    let row = store::NewAccountRow {
        id,
        role: new.role,
        email: &new.email,
        info: &new.info,
        manager_id: new.manager_id,
        partner_id: new.partner_id,
        organization: new
            .organization
            .as_ref()
            .map(|(id, permissions)| (*id, permissions.as_slice())),
        created_by: new.created_by,
        now,
    };
    match store::insert_account(&mut *conn, row).await {
        Err(err) if crate::db::on_constraint(&err, "accounts_email_key") => {
            return Err(CreateAccountError::EmailTaken)
        }
        other => other?,
    }
    if let Some(png) = &new.profile_png {
        profile_image::insert(conn, id, png, now).await?;
    }
    Ok(())
}

/// The audit entries of a new account: created, and its activation email sent.
async fn record_created(
    conn: &mut PgConnection,
    id: AccountId,
    new: &NewAccount,
    expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    let tenant = match new.role {
        Role::Customer => new.partner_id,
        Role::Partner => Some(new.organization.as_ref().map_or(id, |(org, _)| *org)),
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
        audit::record(&mut *conn, entry, now).await?;
    }
    Ok(())
}
