//! The recovery codes page offers its codes for download (a `.txt` attachment that no cache
//! keeps) and for copying, without making new ones.

use reqwest::header;
use reqwest::StatusCode;

use crate::helpers::{assert_refused_with, csrf_token, hidden_fields, spawn_app};

#[tokio::test]
async fn the_codes_shown_once_download_as_a_text_file_that_is_not_cached_and_stay_valid() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in_customer("codes@download.test").await;
    let (secret, csrf) = app.start_two_factor_setup(&browser, "/customer").await;
    let shown = app
        .confirm_two_factor_setup(
            &browser,
            "/customer",
            (&secret, &csrf),
            crate::helpers::PASSWORD,
            false,
        )
        .await;
    let html = shown.text().await.unwrap();
    let codes: Vec<String> = html
        .split("<li><code>")
        .skip(1)
        .map(|part| part.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    assert!(html.contains("id=\"copy-codes\"") && html.contains("/static/js/copy-codes."));

    // The page's own download form carries the codes back; nothing is regenerated.
    let form = hidden_fields(&html, "/customer/security/recovery-codes/download");
    let before = app.database_fingerprint().await;
    let file = browser
        .post(app.url("/customer/security/recovery-codes/download"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    let headers = file.headers().clone();
    assert_eq!(headers[header::CONTENT_TYPE], "text/plain; charset=utf-8");
    assert_eq!(
        headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"yeastar-recovery-codes.txt\""
    );
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    let text = file.text().await.unwrap();
    assert!(text.contains("codes@download.test"));
    let listed: Vec<&str> = text
        .lines()
        .filter(|l| codes.iter().any(|c| c == l))
        .collect();
    assert_eq!(listed, codes, "every code, one per line, in order");
    assert_eq!(
        app.database_fingerprint().await,
        before,
        "no new codes, nothing stored"
    );

    // The downloaded codes still sign in.
    let other = crate::helpers::client();
    app.login(&other, "codes@download.test", crate::helpers::PASSWORD)
        .await;
    let csrf = app.csrf_for(&other, "/login/two-factor").await;
    let signed_in = app
        .post_form(
            &other,
            "/login/two-factor",
            &[("csrf_token", &csrf), ("code", &codes[0])],
        )
        .await;
    assert_eq!(crate::helpers::location(&signed_in), "/customer");
}

#[tokio::test]
async fn only_the_accounts_current_unused_codes_are_ever_sent_back() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in_customer("codes@download.test").await;
    let (_, codes) = app.enable_two_factor(&browser, "/customer").await;
    let (_, page) = app.get_html(&browser, "/customer/security").await;
    let csrf = csrf_token(&page);
    let download = |codes: String| {
        let fields = [("csrf_token", csrf.clone()), ("codes", codes)];
        let request = browser
            .post(app.url("/customer/security/recovery-codes/download"))
            .form(&fields);
        async move { request.send().await.unwrap() }
    };

    let made_up = download("abcde-fghjk".into()).await;
    assert_refused_with(made_up, "not your current recovery codes").await;
    let injected = download(format!("{} <script>alert(1)</script>", codes[0])).await;
    assert_eq!(injected.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let repeated = download(format!("{} {}", codes[0], codes[0])).await;
    assert_eq!(repeated.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Another account's codes are not this account's.
    let (neighbour, _) = app.signed_in_customer("neighbour@download.test").await;
    let (_, theirs) = app.enable_two_factor(&neighbour, "/customer").await;
    let foreign = download(theirs.join(" ")).await;
    assert_eq!(foreign.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Once new codes are made, the page showing the old ones no longer downloads them.
    let mine = download(codes.join(" ")).await;
    assert_eq!(mine.status(), StatusCode::OK);
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("password", crate::helpers::PASSWORD),
    ];
    let regenerated = app
        .post_form(&browser, "/customer/security/recovery-codes", &fields)
        .await;
    assert_eq!(regenerated.status(), StatusCode::OK);
    let stale = download(codes.join(" ")).await;
    assert_eq!(stale.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
