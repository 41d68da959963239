//! The words for the codes an audit entry's details hold (sign-in methods, failure reasons,
//! order kinds), and how plain values read.

use serde_json::Value;

use crate::format;

pub(super) fn role_label(role: &str) -> &str {
    match role {
        "customer" => "Customer",
        "partner" => "Partner",
        "manager" => "Account manager",
        other => other,
    }
}

pub(super) fn method_label(method: &str) -> &str {
    match method {
        "password" => "Password",
        "password+totp" => "Password and authenticator code",
        "password+recovery_code" => "Password and recovery code",
        other => other,
    }
}

pub(super) fn check_label(check: &str) -> &str {
    match check {
        "password" => "Password",
        "two_factor_code" => "Two-factor code",
        other => other,
    }
}

pub(super) fn failure_label(reason: &str) -> &str {
    match reason {
        "password" => "Wrong email or password",
        "second_factor" => "Wrong two-factor code",
        "second_factor_unreadable" => "Two-factor code could not be read",
        "reset_second_factor" => "Wrong two-factor code at password reset",
        other => other,
    }
}

pub(super) fn by_label(by: &str) -> &str {
    match by {
        "owner" => "The account's owner",
        "partner" => "The partner (lost phone)",
        other => other,
    }
}

pub(super) fn kind_label(kind: &str) -> &str {
    match kind {
        "purchase" => "Purchase",
        "subscription" => "Subscription",
        "change" => "Change",
        "renewal" => "Renewal",
        other => other,
    }
}

pub(super) fn on_off(on: bool) -> &'static str {
    if on {
        "On"
    } else {
        "Off"
    }
}

pub(super) fn days(n: u64) -> String {
    if n == 1 {
        "1 day".to_owned()
    } else {
        format!("{n} days")
    }
}

/// A calendar date as stored ("2026-12-31"), in the date format people read everywhere.
pub(super) fn date_text(raw: &str) -> String {
    time::Date::parse(
        raw,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map(|d| format::date(d.midnight().assume_utc()))
    .unwrap_or_else(|_| raw.to_owned())
}

pub(super) fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A value of an unknown key: text as it is, numbers and yes/no in words, lists and objects
/// as compact JSON (rare, and still readable).
pub(super) fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "Yes" } else { "No" }.to_owned(),
        Value::Null => "None".to_owned(),
        other => other.to_string(),
    }
}
