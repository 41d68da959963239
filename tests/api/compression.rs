//! Pages and static files are sent compressed (br, gzip) to clients that ask, with the same
//! headers as uncompressed; small answers and pages opened from another site are not.

use std::io::Read;

use reqwest::header::{self, HeaderMap};
use reqwest::{Client, StatusCode};

use crate::helpers::{client, spawn_app, TestApp};

/// `GET path` with the given request headers: status, response headers and the body as sent.
async fn fetch(
    app: &TestApp,
    browser: &Client,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut request = browser.get(app.url(path));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status(), response.headers().clone());
    (status, headers, response.bytes().await.unwrap().to_vec())
}

fn decode(encoding: &str, body: &[u8]) -> String {
    let mut text = String::new();
    match encoding {
        "br" => brotli::Decompressor::new(body, 4096).read_to_string(&mut text),
        "gzip" => flate2::read::GzDecoder::new(body).read_to_string(&mut text),
        other => panic!("no decoder for {other}"),
    }
    .unwrap_or_else(|e| panic!("the body does not decode as {encoding}: {e}"));
    text
}

fn encoding(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap())
}

/// The headers `security_headers` sets on every response.
fn assert_security_headers(headers: &HeaderMap, what: &str) {
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(headers["x-frame-options"], "DENY", "{what}");
    assert_eq!(headers["referrer-policy"], "same-origin", "{what}");
}

#[tokio::test]
async fn a_page_is_sent_br_or_gzip_when_asked_and_decompresses_to_the_same_html() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("partner@compressed.test").await;
    let (_, _, plain) = fetch(&app, &partner, "/partner/customers", &[]).await;
    let plain = String::from_utf8(plain).unwrap();
    assert!(
        plain.contains("partner@compressed.test"),
        "the partner's own page"
    );

    for asked in ["br", "gzip", "gzip, deflate, br, zstd"] {
        let (status, headers, body) = fetch(
            &app,
            &partner,
            "/partner/customers",
            &[("accept-encoding", asked)],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let sent = encoding(&headers).unwrap_or_else(|| panic!("{asked}: sent uncompressed"));
        assert_eq!(sent, if asked == "gzip" { "gzip" } else { "br" }, "{asked}");
        assert!(
            body.len() * 2 < plain.len(),
            "{asked}: {} of {} bytes",
            body.len(),
            plain.len()
        );
        assert_eq!(decode(sent, &body), plain, "{asked}");
        assert_eq!(headers[header::VARY], "accept-encoding", "{asked}");
        assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_security_headers(&headers, asked);
        assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{asked}");
    }
}

#[tokio::test]
async fn a_client_that_asks_for_no_encoding_gets_plain_html() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("plain@compressed.test").await;
    for asked in [None, Some("identity")] {
        let headers: Vec<(&str, &str)> =
            asked.map(|a| ("accept-encoding", a)).into_iter().collect();
        let (status, sent, body) = fetch(&app, &partner, "/partner/customers", &headers).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(encoding(&sent), None, "{asked:?}");
        assert_eq!(sent[header::VARY], "accept-encoding", "{asked:?}");
        let html = String::from_utf8(body).expect("plain UTF-8");
        assert!(html.starts_with("<!DOCTYPE html>") && html.contains("plain@compressed.test"));
        assert_security_headers(&sent, "plain");
        assert_eq!(sent[header::CACHE_CONTROL], "no-store");
    }
}

/// Error pages are written by a layer inside the compression: whatever the size, the body is
/// whole and readable as sent, with the request id and the security headers.
#[tokio::test]
async fn an_error_page_asked_for_compressed_arrives_whole_with_its_request_id_and_headers() {
    let app = spawn_app().await;
    let (status, headers, body) = fetch(
        &app,
        &client(),
        "/no-such-page",
        &[
            ("accept-encoding", "br"),
            ("x-request-id", "compressed-404"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let html = match encoding(&headers) {
        Some(sent) => decode(sent, &body),
        None => String::from_utf8(body).unwrap(),
    };
    assert!(
        html.contains("compressed-404"),
        "the request id on the page: {html}"
    );
    assert!(html.trim_end().ends_with("</html>"));
    assert_security_headers(&headers, "404 page");
}

#[tokio::test]
async fn the_stylesheet_is_sent_compressed_and_keeps_its_year_long_cache() {
    let app = spawn_app().await;
    let browser = client();
    let login = app.get(&browser, "/login").await.text().await.unwrap();
    let css = login
        .split('"')
        .find(|part| part.starts_with("/static/css/app."))
        .expect("the stylesheet's URL")
        .to_owned();
    let on_disk = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static/css/app.css"),
    )
    .unwrap();
    for asked in ["br", "gzip"] {
        let (status, headers, body) =
            fetch(&app, &browser, &css, &[("accept-encoding", asked)]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(encoding(&headers), Some(asked));
        assert_eq!(
            headers[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(headers[header::CONTENT_TYPE], "text/css");
        // Shared caches keep one copy per encoding.
        assert_eq!(headers[header::VARY], "accept-encoding");
        assert!(
            body.len() * 3 < on_disk.len(),
            "{asked}: {} bytes",
            body.len()
        );
        assert_eq!(decode(asked, &body), on_disk);
    }
}

#[tokio::test]
async fn a_page_opened_from_another_site_is_sent_uncompressed() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("breach@compressed.test").await;
    for (site, compressed) in [
        ("cross-site", false),
        ("same-site", false),
        ("same-origin", true),
        ("none", true),
    ] {
        let (status, headers, _) = fetch(
            &app,
            &partner,
            "/partner/customers",
            &[("accept-encoding", "br"), ("sec-fetch-site", site)],
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            encoding(&headers).is_some(),
            compressed,
            "Sec-Fetch-Site: {site}"
        );
    }
}

#[tokio::test]
async fn small_answers_are_sent_as_they_are() {
    let app = spawn_app().await;
    let browser = client();
    // A probe, a redirect to sign in, and the 381-byte brand mark.
    for path in ["/healthz", "/partner/customers", "/favicon.ico"] {
        let (_, headers, _) = fetch(&app, &browser, path, &[("accept-encoding", "br")]).await;
        assert_eq!(encoding(&headers), None, "{path}");
    }
}
