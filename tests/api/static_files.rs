//! Static files under names that carry a hash of their content, cached for a year; any other
//! name of a file gets its current content uncached; `/favicon.ico` is the brand mark.

use reqwest::header;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

use crate::helpers::{client, spawn_app};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The file under `static/` as the repository holds it.
fn file(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("static")
            .join(name),
    )
    .unwrap()
}

/// Every `/static/…` URL in the page's `href` and `src` attributes.
fn static_urls(html: &str) -> Vec<String> {
    html.split("=\"/static/")
        .skip(1)
        .map(|rest| format!("/static/{}", rest.split('"').next().unwrap()))
        .collect()
}

/// `/static/css/app.0123456789abcdef.css` → (`css/app.css`, `0123456789abcdef`).
fn name_and_hash(url: &str) -> (String, String) {
    let path = url.strip_prefix("/static/").unwrap();
    let (dir, name) = path.rsplit_once('/').unwrap();
    let parts: Vec<&str> = name.split('.').collect();
    assert_eq!(parts.len(), 3, "{url} is name.hash.extension");
    (
        format!("{dir}/{}.{}", parts[0], parts[2]),
        parts[1].to_owned(),
    )
}

#[tokio::test]
async fn every_file_a_page_links_is_served_under_a_hash_of_its_content_and_cached_for_a_year() {
    let app = spawn_app().await;
    let browser = client();
    let mut urls = Vec::new();
    // The sign-in page (layout, stylesheet, icon, script) and an error page (its own head).
    for page in ["/login", "/no-such-page"] {
        let html = app.get(&browser, page).await.text().await.unwrap();
        urls.extend(static_urls(&html));
    }
    urls.sort();
    urls.dedup();
    assert_eq!(
        urls.len(),
        3,
        "stylesheet, brand mark, time zone script: {urls:?}"
    );

    for url in urls {
        let (name, hash) = name_and_hash(&url);
        let response = app.get(&browser, &url).await;
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        let headers = response.headers().clone();
        assert_eq!(headers[header::CACHE_CONTROL], IMMUTABLE, "{url}");
        let expected_type = match name.rsplit_once('.').unwrap().1 {
            "css" => "text/css",
            "js" => "text/javascript",
            "svg" => "image/svg+xml",
            other => panic!("a .{other} file"),
        };
        assert_eq!(headers[header::CONTENT_TYPE], expected_type, "{url}");
        let body = response.bytes().await.unwrap();
        assert_eq!(body.as_ref(), file(&name), "{url} is static/{name}");
        let digest = format!("{:x}", Sha256::digest(&body));
        assert_eq!(hash, digest[..16], "{url} names its content");
    }
}

#[tokio::test]
async fn a_file_asked_for_by_its_plain_name_or_an_old_hash_is_current_and_revalidated() {
    let app = spawn_app().await;
    let browser = client();
    for url in [
        "/static/css/app.css",
        // A page of another version (a rolling upgrade) names another hash.
        "/static/css/app.0123456789abcdef.css",
    ] {
        let response = app.get(&browser, url).await;
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        assert_eq!(
            response.headers()[header::CACHE_CONTROL],
            "no-cache",
            "{url}"
        );
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "text/css",
            "{url}"
        );
        assert_eq!(
            response.bytes().await.unwrap().as_ref(),
            file("css/app.css")
        );
    }
    for url in [
        "/static/css/nothing.css",
        "/static/css/nothing.0123456789abcdef.css",
    ] {
        let response = app.get(&browser, url).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{url}");
        assert!(
            response.headers().get(header::CACHE_CONTROL).is_none(),
            "{url}"
        );
    }
}

#[tokio::test]
async fn the_favicon_browsers_ask_for_is_the_brand_mark_not_a_404() {
    let app = spawn_app().await;
    let response = app.get(&client(), "/favicon.ico").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CONTENT_TYPE], "image/svg+xml");
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "public, max-age=86400"
    );
    assert_eq!(
        response.bytes().await.unwrap().as_ref(),
        file("img/brand.svg")
    );
}
