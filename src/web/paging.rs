//! Links of keyset-paginated lists (the same filters, plus the cursor of the next page) and
//! the filter and sort bar above the lists people search every day.

use serde::Deserialize;

use crate::paging::Choice;

/// The query of a list people search, filter and sort (`?q=&status=&sort=&after=`); a missing
/// parameter is empty.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub q: String,
    pub status: String,
    pub sort: String,
    pub after: String,
}

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

/// One `<option>` of a list's status or sort select.
pub struct SelectOption {
    pub code: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub fn options<C: Choice>(chosen: C) -> Vec<SelectOption> {
    C::ALL
        .iter()
        .map(|c| SelectOption {
            code: c.code(),
            label: c.label(),
            selected: *c == chosen,
        })
        .collect()
}

/// The choice named in the query string. An unknown code (a hand-edited or outdated link) is
/// not guessed at: the list is shown with the default and the message says so, next to the
/// select, with a 422 (see [`ListControls::status_code`]).
pub fn choose<C: Choice>(raw: &str) -> (C, Option<String>) {
    match C::parse(raw) {
        Some(choice) => (choice, None),
        None => (
            C::default_choice(),
            Some(format!(
                "“{}” is not one of the choices, so “{}” is shown. Choose one from the list.",
                raw.trim(),
                C::default_choice().label()
            )),
        ),
    }
}

/// The search box of a list's filter bar.
pub struct SearchBox {
    pub query: String,
    pub label: &'static str,
    pub placeholder: &'static str,
}

/// The filter bar above a list (`templates/partials/list_controls.html`): an optional search,
/// a status filter and a sort order, submitted with GET to `action`.
pub struct ListControls {
    pub action: String,
    pub search: Option<SearchBox>,
    pub statuses: Vec<SelectOption>,
    pub status_error: Option<String>,
    pub sorts: Vec<SelectOption>,
    pub sort_error: Option<String>,
    /// Said above the list, e.g. that a search word was taken as the status filter.
    pub notice: Option<String>,
}

impl ListControls {
    pub fn new<F: Choice, S: Choice>(
        action: impl Into<String>,
        (status, status_error): (F, Option<String>),
        (sort, sort_error): (S, Option<String>),
    ) -> Self {
        Self {
            action: action.into(),
            search: None,
            statuses: options(status),
            status_error,
            sorts: options(sort),
            sort_error,
            notice: None,
        }
    }

    pub fn with_search(
        mut self,
        query: &str,
        label: &'static str,
        placeholder: &'static str,
    ) -> Self {
        self.search = Some(SearchBox {
            query: query.to_owned(),
            label,
            placeholder,
        });
        self
    }

    /// 422 when a filter or sort value was refused (the page still shows the default list).
    pub fn status_code(&self) -> axum::http::StatusCode {
        if self.status_error.is_some() || self.sort_error.is_some() {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        } else {
            axum::http::StatusCode::OK
        }
    }
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
