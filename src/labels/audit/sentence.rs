//! What an audit entry says to a person: one sentence per action ("Nora Winters added
//! customer Alice Martin"), an exhaustive `match` on [`Action`], so a new action does not
//! compile until it has its sentence. A stored code no action knows (e.g. an old one) still
//! reads as words, never raw.

use crate::audit::store::Row;
use crate::audit::Action;
use crate::catalog::Catalog;
use crate::labels::humanize;

/// The entry as one sentence, with the names of the people, products and PBXs it is about.
pub fn sentence(row: &Row, catalog: &Catalog) -> String {
    let said = Said::of(row, catalog);
    match Action::parse(&row.action) {
        Some(action) => said.known(action),
        None => said.unknown(&row.action),
    }
}

/// What a sentence names: who, whom, the product and the PBX.
struct Said<'a> {
    row: &'a Row,
    who: Who<'a>,
    product: &'a str,
    pbx: String,
}

impl<'a> Said<'a> {
    fn of(row: &'a Row, catalog: &'a Catalog) -> Self {
        let product = row
            .product_type
            .as_deref()
            .and_then(|code| catalog.product_type(code))
            .map_or("a product", |p| p.name.as_str());
        let pbx = row
            .pbx_name
            .as_deref()
            .map_or_else(|| "a PBX".to_owned(), |name| format!("PBX “{name}”"));
        Self {
            row,
            who: Who::of(row),
            product,
            pbx,
        }
    }

    /// One sentence per action: a new action does not compile until it has its sentence.
    fn known(&self, action: Action) -> String {
        use Action as A;
        let (by, to, product, pbx) = (self.who.actor, self.who.subject, self.product, &self.pbx);
        let (other, subscription) = (self.who.for_other(), self.subscription());
        match action {
            A::AccountCreated => self.account_created(),
            A::ActivationSent => self.activation_sent(),
            A::ActivationResent => format!("{by} sent a new activation email to {to}"),
            A::ActivationUsed => format!("{to} activated their account"),
            A::ActivationRequested => format!("{to} asked for a new activation link"),
            A::CustomerUpdated => format!("{by} edited {}", self.own("account information")),
            A::SignInSucceeded => format!("{by} signed in"),
            A::SignInFailed => self.sign_in_failed(),
            A::StepUpFailed => format!("{by} failed a security check"),
            A::SessionEndedAfterFailedStepUp => {
                format!("{by} was signed out after repeated failed security checks")
            }
            A::TwoFactorEnabled => format!("{by} turned on two-factor authentication{other}"),
            A::TwoFactorDisabled => format!("{by} turned off two-factor authentication{other}"),
            A::TwoFactorRecoveryCodesRegenerated => {
                format!("{by} created new recovery codes{other}")
            }
            A::PasswordChanged => format!("{by} changed {}", self.own("password")),
            A::PasswordResetRequested => format!("A password reset was requested for {to}"),
            A::PasswordResetCompleted => format!("{to} reset their password with an emailed link"),
            A::RemovalRequested => format!("{by} requested the removal of {to}"),
            A::RemovalWithdrawn => format!("{by} withdrew the removal request for {to}"),
            A::RemovalApproved => format!("{by} approved the removal of {to}"),
            A::RemovalRejected => format!("{by} rejected the removal request for {to}"),
            A::OrderPlaced => self.order_placed(),
            A::LicenseAssociated => format!("{by} associated a {product} licence with {to}"),
            A::LicenseDissociated => self.license_dissociated(),
            A::TrialStarted => format!("{by} started a free trial of {product}"),
            A::TrialConverted => self.trial_converted(),
            A::TrialExpired => format!("The {product} trial of {to} ended"),
            A::SubscriptionStarted => format!("{by} subscribed to {product}"),
            A::SubscriptionChanged => format!("{by} changed {subscription}"),
            A::SubscriptionDowngradeScheduled
            | A::SubscriptionDowngradeCancelled
            | A::SubscriptionDowngraded => self.downgrade(action),
            A::SubscriptionRenewed => format!("The {product} subscription of {to} was renewed"),
            A::SubscriptionEnded => format!("The {product} subscription of {to} ended"),
            A::SubscriptionAutoRenew => self.auto_renew(),
            A::PbxRenamed => self.pbx_renamed(),
            A::PbxAlarmContactChanged => format!("{by} changed the alarm contact of {pbx}"),
            A::PbxRestartQueued => format!("{by} asked for a restart of {pbx}"),
            A::PbxTokenIssued => format!("{by} issued a new connection token for {pbx}"),
            A::PartnershipApplied => format!("{by} applied to become a Yeastar partner"),
            A::PartnershipWithdrawn => format!("{by} withdrew their partnership application"),
            A::PartnershipApproved => self.partnership_decided("approved"),
            A::PartnershipRejected => self.partnership_decided("rejected"),
            A::ColleaguePermissionsChanged
            | A::ColleagueSuspended
            | A::ColleagueRestored
            | A::ColleagueRemoved
            | A::OwnershipTransferred
            | A::TwoFactorPolicyChanged => self.organization_change(action),
        }
    }

    /// A downgrade scheduled, cancelled or carried out.
    fn downgrade(&self, action: Action) -> String {
        let (by, to, product) = (self.who.actor, self.who.subject, self.product);
        let subscription = self.subscription();
        match action {
            Action::SubscriptionDowngradeScheduled => {
                format!("{by} scheduled a downgrade of {subscription}")
            }
            Action::SubscriptionDowngradeCancelled => {
                format!("{by} cancelled the scheduled downgrade of {subscription}")
            }
            _ => format!("The {product} subscription of {to} was downgraded"),
        }
    }

    /// What an Owner (or a member managing colleagues) did in its organization.
    fn organization_change(&self, action: Action) -> String {
        use Action as A;
        let (by, to) = (self.who.actor, self.who.subject);
        match action {
            A::ColleaguePermissionsChanged => format!("{by} changed the permissions of {to}"),
            A::ColleagueSuspended => format!("{by} suspended {to}"),
            A::ColleagueRestored => format!("{by} restored {to}"),
            A::ColleagueRemoved => format!("{by} removed {to} from the organization"),
            A::OwnershipTransferred => format!("{by} made {to} the organization's Owner"),
            _ => format!("{by} changed whether every member must use two-factor authentication"),
        }
    }

    /// A code recorded by an older or newer version: its words, and who and whom.
    fn unknown(&self, code: &str) -> String {
        let mut text = humanize(code);
        if self.who.actor_known {
            text.push_str(&format!(" by {}", self.who.actor));
        }
        text.push_str(&self.who.for_other());
        text
    }

    fn detail(&self, key: &str) -> &'a str {
        self.row
            .details
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or("")
    }

    /// "their password" when people act on their own, else whose it is.
    fn own(&self, what: &str) -> String {
        if self.who.same {
            format!("their {what}")
        } else {
            format!("the {what} of {}", self.who.subject)
        }
    }

    /// "their Cloud PBX subscription", or "the Cloud PBX subscription of Alice Martin".
    fn subscription(&self) -> String {
        self.own(&format!("{} subscription", self.product))
    }

    fn account_created(&self) -> String {
        let (by, to) = (self.who.actor, self.who.subject);
        let role = role_word(self.detail("role"));
        match self.who.actor_known {
            true => format!("{by} added {role} {to}"),
            false => format!("{to} was added as a {role}"),
        }
    }

    fn activation_sent(&self) -> String {
        let (by, to) = (self.who.actor, self.who.subject);
        match self.who.actor_known {
            true => format!("{by} sent an activation email to {to}"),
            false => format!("An activation email was sent to {to}"),
        }
    }

    fn sign_in_failed(&self) -> String {
        match self.row.target_id {
            Some(_) => format!("A sign-in as {} failed", self.who.subject),
            None => "A sign-in with an unknown email failed".to_owned(),
        }
    }

    fn license_dissociated(&self) -> String {
        let (by, to, product) = (self.who.actor, self.who.subject, self.product);
        match self.row.target_id {
            Some(_) => format!("{by} took a {product} licence back from {to}"),
            None => format!("{by} took back a {product} licence"),
        }
    }

    fn trial_converted(&self) -> String {
        let trial = self.own(&format!("{} trial", self.product));
        format!("{} turned {trial} into a subscription", self.who.actor)
    }

    /// "approved" or "rejected".
    fn partnership_decided(&self, verb: &str) -> String {
        let (by, to) = (self.who.actor, self.who.subject);
        format!("{by} {verb} the partnership application of {to}")
    }

    fn order_placed(&self) -> String {
        let (by, to) = (self.who.actor, self.who.subject);
        let order = Some(self.detail("order"))
            .filter(|n| !n.is_empty())
            .map_or_else(|| "an order".to_owned(), |n| format!("order {n}"));
        match self.row.target_id.is_some() && !self.who.same {
            true => format!("{by} placed {order} for {to}"),
            false => format!("{by} placed {order}"),
        }
    }

    fn auto_renew(&self) -> String {
        let on = self.row.details.get("on").and_then(|v| v.as_bool()) == Some(true);
        let state = if on { "on" } else { "off" };
        let (by, subscription) = (self.who.actor, self.subscription());
        format!("{by} turned {state} automatic renewal of {subscription}")
    }

    fn pbx_renamed(&self) -> String {
        let by = self.who.actor;
        let inner = |key: &str| {
            self.row
                .details
                .pointer(&format!("/details/{key}"))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        match (inner("from"), inner("to")) {
            (Some(from), Some(to)) => format!("{by} renamed PBX “{from}” to “{to}”"),
            _ => format!("{by} renamed {}", self.pbx),
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
    use crate::ids::AuditEntryId;
    use serde_json::json;
    use time::OffsetDateTime;
    use uuid::Uuid;

    fn row(action: &str, actor: Option<(Uuid, &str)>, target: Option<(Uuid, &str)>) -> Row {
        Row {
            id: AuditEntryId::new(),
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
        for a in Action::ALL {
            let code = a.as_str();
            let text = sentence(&row(code, nora, alice), &catalog);
            assert!(
                !text.starts_with(&humanize(code)),
                "{code} falls back to its code's words: {text}"
            );
            assert!(!text.contains('_') && !text.contains(code), "{text}");
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
        let own_edit = row("customer.updated", Some(alice), Some(alice));
        assert_eq!(
            sentence(&own_edit, &catalog),
            "Alice Martin edited their account information"
        );
        let partner_edit = row("customer.updated", Some(nora), Some(alice));
        assert_eq!(
            sentence(&partner_edit, &catalog),
            "Nora Winters edited the account information of Alice Martin"
        );
    }
}
