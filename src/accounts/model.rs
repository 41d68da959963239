//! Account types: roles, statuses, the Yeastar ID (email) and account information.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::permission::Permission;
use crate::countries;
use crate::format::Zone;

pub use super::info::{AccountInfo, AccountInfoInput, FieldErrors};
pub use crate::ids::AccountId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "account_role", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Manager,
    Partner,
    Customer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "account_status", rename_all = "snake_case")]
pub enum AccountStatus {
    // The aliases read the stored codes, as PostgreSQL writes them in JSON.
    #[serde(alias = "pending_activation")]
    PendingActivation,
    #[serde(alias = "active")]
    Active,
    #[serde(alias = "removed")]
    Removed,
    /// A colleague its organization suspended: kept, refused at sign-in, reversible.
    #[serde(alias = "suspended")]
    Suspended,
}

/// A Yeastar ID: an email address, kept as typed but compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let value = raw.trim();
        if value.is_empty() {
            return Err("Enter the email address (Yeastar ID).");
        }
        if value.len() > 254 {
            return Err("An email address can be at most 254 characters.");
        }
        let Some((local, domain)) = value.rsplit_once('@') else {
            return Err("Enter a valid email address, like name@example.com.");
        };
        let bad_char = |c: char| c.is_whitespace() || c.is_control() || "<>()[],;:\"\\".contains(c);
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if local.is_empty() || local.len() > 64 || local.chars().any(bad_char) || !domain_ok {
            return Err("Enter a valid email address, like name@example.com.");
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An account; read from rows (`FromRow`) or, inside a composed statement, from the JSON
/// PostgreSQL makes of one (`Deserialize`, e.g. `overview`).
#[derive(Debug, Clone, sqlx::FromRow, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub role: Role,
    pub status: AccountStatus,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub phone: String,
    pub country: Option<String>,
    pub address: String,
    pub city: String,
    pub state: String,
    pub postcode: String,
    pub manager_id: Option<AccountId>,
    pub partner_id: Option<AccountId>,
    pub two_factor_enabled: bool,
    pub has_profile_image: bool,
    #[serde(deserialize_with = "crate::db::json::datetime")]
    pub created_at: OffsetDateTime,
    #[serde(deserialize_with = "crate::db::json::datetime_option")]
    pub activated_at: Option<OffsetDateTime>,
    /// A customer whose partnership application was approved also uses the Partner Portal.
    pub partner_access: bool,
    /// The IANA zone chosen (or reported by the browser at the first sign-in); see [`Self::zone`].
    pub time_zone: Option<String>,
    /// The partner organization this account is a member of (its id is the founding account's,
    /// which is what every `partner_id` names); none for customers and managers.
    pub organization_id: Option<AccountId>,
    /// The codes of what the member may use in the Partner Portal (see [`Permission`]).
    pub permissions: Vec<String>,
}

impl Account {
    /// May use the Partner Portal: a partner, or a customer approved as a partner.
    pub fn is_partner(&self) -> bool {
        self.role == Role::Partner || (self.role == Role::Customer && self.partner_access)
    }

    /// The partner whose tenant this account belongs to: a customer's partner, or a partner
    /// member's organization; none for account managers. Audit entries are filed under it.
    pub fn tenant(&self) -> Option<AccountId> {
        match self.role {
            Role::Customer => self.partner_id,
            Role::Partner => Some(self.organization()),
            Role::Manager => None,
        }
    }

    /// The partner organization whose data this account works on in the Partner Portal: the one
    /// it is a member of (a partner founded before organizations existed is its own).
    pub fn organization(&self) -> AccountId {
        self.organization_id.unwrap_or(self.id)
    }

    /// Whether this member of a partner organization may use `permission`'s feature.
    pub fn may(&self, permission: Permission) -> bool {
        self.permissions
            .iter()
            .any(|code| code == permission.code())
    }

    /// The zone this person sees times in: their own, else their country's, else UTC.
    pub fn zone(&self) -> Zone {
        Zone::for_person(self.time_zone.as_deref(), self.country.as_deref())
    }

    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
    pub fn country_name(&self) -> &str {
        self.country
            .as_deref()
            .and_then(countries::name_of)
            .unwrap_or("")
    }
}

/// How a pending account's activation link stands, for lists and detail pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivationState {
    Active,
    Removed,
    /// A colleague its organization suspended.
    Suspended,
    /// Pending with a link that is still valid until the given time.
    Pending {
        expires_at: OffsetDateTime,
    },
    /// Pending, but its latest link has expired (or there is none).
    LinkExpired,
}

impl ActivationState {
    pub fn of(
        status: AccountStatus,
        link_expires_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Self {
        match status {
            AccountStatus::Active => Self::Active,
            AccountStatus::Removed => Self::Removed,
            AccountStatus::Suspended => Self::Suspended,
            AccountStatus::PendingActivation => match link_expires_at {
                Some(expires_at) if expires_at > now => Self::Pending { expires_at },
                _ => Self::LinkExpired,
            },
        }
    }
}

// `label()` and `badge_class()` are in `crate::labels`, with every other status's words.
impl ActivationState {
    /// "link valid until 29 Nov 2026, 14:05 CET" for a pending link, empty otherwise.
    pub fn detail(&self, zone: &Zone) -> String {
        match self {
            Self::Pending { expires_at } => {
                format!(
                    "link valid until {}",
                    crate::format::datetime(*expires_at, zone)
                )
            }
            Self::LinkExpired => "ask your account manager to resend it".to_owned(),
            _ => String::new(),
        }
    }
}

/// One row of the partner's customer list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomerListRow {
    pub id: AccountId,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub status: AccountStatus,
    pub has_profile_image: bool,
    pub created_at: OffsetDateTime,
    pub link_expires_at: Option<OffsetDateTime>,
    pub removal_pending: bool,
    /// The name as the list sorts it (see `customer_list`).
    pub name_key: String,
}

pub use crate::paging::Cursor;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_validated() {
        assert_eq!(
            Email::parse("  Ann@Example.com ").unwrap().as_str(),
            "Ann@Example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
            "ann@exa..mple.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
