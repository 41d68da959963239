//! "Send me a new link" on an expired activation link, and the sign-in form filled in after
//! activating.

use reqwest::StatusCode;
use time::Duration;
use yeastar_portal::accounts::model::Role;

use crate::helpers::{client, csrf_token, location, spawn_app, TestApp, PASSWORD};

/// Presses "Send me a new link" for `link` (as its expired page offers); returns status and page.
async fn ask_for_new_link(app: &TestApp, link: &str) -> (StatusCode, String) {
    let browser = client();
    let path = link.strip_prefix(&app.address).unwrap_or(link);
    // The session's token, as the page's own form carries it (an unknown link's page has none).
    let (_, page) = app.get_html(&browser, "/login").await;
    let csrf = csrf_token(&page);
    let response = app
        .post_form(
            &browser,
            &format!("{path}/resend"),
            &[("csrf_token", &csrf)],
        )
        .await;
    let status = response.status();
    (status, response.text().await.unwrap())
}

/// The page's own content, without the layout around it.
fn main_of(html: &str) -> &str {
    let start = html.find("<main").unwrap();
    &html[start..html.find("</main>").unwrap()]
}

async fn requested(app: &TestApp) -> i64 {
    app.audit_count("activation.requested").await
}

#[tokio::test]
async fn an_expired_link_sends_a_new_one_to_the_accounts_own_address_on_request() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@again.test").await;
    let (account, old_link) = app
        .create_account(Role::Customer, "late@again.test", None, Some(partner))
        .await;
    app.drain_outbox().await;
    app.clock.advance(Duration::hours(49));

    let path = old_link.strip_prefix(&app.address).unwrap();
    let (status, page) = app.get_html(&client(), path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(page.contains("This activation link has expired"));
    assert!(
        page.contains(&format!("action=\"{path}/resend\"")) && page.contains("Send me a new link"),
        "{page}"
    );

    let (status, answer) = ask_for_new_link(&app, &old_link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(answer.contains("Check your email"), "{answer}");
    app.drain_outbox().await;
    let mail = app.smtp.to("late@again.test");
    assert_eq!(
        mail.len(),
        2,
        "the first email and the new one, to the account's address"
    );
    let new_link = mail.last().unwrap().link("/activate/").unwrap();
    assert_ne!(new_link, old_link);
    let (client_ip, actor): (Option<String>, Option<uuid::Uuid>) = sqlx::query_as(
        "select client_ip, actor_id from audit_log where action = 'activation.requested' \
         and target_id = $1",
    )
    .bind(account)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        client_ip.as_deref(),
        Some("127.0.0.1"),
        "audited with the address"
    );
    assert_eq!(actor, Some(account.0));

    // The old link is replaced (and asking again from it sends nothing); the new one works.
    let (_, page) = app.get_html(&client(), path).await;
    assert!(page.contains("This activation link has been replaced"));
    ask_for_new_link(&app, &old_link).await;
    app.drain_outbox().await;
    assert_eq!(app.smtp.to("late@again.test").len(), 2);
    assert_eq!(location(&app.activate(&new_link, PASSWORD).await), "/login");
}

#[tokio::test]
async fn the_answer_is_the_same_whatever_the_link_so_it_reveals_nothing() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@same.test").await;
    let (_, expired) = app
        .create_account(Role::Customer, "expired@same.test", None, Some(partner))
        .await;
    app.clock.advance(Duration::hours(49));
    let (_, valid) = app
        .create_account(Role::Customer, "valid@same.test", None, Some(partner))
        .await;
    let (_, used) = app
        .create_account(Role::Customer, "used@same.test", None, Some(partner))
        .await;
    app.activate(&used, PASSWORD).await;
    app.drain_outbox().await;
    let sent_before = app.smtp.received().len();

    let mut answers = Vec::new();
    for link in [
        expired.as_str(),
        valid.as_str(),
        used.as_str(),
        "/activate/no-such-token",
    ] {
        let (status, html) = ask_for_new_link(&app, link).await;
        answers.push((status, main_of(&html).to_owned()));
    }
    assert!(answers.iter().all(|a| a == &answers[0]), "{answers:#?}");
    assert_eq!(answers[0].0, StatusCode::OK);
    app.drain_outbox().await;
    let sent: Vec<_> = app.smtp.received()[sent_before..]
        .iter()
        .flat_map(|m| m.recipients.clone())
        .collect();
    assert_eq!(
        sent,
        ["expired@same.test"],
        "only the expired link got a new one"
    );
    assert_eq!(requested(&app).await, 1);
}

#[tokio::test]
async fn many_requests_at_once_from_one_expired_link_send_exactly_one_new_link() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@burst.test").await;
    let (_, link) = app
        .create_account(Role::Customer, "burst@burst.test", None, Some(partner))
        .await;
    app.drain_outbox().await;
    app.clock.advance(Duration::hours(49));
    let path = link.strip_prefix(&app.address).unwrap().to_owned();
    let mut forms = Vec::new();
    for _ in 0..5 {
        let browser = client();
        let csrf = app.csrf_for(&browser, "/login").await;
        let fields = vec![("csrf_token".to_owned(), csrf)];
        forms.push((browser, format!("{path}/resend"), fields));
    }
    let answers = app.post_all_at_once(forms).await;
    assert!(answers.iter().all(|(status, _)| *status == StatusCode::OK));
    app.drain_outbox().await;
    assert_eq!(
        app.smtp.to("burst@burst.test").len(),
        2,
        "the first email and one new link"
    );
    assert_eq!(requested(&app).await, 1);
}

#[tokio::test]
async fn requests_are_limited_per_address_and_the_account_manager_can_still_resend() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@flood.test").await;
    let (account, link) = app
        .create_account(Role::Customer, "flood@flood.test", None, Some(partner))
        .await;
    app.clock.advance(Duration::hours(49));
    let browser = client();
    let csrf = app.csrf_for(&browser, "/login").await;
    let mut statuses = Vec::new();
    for n in 0..7 {
        let path = format!("/activate/probe-{n}/resend");
        let answer = app
            .post_form(&browser, &path, &[("csrf_token", &csrf)])
            .await;
        statuses.push(answer.status());
    }
    assert_eq!(&statuses[..5], [StatusCode::OK; 5], "{statuses:?}");
    assert_eq!(
        &statuses[5..],
        [StatusCode::TOO_MANY_REQUESTS; 2],
        "then refused from this address: {statuses:?}"
    );
    // The real link from the same address is refused too while the address is locked...
    let (status, _) = ask_for_new_link(&app, &link).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(requested(&app).await, 0);

    // ...and the account manager's resend is not affected.
    let manager = app.signed_in_as("manager-of-p@flood.test").await;
    let csrf = app.csrf_for(&manager, "/manager/activations").await;
    let resent = app
        .post_form(
            &manager,
            &format!("/manager/accounts/{account}/resend-activation"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(location(&resent), "/manager/activations");
    app.drain_outbox().await;
    let new_link = app
        .smtp
        .to("flood@flood.test")
        .last()
        .unwrap()
        .link("/activate/");
    assert_eq!(
        location(&app.activate(&new_link.unwrap(), PASSWORD).await),
        "/login"
    );
}

#[tokio::test]
async fn after_activation_the_sign_in_form_has_the_email_filled_in_once() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@fill.test").await;
    let (_, link) = app
        .create_account(Role::Customer, "Fill.Me@fill.test", None, Some(partner))
        .await;
    let browser = client();
    let path = link.strip_prefix(&app.address).unwrap();
    let csrf = app.csrf_for(&browser, path).await;
    let activated = app
        .post_form(
            &browser,
            path,
            &[
                ("csrf_token", &csrf),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(location(&activated), "/login");
    assert!(
        !location(&activated).contains("fill"),
        "the email is not in the URL"
    );

    let (_, page) = app.get_html(&browser, "/login").await;
    assert!(page.contains("Your account is active."));
    assert!(
        page.contains("name=\"email\" value=\"Fill.Me@fill.test\""),
        "the email is filled in: {page}"
    );
    let (_, again) = app.get_html(&browser, "/login").await;
    assert!(
        again.contains("name=\"email\" value=\"\""),
        "only the first time"
    );
    // Another browser never sees it.
    let (_, other) = app.get_html(&client(), "/login").await;
    assert!(!other.contains("Fill.Me@fill.test"));
}
