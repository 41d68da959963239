//! Forgot-password requests: limited per email and per address, answered at once and the same
//! way for known and unknown emails, and each new link (or a password change) replaces the
//! older ones. A link works once, for an hour, ends every session and never bypasses two-factor.

use reqwest::{Client, StatusCode};
use time::Duration;
use tokio::sync::watch;
use yeastar_portal::accounts::model::Role;
use yeastar_portal::auth::password_reset;

use crate::helpers::{
    assert_refused_with, assert_says, client, location, spawn_app, TestApp, PASSWORD,
};

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
        .change_password(&browser, &csrf, "Changed password 99")
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

/// Queues a request for `email` the way the form does, without the work the form starts right
/// after (as when the server stops between its answer and that work).
async fn leave_queued(app: &TestApp, email: &str) {
    password_reset::request(&app.db, email, "203.0.113.7", app.now())
        .await
        .unwrap();
}

#[tokio::test]
async fn two_sweepers_at_once_email_each_request_left_in_the_queue_exactly_once() {
    let app = spawn_app().await;
    let known = [
        "left-1@reset.test",
        "left-2@reset.test",
        "left-3@reset.test",
    ];
    for email in known {
        app.active_account(Role::Manager, email, None, None).await;
    }
    app.drain_outbox().await;
    let before = app.smtp.received().len();
    for email in known {
        leave_queued(&app, email).await;
    }
    for n in 0..20 {
        leave_queued(&app, &format!("nobody-{n}@reset.test")).await;
    }
    let queued = "select count(*) from password_reset_requests";
    assert_eq!(app.count(queued).await, 23);

    let (stop, stopped) = watch::channel(false);
    let sweepers: Vec<_> = (0..2)
        .map(|_| {
            let (db, base, clock) = (app.db.clone(), app.address.clone(), app.clock.clone());
            tokio::spawn(password_reset::sweep_queue(
                db,
                base,
                clock,
                stopped.clone(),
            ))
        })
        .collect();
    app.reset_requests_handled().await;
    stop.send(true).unwrap();
    for sweeper in sweepers {
        sweeper.await.unwrap();
    }

    for email in known {
        let links = links_to(&app, email).await;
        assert_eq!(links.len(), 1, "{email} got {links:?}");
        let (status, page) = app.get_html(&client(), path_of(&app, &links[0])).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains(email));
    }
    let sent = app.smtp.received().len() - before;
    assert_eq!(sent, known.len(), "nothing else was sent");
}

#[tokio::test]
async fn a_request_left_queued_when_the_server_stopped_is_emailed_by_the_next_one() {
    let mut app = spawn_app().await;
    app.active_account(Role::Manager, "restart@reset.test", None, None)
        .await;
    app.drain_outbox().await;
    let before = app.smtp.received().len();
    leave_queued(&app, "restart@reset.test").await;

    // The sweep starts with the mail worker, and the worker delivers what it queued.
    app.restart_with(|c| c.mail_worker = true).await;
    let received = app.smtp.wait_for(before + 1).await;
    let links: Vec<_> = received
        .iter()
        .filter_map(|m| m.link("/reset-password/"))
        .collect();
    assert_eq!(links.len(), 1, "{received:?}");
    assert_eq!(
        app.count("select count(*) from password_reset_requests")
            .await,
        0
    );
}

#[tokio::test]
async fn a_reset_link_works_once_ends_every_session_and_gives_the_same_answer_for_unknown_emails() {
    let app = spawn_app().await;
    let signed_in = app.signed_in_customer("forgetful@reset.test").await.0;
    assert!(
        app.request_reset("nobody@reset.test").await.is_empty(),
        "no email for an unknown address"
    );
    let link = app.request_reset("forgetful@reset.test").await;
    assert!(!link.is_empty());

    let response = app
        .submit_reset(&link, "A brand new password 7", None)
        .await;
    assert_eq!(location(&response), "/login");
    let old = app.get(&signed_in, "/customer").await;
    assert!(
        location(&old).starts_with("/login"),
        "the old session ended"
    );
    assert_eq!(
        location(
            &app.login(&client(), "forgetful@reset.test", "A brand new password 7")
                .await
        ),
        "/customer"
    );

    let again = app
        .submit_reset(&link, "Yet another password 8", None)
        .await;
    assert_eq!(again.status(), StatusCode::GONE);
    assert!(again.text().await.unwrap().contains("already used"));
}

#[tokio::test]
async fn a_reset_link_expires_after_one_hour() {
    let app = spawn_app().await;
    app.signed_in_customer("slow@reset.test").await;
    let link = app.request_reset("slow@reset.test").await;
    app.clock.advance(Duration::hours(1));
    let response = app
        .submit_reset(&link, "A brand new password 7", None)
        .await;
    assert_says(response, StatusCode::GONE, "This reset link has expired").await;
    assert_eq!(
        location(&app.login(&client(), "slow@reset.test", PASSWORD).await),
        "/customer"
    );
}

#[tokio::test]
async fn a_reset_never_bypasses_two_factor() {
    let app = spawn_app().await;
    let browser = app.signed_in_customer("guarded@reset.test").await.0;
    let (secret, _) = app.enable_two_factor(&browser, "/customer").await;
    let link = app.request_reset("guarded@reset.test").await;
    let path = link.strip_prefix(&app.address).unwrap();
    let (_, form) = app.get_html(&client(), path).await;
    assert!(form.contains("Authentication code"));

    let without = app
        .submit_reset(&link, "A brand new password 7", None)
        .await;
    assert_refused_with(without, "That code is not valid").await;
    app.clock.advance(Duration::seconds(30));
    let code = app.current_code(&secret);
    let with = app
        .submit_reset(&link, "A brand new password 7", Some(&code))
        .await;
    assert_eq!(location(&with), "/login");
}
