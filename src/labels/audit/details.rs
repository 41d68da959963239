//! An entry's details as labelled values ("Plan: Cloud PBX Ultimate Plan (UP)", "Reason: …")
//! instead of the JSON they are stored as. Codes become words, amounts money, instants
//! times; the ids an entry's sentence already names (subscription, PBX, application) are left
//! out. The CSV export keeps the JSON as stored, so nothing is lost to a reader who needs it.

use serde_json::Value;
use time::OffsetDateTime;

use crate::audit::store::Row;
use crate::audit::Action;
use crate::catalog::Catalog;
use crate::format;
use crate::labels::humanize;
use crate::pricing::format_money;

use super::words::{
    by_label, capitalised, check_label, date_text, days, failure_label, kind_label, method_label,
    on_off, plain, role_label,
};

/// Keys that only point at something the sentence already names, or that another value
/// shows (the currency of a total).
const HIDDEN: &[&str] = &[
    "subscription",
    "application",
    "instance",
    "product_type",
    "previous_customer",
    "currency",
];

/// Known keys first, in the order a reader wants them; anything else after, in words.
const ORDER: &[&str] = &[
    "role",
    "email",
    "method",
    "check",
    "reason",
    "note",
    "by",
    "order",
    "kind",
    "license_id",
    "plan",
    "from",
    "to",
    "kept_plan",
    "units",
    "addons",
    "licenses",
    "total_minor",
    "amount_minor",
    "on",
    "until",
    "days",
    "company",
    "expires_at",
    "sessions_ended",
];

/// One labelled value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub label: String,
    pub value: String,
    /// What the value is when it must stay on one line: "ident" (an order number, a licence
    /// key), "amount" or "date"; the page marks it with that class.
    pub kind: Option<&'static str>,
}

/// The details of `row` as labelled values, in reading order.
pub fn labelled(row: &Row, catalog: &Catalog) -> Vec<Detail> {
    let mut fields: Vec<(&str, &Value)> = Vec::new();
    if let Value::Object(map) = &row.details {
        for (key, value) in map {
            match (key.as_str(), value) {
                // A PBX action keeps what changed one level down; show it beside the rest.
                // An edit keeps each changed field as {from, to}; each becomes its own line.
                ("details" | "changes", Value::Object(inner)) => {
                    fields.extend(inner.iter().map(|(k, v)| (k.as_str(), v)));
                }
                (key, value) => fields.push((key, value)),
            }
        }
    }
    let rank = |key: &str| ORDER.iter().position(|k| *k == key).unwrap_or(ORDER.len());
    fields.sort_by_key(|(key, _)| (rank(key), *key));
    let reader = Reader { row, catalog };
    fields
        .into_iter()
        .filter(|(key, _)| !HIDDEN.contains(key))
        .filter_map(|(key, value)| reader.field(key, value))
        .collect()
}

struct Reader<'a> {
    row: &'a Row,
    catalog: &'a Catalog,
}

impl Reader<'_> {
    fn field(&self, key: &str, value: &Value) -> Option<Detail> {
        let kind = match key {
            "order" | "license_id" => Some("ident"),
            "total_minor" | "amount_minor" => Some("amount"),
            "until" | "expires_at" => Some("date"),
            "on" if value.is_string() => Some("date"),
            _ => None,
        };
        let (label, value) = self.text(key, value)?;
        Some(Detail { label, value, kind })
    }

    fn text(&self, key: &str, value: &Value) -> Option<(String, String)> {
        if let (Some(from), Some(to)) = (value.get("from"), value.get("to")) {
            let shown = |v: &Value| match v {
                Value::Null => "(empty)".to_owned(),
                Value::String(s) if s.trim().is_empty() => "(empty)".to_owned(),
                other => plain(other),
            };
            return Some((humanize(key), format!("{} → {}", shown(from), shown(to))));
        }
        let text = value.as_str();
        let pbx = self.row.action.starts_with("pbx.");
        let (label, shown) = match key {
            "role" => ("Role", text.map(role_label)?.to_owned()),
            "email" if pbx => ("Alarm email", text.unwrap_or("None").to_owned()),
            "email" => ("Email", text?.to_owned()),
            "method" => ("Method", method_label(text?).to_owned()),
            "check" => ("Check", check_label(text?).to_owned()),
            "reason" if Action::parse(&self.row.action) == Some(Action::SignInFailed) => {
                ("Reason", failure_label(text?).to_owned())
            }
            "reason" | "note" if text.is_some_and(|t| t.trim().is_empty()) => return None,
            "reason" => ("Reason", text?.to_owned()),
            "note" => ("Note", text?.to_owned()),
            "by" => ("Turned off by", by_label(text?).to_owned()),
            "order" => ("Order", text?.to_owned()),
            "kind" => ("Order type", kind_label(text?).to_owned()),
            "license_id" => ("Licence", self.row.license_key.clone()?),
            "plan" => ("Plan", self.plan(text?)),
            "from" if pbx => ("Old name", text?.to_owned()),
            "to" if pbx => ("New name", text?.to_owned()),
            "from" => ("From plan", self.plan(text?)),
            "to" => ("To plan", self.plan(text?)),
            "kept_plan" => ("Plan kept", self.plan(text?)),
            "units" => return Some((self.units_label(), value.as_u64()?.to_string())),
            "addons" => ("Add-ons", self.addons(value)),
            "licenses" => ("Licences", value.as_u64()?.to_string()),
            "total_minor" => ("Total", self.money(value.as_i64()?)),
            "amount_minor" => ("Charged now", self.money(value.as_i64()?)),
            "on" => match value {
                Value::Bool(on) => ("Automatic renewal", on_off(*on).to_owned()),
                _ => ("Takes effect on", date_text(text?)),
            },
            "until" => ("Renewed until", date_text(text?)),
            "days" => ("Trial length", days(value.as_u64()?)),
            "company" => ("Company", text?.to_owned()),
            "expires_at" => (
                "Link valid until",
                OffsetDateTime::from_unix_timestamp(value.as_i64()?)
                    .map(format::datetime_utc)
                    .ok()?,
            ),
            "sessions_ended" => ("Other sessions ended", value.as_u64()?.to_string()),
            other => return Some((humanize(other), plain(value))),
        };
        Some((label.to_owned(), shown))
    }

    /// "Cloud PBX Ultimate Plan (UP)", named as on every other page.
    fn plan(&self, code: &str) -> String {
        crate::labels::plan_of(self.catalog, code)
    }

    /// "Extensions", "Users", "Devices": what the product counts.
    fn units_label(&self) -> String {
        self.row
            .product_type
            .as_deref()
            .and_then(|code| self.catalog.product_type(code))
            .map_or_else(|| "Quantity".to_owned(), |p| capitalised(&p.unit_plural))
    }

    /// "Concurrent calls × 4, High Availability × 1", or "None".
    fn addons(&self, value: &Value) -> String {
        let list: Vec<String> = value
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|addon| {
                let code = addon.get("code")?.as_str()?;
                let quantity = addon.get("quantity")?.as_u64()?;
                let name = self.catalog.addon(code).map_or(code, |a| a.name.as_str());
                Some(format!("{name} × {quantity}"))
            })
            .collect();
        if list.is_empty() {
            "None".to_owned()
        } else {
            list.join(", ")
        }
    }

    /// An amount in minor units in the currency of the entry or of the order it names.
    fn money(&self, minor: i64) -> String {
        let currency = self
            .row
            .details
            .get("currency")
            .and_then(Value::as_str)
            .or(self.row.order_currency.as_deref());
        match currency {
            Some(currency) => format_money(minor, currency),
            None => format_money(minor, "").trim_start().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::AuditEntryId;
    use serde_json::json;
    use uuid::Uuid;

    fn row(action: &str, details: Value) -> Row {
        Row {
            id: AuditEntryId::new(),
            at: OffsetDateTime::UNIX_EPOCH,
            action: action.to_owned(),
            actor_id: None,
            actor_email: None,
            actor_name: None,
            target_id: None,
            target_email: None,
            target_name: None,
            partner_company: None,
            client_ip: None,
            details,
            product_type: Some("cloud_pbx".into()),
            pbx_name: None,
            license_key: None,
            order_currency: Some("USD".into()),
        }
    }

    fn shown(action: &str, details: Value) -> Vec<(String, String)> {
        labelled(&row(action, details), &Catalog::seed_mirror())
            .into_iter()
            .map(|d| (d.label, d.value))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(l, v)| (l.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_plan_change_reads_as_plan_extensions_and_money() {
        let details = json!({ "subscription": Uuid::now_v7(), "plan": "cloud_pbx_ultimate",
                              "units": 30, "order": "YP-001004", "amount_minor": 151_200 });
        assert_eq!(
            shown("subscription.changed", details),
            pairs(&[
                ("Order", "YP-001004"),
                ("Plan", "Cloud PBX Ultimate Plan (UP)"),
                ("Extensions", "30"),
                ("Charged now", "USD 1,512.00"),
            ])
        );
    }

    #[test]
    fn identifiers_amounts_and_dates_are_marked_to_stay_on_one_line() {
        let details = json!({ "order": "YP-001004", "total_minor": 100, "until": "2027-12-01", "plan": "cloud_pbx_ultimate" });
        let kinds: Vec<_> = labelled(
            &row("subscription.renewed", details),
            &Catalog::seed_mirror(),
        )
        .into_iter()
        .map(|d| (d.label, d.kind))
        .collect();
        assert_eq!(
            kinds,
            vec![
                ("Order".to_owned(), Some("ident")),
                ("Plan".to_owned(), None),
                ("Total".to_owned(), Some("amount")),
                ("Renewed until".to_owned(), Some("date")),
            ]
        );
    }

    #[test]
    fn codes_become_words_and_empty_notes_are_left_out() {
        assert_eq!(
            shown(
                "sign_in.failed",
                json!({ "email": "a@b.test", "reason": "second_factor" })
            ),
            pairs(&[("Email", "a@b.test"), ("Reason", "Wrong two-factor code")])
        );
        assert_eq!(
            shown(
                "removal.approved",
                json!({ "note": "", "sessions_ended": 2 })
            ),
            pairs(&[("Other sessions ended", "2")])
        );
        assert_eq!(
            shown(
                "subscription.auto_renew",
                json!({ "subscription": Uuid::now_v7(), "on": false })
            ),
            pairs(&[("Automatic renewal", "Off")])
        );
        assert_eq!(
            shown(
                "pbx.renamed",
                json!({ "instance": Uuid::now_v7(), "details": { "from": "HQ", "to": "Head office" } })
            ),
            pairs(&[("Old name", "HQ"), ("New name", "Head office")])
        );
    }

    #[test]
    fn unknown_keys_are_shown_in_words() {
        assert_eq!(
            shown(
                "account.info_updated",
                json!({ "new_phone": "+49 30 1234", "verified": true })
            ),
            pairs(&[("New phone", "+49 30 1234"), ("Verified", "Yes")])
        );
    }

    #[test]
    fn an_edit_shows_each_changed_field_old_to_new() {
        let details = json!({ "changes": {
            "company": { "from": "Acme", "to": "Acme Logistics" },
            "phone": { "from": "", "to": "+49 30 1234" },
        }});
        assert_eq!(
            shown("customer.updated", details),
            pairs(&[
                ("Company", "Acme → Acme Logistics"),
                ("Phone", "(empty) → +49 30 1234"),
            ])
        );
    }
}
