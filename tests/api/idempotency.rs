//! Idempotency keys of the confirmation forms (purchase, subscribe): a key is scoped to the
//! account that submits it, exactly as it is looked up, and a repeat is answered as a repeat,
//! never with a 500 — concurrent repeats, a key seen from another tenant, a different cart.

use reqwest::{Client, StatusCode};

use crate::helpers::{hidden_fields, location, spawn_app, TestApp};

/// The review page's hidden fields for a purchase (what the confirm form posts).
async fn purchase_review(app: &TestApp, partner: &Client, licenses: &str) -> Vec<(String, String)> {
    let csrf = app.csrf_for(partner, "/partner/purchase").await;
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("plan", "cloud_pbx_enterprise"),
        ("units", "10"),
        ("term", "1y"),
        ("licenses", licenses),
        ("customer_email", ""),
    ];
    let review = app
        .post_form(partner, "/partner/purchase/review", &fields)
        .await;
    assert_eq!(review.status(), StatusCode::OK);
    hidden_fields(&review.text().await.unwrap(), "/partner/purchase/confirm")
}

async fn subscribe_review(app: &TestApp, customer: &Client) -> Vec<(String, String)> {
    let csrf = app.csrf_for(customer, "/customer/subscribe").await;
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("plan", "workplace_basic"),
        ("units", "10"),
        ("term", "1y"),
    ];
    let review = app
        .post_form(customer, "/customer/subscribe/review", &fields)
        .await;
    assert_eq!(review.status(), StatusCode::OK);
    hidden_fields(&review.text().await.unwrap(), "/customer/subscribe/confirm")
}

fn with_key(fields: &[(String, String)], key: &str) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| {
            let v = if k == "idempotency_key" {
                key.to_owned()
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect()
}

fn key_of(fields: &[(String, String)]) -> String {
    fields
        .iter()
        .find(|(k, _)| k == "idempotency_key")
        .map(|(_, v)| v.clone())
        .expect("the confirm form carries an idempotency key")
}

async fn confirm(
    app: &TestApp,
    browser: &Client,
    path: &str,
    form: &[(String, String)],
) -> reqwest::Response {
    browser.post(app.url(path)).form(form).send().await.unwrap()
}

#[tokio::test]
async fn a_purchase_key_reused_by_another_partner_makes_that_partners_own_order() {
    let app = spawn_app().await;
    let (a, _) = app.signed_in_partner("a@keys.test").await;
    let (b, _) = app.signed_in_partner("b@keys.test").await;
    let a_form = purchase_review(&app, &a, "1").await;
    let first = confirm(&app, &a, "/partner/purchase/confirm", &a_form).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let b_form = with_key(&purchase_review(&app, &b, "1").await, &key_of(&a_form));
    let second = confirm(&app, &b, "/partner/purchase/confirm", &b_form).await;
    assert_eq!(second.status(), StatusCode::SEE_OTHER, "never a 500");
    assert_ne!(
        location(&second),
        location(&first),
        "B never sees A's order"
    );
    let (status, _) = app.get_html(&b, &location(&second)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "B's redirect leads to B's own order"
    );
    assert_eq!(app.count("select count(*) from orders").await, 2);
}

#[tokio::test]
async fn a_purchase_key_reused_for_a_different_cart_is_answered_as_already_placed() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("cart@keys.test").await;
    let form = purchase_review(&app, &partner, "1").await;
    let first = confirm(&app, &partner, "/partner/purchase/confirm", &form).await;
    let other_cart = with_key(&purchase_review(&app, &partner, "3").await, &key_of(&form));
    let again = confirm(&app, &partner, "/partner/purchase/confirm", &other_cart).await;
    assert_eq!(location(&again), location(&first));
    let (_, page) = app.get_html(&partner, &location(&again)).await;
    assert!(page.contains("was already placed"), "the partner is told");
    assert_eq!(app.count("select count(*) from orders").await, 1);
    assert_eq!(app.count("select count(*) from licenses").await, 1);
}

#[tokio::test]
async fn eight_concurrent_purchase_confirmations_make_one_order_and_no_500() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("burst@keys.test").await;
    let form = purchase_review(&app, &partner, "2").await;
    let responses = futures_join(&app, &partner, "/partner/purchase/confirm", &form, 8).await;
    let first = &responses[0];
    for (status, target) in &responses {
        assert_eq!(*status, StatusCode::SEE_OTHER);
        assert_eq!(target, &first.1);
    }
    assert_eq!(app.count("select count(*) from orders").await, 1);
    assert_eq!(app.count("select count(*) from licenses").await, 2);
}

#[tokio::test]
async fn eight_concurrent_subscribe_confirmations_make_one_subscription_and_no_500() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@subkeys.test").await;
    app.customer_of(partner, "c@subkeys.test").await;
    let customer = app.signed_in_as("c@subkeys.test").await;
    let form = subscribe_review(&app, &customer).await;
    let responses = futures_join(&app, &customer, "/customer/subscribe/confirm", &form, 8).await;
    let first = &responses[0];
    for (status, target) in &responses {
        assert_eq!(*status, StatusCode::SEE_OTHER);
        assert_eq!(target, &first.1);
        assert!(target.starts_with("/customer/subscriptions/"), "{target}");
    }
    assert_eq!(app.count("select count(*) from orders").await, 1);
    assert_eq!(app.count("select count(*) from subscriptions").await, 1);
}

#[tokio::test]
async fn a_subscribe_key_reused_by_another_customer_of_the_same_partner_makes_their_own() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@shared.test").await;
    for email in ["a@shared.test", "b@shared.test"] {
        app.customer_of(partner, email).await;
    }
    let a = app.signed_in_as("a@shared.test").await;
    let b = app.signed_in_as("b@shared.test").await;
    let a_form = subscribe_review(&app, &a).await;
    let first = confirm(&app, &a, "/customer/subscribe/confirm", &a_form).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let b_form = with_key(&subscribe_review(&app, &b).await, &key_of(&a_form));
    let second = confirm(&app, &b, "/customer/subscribe/confirm", &b_form).await;
    assert_eq!(second.status(), StatusCode::SEE_OTHER, "never a 500");
    assert_ne!(
        location(&second),
        location(&first),
        "B is not sent to A's subscription"
    );
    let (status, _) = app.get_html(&b, &location(&second)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.count("select count(*) from subscriptions").await, 2);
    assert_eq!(app.count("select count(*) from orders").await, 2);
}

/// Sends the same form `n` times at once; returns each status and redirect target.
async fn futures_join(
    app: &TestApp,
    browser: &Client,
    path: &str,
    form: &[(String, String)],
    n: usize,
) -> Vec<(StatusCode, String)> {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..n {
        let request = browser.post(app.url(path)).form(form);
        tasks.spawn(async move { request.send().await.unwrap() });
    }
    let mut out = Vec::new();
    while let Some(response) = tasks.join_next().await {
        let response = response.unwrap();
        out.push((response.status(), location(&response)));
    }
    out
}
