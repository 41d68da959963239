//! Search patterns written into statements as literals (`db::quote_literal`) read back as
//! exactly what was typed, whatever the characters, and a licence search with hostile input is
//! a search, never SQL.

use reqwest::StatusCode;
use yeastar_portal::db::quote_literal;

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_quoted_literal_reads_back_as_the_text_it_quotes() {
    let app = spawn_app().await;
    let values = [
        "plain",
        "O'Brien",
        "''",
        "back\\slash",
        "\\'; drop table licenses; --",
        "50% off_\\%",
        "E'x'",
        "ünïcödé ✓",
        "$$ dollar $$",
    ];
    for value in values {
        let read: String = app.one(&format!("select {}", quote_literal(value))).await;
        assert_eq!(read, value);
    }
    // NUL cannot be stored in text: it is dropped, never cut the literal short.
    let read: String = app.one(&format!("select {}", quote_literal("a\0b"))).await;
    assert_eq!(read, "ab");
}

#[tokio::test]
async fn a_licence_search_with_quotes_and_backslashes_is_a_search() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("p@quotes.test").await;
    for term in ["O'Brien", "\\'; drop table licenses; --", "50%_\\"] {
        let path = format!("/partner/products/cloud_pbx?q={}", urlencoding(term));
        let (status, page) = app.get_html(&partner, &path).await;
        assert_eq!(status, StatusCode::OK, "{term}");
        assert!(page.contains("No licence matches"), "{term}");
    }
    assert_eq!(app.count("select count(*) from licenses").await, 0);
    let tables: i64 = app
        .count("select count(*) from pg_tables where tablename = 'licenses'")
        .await;
    assert_eq!(tables, 1, "the table is still there");
}

fn urlencoding(term: &str) -> String {
    term.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
