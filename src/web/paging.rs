//! Links of keyset-paginated lists: the same filters, plus the cursor of the next page.

/// `path?k=v&...&after=cursor`, leaving out empty values.
pub fn page_url(path: &str, params: &[(&str, &str)], after: Option<&str>) -> String {
    let mut pairs: Vec<(&str, &str)> = params
        .iter()
        .copied()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    if let Some(after) = after {
        pairs.push(("after", after));
    }
    if pairs.is_empty() {
        return path.to_owned();
    }
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{path}?{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_links_without_empty_filters() {
        assert_eq!(
            page_url("/x", &[("q", ""), ("action", "a b")], Some("1.2")),
            "/x?action=a+b&after=1.2"
        );
        assert_eq!(page_url("/x", &[("q", "")], None), "/x");
    }
}
