//! The partner's purchase form: its fields as a partner fills them in, review and confirm.

use reqwest::{Client, StatusCode};

use super::{hidden_fields, TestApp};

/// The purchase form as a partner fills it in; `extra` adds or overrides fields.
pub fn purchase_fields(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = [
        ("plan", "cloud_pbx_ultimate"),
        ("units", "20"),
        ("term", "2y"),
        ("licenses", "1"),
        ("addon.high_availability", "1"),
        ("addon.recording_minutes", ""),
        ("customer_email", ""),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        fields.retain(|(key, _)| key != k);
        fields.push((k.to_string(), v.to_string()));
    }
    fields
}

pub async fn post(
    app: &TestApp,
    browser: &Client,
    path: &str,
    csrf: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    let mut form: Vec<(String, String)> = vec![("csrf_token".into(), csrf.into())];
    form.extend_from_slice(fields);
    browser
        .post(app.url(path))
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// Opens the purchase form and posts it, filled in as [`purchase_fields`] with `extra`, for
/// review; returns the review's response.
pub async fn review(app: &TestApp, browser: &Client, extra: &[(&str, &str)]) -> reqwest::Response {
    let csrf = app.csrf_for(browser, "/partner/purchase").await;
    post(
        app,
        browser,
        "/partner/purchase/review",
        &csrf,
        &purchase_fields(extra),
    )
    .await
}

/// Reviews, then confirms; returns the review page's hidden fields and the confirm response.
pub async fn buy(
    app: &TestApp,
    browser: &Client,
    extra: &[(&str, &str)],
) -> (Vec<(String, String)>, reqwest::Response) {
    let review = review(app, browser, extra).await;
    assert_eq!(review.status(), StatusCode::OK);
    let html = review.text().await.unwrap();
    let hidden = hidden_fields(&html, "/partner/purchase/confirm");
    let confirm = browser
        .post(app.url("/partner/purchase/confirm"))
        .form(&hidden)
        .send()
        .await
        .unwrap();
    (hidden, confirm)
}
