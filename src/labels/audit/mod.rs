//! The audit log as people read it: the filter's groups and labels for each action (here),
//! the sentence an entry says ([`sentence`]) and its details as labelled values
//! ([`labelled`]), with plan names and money. The log itself (recording, reading rows) is
//! `crate::audit`, on the floor below; this is only its words. Each is an exhaustive `match`
//! on [`Action`], so a new action does not compile until it has its words.

mod details;
mod sentence;
mod words;

pub use details::{labelled, Detail};
pub use sentence::sentence;

use crate::audit::Action;

/// The groups the log's filter files actions under, in the order it lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Accounts,
    Security,
    Removals,
    Orders,
    Subscriptions,
    Pbx,
    Partnership,
    Colleagues,
}

impl Group {
    pub fn label(self) -> &'static str {
        match self {
            Group::Accounts => "Accounts",
            Group::Security => "Sign-in and security",
            Group::Removals => "Removals",
            Group::Orders => "Orders and licences",
            Group::Subscriptions => "Trials and subscriptions",
            Group::Pbx => "Central Management",
            Group::Partnership => "Partnership",
            Group::Colleagues => "Colleagues",
        }
    }
}

impl Action {
    /// The group the filter lists this action under.
    pub fn group(self) -> Group {
        use Action as A;
        match self {
            A::AccountCreated
            | A::ActivationSent
            | A::ActivationResent
            | A::ActivationUsed
            | A::ActivationRequested
            | A::CustomerUpdated => Group::Accounts,
            A::SignInSucceeded
            | A::SignInFailed
            | A::StepUpFailed
            | A::SessionEndedAfterFailedStepUp
            | A::TwoFactorEnabled
            | A::TwoFactorDisabled
            | A::TwoFactorRecoveryCodesRegenerated
            | A::PasswordChanged
            | A::PasswordResetRequested
            | A::PasswordResetCompleted => Group::Security,
            A::RemovalRequested | A::RemovalWithdrawn | A::RemovalApproved | A::RemovalRejected => {
                Group::Removals
            }
            A::OrderPlaced | A::LicenseAssociated | A::LicenseDissociated => Group::Orders,
            A::TrialStarted
            | A::TrialConverted
            | A::TrialExpired
            | A::SubscriptionStarted
            | A::SubscriptionChanged
            | A::SubscriptionDowngradeScheduled
            | A::SubscriptionDowngradeCancelled
            | A::SubscriptionDowngraded
            | A::SubscriptionRenewed
            | A::SubscriptionEnded
            | A::SubscriptionAutoRenew => Group::Subscriptions,
            A::PbxRenamed | A::PbxAlarmContactChanged | A::PbxRestartQueued | A::PbxTokenIssued => {
                Group::Pbx
            }
            A::PartnershipApplied
            | A::PartnershipWithdrawn
            | A::PartnershipApproved
            | A::PartnershipRejected => Group::Partnership,
            A::ColleaguePermissionsChanged
            | A::ColleagueSuspended
            | A::ColleagueRestored
            | A::ColleagueRemoved
            | A::OwnershipTransferred
            | A::TwoFactorPolicyChanged => Group::Colleagues,
        }
    }

    /// What the filter calls this action.
    pub fn label(self) -> &'static str {
        use Action as A;
        match self {
            A::AccountCreated => "Account added",
            A::ActivationSent => "Activation email sent",
            A::ActivationResent => "Activation email resent",
            A::ActivationUsed => "Account activated",
            A::ActivationRequested => "New activation link requested",
            A::CustomerUpdated => "Account information edited",
            A::SignInSucceeded => "Signed in",
            A::SignInFailed => "Sign-in failed",
            A::StepUpFailed => "Security check failed",
            A::SessionEndedAfterFailedStepUp => "Signed out after failed checks",
            A::TwoFactorEnabled => "Two-factor authentication turned on",
            A::TwoFactorDisabled => "Two-factor authentication turned off",
            A::TwoFactorRecoveryCodesRegenerated => "New recovery codes",
            A::PasswordChanged => "Password changed",
            A::PasswordResetRequested => "Password reset requested",
            A::PasswordResetCompleted => "Password reset",
            A::RemovalRequested => "Removal requested",
            A::RemovalWithdrawn => "Removal request withdrawn",
            A::RemovalApproved => "Removal approved",
            A::RemovalRejected => "Removal rejected",
            A::OrderPlaced => "Order placed",
            A::LicenseAssociated => "Licence associated",
            A::LicenseDissociated => "Licence taken back",
            A::TrialStarted => "Trial started",
            A::TrialConverted => "Trial turned into a subscription",
            A::TrialExpired => "Trial ended",
            A::SubscriptionStarted => "Subscribed",
            A::SubscriptionChanged => "Subscription changed",
            A::SubscriptionDowngradeScheduled => "Downgrade scheduled",
            A::SubscriptionDowngradeCancelled => "Scheduled downgrade cancelled",
            A::SubscriptionDowngraded => "Subscription downgraded",
            A::SubscriptionRenewed => "Subscription renewed",
            A::SubscriptionEnded => "Subscription ended",
            A::SubscriptionAutoRenew => "Automatic renewal changed",
            A::PbxRenamed => "PBX renamed",
            A::PbxAlarmContactChanged => "PBX alarm contact changed",
            A::PbxRestartQueued => "PBX restart requested",
            A::PbxTokenIssued => "PBX connection token issued",
            A::PartnershipApplied => "Applied for partnership",
            A::PartnershipWithdrawn => "Partnership application withdrawn",
            A::PartnershipApproved => "Partnership approved",
            A::PartnershipRejected => "Partnership rejected",
            A::ColleaguePermissionsChanged => "Colleague's permissions changed",
            A::ColleagueSuspended => "Colleague suspended",
            A::ColleagueRestored => "Colleague restored",
            A::ColleagueRemoved => "Colleague removed",
            A::OwnershipTransferred => "Ownership transferred",
            A::TwoFactorPolicyChanged => "Two-factor policy changed",
        }
    }
}

/// The filter's groups, in order, each with its actions.
pub fn action_groups() -> Vec<(&'static str, Vec<Action>)> {
    let mut groups: Vec<(&'static str, Vec<Action>)> = Vec::new();
    for a in Action::ALL {
        let group = a.group().label();
        match groups.last_mut() {
            Some((last, list)) if *last == group => list.push(*a),
            _ => groups.push((group, vec![*a])),
        }
    }
    groups
}
