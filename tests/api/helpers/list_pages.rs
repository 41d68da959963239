//! Reading list pages: a column's cells, the Next page link, every row across the pages.

use reqwest::{Client, StatusCode};

use super::TestApp;

/// One column of a list page, in page order: the text of each `<td data-label="…">` cell past
/// its leading tags, up to the next one (a licence key without its order number, an order's
/// number without its link).
pub fn column(html: &str, label: &str) -> Vec<String> {
    let marker = format!("<td data-label=\"{label}\"");
    html.split(&marker)
        .skip(1)
        .map(|cell| {
            let mut rest = &cell[cell.find('>').unwrap() + 1..];
            while rest.starts_with('<') {
                rest = &rest[rest.find('>').unwrap() + 1..];
            }
            rest.chars()
                .take_while(|c| *c != '<')
                .collect::<String>()
                .trim()
                .to_owned()
        })
        .collect()
}

pub fn next_link(html: &str) -> Option<String> {
    let end = html.find("\">Next page →</a>")?;
    let start = html[..end].rfind("href=\"")? + "href=\"".len();
    Some(html[start..end].replace("&amp;", "&").replace("&#38;", "&"))
}

/// Every row of a list from `path` on, following its Next page links.
pub async fn walk(app: &TestApp, browser: &Client, path: &str, label: &str) -> Vec<String> {
    let mut rows = Vec::new();
    let mut next = Some(path.to_owned());
    let mut pages = 0;
    while let Some(url) = next {
        let (status, html) = app.get_html(browser, &url).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        let page = column(&html, label);
        assert!(page.len() <= 25, "{url}: a page holds at most 25 rows");
        rows.extend(page);
        next = next_link(&html);
        pages += 1;
        assert!(pages < 20, "{path}: the pages never end: {url} {:?}", next);
    }
    rows
}

pub fn sorted<T: Clone>(rows: &[T], key: impl Fn(&T, &T) -> std::cmp::Ordering) -> Vec<T> {
    let mut rows = rows.to_vec();
    rows.sort_by(key);
    rows
}

pub fn set(mut rows: Vec<String>) -> Vec<String> {
    rows.sort();
    rows
}
