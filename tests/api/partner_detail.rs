//! The account manager's view of one partner (`/manager/partners/{id}`), and the counts of
//! waiting decisions in the console's navigation.

use reqwest::StatusCode;
use yeastar_portal::accounts::model::{AccountId, Role};

use crate::fixtures::{partnership_application, purchase, removal_requests, sign_in};
use crate::helpers::{spawn_app, TestApp};

/// `Removals 2` in the navigation, as the layout writes it (none when nothing waits).
fn nav_count(html: &str, label: &str) -> Option<u32> {
    let marker = format!("{label} <span class=\"nav-count\">");
    let start = html.find(&marker)? + marker.len();
    html[start..].split('<').next().and_then(|n| n.parse().ok())
}

async fn customers(app: &TestApp, partner: AccountId, emails: &[&str]) -> Vec<AccountId> {
    let mut ids = Vec::new();
    for email in emails {
        ids.push(app.customer_of(partner, email).await);
    }
    ids
}

#[tokio::test]
async fn a_manager_sees_a_partners_members_customers_orders_and_open_requests() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("sales@detail.test").await;
    let active = customers(&app, partner, &["a@detail.test", "b@detail.test"]).await;
    app.create_account(Role::Customer, "pending@detail.test", None, Some(partner))
        .await;
    let partner_browser = sign_in(&app, "sales@detail.test", "/partner/customers").await;
    purchase(&app, &partner_browser).await;
    removal_requests(&app, &partner_browser, &active[1..]).await;
    let applicant = sign_in(&app, "a@detail.test", "/customer").await;
    partnership_application(&app, &applicant).await;
    let order_number: String = app.one("select number from orders").await;

    let (manager, _) = sign_in(&app, "manager-of-sales@detail.test", "/manager/partners").await;
    let (_, list) = app.get_html(&manager, "/manager/partners").await;
    let path = format!("/manager/partners/{partner}");
    assert!(
        list.contains(&format!("href=\"{path}\"")),
        "the list links to it"
    );
    let (status, page) = app.get_html(&manager, &path).await;
    assert_eq!(status, StatusCode::OK);

    let members =
        &page[page.find("id=\"members\"").unwrap()..page.find("id=\"customers\"").unwrap()];
    assert!(members.contains("sales@detail.test"), "{members}");
    assert!(
        members.contains("Active") && members.contains(">Off<"),
        "{members}"
    );
    for (label, n) in [("Active", 2), ("Pending activation", 1), ("Removed", 0)] {
        assert!(
            page.contains(&format!("<strong>{n}</strong><span>{label}</span>")),
            "{n} {label}: {page}"
        );
    }
    assert!(page.contains(&order_number), "the order is listed");
    assert!(page.contains("USD"), "with its total");
    assert!(page.contains("Removal of Test Customer"));
    assert!(page.contains("b@detail.test"));
    assert!(page.contains("Partnership application from Dental Voice"));
}

#[tokio::test]
async fn only_the_partners_own_manager_sees_the_partner_page() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("sales@mine.test").await;
    app.partner("sales@theirs.test").await;
    let path = format!("/manager/partners/{partner}");

    let (other, _) = sign_in(&app, "manager-of-sales@theirs.test", "/manager/partners").await;
    let (status, page) = app.get_html(&other, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!page.contains("sales@mine.test"));
    let unknown = format!("/manager/partners/{}", uuid::Uuid::new_v4());
    assert_eq!(
        app.get_html(&other, &unknown).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_html(&other, "/manager/partners/not-an-id").await.0,
        StatusCode::NOT_FOUND
    );

    let (partner_browser, _) = sign_in(&app, "sales@mine.test", "/partner/customers").await;
    assert_eq!(
        app.get_html(&partner_browser, &path).await.0,
        StatusCode::FORBIDDEN
    );
    let (mine, _) = sign_in(&app, "manager-of-sales@mine.test", "/manager/partners").await;
    assert_eq!(app.get_html(&mine, &path).await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_navigation_counts_pending_removals_and_applications_of_my_partners_only() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("sales@count.test").await;
    let leaving = customers(&app, partner, &["x@count.test", "y@count.test"]).await;
    app.partner("sales@other-count.test").await;
    let (manager, _) = sign_in(&app, "manager-of-sales@count.test", "/manager/partners").await;
    let (_, before) = app.get_html(&manager, "/manager/partners").await;
    assert_eq!(nav_count(&before, "Removals"), None, "nothing waits yet");

    let partner_browser = sign_in(&app, "sales@count.test", "/partner/customers").await;
    let requests = removal_requests(&app, &partner_browser, &leaving).await;
    let applicant = sign_in(&app, "x@count.test", "/customer").await;
    partnership_application(&app, &applicant).await;

    let (_, page) = app.get_html(&manager, "/manager/audit").await;
    assert_eq!(nav_count(&page, "Removals"), Some(2));
    assert_eq!(nav_count(&page, "Applications"), Some(1));
    let (_, security) = app.get_html(&manager, "/manager/security").await;
    assert_eq!(
        nav_count(&security, "Removals"),
        Some(2),
        "on every console page"
    );

    let (other, _) = sign_in(
        &app,
        "manager-of-sales@other-count.test",
        "/manager/partners",
    )
    .await;
    let (_, theirs) = app.get_html(&other, "/manager/partners").await;
    assert_eq!(nav_count(&theirs, "Removals"), None);
    assert_eq!(nav_count(&theirs, "Applications"), None);

    let csrf = app.csrf_for(&manager, "/manager/removals").await;
    let reject = format!("/manager/removals/{}/reject", requests[&leaving[0]]);
    let fields = [("csrf_token", csrf.as_str()), ("reason", "Keep them")];
    app.post_form(&manager, &reject, &fields).await;
    let (_, after) = app.get_html(&manager, "/manager/removals").await;
    assert_eq!(
        nav_count(&after, "Removals"),
        Some(1),
        "a decision leaves the count"
    );
}
