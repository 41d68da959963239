//! The "Decided" history under a manager's queue (removal requests, partnership applications):
//! one page of decisions, newest first, with a link to older ones and back to the newest.
//! Rendered by `templates/partials/decided.html`.

use crate::format::{datetime, Zone};
use crate::paging::{split_page, Cursor};
use crate::web::paging::page_url;

/// Decisions shown per page.
pub const PAGE: i64 = 20;

/// One of the two columns that say what a decision was about.
pub struct Column {
    pub label: &'static str,
    pub text: String,
    /// A second, smaller line: its CSS class and text.
    pub sub: Option<(&'static str, String)>,
}

/// One decision as the history table shows it.
pub struct Entry {
    pub columns: [Column; 2],
    pub approved: bool,
    pub decided_by: Option<String>,
    /// When, in the manager's zone.
    pub decided_at: String,
    pub reason: Option<String>,
    /// A second line under the reason (what the partner asked for).
    pub asked: Option<String>,
}

/// What one queue's history is called and where it lives.
pub struct Wording {
    /// The queue page (`/manager/removals`).
    pub path: &'static str,
    pub caption: &'static str,
    /// Said on the first page when nothing was decided yet.
    pub none_yet: &'static str,
    pub headers: [&'static str; 2],
}

pub struct Decided {
    pub wording: Wording,
    pub entries: Vec<Entry>,
    pub next_page: Option<String>,
    pub is_first_page: bool,
}

impl Decided {
    /// `rows` were fetched as one page plus one after `after`; `key` gives a row's position.
    pub fn new<R>(
        wording: Wording,
        mut rows: Vec<R>,
        after: Option<Cursor>,
        key: impl Fn(&R) -> Cursor,
        entry: impl Fn(&R) -> Entry,
    ) -> Self {
        let next_page = split_page(&mut rows, PAGE, key)
            .map(|cursor| page_url(wording.path, &[], Some(&cursor.encode())) + "#decided");
        Self {
            entries: rows.iter().map(entry).collect(),
            wording,
            next_page,
            is_first_page: after.is_none(),
        }
    }
}

/// A decision's time in the manager's zone ("" when it has none).
pub fn at(decided_at: Option<time::OffsetDateTime>, zone: &Zone) -> String {
    decided_at.map(|at| datetime(at, zone)).unwrap_or_default()
}
