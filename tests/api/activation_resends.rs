//! The account manager resends activation links: the new link replaces the old one, at most
//! five times per account a day, several accounts at once.

use reqwest::{Client, StatusCode};
use time::Duration;
use yeastar_portal::accounts::model::{AccountId, Role};

use crate::helpers::{client, location, spawn_app, TestApp, PASSWORD};

pub async fn resend(app: &TestApp, manager: &Client, account: AccountId) -> reqwest::Response {
    let csrf = app.csrf_for(manager, "/manager/activations").await;
    app.post_form(
        manager,
        &format!("/manager/accounts/{account}/resend-activation"),
        &[("csrf_token", &csrf)],
    )
    .await
}

#[tokio::test]
async fn a_resend_replaces_the_old_link_and_the_new_one_works() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@resend.test").await;
    let (customer, old_link) = app
        .create_account(Role::Customer, "late@resend.test", None, Some(partner))
        .await;
    app.clock.advance(Duration::hours(50));
    let manager = app.signed_in_as("manager-of-p@resend.test").await;
    let (_, page) = app.get_html(&manager, "/manager/activations").await;
    assert!(page.contains("late@resend.test") && page.contains("Expired"));

    let before = app.audit_count("activation.resent").await;
    let response = resend(&app, &manager, customer).await;
    assert_eq!(location(&response), "/manager/activations");
    assert_eq!(
        app.audit_count("activation.resent").await,
        before + 1,
        "exactly one audit entry"
    );
    app.drain_outbox().await;
    let mail = app.smtp.to("late@resend.test");
    let new_link = mail.last().unwrap().link("/activate/").unwrap();
    assert_ne!(new_link, old_link);

    let (status, _) = app
        .get_html(&client(), old_link.strip_prefix(&app.address).unwrap())
        .await;
    assert_eq!(status, StatusCode::GONE, "the old link no longer works");
    assert_eq!(location(&app.activate(&new_link, PASSWORD).await), "/login");
}

#[tokio::test]
async fn resends_are_limited_per_account_per_day() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@limit.test").await;
    let (customer, _) = app
        .create_account(Role::Customer, "limit@resend.test", None, Some(partner))
        .await;
    let manager = app.signed_in_as("manager-of-p@limit.test").await;
    for _ in 0..5 {
        assert_eq!(
            location(&resend(&app, &manager, customer).await),
            "/manager/activations"
        );
    }
    resend(&app, &manager, customer).await;
    let (_, page) = app.get_html(&manager, "/manager/activations").await;
    assert!(
        page.contains("already resent 5 times in the last 24 hours"),
        "{page}"
    );
    assert_eq!(app.audit_count("activation.resent").await, 5);
    app.clock.advance(Duration::hours(25));
    let manager = app.signed_in_as("manager-of-p@limit.test").await;
    resend(&app, &manager, customer).await;
    assert_eq!(
        app.audit_count("activation.resent").await,
        6,
        "a day later it works again"
    );
}

#[tokio::test]
async fn several_accounts_are_resent_at_once() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@bulk.test").await;
    let (a, _) = app
        .create_account(Role::Customer, "a@bulk.test", None, Some(partner))
        .await;
    let (b, _) = app
        .create_account(Role::Customer, "b@bulk.test", None, Some(partner))
        .await;
    let manager = app.signed_in_as("manager-of-p@bulk.test").await;
    let csrf = app.csrf_for(&manager, "/manager/activations").await;
    let (a, b) = (a.to_string(), b.to_string());
    let response = app
        .post_form(
            &manager,
            "/manager/activations/resend",
            &[
                ("csrf_token", &csrf),
                ("account_id", &a),
                ("account_id", &b),
            ],
        )
        .await;
    assert_eq!(location(&response), "/manager/activations");
    let (_, page) = app.get_html(&manager, "/manager/activations").await;
    assert!(page.contains("Resent 2 activation emails."));
    assert_eq!(app.audit_count("activation.resent").await, 2);
}

#[tokio::test]
async fn the_pending_accounts_are_listed_25_a_page_newest_first_each_once() {
    use crate::helpers::list_pages::{column, next_link};
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@pages.test").await;
    let mut emails = Vec::new();
    for n in 0..30 {
        let email = format!("pending{n:02}@pages.test");
        app.create_account(Role::Customer, &email, None, Some(partner))
            .await;
        app.clock.advance(Duration::seconds(1));
        emails.push(email);
    }
    let manager = app.signed_in_as("manager-of-p@pages.test").await;
    let (_, first) = app.get_html(&manager, "/manager/activations").await;
    assert_eq!(column(&first, "Account").len(), 25);
    let second_path = next_link(&first).expect("a Next page link");
    let (status, second) = app.get_html(&manager, &second_path).await;
    assert_eq!(status, StatusCode::OK);
    // The partner's own row (it was created pending too) may be on the second page.
    assert!(column(&second, "Account").len() >= 5);
    assert!(next_link(&second).is_none());
    // Newest first, each once, across the two pages.
    let both = format!("{first}{second}");
    let positions: Vec<usize> = emails
        .iter()
        .rev()
        .map(|email| {
            let shown = format!("<small class=\"muted\">{email}");
            assert_eq!(both.matches(shown.as_str()).count(), 1, "{email}");
            both.find(shown.as_str()).unwrap()
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]));
}
