//! What an audit entry says to a person: one sentence per action code ("Nora Winters added
//! customer Alice Martin"), and the label of each code for the log's filter. Every code the
//! code base records is listed here; a unit test below reads `src/` and fails when a new
//! code appears without its sentence. A code not known here (e.g. an old one) still reads as
//! words, never as the raw code.

use crate::catalog::Catalog;

use super::store::Row;

/// One kind of entry: its code as stored, the group it is filed under in the filter, and
/// what the filter calls it.
#[derive(Debug, Clone, Copy)]
pub struct Action {
    pub code: &'static str,
    pub group: &'static str,
    pub label: &'static str,
}

const ACCOUNTS: &str = "Accounts";
const SECURITY: &str = "Sign-in and security";
const REMOVALS: &str = "Removals";
const ORDERS: &str = "Orders and licences";
const SUBSCRIPTIONS: &str = "Trials and subscriptions";
const PBX: &str = "Central Management";
const PARTNERSHIP: &str = "Partnership";

const fn action(code: &'static str, group: &'static str, label: &'static str) -> Action {
    Action { code, group, label }
}

/// Every action the code base records, in the order the filter lists them.
pub const ACTIONS: &[Action] = &[
    action("account.created", ACCOUNTS, "Account added"),
    action("activation.sent", ACCOUNTS, "Activation email sent"),
    action("activation.resent", ACCOUNTS, "Activation email resent"),
    action("activation.used", ACCOUNTS, "Account activated"),
    action(
        "activation.requested",
        ACCOUNTS,
        "New activation link requested",
    ),
    action("customer.updated", ACCOUNTS, "Account information edited"),
    action("sign_in.succeeded", SECURITY, "Signed in"),
    action("sign_in.failed", SECURITY, "Sign-in failed"),
    action("step_up.failed", SECURITY, "Security check failed"),
    action(
        "session.ended_after_failed_step_up",
        SECURITY,
        "Signed out after failed checks",
    ),
    action(
        "two_factor.enabled",
        SECURITY,
        "Two-factor authentication turned on",
    ),
    action(
        "two_factor.disabled",
        SECURITY,
        "Two-factor authentication turned off",
    ),
    action(
        "two_factor.recovery_codes_regenerated",
        SECURITY,
        "New recovery codes",
    ),
    action("password.changed", SECURITY, "Password changed"),
    action(
        "password_reset.requested",
        SECURITY,
        "Password reset requested",
    ),
    action("password_reset.completed", SECURITY, "Password reset"),
    action("removal.requested", REMOVALS, "Removal requested"),
    action("removal.withdrawn", REMOVALS, "Removal request withdrawn"),
    action("removal.approved", REMOVALS, "Removal approved"),
    action("removal.rejected", REMOVALS, "Removal rejected"),
    action("order.placed", ORDERS, "Order placed"),
    action("license.associated", ORDERS, "Licence associated"),
    action("license.dissociated", ORDERS, "Licence taken back"),
    action("trial.started", SUBSCRIPTIONS, "Trial started"),
    action(
        "trial.converted",
        SUBSCRIPTIONS,
        "Trial turned into a subscription",
    ),
    action("trial.expired", SUBSCRIPTIONS, "Trial ended"),
    action("subscription.started", SUBSCRIPTIONS, "Subscribed"),
    action(
        "subscription.changed",
        SUBSCRIPTIONS,
        "Subscription changed",
    ),
    action(
        "subscription.downgrade_scheduled",
        SUBSCRIPTIONS,
        "Downgrade scheduled",
    ),
    action(
        "subscription.downgrade_cancelled",
        SUBSCRIPTIONS,
        "Scheduled downgrade cancelled",
    ),
    action(
        "subscription.downgraded",
        SUBSCRIPTIONS,
        "Subscription downgraded",
    ),
    action(
        "subscription.renewed",
        SUBSCRIPTIONS,
        "Subscription renewed",
    ),
    action("subscription.ended", SUBSCRIPTIONS, "Subscription ended"),
    action(
        "subscription.auto_renew",
        SUBSCRIPTIONS,
        "Automatic renewal changed",
    ),
    action("pbx.renamed", PBX, "PBX renamed"),
    action(
        "pbx.alarm_contact_changed",
        PBX,
        "PBX alarm contact changed",
    ),
    action("pbx.restart_queued", PBX, "PBX restart requested"),
    action("pbx.token_issued", PBX, "PBX connection token issued"),
    action(
        "partnership.applied",
        PARTNERSHIP,
        "Applied for partnership",
    ),
    action(
        "partnership.withdrawn",
        PARTNERSHIP,
        "Partnership application withdrawn",
    ),
    action("partnership.approved", PARTNERSHIP, "Partnership approved"),
    action("partnership.rejected", PARTNERSHIP, "Partnership rejected"),
];

/// The filter's groups, in order, each with its actions.
pub fn action_groups() -> Vec<(&'static str, Vec<Action>)> {
    let mut groups: Vec<(&'static str, Vec<Action>)> = Vec::new();
    for a in ACTIONS {
        match groups.last_mut() {
            Some((group, list)) if *group == a.group => list.push(*a),
            _ => groups.push((a.group, vec![*a])),
        }
    }
    groups
}

pub fn is_known(code: &str) -> bool {
    ACTIONS.iter().any(|a| a.code == code)
}

/// "account.updated" → "Account updated": an unknown code, in words.
pub fn humanise(code: &str) -> String {
    let words = code.replace(['.', '_'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The entry as one sentence, with the names of the people, products and PBXs it is about.
pub fn sentence(row: &Row, catalog: &Catalog) -> String {
    let who = Who::of(row);
    let by = who.actor;
    let to = who.subject;
    let product = row
        .product_type
        .as_deref()
        .and_then(|code| catalog.product_type(code))
        .map_or("a product", |p| p.name.as_str());
    let pbx = row
        .pbx_name
        .as_deref()
        .map_or_else(|| "a PBX".to_owned(), |name| format!("PBX “{name}”"));
    let detail = |key: &str| row.details.get(key).and_then(|v| v.as_str()).unwrap_or("");
    // "their Cloud PBX subscription" when people act on their own, else whose it is.
    let own = |what: &str| {
        if who.same {
            format!("their {what}")
        } else {
            format!("the {what} of {to}")
        }
    };
    let subscription = own(&format!("{product} subscription"));
    match row.action.as_str() {
        "account.created" => {
            let role = role_word(detail("role"));
            match who.actor_known {
                true => format!("{by} added {role} {to}"),
                false => format!("{to} was added as a {role}"),
            }
        }
        "activation.sent" if who.actor_known => format!("{by} sent an activation email to {to}"),
        "activation.sent" => format!("An activation email was sent to {to}"),
        "activation.resent" => format!("{by} sent a new activation email to {to}"),
        "activation.used" => format!("{to} activated their account"),
        "activation.requested" => format!("{to} asked for a new activation link"),
        "customer.updated" => format!("{by} edited the account information of {to}"),
        "sign_in.succeeded" => format!("{by} signed in"),
        "sign_in.failed" if row.target_id.is_some() => format!("A sign-in as {to} failed"),
        "sign_in.failed" => "A sign-in with an unknown email failed".to_owned(),
        "step_up.failed" => format!("{by} failed a security check"),
        "session.ended_after_failed_step_up" => {
            format!("{by} was signed out after repeated failed security checks")
        }
        "two_factor.enabled" => {
            format!(
                "{by} turned on two-factor authentication{}",
                who.for_other()
            )
        }
        "two_factor.disabled" => {
            format!(
                "{by} turned off two-factor authentication{}",
                who.for_other()
            )
        }
        "two_factor.recovery_codes_regenerated" => {
            format!("{by} created new recovery codes{}", who.for_other())
        }
        "password.changed" => format!("{by} changed {}", own("password")),
        "password_reset.requested" => format!("A password reset was requested for {to}"),
        "password_reset.completed" => format!("{to} reset their password with an emailed link"),
        "removal.requested" => format!("{by} requested the removal of {to}"),
        "removal.withdrawn" => format!("{by} withdrew the removal request for {to}"),
        "removal.approved" => format!("{by} approved the removal of {to}"),
        "removal.rejected" => format!("{by} rejected the removal request for {to}"),
        "order.placed" => {
            let order = Some(detail("order"))
                .filter(|n| !n.is_empty())
                .map_or_else(|| "an order".to_owned(), |n| format!("order {n}"));
            match row.target_id.is_some() && !who.same {
                true => format!("{by} placed {order} for {to}"),
                false => format!("{by} placed {order}"),
            }
        }
        "license.associated" => format!("{by} associated a {product} licence with {to}"),
        "license.dissociated" if row.target_id.is_some() => {
            format!("{by} took a {product} licence back from {to}")
        }
        "license.dissociated" => format!("{by} took back a {product} licence"),
        "trial.started" => format!("{by} started a free trial of {product}"),
        "trial.converted" => format!(
            "{by} turned {} into a subscription",
            own(&format!("{product} trial"))
        ),
        "trial.expired" => format!("The {product} trial of {to} ended"),
        "subscription.started" => format!("{by} subscribed to {product}"),
        "subscription.changed" => format!("{by} changed {subscription}"),
        "subscription.downgrade_scheduled" => {
            format!("{by} scheduled a downgrade of {subscription}")
        }
        "subscription.downgrade_cancelled" => {
            format!("{by} cancelled the scheduled downgrade of {subscription}")
        }
        "subscription.downgraded" => format!("The {product} subscription of {to} was downgraded"),
        "subscription.renewed" => format!("The {product} subscription of {to} was renewed"),
        "subscription.ended" => format!("The {product} subscription of {to} ended"),
        "subscription.auto_renew" => {
            let on = row.details.get("on").and_then(|v| v.as_bool()) == Some(true);
            let state = if on { "on" } else { "off" };
            format!("{by} turned {state} automatic renewal of {subscription}")
        }
        "pbx.renamed" => {
            let inner = |key: &str| {
                row.details
                    .pointer(&format!("/details/{key}"))
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
            };
            match (inner("from"), inner("to")) {
                (Some(from), Some(to)) => format!("{by} renamed PBX “{from}” to “{to}”"),
                _ => format!("{by} renamed {pbx}"),
            }
        }
        "pbx.alarm_contact_changed" => format!("{by} changed the alarm contact of {pbx}"),
        "pbx.restart_queued" => format!("{by} asked for a restart of {pbx}"),
        "pbx.token_issued" => format!("{by} issued a new connection token for {pbx}"),
        "partnership.applied" => format!("{by} applied to become a Yeastar partner"),
        "partnership.withdrawn" => format!("{by} withdrew their partnership application"),
        "partnership.approved" => format!("{by} approved the partnership application of {to}"),
        "partnership.rejected" => format!("{by} rejected the partnership application of {to}"),
        other => {
            // A code recorded by an older or newer version: its words, and who and whom.
            let mut text = humanise(other);
            if who.actor_known {
                text.push_str(&format!(" by {by}"));
            }
            text.push_str(&who.for_other());
            text
        }
    }
}

/// Who acted and whom it was about, as the sentence names them.
struct Who<'a> {
    actor: &'a str,
    actor_known: bool,
    subject: &'a str,
    subject_known: bool,
    /// The actor acted on their own account.
    same: bool,
}

impl<'a> Who<'a> {
    fn of(row: &'a Row) -> Self {
        Self {
            // No actor: a scheduled job or an operator at the command line.
            actor: row.actor_name.as_deref().unwrap_or("The system"),
            actor_known: row.actor_name.is_some(),
            subject: row.target_name.as_deref().unwrap_or("an account"),
            subject_known: row.target_name.is_some(),
            same: row.actor_id.is_some() && row.actor_id == row.target_id,
        }
    }

    /// " for Alice Martin" when the actor acted on someone else's account.
    fn for_other(&self) -> String {
        if self.subject_known && !self.same {
            format!(" for {}", self.subject)
        } else {
            String::new()
        }
    }
}

fn role_word(role: &str) -> &'static str {
    match role {
        "partner" => "partner",
        "manager" => "account manager",
        "customer" => "customer",
        _ => "user",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::OffsetDateTime;
    use uuid::Uuid;

    fn row(action: &str, actor: Option<(Uuid, &str)>, target: Option<(Uuid, &str)>) -> Row {
        Row {
            id: Uuid::now_v7(),
            at: OffsetDateTime::UNIX_EPOCH,
            action: action.to_owned(),
            actor_id: actor.map(|a| a.0),
            actor_email: None,
            actor_name: actor.map(|a| a.1.to_owned()),
            target_id: target.map(|t| t.0),
            target_email: None,
            target_name: target.map(|t| t.1.to_owned()),
            partner_company: None,
            client_ip: None,
            details: json!({}),
            product_type: None,
            pbx_name: None,
            license_key: None,
            order_currency: None,
        }
    }

    #[test]
    fn every_listed_action_has_its_own_sentence() {
        let catalog = Catalog::seed_mirror();
        let nora = Some((Uuid::now_v7(), "Nora Winters"));
        let alice = Some((Uuid::now_v7(), "Alice Martin"));
        for a in ACTIONS {
            let text = sentence(&row(a.code, nora, alice), &catalog);
            assert!(
                !text.starts_with(&humanise(a.code)),
                "{} falls back to its code's words: {text}",
                a.code
            );
            assert!(!text.contains('_') && !text.contains(a.code), "{text}");
        }
    }

    #[test]
    fn an_unknown_code_reads_as_words_with_who_and_whom() {
        let catalog = Catalog::seed_mirror();
        let nora = Some((Uuid::now_v7(), "Nora Winters"));
        let alice = Some((Uuid::now_v7(), "Alice Martin"));
        assert_eq!(
            sentence(&row("account.info_updated", nora, alice), &catalog),
            "Account info updated by Nora Winters for Alice Martin"
        );
        assert_eq!(
            sentence(&row("maintenance.ran", None, None), &catalog),
            "Maintenance ran"
        );
    }

    #[test]
    fn own_and_other_accounts_are_told_apart() {
        let catalog = Catalog::seed_mirror();
        let alice = (Uuid::now_v7(), "Alice Martin");
        let nora = (Uuid::now_v7(), "Nora Winters");
        let own = row("two_factor.disabled", Some(alice), Some(alice));
        assert_eq!(
            sentence(&own, &catalog),
            "Alice Martin turned off two-factor authentication"
        );
        let reset = row("two_factor.disabled", Some(nora), Some(alice));
        assert_eq!(
            sentence(&reset, &catalog),
            "Nora Winters turned off two-factor authentication for Alice Martin"
        );
        let mut sub = row("subscription.auto_renew", Some(alice), Some(alice));
        sub.product_type = Some("cloud_pbx".into());
        sub.details = json!({ "on": false });
        assert_eq!(
            sentence(&sub, &catalog),
            "Alice Martin turned off automatic renewal of their Cloud PBX subscription"
        );
    }

    /// Every string literal in `src/` shaped like an action code ("area.what") whose area is
    /// one the log knows must be listed above, so a new audited action cannot ship without
    /// its sentence and filter label.
    #[test]
    fn every_recorded_code_in_the_source_is_listed() {
        let areas: Vec<&str> = ACTIONS
            .iter()
            .map(|a| a.code.split('.').next().unwrap_or(""))
            .collect();
        let mut missing = Vec::new();
        let mut files = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(path) = files.pop() {
            if path.is_dir() {
                for entry in std::fs::read_dir(&path).unwrap() {
                    files.push(entry.unwrap().path());
                }
                continue;
            }
            // The log's own module reads codes (and its tests make some up); it records none.
            let reader = path.components().any(|c| c.as_os_str() == "audit");
            if reader || path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // What follows every quote up to the next one: a literal or the code between two
            // (which never has the code's shape), so escaped quotes cannot hide a literal.
            let pieces: Vec<&str> = text.split('"').collect();
            for literal in pieces.iter().skip(1) {
                let Some((area, what)) = literal.split_once('.') else {
                    continue;
                };
                let word = |s: &str| {
                    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                };
                if word(area) && word(what) && areas.contains(&area) && !is_known(literal) {
                    missing.push(format!("{literal} in {}", path.display()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "audit codes without a sentence: {missing:?}"
        );
    }
}
