//! What every list page shares: an unknown filter or sort is a 422 that says so and shows the
//! default list, and a cursor that does not fit the order starts the list again.

use reqwest::StatusCode;
use uuid::Uuid;
use yeastar_portal::accounts::model::Role;

use crate::helpers::{buy, spawn_app};

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
