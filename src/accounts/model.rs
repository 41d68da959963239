//! Account types: roles, statuses, the Yeastar ID (email) and account information.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

use crate::countries;
use crate::format::Zone;

pub use crate::ids::AccountId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "account_role", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Manager,
    Partner,
    Customer,
}

impl Role {
    /// Where this role lands after signing in.
    pub fn home(self) -> &'static str {
        match self {
            Role::Manager => "/manager/partners",
            Role::Partner => "/partner/customers",
            Role::Customer => "/customer",
        }
    }

    /// The URL prefix of this role's portal.
    pub fn portal_prefix(self) -> &'static str {
        match self {
            Role::Manager => "/manager",
            Role::Partner => "/partner",
            Role::Customer => "/customer",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "account_status", rename_all = "snake_case")]
pub enum AccountStatus {
    PendingActivation,
    Active,
    Removed,
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

/// Field name → message, rendered next to each field.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(BTreeMap<&'static str, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn iter(&self) -> impl Iterator<Item = (&&'static str, &String)> {
        self.0.iter()
    }
}

/// Account information as typed in a form (kept verbatim to re-fill the form on errors).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AccountInfoInput {
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub phone: String,
    pub country: String,
    pub address: String,
    pub city: String,
    pub state: String,
    pub postcode: String,
}

/// Validated account information.
#[derive(Debug, Clone)]
pub struct AccountInfo {
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub phone: String,
    pub country: Option<String>,
    pub address: String,
    pub city: String,
    pub state: String,
    pub postcode: String,
}

fn text_field(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    value: &str,
    required: bool,
    max: usize,
) -> String {
    let value = value.trim();
    if required && value.is_empty() {
        errors.add(field, format!("Enter the {label}."));
    } else if value.chars().count() > max {
        errors.add(
            field,
            format!("The {label} can be at most {max} characters."),
        );
    } else if value.chars().any(|c| c.is_control()) {
        errors.add(
            field,
            format!("The {label} contains characters that are not allowed."),
        );
    }
    value.to_owned()
}

impl AccountInfoInput {
    pub fn from_account(account: &Account) -> Self {
        Self {
            first_name: account.first_name.clone(),
            last_name: account.last_name.clone(),
            company: account.company.clone(),
            phone: account.phone.clone(),
            country: account.country.clone().unwrap_or_default(),
            address: account.address.clone(),
            city: account.city.clone(),
            state: account.state.clone(),
            postcode: account.postcode.clone(),
        }
    }

    /// Validates every field, collecting all errors (not just the first).
    pub fn validate(&self, errors: &mut FieldErrors) -> AccountInfo {
        let first_name = text_field(
            errors,
            "first_name",
            "first name",
            &self.first_name,
            true,
            100,
        );
        let last_name = text_field(errors, "last_name", "last name", &self.last_name, true, 100);
        let company = text_field(errors, "company", "company name", &self.company, true, 200);
        let phone = text_field(errors, "phone", "phone number", &self.phone, false, 30);
        if !phone.is_empty()
            && (!phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
                || phone.chars().filter(char::is_ascii_digit).count() < 5)
        {
            errors.add(
                "phone",
                "Enter a phone number using digits, spaces and + - ( ), e.g. +86 592 5503301.",
            );
        }
        let country = self.country.trim().to_ascii_uppercase();
        if country.is_empty() {
            errors.add("country", "Choose the country.");
        } else if !countries::is_valid(&country) {
            errors.add("country", "Choose a country from the list.");
        }
        let address = text_field(errors, "address", "address", &self.address, false, 200);
        let city = text_field(errors, "city", "city", &self.city, false, 100);
        let state = text_field(
            errors,
            "state",
            "state or province",
            &self.state,
            false,
            100,
        );
        let postcode = text_field(errors, "postcode", "postcode", &self.postcode, false, 20);
        AccountInfo {
            first_name,
            last_name,
            company,
            phone,
            country: Some(country),
            address,
            city,
            state,
            postcode,
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
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
    pub created_at: OffsetDateTime,
    pub activated_at: Option<OffsetDateTime>,
    /// A customer whose partnership application was approved also uses the Partner Portal.
    pub partner_access: bool,
    /// The IANA zone chosen (or reported by the browser at the first sign-in); see [`Self::zone`].
    pub time_zone: Option<String>,
}

impl Account {
    /// May use the Partner Portal: a partner, or a customer approved as a partner.
    pub fn is_partner(&self) -> bool {
        self.role == Role::Partner || (self.role == Role::Customer && self.partner_access)
    }

    /// The partner whose tenant this account belongs to: a customer's partner, or a partner
    /// itself; none for account managers. Audit entries are filed under it.
    pub fn tenant(&self) -> Option<AccountId> {
        match self.role {
            Role::Customer => self.partner_id,
            Role::Partner => Some(self.id),
            Role::Manager => None,
        }
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

    #[test]
    fn account_info_reports_every_missing_required_field() {
        let mut errors = FieldErrors::default();
        AccountInfoInput::default().validate(&mut errors);
        for field in ["first_name", "last_name", "company", "country"] {
            assert!(errors.get(field).is_some(), "{field} should be required");
        }
        assert!(errors.get("phone").is_none());
    }
}
