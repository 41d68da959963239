//! The customer dashboard: a summary of what the customer has, each item linking to its page.

use time::Duration;

use crate::helpers::{location, spawn_app, PASSWORD};

#[tokio::test]
async fn the_dashboard_summarises_subscriptions_trials_pbxs_and_what_needs_attention() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in_customer("it@acme-logistics.example").await;
    let csrf = app.csrf_for(&browser, "/customer/trials").await;
    let trial = location(
        &app.post_form(
            &browser,
            "/customer/trials/cloud_pbx",
            &[("csrf_token", &csrf)],
        )
        .await,
    );
    let subscription = location(
        &app.subscribe(
            &browser,
            &[
                ("plan", "workplace_basic"),
                ("units", "5"),
                ("term", "monthly"),
            ],
        )
        .await,
    );
    assert!(trial.starts_with("/customer/subscriptions/"), "{trial}");
    assert!(subscription.starts_with("/customer/subscriptions/"));
    let (_, pbxs) = app.get_html(&browser, "/customer/central-management").await;
    let start = pbxs.find("/customer/central-management/").unwrap();
    let pbx: String = pbxs[start..].chars().take_while(|c| *c != '"').collect();

    // A month later the trial ends within days and the monthly term is about to renew.
    app.clock.advance(Duration::days(25));
    app.login(&browser, "it@acme-logistics.example", PASSWORD)
        .await;
    let (_, page) = app.get_html(&browser, "/customer").await;

    let section = |id: &str| -> String {
        let start = page
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("the dashboard has a {id} section: {page}"));
        let end = page[start..].find("</section>").unwrap() + start;
        page[start..end].to_owned()
    };
    let subscriptions = section("dashboard-subscriptions");
    assert!(
        subscriptions.contains(&format!("href=\"{subscription}\""))
            && subscriptions.contains("Workplace SaaS")
            && subscriptions.contains("Renews on"),
        "{subscriptions}"
    );
    assert!(
        subscriptions.contains(&format!("href=\"{trial}\""))
            && subscriptions.contains("Cloud PBX")
            && subscriptions.contains("days left"),
        "{subscriptions}"
    );
    let instances = section("dashboard-pbxs");
    assert!(
        instances.contains(&format!("href=\"{pbx}\"")) && instances.contains("Offline"),
        "{instances}"
    );
    let attention = section("dashboard-attention");
    assert!(
        attention.contains("Your free trial of Cloud PBX ends in")
            && attention.contains(&format!("href=\"{trial}\"")),
        "{attention}"
    );
    assert!(
        attention.contains("Workplace SaaS renews on")
            && attention.contains(&format!("href=\"{subscription}\"")),
        "{attention}"
    );
    assert!(
        attention.contains("Two-factor authentication is off")
            && attention.contains("href=\"/customer/security\""),
        "{attention}"
    );
}

#[tokio::test]
async fn a_new_customer_sees_where_to_start_and_only_the_two_factor_reminder() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in_customer("new@acme-logistics.example").await;
    let (_, page) = app.get_html(&browser, "/customer").await;
    assert!(page.contains("href=\"/customer/trials\""), "{page}");
    assert!(page.contains("Two-factor authentication is off"));
    assert!(!page.contains("renews on") && !page.contains("ends in"));
}
