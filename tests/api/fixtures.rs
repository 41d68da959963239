//! The arrange steps behind `TestApp::two_tenants`: each makes one thing of tenant A through
//! the portal's own forms, as its owner would, and returns its id.

use std::collections::HashMap;

use reqwest::{Client, StatusCode};
use uuid::Uuid;
use yeastar_portal::accounts::model::AccountId;

use crate::helpers::{add_customer_form, client, file_part, hidden_fields, png, TestApp, PASSWORD};

pub async fn sign_in(app: &TestApp, email: &str, page: &str) -> Browser {
    let browser = client();
    let response = app.login(&browser, email, PASSWORD).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "sign-in of {email}"
    );
    let csrf = app.csrf_for(&browser, page).await;
    (browser, csrf)
}

pub async fn id(app: &TestApp, sql: &str) -> Uuid {
    app.one(sql).await
}

/// The newest session id of `account` (a second sign-in made for the purpose).
pub async fn second_session(app: &TestApp, email: &str, page: &str, account: AccountId) -> Uuid {
    sign_in(app, email, page).await;
    sqlx::query_scalar(
        "select id from account_sessions where account_id = $1 order by created_at desc limit 1",
    )
    .bind(account)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// A signed-in actor's browser and CSRF token.
pub type Browser = (Client, String);

/// A pending customer with a profile image, added through the Add Partner form.
pub async fn pending_with_image(app: &TestApp, (partner, csrf): &Browser) -> Uuid {
    let form = add_customer_form(csrf, "pending@a.test").part(
        "profile_image",
        file_part(png(64, 64), "me.png", "image/png"),
    );
    let added = app
        .post_multipart(partner, "/partner/customers/new", form)
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    id(
        app,
        "select id from accounts where email = 'pending@a.test'",
    )
    .await
}

/// Posts `fields` to a review page and sends back the confirmation form it carries.
pub async fn review_and_confirm(
    app: &TestApp,
    (browser, csrf): &Browser,
    review: &str,
    confirm: &str,
    fields: &[(&str, &str)],
) {
    let mut form = vec![("csrf_token", csrf.as_str())];
    form.extend_from_slice(fields);
    let reviewed = app.post_form(browser, review, &form).await;
    let hidden = hidden_fields(&reviewed.text().await.unwrap(), confirm);
    let done = browser
        .post(app.url(confirm))
        .form(&hidden)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER, "{confirm}");
}

/// A Cloud PBX trial converted to a paid subscription: (instance, subscription).
pub async fn paid_pbx(app: &TestApp, customer: &Browser) -> (Uuid, Uuid) {
    let trial = app
        .post_form(
            &customer.0,
            "/customer/trials/cloud_pbx",
            &[("csrf_token", &customer.1)],
        )
        .await;
    assert!(trial.status().is_redirection(), "trial: {}", trial.status());
    let instance = id(app, "select id from pbx_instances limit 1").await;
    let subscription = id(app, "select id from subscriptions limit 1").await;
    // Paid, so that every subscription action applies to it.
    let convert = subscription.to_string();
    review_and_confirm(
        app,
        customer,
        "/customer/subscribe/review",
        "/customer/subscribe/confirm",
        &[
            ("plan", "cloud_pbx_enterprise"),
            ("units", "15"),
            ("term", "1y"),
            ("convert", &convert),
        ],
    )
    .await;
    (instance, subscription)
}

/// A purchase with one unassociated licence: (order, licence).
pub async fn purchase(app: &TestApp, partner: &Browser) -> (Uuid, Uuid) {
    review_and_confirm(
        app,
        partner,
        "/partner/purchase/review",
        "/partner/purchase/confirm",
        &[
            ("plan", "cloud_pbx_enterprise"),
            ("units", "10"),
            ("term", "1y"),
            ("licenses", "1"),
            ("customer_email", ""),
        ],
    )
    .await;
    let order = id(app, "select id from orders where subscription_id is null").await;
    let license = id(app, "select id from licenses limit 1").await;
    (order, license)
}

/// A pending removal request for each customer, by their partner.
pub async fn removal_requests(
    app: &TestApp,
    (partner, csrf): &Browser,
    customers: &[AccountId],
) -> HashMap<AccountId, Uuid> {
    let mut requests = HashMap::new();
    for customer in customers {
        let path = format!("/partner/customers/{customer}/removal-request");
        let fields = [
            ("csrf_token", csrf.as_str()),
            ("reason", "Left the company"),
        ];
        let asked = app.post_form(partner, &path, &fields).await;
        assert!(
            asked.status().is_redirection(),
            "removal: {}",
            asked.status()
        );
        let sql = format!("select id from removal_requests where customer_id = '{customer}'");
        requests.insert(*customer, id(app, &sql).await);
    }
    requests
}

pub async fn partnership_application(app: &TestApp, (customer, csrf): &Browser) -> Uuid {
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("company", "Dental Voice"),
        ("website", "https://dental.example"),
        ("country", "PL"),
        ("business_type", "Reseller"),
        ("yearly_volume", "50 to 500 extensions"),
        ("message", "We sell to dentists."),
    ];
    let applied = app
        .post_form(customer, "/customer/partnership", &fields)
        .await;
    assert!(
        applied.status().is_redirection(),
        "application: {}",
        applied.status()
    );
    id(app, "select id from partnership_applications limit 1").await
}

/// The pending customer's activation path and a password-reset path for customer A, as emailed.
pub async fn emailed_links(app: &TestApp) -> (String, String) {
    let anon = client();
    let csrf = app.csrf_for(&anon, "/forgot-password").await;
    let fields = [("csrf_token", csrf.as_str()), ("email", "c@a.test")];
    app.post_form(&anon, "/forgot-password", &fields).await;
    // The form answers first and queues the reset email just after, off the request path.
    app.reset_requests_handled().await;
    app.drain_outbox().await;
    let link = |to: &str, prefix: &str| {
        let found = app.smtp.to(to).iter().rev().find_map(|m| m.link(prefix));
        let link = found.unwrap_or_else(|| panic!("{prefix} link for {to}"));
        link.strip_prefix(&app.address).unwrap().to_owned()
    };
    (
        link("pending@a.test", "/activate/"),
        link("c@a.test", "/reset-password/"),
    )
}
