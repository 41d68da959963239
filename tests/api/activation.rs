//! Activation links: 48 hours, once, superseded by a newer one, and clear pages otherwise.

use reqwest::StatusCode;
use time::Duration;
use yeastar_portal::accounts::model::Role;

use crate::helpers::{client, csrf_token, location, spawn_app, PASSWORD};

#[tokio::test]
async fn activation_link_is_accepted_just_before_48_hours_and_refused_at_48_hours() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@one.test").await;
    let (_, early_link) = app
        .create_account(Role::Customer, "early@c.test", None, Some(partner))
        .await;
    let (_, late_link) = app
        .create_account(Role::Customer, "late@c.test", None, Some(partner))
        .await;

    app.clock
        .advance(Duration::hours(48) - Duration::seconds(1));
    let response = app.activate(&early_link, PASSWORD).await;
    assert_eq!(
        location(&response),
        "/login",
        "one second before 48 h the link works"
    );

    app.clock.advance(Duration::seconds(1));
    let path = late_link.strip_prefix(&app.address).unwrap();
    let (status, html) = app.get_html(&client(), path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("This activation link has expired"));
    // The page names whom to ask: the partner's account manager, by name and email.
    assert!(html.contains("Test Manager"), "{html}");
    assert!(html.contains("manager-of-p@one.test"));
    let response = app.activate_raw_post(&late_link).await;
    assert_eq!(
        response.status(),
        StatusCode::GONE,
        "posting the form after expiry is refused too"
    );
    let status: String = app
        .one("select status::text from accounts where email = 'late@c.test'")
        .await;
    assert_eq!(status, "pending_activation");
}

#[tokio::test]
async fn a_used_link_says_the_account_is_already_active_and_links_to_sign_in() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@two.test").await;
    let (_, link) = app
        .create_account(Role::Customer, "once@c.test", None, Some(partner))
        .await;
    assert_eq!(location(&app.activate(&link, PASSWORD).await), "/login");

    let path = link.strip_prefix(&app.address).unwrap();
    let (status, html) = app.get_html(&client(), path).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("Your account is already active"));
    assert!(html.contains("href=\"/login\""));

    // A second password set through the old link is refused and the first password still works.
    let response = app.activate_raw_post(&link).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let signed_in = app.login(&client(), "once@c.test", PASSWORD).await;
    assert_eq!(location(&signed_in), "/customer");
}

#[tokio::test]
async fn a_newer_link_replaces_every_earlier_one() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@three.test").await;
    let (id, old_link) = app
        .create_account(Role::Customer, "twice@c.test", None, Some(partner))
        .await;
    let mut conn = app.db.acquire().await.unwrap();
    let (token, _) = yeastar_portal::activation::issue(&mut conn, id, app.now())
        .await
        .unwrap();

    let path = old_link.strip_prefix(&app.address).unwrap();
    let (status, html) = app.get_html(&client(), path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(html.contains("replaced"));
    let new_link = format!("{}/activate/{token}", app.address);
    assert_eq!(location(&app.activate(&new_link, PASSWORD).await), "/login");
}

#[tokio::test]
async fn an_unknown_link_gets_a_clear_404() {
    let app = spawn_app().await;
    let (status, html) = app.get_html(&client(), "/activate/not-a-real-token").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("This activation link is not valid"));
}

#[tokio::test]
async fn weak_or_mismatched_passwords_are_refused_next_to_their_fields() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@four.test").await;
    let (_, link) = app
        .create_account(Role::Customer, "weak@c.test", None, Some(partner))
        .await;
    let browser = client();
    let path = link.strip_prefix(&app.address).unwrap();
    let csrf = app.csrf_for(&browser, path).await;

    for (password, confirm, message) in [
        ("short", "short", "Use at least 8 characters."),
        (
            "password123",
            "password123",
            "This password is too easy to guess.",
        ),
        (
            "Sunrise over Xiamen 42",
            "Sunrise over Xiamen 43",
            "The two passwords do not match.",
        ),
    ] {
        let response = app
            .post_form(
                &browser,
                path,
                &[
                    ("csrf_token", &csrf),
                    ("password", password),
                    ("password_confirm", confirm),
                ],
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = response.text().await.unwrap();
        assert!(html.contains(message), "{message:?} should be shown");
        assert!(html.contains("class=\"error\""));
    }
    let pending: i64 = app
        .count(
            "select count(*) from accounts where email = 'weak@c.test' and password_hash is null",
        )
        .await;
    assert_eq!(pending, 1, "nothing was saved");
}

impl crate::helpers::TestApp {
    /// Posts the activation form for `link` with a fresh session, whatever page GET shows.
    pub async fn activate_raw_post(&self, link: &str) -> reqwest::Response {
        let browser = client();
        let (_, html) = self.get_html(&browser, "/login").await;
        let csrf = csrf_token(&html);
        let path = link.strip_prefix(&self.address).unwrap();
        self.post_form(
            &browser,
            path,
            &[
                ("csrf_token", &csrf),
                ("password", "Another fine password 1"),
                ("password_confirm", "Another fine password 1"),
            ],
        )
        .await
    }
}
