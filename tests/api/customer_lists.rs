//! The partner's customer list: each status filter, a status word in the search, and the
//! name and creation sorts, keyset-paginated over ties and scoped by partner.

use reqwest::{Client, StatusCode};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use yeastar_portal::accounts::model::Role;

use crate::helpers::list_pages::{column, set, sorted, walk};
use crate::helpers::{csrf_token, spawn_app, TestApp};

/// A partner with customers in every state and another partner with customers of their own.
/// Returns the signed-in partner.
async fn customers_in_every_state(app: &TestApp) -> Client {
    let (_, partner) = app.partner("p@states.test").await;
    let (_, other) = app.partner("p@other-states.test").await;
    app.create_account(Role::Customer, "late@states.test", None, Some(partner))
        .await;
    app.create_account(Role::Customer, "late@theirs.test", None, Some(other))
        .await;
    // Two days on: the first links have expired.
    app.clock.advance(Duration::hours(49));
    for (email, of) in [("new@states.test", partner), ("new@theirs.test", other)] {
        app.create_account(Role::Customer, email, None, Some(of))
            .await;
    }
    let mut ids = Vec::new();
    for email in ["a1@states.test", "leaving@states.test", "gone@states.test"] {
        ids.push(app.customer_of(partner, email).await);
    }
    app.customer_of(other, "active@theirs.test").await;
    let browser = app.signed_in_as("p@states.test").await;
    for customer in &ids[1..] {
        let path = format!("/partner/customers/{customer}/removal-request");
        let csrf = app.csrf_for(&browser, &path).await;
        let asked = app
            .post_form(
                &browser,
                &path,
                &[("csrf_token", &csrf), ("reason", "Left")],
            )
            .await;
        assert!(asked.status().is_redirection());
    }
    let manager_browser = app.signed_in_as("manager-of-p@states.test").await;
    let request: Uuid =
        sqlx::query_scalar("select id from removal_requests where customer_id = $1")
            .bind(ids[2])
            .fetch_one(&app.db)
            .await
            .unwrap();
    let (_, queue) = app.get_html(&manager_browser, "/manager/removals").await;
    let approved = app
        .post_form(
            &manager_browser,
            &format!("/manager/removals/{request}/approve"),
            &[("csrf_token", &csrf_token(&queue)), ("confirm", "yes")],
        )
        .await;
    assert!(approved.status().is_redirection());
    browser
}

#[tokio::test]
async fn each_customer_status_filter_shows_exactly_the_partners_customers_in_that_state() {
    let app = spawn_app().await;
    let partner = customers_in_every_state(&app).await;
    let emails = |status: &'static str| {
        let app = &app;
        let partner = partner.clone();
        async move {
            let path = format!("/partner/customers?status={status}");
            let (code, html) = app.get_html(&partner, &path).await;
            assert_eq!(code, StatusCode::OK, "{path}");
            assert!(
                html.contains(&format!("<option value=\"{status}\" selected>")),
                "{path}: the select shows the filter"
            );
            (set(column(&html, "Email")), html)
        }
    };
    let (all, _) = emails("all").await;
    assert_eq!(
        all,
        [
            "a1@states.test",
            "late@states.test",
            "leaving@states.test",
            "new@states.test"
        ]
    );
    let (active, _) = emails("active").await;
    assert_eq!(active, ["a1@states.test", "leaving@states.test"]);
    let (pending, html) = emails("pending").await;
    assert_eq!(pending, ["new@states.test"]);
    assert!(html.contains("<span class=\"badge badge-pending\">Pending activation</span>"));
    let (expired, html) = emails("link_expired").await;
    assert_eq!(expired, ["late@states.test"]);
    assert!(html.contains("<span class=\"badge badge-expired\">Link expired</span>"));
    let (leaving, _) = emails("removal_requested").await;
    assert_eq!(leaving, ["leaving@states.test"]);
    let (removed, html) = emails("removed").await;
    assert_eq!(removed, ["gone@states.test"]);
    // Listed for the record, but a removed customer has no page to link to.
    assert!(!html.contains("<a href=\"/partner/customers/"));
    let (_, none) = app
        .get_html(&partner, "/partner/customers?status=removed&q=nobody")
        .await;
    assert!(none.contains("No customer matches “nobody” with this status."));
}

#[tokio::test]
async fn searching_a_status_word_on_customers_filters_by_that_status() {
    let app = spawn_app().await;
    let partner = customers_in_every_state(&app).await;
    let (status, html) = app.get_html(&partner, "/partner/customers?q=pending").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(set(column(&html, "Email")), ["new@states.test"]);
    assert!(html.contains("Showing customers with the status “Pending activation”."));
    assert!(html.contains("<option value=\"pending\" selected>"));
    assert!(
        html.contains("name=\"q\" value=\"\""),
        "the word became the filter"
    );

    let (_, html) = app
        .get_html(&partner, "/partner/customers?q=Link+Expired")
        .await;
    assert_eq!(set(column(&html, "Email")), ["late@states.test"]);
    // A status chosen in the select wins: the words are then searched as text.
    let (_, html) = app
        .get_html(&partner, "/partner/customers?status=active&q=pending")
        .await;
    assert!(column(&html, "Email").is_empty());
    assert!(html.contains("No customer matches “pending” with this status."));
}

#[tokio::test]
async fn customers_sorted_by_name_or_creation_page_through_ties_once_each_in_order() {
    let app = spawn_app().await;
    let (_, partner_id) = app.partner("p@sort.test").await;
    let (_, other) = app.partner("p@other-sort.test").await;
    let names = [("Ann", "Able"), ("bob", "Baker"), ("Cara", "Cole")];
    for i in 0..60 {
        let email = format!("c{i:02}@sort.test");
        let (id, _) = app
            .create_account(Role::Customer, &email, None, Some(partner_id))
            .await;
        let (first, last) = names[i % 3];
        app.rename(id, first, last).await;
        // Groups of seven share their creation time.
        if i % 7 == 6 {
            app.clock.advance(Duration::seconds(1));
        }
    }
    let (theirs, _) = app
        .create_account(Role::Customer, "ann@other-sort.test", None, Some(other))
        .await;
    app.rename(theirs, "Ann", "Able").await;
    let partner = app.signed_in_as("p@sort.test").await;

    let rows: Vec<(String, String, OffsetDateTime, Uuid)> = sqlx::query_as(
        "select email, lower(first_name || ' ' || last_name), created_at, id from accounts \
         where partner_id = $1",
    )
    .bind(partner_id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    let emails = |rows: Vec<(String, String, OffsetDateTime, Uuid)>| {
        rows.into_iter().map(|r| r.0).collect::<Vec<_>>()
    };
    let by_name = sorted(&rows, |a, b| (&a.1, a.3).cmp(&(&b.1, b.3)));
    let by_time = sorted(&rows, |a, b| (a.2, a.3).cmp(&(b.2, b.3)));
    let all_by_name = emails(by_name.clone());
    let cases = [
        ("name", all_by_name.clone()),
        ("name_desc", emails(by_name.into_iter().rev().collect())),
        ("oldest", emails(by_time.clone())),
        ("newest", emails(by_time.into_iter().rev().collect())),
    ];
    for (sort, expected) in cases {
        let seen = walk(
            &app,
            &partner,
            &format!("/partner/customers?sort={sort}"),
            "Email",
        )
        .await;
        assert_eq!(seen.len(), 60, "{sort}: every customer once");
        assert_eq!(seen, expected, "{sort}");
    }
    // The filter and the order hold on every page (all 60 are pending).
    let seen = walk(
        &app,
        &partner,
        "/partner/customers?status=pending&sort=name",
        "Email",
    )
    .await;
    assert_eq!(seen, all_by_name);
}
