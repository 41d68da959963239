use super::*;
use crate::pbx::{Event, EventKind, PbxState, PbxStatus, OFFLINE_AFTER};
use time::macros::datetime;
use time::Duration;

/// A label people read: starts with a capital (or a number), never a code (no `_`), not empty.
fn assert_readable(label: &str) {
    assert!(
        label
            .chars()
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit()),
        "{label:?} should start with a capital letter"
    );
    assert!(!label.contains('_'), "{label:?} looks like a code");
}

// Each list below is checked against an exhaustive `match`: adding a variant breaks the build
// here until the variant is listed (and so labelled and tested).

#[test]
fn every_account_role_and_status_has_a_label() {
    for role in [Role::Manager, Role::Partner, Role::Customer] {
        match role {
            Role::Manager | Role::Partner | Role::Customer => assert_readable(role.label()),
        }
    }
    use AccountStatus::*;
    for status in [PendingActivation, Active, Removed, Suspended] {
        match status {
            PendingActivation | Active | Removed | Suspended => assert_readable(status.label()),
        }
    }
    assert_eq!(PendingActivation.label(), "Pending activation");
    let now = datetime!(2026-12-01 12:00 UTC);
    let states = [
        ActivationState::Active,
        ActivationState::Removed,
        ActivationState::Suspended,
        ActivationState::Pending { expires_at: now },
        ActivationState::LinkExpired,
    ];
    for state in states {
        match state {
            ActivationState::Active
            | ActivationState::Removed
            | ActivationState::Suspended
            | ActivationState::Pending { .. }
            | ActivationState::LinkExpired => {
                assert_readable(state.label());
                assert!(state.badge_class().starts_with("badge badge-"));
            }
        }
    }
    assert_eq!(ActivationState::LinkExpired.label(), "Link expired");
}

#[test]
fn every_request_status_has_a_label() {
    use RemovalStatus::*;
    for status in [Pending, Approved, Rejected, Withdrawn] {
        match status {
            Pending | Approved | Rejected | Withdrawn => assert_readable(status.label()),
        }
    }
    assert_eq!(Pending.label(), "Removal requested");
    for status in ApplicationStatus::ALL {
        match status {
            ApplicationStatus::Pending
            | ApplicationStatus::Approved
            | ApplicationStatus::Rejected
            | ApplicationStatus::Withdrawn => {
                assert_readable(status.label());
                assert_eq!(ApplicationStatus::from_code(status.code()), Some(status));
                assert_eq!(application_status(status.code()), status.label());
            }
        }
    }
    assert_eq!(application_status("pending"), "Under review");
}

#[test]
fn every_subscription_licence_and_order_status_has_a_label() {
    use SubscriptionStatus::*;
    for status in [Trial, Active, Expired, Cancelled] {
        match status {
            Trial | Active | Expired | Cancelled => {
                assert_readable(status.label());
                assert!(status.badge_class().starts_with("badge badge-"));
            }
        }
    }
    for status in LicenseStatus::ALL {
        match status {
            LicenseStatus::Active | LicenseStatus::Suspended | LicenseStatus::Expired => {
                assert_eq!(LicenseStatus::from_code(status.code()), Some(status));
                assert_eq!(license_status(status.code()), status.label());
                assert_readable(status.label());
            }
        }
    }
    assert_eq!(license_status("active"), "Active");
    assert_eq!(license_badge("expired"), "badge badge-expired");
    for status in OrderStatus::ALL {
        match status {
            OrderStatus::AwaitingPayment | OrderStatus::Paid | OrderStatus::Cancelled => {
                assert_eq!(OrderStatus::from_code(status.code()), Some(status));
                assert_eq!(order_status(status.code()), status.label());
                assert_readable(status.label());
            }
        }
    }
}

#[test]
fn a_code_no_label_knows_is_humanized_not_shown_raw() {
    assert_eq!(humanize("link_expired"), "Link expired");
    assert_eq!(humanize("pbx.restart_queued"), "Pbx restart queued");
    assert_eq!(humanize(""), "");
    assert_eq!(license_status("on_hold"), "On hold");
    assert_eq!(order_status("refunded"), "Refunded");
    assert_eq!(term("weekly"), "Weekly");
    assert_eq!(job("something_new"), "Scheduled job");
}

#[test]
fn terms_read_as_durations_and_quotes_say_what_they_price() {
    assert_eq!(term("monthly"), "Monthly");
    assert_eq!(term("1y"), "1 year");
    assert_eq!(term("3y"), "3 years");
    for t in Term::all() {
        assert_readable(&t.label());
        assert_ne!(t.label(), t.to_string(), "the form value is not a label");
    }
    assert_eq!(Term::Monthly.price_heading(), "Price per month");
    assert_eq!(
        Term::Annual { years: 1 }.price_heading(),
        "Price for 1 year"
    );
    assert_eq!(
        Term::Annual { years: 5 }.price_heading(),
        "Price for 5 years"
    );
}

#[test]
fn plans_are_named_with_their_product() {
    let catalog = Catalog::seed_mirror();
    assert_eq!(
        plan_of(&catalog, "workplace_standard"),
        "Workplace SaaS Standard"
    );
    assert_eq!(
        plan_of(&catalog, "cloud_pbx_enterprise"),
        "Cloud PBX Enterprise Plan (EP)"
    );
    let remote = catalog
        .plans_of("remote_management")
        .find(|p| p.name == "Standard")
        .unwrap();
    assert_eq!(
        plan_of(&catalog, &remote.code),
        "Remote Management Standard"
    );
    assert_eq!(
        plan_own(&catalog, "cloud_pbx_enterprise"),
        "Enterprise Plan (EP)"
    );
    assert_eq!(plan_own(&catalog, "gone_plan"), "Gone plan");
    assert_eq!(plan_of(&catalog, "gone_plan"), "Gone plan");
    for p in &catalog.plans {
        let label = plan_of(&catalog, &p.code);
        let product = catalog.product_type(&p.product_type).unwrap();
        assert!(label.starts_with(&product.name), "{label}");
        assert!(label.ends_with(&p.name), "{label}");
    }
}

#[test]
fn add_ons_are_named_with_their_quantity_in_words() {
    let catalog = Catalog::seed_mirror();
    let choice = |code: &str, quantity| AddonChoice {
        code: code.into(),
        quantity,
    };
    assert_eq!(
        addon(&catalog, &choice("concurrent_calls", 2)),
        "Concurrent calls: 2 extra calls"
    );
    assert_eq!(
        addon(&catalog, &choice("extension_expansion", 1)),
        "Extension expansion: 1 extra extension"
    );
    assert_eq!(
        addon(&catalog, &choice("recording_minutes", 3)),
        "Recording minutes: 3 × 100 minutes"
    );
    assert_eq!(
        addon(&catalog, &choice("high_availability", 1)),
        "High Availability"
    );
    assert_eq!(
        addon_amount(&catalog, &choice("hot_standby", 1)),
        "Included"
    );
    assert_eq!(
        addon_amount(&catalog, &choice("concurrent_calls", 5)),
        "5 extra calls"
    );
    assert_eq!(
        addon(&catalog, &choice("mystery_box", 2)),
        "Mystery box × 2"
    );
    for a in &catalog.addons {
        let label = addon(&catalog, &choice(&a.code, 2));
        assert!(!label.contains(&a.code), "{label} shows the code");
        assert_readable(&label);
    }
}

#[test]
fn counts_of_units_read_as_words() {
    assert_eq!(count("user", 40), "40 users");
    assert_eq!(count("extension", 1), "1 extension");
    assert_eq!(count("100 minutes", 3), "3 × 100 minutes");
}

#[test]
fn countries_are_shown_by_name() {
    assert_eq!(country("DE"), "Germany");
    assert_eq!(country("de"), "Germany");
    assert_eq!(country("XX"), "XX");
}

#[test]
fn every_pbx_status_and_state_has_words_that_agree() {
    use PbxStatus::*;
    for status in [Provisioning, Running, Suspended, Terminated] {
        match status {
            Provisioning | Running | Suspended | Terminated => assert_readable(status.label()),
        }
    }
    let now = datetime!(2026-12-01 14:05 UTC);
    let recent = Some(now - Duration::minutes(2));
    let stale = Some(now - OFFLINE_AFTER - Duration::minutes(1));
    let cases = [
        (Running, recent, false, "Running, last heartbeat 2 min ago"),
        (Running, recent, true, "Restart requested"),
        (
            Running,
            stale,
            false,
            "Offline since 01 Dec 2026, 14:01 UTC",
        ),
        (Running, stale, true, "Offline since 01 Dec 2026, 14:01 UTC"),
        (Running, None, false, "Offline, no heartbeat yet"),
        (Provisioning, None, false, "Being set up"),
        (
            Suspended,
            recent,
            false,
            "Suspended: the trial or subscription has ended",
        ),
        (Terminated, recent, false, "Terminated"),
    ];
    for (status, heartbeat, restart, expected) in cases {
        let state = PbxState::of(status, heartbeat, restart, now);
        let label = state.label(&crate::format::Zone::utc());
        assert_eq!(label, expected, "{status:?} {heartbeat:?} {restart}");
        assert_readable(&label);
        assert_readable(state.badge_label());
        // Never "running" and "offline" at once, whatever is shown beside the badge.
        let all = format!(
            "{} {} {label}",
            state.badge_label(),
            state.detail(&crate::format::Zone::utc())
        )
        .to_lowercase();
        assert!(
            !(all.contains("running") && all.contains("offline")),
            "{all}"
        );
        assert!(
            !(all.contains("online") && all.contains("offline")),
            "{all}"
        );
        assert_eq!(state.is_online(), heartbeat == recent && status == Running);
    }
}

#[test]
fn every_pbx_event_kind_has_a_label_and_a_stable_code() {
    for kind in EventKind::ALL {
        match kind {
            EventKind::Renamed
            | EventKind::AlarmContactChanged
            | EventKind::RestartQueued
            | EventKind::TokenIssued
            | EventKind::CommandDelivered
            | EventKind::BackOnline
            | EventKind::WentOffline => {
                assert_readable(kind.label());
                assert_eq!(EventKind::from_code(kind.code()), Some(kind));
            }
        }
    }
    assert_eq!(EventKind::TokenIssued.label(), "Connection token issued");
    assert_eq!(EventKind::RestartQueued.code(), "restart_queued");
}

#[test]
fn pbx_history_lines_are_sentences() {
    let at = datetime!(2026-12-01 14:05 UTC);
    let event = |kind: &str, details| Event {
        at,
        kind: kind.into(),
        details,
    };
    let renamed = event(
        "renamed",
        serde_json::json!({ "by": "ann@example.com", "details": { "from": "PBX", "to": "Head office" } }),
    );
    assert_eq!(
        renamed.description(),
        "Renamed from “PBX” to “Head office”, by ann@example.com"
    );
    let token = event(
        "token_issued",
        serde_json::json!({ "by": "ann@example.com", "details": {} }),
    );
    assert_eq!(
        token.description(),
        "Connection token issued, by ann@example.com"
    );
    let delivered = event(
        "command_delivered",
        serde_json::json!({ "command": "x", "kind": "restart" }),
    );
    assert_eq!(delivered.description(), "Restart delivered to the PBX");
    assert_eq!(
        event("offline", serde_json::json!({})).description(),
        "Went offline (no heartbeat for 3 minutes)"
    );
    assert_eq!(
        event("firmware_upgraded", serde_json::json!({})).description(),
        "Firmware upgraded"
    );
}

#[test]
fn elapsed_time_is_short_and_readable() {
    assert_eq!(ago(Duration::seconds(20)), "just now");
    assert_eq!(ago(Duration::seconds(-5)), "just now");
    assert_eq!(ago(Duration::minutes(1)), "1 min ago");
    assert_eq!(ago(Duration::seconds(179)), "2 min ago");
    assert_eq!(ago(Duration::minutes(130)), "2 h ago");
}

#[test]
fn every_scheduled_job_has_a_label() {
    for code in [
        "trial_7d",
        "trial_1d",
        "trial_expiry",
        "renewal_30d",
        "renewal_7d",
        "renewal_0d",
        "term_end",
        "pbx_offline",
    ] {
        assert_ne!(job(code), "Scheduled job", "{code}");
        assert_readable(job(code));
    }
}
