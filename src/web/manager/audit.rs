//! `/manager/audit`: the audit log, filtered, keyset-paginated, and exported as CSV. The page
//! and the export are shared with the partner's `/partner/audit` (`web::partner::audit`),
//! which differ only in whose entries they read.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::macros::format_description;
use time::Date;

use crate::accounts::model::{AccountId, FieldErrors};
use crate::accounts::store::{self as account_store, PartnerRow};
use crate::audit::store::{self, csv_field, Cursor, Filter, Row, Scope};
use crate::audit::Action;
use crate::catalog::Catalog;
use crate::error::AppError;
use crate::format::{datetime, Zone};
use crate::labels::audit::{self as words, Detail};
use crate::paging::split_page;
use crate::web::extractors::{Chrome, CurrentManager};
use crate::web::form::Query;
use crate::web::paging::page_url;
use crate::web::state::AppState;

const PAGE_SIZE: i64 = 50;
/// A CSV export covers at most this many entries; narrow the filters for more.
const EXPORT_LIMIT: i64 = 50_000;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct AuditQuery {
    partner: String,
    member: String,
    account: String,
    action: String,
    from: String,
    to: String,
    after: String,
}

impl AuditQuery {
    fn params(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("partner", self.partner.as_str()),
            ("member", self.member.as_str()),
            ("account", self.account.as_str()),
            ("action", self.action.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
        ]
    }

    /// The typed filter, or a message for each field that cannot be read (shown next to it).
    /// The dates are whole days in the reader's zone, as the times in the list are shown.
    fn filter(&self, zone: &Zone) -> Result<Filter, FieldErrors> {
        let mut errors = FieldErrors::default();
        let mut date = |field: &'static str, raw: &str| -> Option<Date> {
            let raw = raw.trim();
            if raw.is_empty() {
                return None;
            }
            let parsed = Date::parse(raw, format_description!("[year]-[month]-[day]")).ok();
            if parsed.is_none() {
                // Quote what was sent back to the person (a date field cannot show it), unless
                // it is too long to be a mistyped date.
                let what = match raw.chars().count() {
                    0..=20 => format!("“{raw}”"),
                    _ => "That".to_owned(),
                };
                errors.add(
                    field,
                    format!("{what} is not a date. Choose a day from the calendar."),
                );
            }
            parsed
        };
        let from = date("from", &self.from);
        let to = date("to", &self.to);
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                errors.add("to", "The end date is before the start date.");
            }
        }
        let mut id = |field: &'static str, raw: &str, message: &'static str| match raw.trim() {
            "" => None,
            raw => uuid::Uuid::parse_str(raw).map(AccountId).ok().or_else(|| {
                errors.add(field, message);
                None
            }),
        };
        let partner = id("partner", &self.partner, "Choose a partner from the list.");
        let member = id("member", &self.member, "Choose a member from the list.");
        let action = match self.action.trim() {
            "" => None,
            raw => {
                let action = Action::parse(raw);
                if action.is_none() {
                    errors.add("action", "Choose an action from the list.");
                }
                action
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let account = Some(self.account.trim().to_owned()).filter(|a| !a.is_empty());
        Ok(Filter {
            partner,
            member,
            account,
            action,
            from: from.map(|d| zone.start_of(d)),
            to: to.and_then(|d| d.next_day()).map(|d| zone.start_of(d)),
        })
    }
}

/// One entry as the page shows it.
pub struct AuditRow {
    pub row: Row,
    pub zone: Zone,
    /// The sentence in pieces; `true` marks an identifier it names (an order number).
    pub sentence: Vec<(String, bool)>,
    pub details: Vec<Detail>,
}

impl AuditRow {
    fn new(row: Row, catalog: &Catalog, zone: Zone) -> Self {
        let details = words::labelled(&row, catalog);
        let idents: Vec<&str> = details
            .iter()
            .filter(|d| d.kind == Some("ident"))
            .map(|d| d.value.as_str())
            .collect();
        let sentence = pieces(&words::sentence(&row, catalog), &idents);
        Self {
            sentence,
            details,
            row,
            zone,
        }
    }
    pub fn when(&self) -> String {
        datetime(self.row.at, &self.zone)
    }
    /// The machine-readable instant for `<time datetime>`.
    pub fn iso(&self) -> String {
        rfc3339(self.row.at)
    }
}

/// `sentence` cut around the first place each identifier appears, so the page can keep an
/// order number on one line ("YP-" on one line and "001004" on the next reads as two things).
fn pieces(sentence: &str, idents: &[&str]) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = sentence;
    while let Some((at, ident)) = idents
        .iter()
        .filter(|i| !i.is_empty())
        .filter_map(|i| rest.find(i).map(|at| (at, *i)))
        .min_by_key(|(at, _)| *at)
    {
        if at > 0 {
            out.push((rest[..at].to_owned(), false));
        }
        out.push((ident.to_owned(), true));
        rest = &rest[at + ident.len()..];
    }
    if !rest.is_empty() {
        out.push((rest.to_owned(), false));
    }
    out
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[derive(Template, WebTemplate)]
#[template(path = "manager/audit.html")]
pub struct AuditPage {
    chrome: Chrome,
    base: &'static str,
    query: AuditQuery,
    partners: Vec<PartnerRow>,
    /// A partner organization's members, to filter by who did it: (id, "Name (email)").
    members: Vec<(String, String)>,
    groups: Vec<(&'static str, Vec<Action>)>,
    rows: Vec<AuditRow>,
    next_page: Option<String>,
    export_url: String,
    errors: FieldErrors,
    /// A manager reads several partners' entries; a partner only its own.
    show_partner: bool,
}

pub(crate) async fn audit_page(
    state: &AppState,
    scope: Scope,
    base: &'static str,
    chrome: Chrome,
    query: AuditQuery,
    partners: Vec<PartnerRow>,
    members: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let (rows, next_page, errors) = match query.filter(&chrome.zone) {
        Err(errors) => (Vec::new(), None, errors),
        Ok(filter) => {
            let mut rows = store::list(
                &state.db,
                scope,
                &filter,
                Cursor::decode(&query.after),
                PAGE_SIZE + 1,
            )
            .await?;
            let next = split_page(&mut rows, PAGE_SIZE, |r| Cursor::new(r.at, r.id))
                .map(|cursor| page_url(base, &query.params(), Some(&cursor.encode())));
            (rows, next, FieldErrors::default())
        }
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let zone = chrome.zone.clone();
    let show_partner = matches!(scope, Scope::Manager(_));
    let page = AuditPage {
        chrome,
        base,
        export_url: page_url(&format!("{base}.csv"), &query.params(), None),
        query,
        partners,
        members,
        groups: words::action_groups(),
        rows: rows
            .into_iter()
            .map(|row| AuditRow::new(row, &state.catalog, zone.clone()))
            .collect(),
        next_page,
        errors,
        show_partner,
    };
    Ok((status, page).into_response())
}

pub async fn get_manager_audit(
    State(state): State<AppState>,
    manager: CurrentManager,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let partners =
        account_store::list_partners_of_manager(&state.db, manager.account.id, None, None, 500)
            .await?;
    let chrome = manager.chrome("Audit log", "audit").await?;
    audit_page(
        &state,
        Scope::Manager(manager.account.id),
        "/manager/audit",
        chrome,
        query,
        partners,
        Vec::new(),
    )
    .await
}

/// The export: times in RFC 3339 UTC for machines; the date filter in the reader's zone, as on
/// the page the export link came from.
pub(crate) async fn csv(
    state: &AppState,
    scope: Scope,
    zone: &Zone,
    query: &AuditQuery,
) -> Result<Response, AppError> {
    let filter = query.filter(zone).map_err(|errors| {
        let first = errors.iter().next().map(|(_, m)| m.clone());
        AppError::BadRequest(first.unwrap_or_default())
    })?;
    let rows = store::list(&state.db, scope, &filter, None, EXPORT_LIMIT).await?;
    // The columns of earlier exports stay where they were; the readable sentence is added last.
    let mut out =
        String::from("time_utc,action,actor,target,partner,client_ip,details,summary\r\n");
    for row in rows {
        let summary = words::sentence(&row, &state.catalog);
        let fields = [
            rfc3339(row.at),
            row.action,
            row.actor_email.unwrap_or_default(),
            row.target_email.unwrap_or_default(),
            row.partner_company.unwrap_or_default(),
            row.client_ip.unwrap_or_default(),
            row.details.to_string(),
            summary,
        ];
        out.push_str(
            &fields
                .iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
        ],
        out,
    )
        .into_response())
}

pub async fn get_manager_audit_csv(
    State(state): State<AppState>,
    manager: CurrentManager,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    csv(
        &state,
        Scope::Manager(manager.account.id),
        &manager.zone,
        &query,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::pieces;

    #[test]
    fn an_order_number_in_a_sentence_is_its_own_piece() {
        assert_eq!(
            pieces("Alice Martin placed order YP-001004", &["YP-001004"]),
            vec![
                ("Alice Martin placed order ".to_owned(), false),
                ("YP-001004".to_owned(), true)
            ]
        );
        assert_eq!(
            pieces("Alice Martin signed in", &["YP-1"]),
            vec![("Alice Martin signed in".to_owned(), false)]
        );
    }
}
