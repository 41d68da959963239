//! The licence lists: the search by a key's middle or an order's number, the creation and
//! expiry sorts, the filters (associated, unassigned, expiring, expired) and hundreds of
//! licences paged, each scoped to the partner's own.

use reqwest::{Client, StatusCode};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::helpers::list_pages::{column, set, sorted, walk};
use crate::helpers::{buy, spawn_app, TestApp};

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

#[tokio::test]
async fn licence_search_finds_a_key_by_its_middle_and_an_order_by_its_number_only_among_the_partners_own(
) {
    let app = spawn_app().await;
    let (partner, partner_id) = app.signed_in_partner("p@search.test").await;
    app.customer_of(partner_id, "zoe@harbour-dental.test").await;
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
    // From its start, typed in lower case (the index is asked for what follows "YS-").
    let start = first[0][..12].to_lowercase();
    let (found, _) = search(&start).await;
    assert_eq!(found, vec![first[0].clone()], "{start}");
    // "YS-" can occur inside a key too: a term starting with it still means "contains".
    let inside = format!("YS-7KYS-{}", &first[1][8..]);
    sqlx::query("update licenses set key = $1 where key = $2")
        .bind(&inside)
        .bind(&first[1])
        .execute(&app.db)
        .await
        .unwrap();
    let term = format!("ys-{}", first[1][8..12].to_lowercase());
    let (found, _) = search(&term).await;
    assert!(found.contains(&inside), "{term}: {found:?}");
    sqlx::query("update licenses set key = $1 where key = $2")
        .bind(&first[1])
        .bind(&inside)
        .execute(&app.db)
        .await
        .unwrap();
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
    // Too short for a trigram index (no three letters or digits in a row): found along the
    // list instead.
    let (found, _) = search("oe@").await;
    assert_eq!(found, second, "by a short part of the customer's email");
    let short = first[0][8..10].to_lowercase();
    let (found, _) = search(&short).await;
    assert!(found.contains(&first[0]), "{short}: {found:?}");
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

#[tokio::test]
async fn a_customer_found_by_the_digits_in_their_email_is_the_one_whose_email_contains_the_whole_term(
) {
    let app = spawn_app().await;
    let (partner, partner_id) = app.signed_in_partner("p@digits.test").await;
    for email in ["ann.5150@digits.test", "bob.5150@digits.test"] {
        app.customer_of(partner_id, email).await;
        buy(
            &app,
            &partner,
            &[("licenses", "1"), ("customer_email", email)],
        )
        .await;
    }
    let ann = keys_of_order(&app, "YP-001001").await;
    let bob = keys_of_order(&app, "YP-001002").await;
    let search = |q: &'static str| {
        let partner = partner.clone();
        let app = &app;
        async move {
            let path = format!("/partner/products/cloud_pbx?q={q}");
            let (status, html) = app.get_html(&partner, &path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            set(column(&html, "Licence key"))
        }
    };
    // The index is asked for "5150", which both emails have; only Ann's has the whole term.
    assert_eq!(search("ann.5150").await, ann, "ann.5150");
    assert_eq!(search("bob.5150@").await, bob, "bob.5150@");
    assert_eq!(
        search("5150").await,
        set([ann.clone(), bob.clone()].concat()),
        "5150"
    );
    assert!(search("ann.5151").await.is_empty(), "ann.5151");
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
    app.customer_of(partner_id, "c@licence-filter.test").await;
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
    let partner = app.signed_in_as("p@licence-filter.test").await;
    assert_eq!(keys(partner.clone(), "expiring").await.0, monthly);
    let (expired, html) = keys(partner.clone(), "expired").await;
    assert!(expired.is_empty());
    assert!(html.contains("No licence has this status"));
    // Past its last day it is expired, and shown so.
    app.clock.advance(Duration::days(30));
    let partner = app.signed_in_as("p@licence-filter.test").await;
    let (expired, html) = keys(partner.clone(), "expired").await;
    assert_eq!(expired, monthly);
    assert!(html.contains("<span class=\"badge badge-expired\">Expired</span>"));
    assert!(keys(partner.clone(), "expiring").await.0.is_empty());
    assert_eq!(keys(partner, "all").await.0.len(), 6);
}

#[tokio::test]
async fn the_purchased_product_list_is_searchable_and_paginated_over_hundreds_of_licences() {
    let app = spawn_app().await;
    let (partner, partner_id) = app.signed_in_partner("many@orders.test").await;
    app.customer_of(partner_id, "zoe@acme-dental.test").await;
    for _ in 0..3 {
        buy(&app, &partner, &[("licenses", "100")]).await;
    }
    buy(
        &app,
        &partner,
        &[
            ("licenses", "2"),
            ("customer_email", "zoe@acme-dental.test"),
        ],
    )
    .await;
    assert_eq!(app.count("select count(*) from licenses").await, 302);

    let (_, first) = app.get_html(&partner, "/partner/products/cloud_pbx").await;
    assert_eq!(first.matches("<td data-label=\"Licence key\">").count(), 25);
    let mut next = first;
    let mut pages = 1;
    while let Some(start) = next.find("/partner/products/cloud_pbx?after=") {
        let url: String = next[start..].chars().take_while(|c| *c != '"').collect();
        next = app.get_html(&partner, &url.replace("&amp;", "&")).await.1;
        pages += 1;
    }
    assert_eq!(pages, 13, "302 licences in pages of 25");

    let key: String = app
        .one("select key from licenses order by created_at limit 1")
        .await;
    let (_, by_key) = app
        .get_html(
            &partner,
            &format!("/partner/products/cloud_pbx?q={}", &key[..9].to_lowercase()),
        )
        .await;
    assert!(by_key.contains(&key));
    let (_, by_customer) = app
        .get_html(&partner, "/partner/products/cloud_pbx?q=acme")
        .await;
    assert_eq!(
        by_customer
            .matches("<td data-label=\"Licence key\">")
            .count(),
        2
    );
}
