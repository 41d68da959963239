//! Who may see what: roles (each its own security page), tenants, CSRF, sign-in and sign-out.

use reqwest::StatusCode;
use yeastar_portal::accounts::model::Role;

use crate::helpers::{add_customer_form, assert_says, client, location, spawn_app, PASSWORD};

#[tokio::test]
async fn a_partner_cannot_list_or_open_another_partners_customer() {
    let app = spawn_app().await;
    let (_, other_partner) = app.partner("other@partner.test").await;
    let (theirs, _) = app
        .create_account(Role::Customer, "theirs@c.test", None, Some(other_partner))
        .await;
    let (me, _) = app.signed_in_partner("me@partner.test").await;

    let (_, list) = app.get_html(&me, "/partner/customers").await;
    assert!(!list.contains("theirs@c.test"));
    let (_, search) = app.get_html(&me, "/partner/customers?q=theirs").await;
    assert!(!search.contains("theirs@c.test"));
    let (status, html) = app
        .get_html(&me, &format!("/partner/customers/{theirs}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!html.contains("theirs@c.test"));
}

#[tokio::test]
async fn a_customer_cannot_open_partner_or_manager_pages_and_a_stranger_is_sent_to_sign_in() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@roles.test").await;
    app.customer_of(partner, "cust@roles.test").await;
    let customer = client();
    assert_eq!(
        location(&app.login(&customer, "cust@roles.test", PASSWORD).await),
        "/customer"
    );

    for path in [
        "/partner/customers",
        "/partner/customers/new",
        "/manager/partners",
    ] {
        let (status, html) = app.get_html(&customer, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(html.contains("Access denied"));
    }
    let response = client()
        .get(app.url("/partner/customers"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login?next=/partner/customers");
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("p@csrf.test").await;
    app.csrf_for(&partner, "/partner/customers/new").await;

    let form = add_customer_form("", "no-token@c.test");
    let response = app
        .post_multipart(&partner, "/partner/customers/new", form)
        .await;
    assert_says(response, StatusCode::FORBIDDEN, "Nothing was changed").await;
    let form = add_customer_form("forged-token-value", "wrong-token@c.test");
    let response = app
        .post_multipart(&partner, "/partner/customers/new", form)
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("select count(*) from accounts where role = 'customer'")
            .await,
        0
    );

    // A url-encoded form without a token (sign out) is refused too: the session stays.
    let response = app.post_form(&partner, "/logout", &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (status, _) = app.get_html(&partner, "/partner/customers").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = spawn_app().await;
    app.partner("known@partner.test").await;
    let wrong = app
        .login(&client(), "known@partner.test", "Not the password 1")
        .await;
    let unknown = app
        .login(&client(), "nobody@partner.test", "Not the password 1")
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.status(), wrong.status());
    let (wrong, unknown) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
    assert!(wrong.contains("The email address or password is incorrect."));
    assert!(unknown.contains("The email address or password is incorrect."));
    assert!(
        wrong.contains("value=\"known@partner.test\""),
        "the email is kept"
    );
}

#[tokio::test]
async fn signing_in_rotates_the_session_id_and_signing_out_ends_it_on_the_server() {
    let app = spawn_app().await;
    app.partner("rotate@partner.test").await;
    let browser = client();
    let login_page = app.get(&browser, "/login").await;
    let anonymous_cookie = login_page.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    let anonymous_id = anonymous_cookie.split(';').next().unwrap().to_owned();
    let csrf = crate::helpers::csrf_token(&login_page.text().await.unwrap());
    let response = app
        .post_form(
            &browser,
            "/login",
            &[
                ("csrf_token", &csrf),
                ("email", "rotate@partner.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    let signed_in_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    let signed_in_id = signed_in_cookie.split(';').next().unwrap().to_owned();
    assert_ne!(anonymous_id, signed_in_id, "a new session id after sign-in");
    assert!(signed_in_cookie.contains("HttpOnly") && signed_in_cookie.contains("SameSite=Lax"));

    // Replaying the signed-in cookie after sign-out opens nothing.
    let csrf = app.csrf_for(&browser, "/partner/customers").await;
    let response = app
        .post_form(&browser, "/logout", &[("csrf_token", &csrf)])
        .await;
    assert_eq!(location(&response), "/login");
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = replay
        .get(app.url("/partner/customers"))
        .header("cookie", &signed_in_id)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).starts_with("/login"));
}

#[tokio::test]
async fn each_role_lands_on_its_own_portal() {
    let app = spawn_app().await;
    let (manager, partner) = app.partner("land@partner.test").await;
    let _ = manager;
    app.customer_of(partner, "land@customer.test").await;
    for (email, home) in [
        ("manager-of-land@partner.test", "/manager/partners"),
        ("land@partner.test", "/partner/customers"),
        ("land@customer.test", "/customer"),
    ] {
        let browser = client();
        assert_eq!(location(&app.login(&browser, email, PASSWORD).await), home);
        let response = app.get(&browser, "/").await;
        assert_eq!(location(&response), home);
    }
    let (status, html) = app.get_html(&client(), "/no-such-page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Page not found"));
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    let health = client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let ready = client().get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert!(ready.headers().contains_key("x-request-id"));
}

#[tokio::test]
async fn every_role_has_its_own_security_page_and_not_anothers() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("sec@partner.test").await;
    let (status, _) = app.get_html(&partner, "/partner/security").await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.get_html(&partner, "/customer/security").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let manager = client();
    app.login(&manager, "manager-of-sec@partner.test", PASSWORD)
        .await;
    app.enable_two_factor(&manager, "/manager").await;
}
