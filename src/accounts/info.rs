//! Account information as a form sends it and as it is stored, and its validation: every
//! field checked, each error kept next to its field.

use serde::Deserialize;
use std::collections::BTreeMap;

use super::model::Account;
use crate::countries;

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

#[cfg(test)]
mod tests {
    use super::*;

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
