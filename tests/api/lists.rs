//! The lists people search every day: the licence search, and the status filters and sort
//! orders of the customer, licence and order lists, keyset-paginated over ties and scoped by
//! partner.

use reqwest::{Client, StatusCode};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use yeastar_portal::accounts::model::{AccountId, Role};

use crate::helpers::{csrf_token, spawn_app, TestApp};
use crate::orders::buy;

/// One column of a list page, in page order: the text of each `<td data-label="…">` cell past
/// its leading tags, up to the next one (a licence key without its order number, an order's
/// number without its link).
fn column(html: &str, label: &str) -> Vec<String> {
    let marker = format!("<td data-label=\"{label}\"");
    html.split(&marker)
        .skip(1)
        .map(|cell| {
            let mut rest = &cell[cell.find('>').unwrap() + 1..];
            while rest.starts_with('<') {
                rest = &rest[rest.find('>').unwrap() + 1..];
            }
            rest.chars()
                .take_while(|c| *c != '<')
                .collect::<String>()
                .trim()
                .to_owned()
        })
        .collect()
}

fn next_link(html: &str) -> Option<String> {
    let end = html.find("\">Next page →</a>")?;
    let start = html[..end].rfind("href=\"")? + "href=\"".len();
    Some(html[start..end].replace("&amp;", "&").replace("&#38;", "&"))
}

/// Every row of a list from `path` on, following its Next page links.
async fn walk(app: &TestApp, browser: &Client, path: &str, label: &str) -> Vec<String> {
    let mut rows = Vec::new();
    let mut next = Some(path.to_owned());
    let mut pages = 0;
    while let Some(url) = next {
        let (status, html) = app.get_html(browser, &url).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        let page = column(&html, label);
        assert!(page.len() <= 25, "{url}: a page holds at most 25 rows");
        rows.extend(page);
        next = next_link(&html);
        pages += 1;
        assert!(pages < 20, "{path}: the pages never end: {url} {:?}", next);
    }
    rows
}

fn sorted<T: Clone>(rows: &[T], key: impl Fn(&T, &T) -> std::cmp::Ordering) -> Vec<T> {
    let mut rows = rows.to_vec();
    rows.sort_by(key);
    rows
}

async fn signed_in(app: &TestApp, email: &str) -> Client {
    app.signed_in_as(email).await
}

async fn keys_of_order(app: &TestApp, number: &str) -> Vec<String> {
    sqlx::query_scalar(
        "select l.key from licenses l join orders o on o.id = l.order_id \
         where o.number = $1 order by l.key",
    )
    .bind(number)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

fn set(mut rows: Vec<String>) -> Vec<String> {
    rows.sort();
    rows
}

#[tokio::test]
async fn licence_search_finds_a_key_by_its_middle_and_an_order_by_its_number_only_among_the_partners_own(
) {
    let app = spawn_app().await;
    let (partner, partner_id) = app.signed_in_partner("p@search.test").await;
    app.active_account(
        Role::Customer,
        "zoe@harbour-dental.test",
        None,
        Some(partner_id),
    )
    .await;
    buy(&app, &partner, &[("licenses", "3")]).await;
    buy(
        &app,
        &partner,
        &[
            ("licenses", "2"),
            ("customer_email", "zoe@harbour-dental.test"),
        ],
    )
    .await;
    let (other, _) = app.signed_in_partner("other@search.test").await;
    buy(&app, &other, &[("licenses", "4")]).await;
    let first = keys_of_order(&app, "YP-001001").await;
    let second = keys_of_order(&app, "YP-001002").await;
    let theirs = keys_of_order(&app, "YP-001003").await;
    let search = |q: &str| {
        let path = format!(
            "/partner/products/cloud_pbx?q={}",
            serde_urlencoded::to_string([("", q)]).unwrap()[1..].to_owned()
        );
        let partner = partner.clone();
        let app = &app;
        async move {
            let (status, html) = app.get_html(&partner, &path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            (set(column(&html, "Licence key")), html)
        }
    };

    // "YS-7K2M-9QX4-PL3D-8WZA": the third group, typed in lower case.
    let middle = first[0][8..12].to_lowercase();
    let (found, _) = search(&middle).await;
    assert!(found.contains(&first[0]), "{middle}: {found:?}");
    for key in &theirs {
        let (found, _) = search(&key[13..]).await;
        assert!(!found.contains(key), "another partner's licence {key}");
    }

    let (found, html) = search("001001").await;
    assert_eq!(found, first, "the order number without its prefix");
    assert_eq!(
        html.matches("order <span class=\"ident\">YP-001001</span>")
            .count(),
        3
    );
    let (found, _) = search("yp-001002").await;
    assert_eq!(found, second, "the whole order number in any case");
    let (found, html) = search("001003").await;
    assert!(found.is_empty(), "another partner's order: {found:?}");
    assert!(html.contains("No licence matches “001003”"));

    let (found, _) = search("harbour").await;
    assert_eq!(found, second, "by customer");
    let (found, _) = search("ultimate").await;
    assert_eq!(
        found,
        set([first.clone(), second.clone()].concat()),
        "by plan"
    );

    // LIKE wildcards typed by a person are text: nothing holds "%" or "YS_".
    for wildcard in ["%", "YS_", "_S-"] {
        let (found, _) = search(wildcard).await;
        assert!(found.is_empty(), "{wildcard}: {found:?}");
    }
}

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
        ids.push(
            app.active_account(Role::Customer, email, None, Some(partner))
                .await,
        );
    }
    app.active_account(Role::Customer, "active@theirs.test", None, Some(other))
        .await;
    let browser = signed_in(app, "p@states.test").await;
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
    let manager_browser = signed_in(app, "manager-of-p@states.test").await;
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
        rename(&app, id, first, last).await;
        // Groups of seven share their creation time.
        if i % 7 == 6 {
            app.clock.advance(Duration::seconds(1));
        }
    }
    let (theirs, _) = app
        .create_account(Role::Customer, "ann@other-sort.test", None, Some(other))
        .await;
    rename(&app, theirs, "Ann", "Able").await;
    let partner = signed_in(&app, "p@sort.test").await;

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

async fn rename(app: &TestApp, id: AccountId, first: &str, last: &str) {
    sqlx::query("update accounts set first_name = $2, last_name = $3 where id = $1")
        .bind(id)
        .bind(first)
        .bind(last)
        .execute(&app.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn licences_sorted_by_creation_or_expiry_page_through_ties_once_each_in_order() {
    let app = spawn_app().await;
    let (partner, partner_id) = app.signed_in_partner("p@licence-sort.test").await;
    // Two orders bought at the same instant with different terms, and a third a second later
    // with the first one's term: ties on creation and on expiry, across pages of 25.
    buy(&app, &partner, &[("licenses", "20"), ("term", "1y")]).await;
    buy(&app, &partner, &[("licenses", "20"), ("term", "monthly")]).await;
    app.clock.advance(Duration::seconds(1));
    buy(&app, &partner, &[("licenses", "20"), ("term", "1y")]).await;
    let (other, _) = app.signed_in_partner("p@other-licence-sort.test").await;
    buy(&app, &other, &[("licenses", "3")]).await;

    let rows: Vec<(String, OffsetDateTime, time::Date, Uuid)> =
        sqlx::query_as("select key, created_at, ends_on, id from licenses where partner_id = $1")
            .bind(partner_id)
            .fetch_all(&app.db)
            .await
            .unwrap();
    let keys = |rows: Vec<(String, OffsetDateTime, time::Date, Uuid)>| {
        rows.into_iter().map(|r| r.0).collect::<Vec<_>>()
    };
    let by_time = sorted(&rows, |a, b| (a.1, a.3).cmp(&(b.1, b.3)));
    let by_expiry = sorted(&rows, |a, b| (a.2, a.3).cmp(&(b.2, b.3)));
    let soonest = keys(by_expiry.clone());
    let cases = [
        ("oldest", keys(by_time.clone())),
        ("newest", keys(by_time.into_iter().rev().collect())),
        ("expiry", keys(by_expiry.clone())),
        ("expiry_desc", keys(by_expiry.into_iter().rev().collect())),
    ];
    for (sort, expected) in cases {
        let seen = walk(
            &app,
            &partner,
            &format!("/partner/products/cloud_pbx?sort={sort}"),
            "Licence key",
        )
        .await;
        assert_eq!(seen.len(), 60, "{sort}: every licence once");
        assert_eq!(seen, expected, "{sort}");
    }
    // A search keeps its order and its pages: the plan matches all 60.
    let seen = walk(
        &app,
        &partner,
        "/partner/products/cloud_pbx?q=ultimate&sort=expiry",
        "Licence key",
    )
    .await;
    assert_eq!(seen, soonest);
}

#[tokio::test]
async fn licence_filters_show_associated_unassigned_expiring_and_expired_licences() {
    let app = spawn_app().await;
    let (partner, partner_id) = app.signed_in_partner("p@licence-filter.test").await;
    app.active_account(
        Role::Customer,
        "c@licence-filter.test",
        None,
        Some(partner_id),
    )
    .await;
    buy(
        &app,
        &partner,
        &[
            ("licenses", "2"),
            ("term", "1y"),
            ("customer_email", "c@licence-filter.test"),
        ],
    )
    .await;
    buy(&app, &partner, &[("licenses", "3"), ("term", "1y")]).await;
    buy(&app, &partner, &[("licenses", "1"), ("term", "monthly")]).await;
    let (other, _) = app.signed_in_partner("p@other-licence-filter.test").await;
    buy(&app, &other, &[("licenses", "1"), ("term", "monthly")]).await;
    let associated = keys_of_order(&app, "YP-001001").await;
    let yearly = keys_of_order(&app, "YP-001002").await;
    let monthly = keys_of_order(&app, "YP-001003").await;

    let keys = |browser: Client, status: &'static str| {
        let app = &app;
        async move {
            let path = format!("/partner/products/cloud_pbx?status={status}");
            let (code, html) = app.get_html(&browser, &path).await;
            assert_eq!(code, StatusCode::OK, "{path}");
            (set(column(&html, "Licence key")), html)
        }
    };
    assert_eq!(keys(partner.clone(), "associated").await.0, associated);
    assert_eq!(
        keys(partner.clone(), "unassigned").await.0,
        set([yearly.clone(), monthly.clone()].concat())
    );
    // Ten days on, the monthly licence ends within 30 days; nothing has expired yet.
    app.clock.advance(Duration::days(10));
    let partner = signed_in(&app, "p@licence-filter.test").await;
    assert_eq!(keys(partner.clone(), "expiring").await.0, monthly);
    let (expired, html) = keys(partner.clone(), "expired").await;
    assert!(expired.is_empty());
    assert!(html.contains("No licence has this status"));
    // Past its last day it is expired, and shown so.
    app.clock.advance(Duration::days(30));
    let partner = signed_in(&app, "p@licence-filter.test").await;
    let (expired, html) = keys(partner.clone(), "expired").await;
    assert_eq!(expired, monthly);
    assert!(html.contains("<span class=\"badge badge-expired\">Expired</span>"));
    assert!(keys(partner.clone(), "expiring").await.0.is_empty());
    assert_eq!(keys(partner, "all").await.0.len(), 6);
}

#[tokio::test]
async fn orders_filtered_by_status_and_sorted_by_date_or_total_page_through_ties_once_each() {
    let app = spawn_app().await;
    let (partner, partner_id) = app.signed_in_partner("p@order-list.test").await;
    // 27 orders in three sizes (ties on the total), created in groups of ten (ties on time).
    for i in 0..27 {
        let units = ["10", "20", "30"][i % 3];
        buy(&app, &partner, &[("units", units)]).await;
        if i % 10 == 9 {
            app.clock.advance(Duration::seconds(1));
        }
    }
    let (other, _) = app.signed_in_partner("p@other-order-list.test").await;
    buy(&app, &other, &[]).await;
    // Payment is recorded outside the portal; mark some orders paid and one cancelled.
    sqlx::query("update orders set status = 'paid' where units = 20")
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("update orders set status = 'cancelled' where number = 'YP-001003'")
        .execute(&app.db)
        .await
        .unwrap();

    let rows: Vec<(String, OffsetDateTime, i64, Uuid, String)> = sqlx::query_as(
        "select number, created_at, total_minor, id, status::text from orders where partner_id = $1",
    )
    .bind(partner_id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    let numbers = |rows: Vec<(String, OffsetDateTime, i64, Uuid, String)>| {
        rows.into_iter().map(|r| r.0).collect::<Vec<_>>()
    };
    let by_time = sorted(&rows, |a, b| (a.1, a.3).cmp(&(b.1, b.3)));
    let by_total = sorted(&rows, |a, b| (a.2, a.3).cmp(&(b.2, b.3)));
    let cases = [
        ("oldest", numbers(by_time.clone())),
        ("newest", numbers(by_time.into_iter().rev().collect())),
        ("total", numbers(by_total.clone())),
        ("total_desc", numbers(by_total.into_iter().rev().collect())),
    ];
    for (sort, expected) in cases {
        let seen = walk(
            &app,
            &partner,
            &format!("/partner/orders?sort={sort}"),
            "Order",
        )
        .await;
        assert_eq!(seen.len(), 27, "{sort}: every order once");
        assert_eq!(seen, expected, "{sort}");
    }
    for status in ["paid", "cancelled", "awaiting_payment"] {
        let expected = set(rows
            .iter()
            .filter(|r| r.4 == status)
            .map(|r| r.0.clone())
            .collect());
        let seen = walk(
            &app,
            &partner,
            &format!("/partner/orders?status={status}&sort=total"),
            "Order",
        )
        .await;
        assert_eq!(set(seen), expected, "{status}");
    }
    let (_, paid) = app.get_html(&partner, "/partner/orders?status=paid").await;
    assert_eq!(
        paid.matches("<td data-label=\"Status\">Paid</td>").count(),
        9
    );
    assert!(!paid.contains("YP-001028"), "another partner's order");
}

#[tokio::test]
async fn an_unknown_filter_or_sort_is_a_422_that_says_so_and_shows_the_default_list() {
    let app = spawn_app().await;
    let (partner, partner_id) = app.signed_in_partner("p@unknown-filter.test").await;
    app.create_account(
        Role::Customer,
        "c@unknown-filter.test",
        None,
        Some(partner_id),
    )
    .await;
    buy(&app, &partner, &[("licenses", "1")]).await;
    let lists = [
        ("/partner/customers", "c@unknown-filter.test", "name"),
        ("/partner/products/cloud_pbx", "YP-001001</span>", "expiry"),
        ("/partner/orders", "YP-001001", "total"),
    ];
    for (path, row, sort) in lists {
        for query in ["status=bogus", "sort=bogus", "status=all&sort=%27%3B--"] {
            let url = format!("{path}?{query}");
            let (status, html) = app.get_html(&partner, &url).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
            assert!(html.contains("is not one of the choices"), "{url}");
            assert!(
                html.contains("class=\"error\""),
                "{url}: next to the select"
            );
            assert!(html.contains(row), "{url}: the default list is shown");
        }
        // A cursor that does not fit the order starts the list again instead of failing.
        let id = Uuid::now_v7();
        for after in [
            "garbage",
            "abc.not-a-uuid",
            &format!("x{id}"),
            &format!("1.5.{id}"),
        ] {
            let url = format!("{path}?sort={sort}&after={after}");
            let (status, html) = app.get_html(&partner, &url).await;
            assert_eq!(status, StatusCode::OK, "{url}");
            assert!(html.contains(row), "{url}");
        }
    }
}
