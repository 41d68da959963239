//! Forgot-password requests: limited per email and per address, answered at once and the same
//! way for known and unknown emails, and each new link (or a password change) replaces the
//! older ones.

use reqwest::{Client, StatusCode};

use crate::helpers::{client, location, spawn_app, TestApp, PASSWORD};

async fn forgot_form(app: &TestApp, email: &str) -> (Client, String, Vec<(String, String)>) {
    let browser = client();
    let csrf = app.csrf_for(&browser, "/forgot-password").await;
    let fields = vec![
        ("csrf_token".to_owned(), csrf),
        ("email".to_owned(), email.to_owned()),
    ];
    (browser, "/forgot-password".to_owned(), fields)
}

async fn ask(app: &TestApp, email: &str) -> reqwest::Response {
    let (browser, path, fields) = forgot_form(app, email).await;
    app.post_form(
        &browser,
        &path,
        &fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect::<Vec<_>>(),
    )
    .await
}

/// Every reset link emailed to `email`, oldest first.
async fn links_to(app: &TestApp, email: &str) -> Vec<String> {
    app.reset_requests_handled().await;
    app.drain_outbox().await;
    app.smtp
        .to(email)
        .iter()
        .filter_map(|m| m.link("/reset-password/"))
        .collect()
}

fn path_of<'a>(app: &TestApp, link: &'a str) -> &'a str {
    link.strip_prefix(&app.address).unwrap()
}

#[tokio::test]
async fn reset_requests_are_limited_per_email_even_when_sent_at_once() {
    let app = spawn_app().await;
    app.clock.freeze();
    let (_, _) = app.signed_in_customer("flooded@reset.test").await;
    let mut forms = Vec::new();
    for _ in 0..10 {
        forms.push(forgot_form(&app, "flooded@reset.test").await);
    }
    let responses = app.post_all_at_once(forms).await;
    let answered = responses
        .iter()
        .filter(|(status, body)| {
            *status == StatusCode::OK && body.contains("If an active account uses")
        })
        .count();
    let refused = responses
        .iter()
        .filter(|(status, _)| *status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        (answered, refused),
        (3, 7),
        "three requests per email, then a wait"
    );
    // Each answered request is handled; one that a later one overtook sends nothing.
    let links = links_to(&app, "flooded@reset.test").await;
    assert!((1..=3).contains(&links.len()), "{} emails", links.len());
    // An unknown email is limited the same way, so the limit reveals nothing.
    for _ in 0..3 {
        assert_eq!(
            ask(&app, "nobody@reset.test").await.status(),
            StatusCode::OK
        );
    }
    assert_eq!(
        ask(&app, "nobody@reset.test").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn reset_requests_are_limited_per_client_address() {
    let app = spawn_app().await;
    app.clock.freeze();
    for n in 0..20 {
        let response = ask(&app, &format!("someone{n}@reset.test")).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let response = ask(&app, "one-more@reset.test").await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_new_reset_request_replaces_the_older_link() {
    let app = spawn_app().await;
    app.signed_in_customer("twice@reset.test").await;
    ask(&app, "twice@reset.test").await;
    app.reset_requests_handled().await;
    ask(&app, "twice@reset.test").await;
    let links = links_to(&app, "twice@reset.test").await;
    assert_eq!(links.len(), 2);
    let (status, page) = app.get_html(&client(), path_of(&app, &links[0])).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("This reset link was replaced"));
    let (status, page) = app.get_html(&client(), path_of(&app, &links[1])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("twice@reset.test"));
}

#[tokio::test]
async fn a_password_change_replaces_outstanding_reset_links() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in_customer("changed@reset.test").await;
    ask(&app, "changed@reset.test").await;
    let links = links_to(&app, "changed@reset.test").await;
    let csrf = app.csrf_for(&browser, "/customer/security").await;
    let changed = app
        .post_form(
            &browser,
            "/customer/security/password",
            &[
                ("csrf_token", &csrf),
                ("current_password", PASSWORD),
                ("password", "Changed password 99"),
                ("password_confirm", "Changed password 99"),
            ],
        )
        .await;
    assert_eq!(location(&changed), "/customer/security");
    let (status, page) = app.get_html(&client(), path_of(&app, &links[0])).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("This reset link was replaced"));
}

#[tokio::test]
async fn known_and_unknown_emails_are_answered_at_once_and_alike() {
    let app = spawn_app().await;
    app.signed_in_customer("known@reset.test").await;
    // Hold up any work on reset links: the answer must not wait for it.
    let mut blocker = app.db.begin().await.unwrap();
    sqlx::query("lock table password_reset_tokens in share mode")
        .execute(&mut *blocker)
        .await
        .unwrap();
    let mut pages = Vec::new();
    for email in ["known@reset.test", "unknown@reset.test"] {
        let answer = tokio::time::timeout(std::time::Duration::from_secs(5), ask(&app, email))
            .await
            .unwrap_or_else(|_| panic!("the answer for {email} waited for the reset work"));
        assert_eq!(answer.status(), StatusCode::OK);
        let page = answer.text().await.unwrap();
        pages.push(page.replace(email, "EMAIL"));
    }
    assert_eq!(
        pages[0], pages[1],
        "the same page for a known and an unknown email"
    );
    blocker.rollback().await.unwrap();
    assert_eq!(links_to(&app, "known@reset.test").await.len(), 1);
    assert!(links_to(&app, "unknown@reset.test").await.is_empty());
}
