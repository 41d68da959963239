//! What an audit entry records: one variant per kind of state change, stored by its code
//! ("two_factor.enabled"). The codes are what the database keeps, so a variant's code never
//! changes once recorded; a stored code no variant knows (an older version's) is still read,
//! as text, by the log's readers.

/// Declares the enum, its code per variant and the list of all variants in one place, so
/// the list cannot miss a variant.
macro_rules! actions {
    ($($variant:ident => $code:literal,)*) => {
        /// One kind of audited change.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $($variant,)*
        }

        impl Action {
            /// Every action, in the order the log's filter lists them.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The code as stored in `audit_log.action`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $code,)*
                }
            }
        }
    };
}

actions! {
    AccountCreated => "account.created",
    ActivationSent => "activation.sent",
    ActivationResent => "activation.resent",
    ActivationUsed => "activation.used",
    ActivationRequested => "activation.requested",
    CustomerUpdated => "customer.updated",
    SignInSucceeded => "sign_in.succeeded",
    SignInFailed => "sign_in.failed",
    StepUpFailed => "step_up.failed",
    SessionEndedAfterFailedStepUp => "session.ended_after_failed_step_up",
    TwoFactorEnabled => "two_factor.enabled",
    TwoFactorDisabled => "two_factor.disabled",
    TwoFactorRecoveryCodesRegenerated => "two_factor.recovery_codes_regenerated",
    PasswordChanged => "password.changed",
    PasswordResetRequested => "password_reset.requested",
    PasswordResetCompleted => "password_reset.completed",
    RemovalRequested => "removal.requested",
    RemovalWithdrawn => "removal.withdrawn",
    RemovalApproved => "removal.approved",
    RemovalRejected => "removal.rejected",
    OrderPlaced => "order.placed",
    LicenseAssociated => "license.associated",
    LicenseDissociated => "license.dissociated",
    TrialStarted => "trial.started",
    TrialConverted => "trial.converted",
    TrialExpired => "trial.expired",
    SubscriptionStarted => "subscription.started",
    SubscriptionChanged => "subscription.changed",
    SubscriptionDowngradeScheduled => "subscription.downgrade_scheduled",
    SubscriptionDowngradeCancelled => "subscription.downgrade_cancelled",
    SubscriptionDowngraded => "subscription.downgraded",
    SubscriptionRenewed => "subscription.renewed",
    SubscriptionEnded => "subscription.ended",
    SubscriptionAutoRenew => "subscription.auto_renew",
    PbxRenamed => "pbx.renamed",
    PbxAlarmContactChanged => "pbx.alarm_contact_changed",
    PbxRestartQueued => "pbx.restart_queued",
    PbxTokenIssued => "pbx.token_issued",
    PartnershipApplied => "partnership.applied",
    PartnershipWithdrawn => "partnership.withdrawn",
    PartnershipApproved => "partnership.approved",
    PartnershipRejected => "partnership.rejected",
    ColleaguePermissionsChanged => "colleague.permissions_changed",
    ColleagueSuspended => "colleague.suspended",
    ColleagueRestored => "colleague.restored",
    ColleagueRemoved => "colleague.removed",
    OwnershipTransferred => "organization.ownership_transferred",
    TwoFactorPolicyChanged => "organization.two_factor_policy_changed",
}

impl Action {
    /// The action a stored code names, or None for a code no variant knows.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.as_str() == code)
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Action;

    #[test]
    fn every_code_is_unique_and_parses_back() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            assert!(seen.insert(a.as_str()), "{} is used twice", a.as_str());
            assert_eq!(Action::parse(a.as_str()), Some(*a));
        }
        assert_eq!(Action::parse("maintenance.ran"), None);
    }
}
