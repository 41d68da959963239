//! The history of decisions on removals and partnership applications ("Decided" on the
//! manager's Removals and Applications pages), and what a pending application shows.

use time::Duration;
use yeastar_portal::accounts::model::{AccountId, Role};
use yeastar_portal::format::{datetime, Zone};

use crate::fixtures::{partnership_application, removal_requests, sign_in};
use crate::helpers::{hidden_fields, location, spawn_app};

/// As the test manager reads times: the test accounts are in Germany.
fn berlin(at: time::OffsetDateTime) -> String {
    datetime(at, &Zone::parse("Europe/Berlin").unwrap())
}

/// The rows of the "Decided" table of a page.
fn decided_rows(html: &str) -> Vec<&str> {
    let Some(start) = html.find("id=\"decided\"") else {
        return Vec::new();
    };
    html[start..]
        .split("<tr>")
        .skip(2) // the heading row
        .map(|row| row.split("</tr>").next().unwrap_or_default())
        .collect()
}

/// The "Older decisions" link of a page, unescaped.
fn older_link(html: &str) -> Option<String> {
    let end = html.find("\">Older decisions")?;
    let start = html[..end].rfind("href=\"")? + "href=\"".len();
    Some(
        html[start..end]
            .replace("&amp;", "&")
            .replace("&#x23;", "#"),
    )
}

#[tokio::test]
async fn decided_removals_show_who_decided_when_and_why_newest_first_in_pages() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("sales@history.test").await;
    let mut leaving: Vec<AccountId> = Vec::new();
    for i in 0..21 {
        let email = format!("c{i}@history.test");
        let (id, _) = app
            .create_account(Role::Customer, &email, None, Some(partner))
            .await;
        leaving.push(id);
    }
    let partner_browser = sign_in(&app, "sales@history.test", "/partner/customers").await;
    let requests = removal_requests(&app, &partner_browser, &leaving).await;
    let (manager, csrf) = sign_in(&app, "manager-of-sales@history.test", "/manager/removals").await;

    // The first is approved (through its confirmation page), the other twenty rejected, a
    // minute apart.
    let approve = format!("/manager/removals/{}/approve", requests[&leaving[0]]);
    let (_, confirm) = app.get_html(&manager, &approve).await;
    let mut fields = hidden_fields(&confirm, &approve);
    fields.push(("reason".into(), "Confirmed with the partner".into()));
    manager
        .post(app.url(&approve))
        .form(&fields)
        .send()
        .await
        .unwrap();
    let approved_at = app.now();
    for (i, customer) in leaving.iter().enumerate().skip(1) {
        app.clock.advance(Duration::minutes(1));
        let reject = format!("/manager/removals/{}/reject", requests[customer]);
        let reason = format!("Still paying, case {i}");
        let fields = [("csrf_token", csrf.as_str()), ("reason", reason.as_str())];
        app.post_form(&manager, &reject, &fields).await;
    }

    let (_, first) = app.get_html(&manager, "/manager/removals").await;
    let rows = decided_rows(&first);
    assert_eq!(rows.len(), 20, "one page of decisions");
    assert!(
        rows[0].contains("c20@history.test"),
        "newest first: {}",
        rows[0]
    );
    assert!(rows[0].contains("Rejected") && rows[0].contains("Still paying, case 20"));
    assert!(rows[0].contains("Test Manager"), "who decided");
    assert!(
        rows[0].contains("Left the company"),
        "what the partner asked"
    );
    let next = older_link(&first).expect("a page of older decisions");
    let (_, second) = app.get_html(&manager, &next).await;
    let rows = decided_rows(&second);
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains("c0@history.test") && rows[0].contains("Approved"));
    assert!(rows[0].contains("Confirmed with the partner"));
    assert!(rows[0].contains(&berlin(approved_at)), "when");
    assert!(older_link(&second).is_none());

    // Another manager's history is their own.
    app.partner("sales@other-history.test").await;
    let (other, _) = sign_in(
        &app,
        "manager-of-sales@other-history.test",
        "/manager/removals",
    )
    .await;
    let (_, theirs) = app.get_html(&other, "/manager/removals").await;
    assert!(decided_rows(&theirs).is_empty());
    assert!(theirs.contains("No removal request of your partners has been decided yet."));
}

#[tokio::test]
async fn an_application_shows_its_country_and_date_and_its_decision_joins_the_history() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("sales@app-history.test").await;
    app.customer_of(partner, "boss@app-history.test").await;
    let applicant = sign_in(&app, "boss@app-history.test", "/customer/partnership").await;
    let applied_at = app.now();
    let id = partnership_application(&app, &applicant).await;
    let (manager, csrf) = sign_in(
        &app,
        "manager-of-sales@app-history.test",
        "/manager/applications",
    )
    .await;

    let (_, page) = app.get_html(&manager, "/manager/applications").await;
    assert!(
        page.contains("<dd>Poland</dd>"),
        "the country's name: {page}"
    );
    assert!(!page.contains("<dd>PL</dd>"));
    assert!(page.contains(&berlin(applied_at)), "the date it came in");
    assert!(page.contains("No application from your partners' customers has been decided yet."));

    app.clock.advance(Duration::minutes(5));
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("decision", "reject"),
        ("reason", "Apply again once you sell 50 extensions a year."),
    ];
    let decided = app
        .post_form(&manager, &format!("/manager/applications/{id}"), &fields)
        .await;
    assert_eq!(
        location(&decided),
        "/manager/applications",
        "{:?}",
        decided.text().await
    );
    let (_, page) = app.get_html(&manager, "/manager/applications").await;
    let rows = decided_rows(&page);
    assert_eq!(rows.len(), 1);
    let row = rows[0];
    assert!(
        row.contains("Dental Voice") && row.contains("Poland"),
        "{row}"
    );
    assert!(row.contains("boss@app-history.test") && row.contains("Rejected"));
    assert!(row.contains("Apply again once you sell 50 extensions a year."));
    assert!(row.contains("Test Manager") && row.contains(&berlin(app.now())));

    app.partner("sales@app-elsewhere.test").await;
    let (other, _) = sign_in(
        &app,
        "manager-of-sales@app-elsewhere.test",
        "/manager/applications",
    )
    .await;
    let (_, theirs) = app.get_html(&other, "/manager/applications").await;
    assert!(decided_rows(&theirs).is_empty() && !theirs.contains("Dental Voice"));
}
