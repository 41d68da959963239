//! `/manager/audit` (and the partner's `/partner/audit`): the audit log, filtered,
//! keyset-paginated, and exported as CSV.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::macros::format_description;
use time::Date;

use crate::accounts::model::AccountId;
use crate::accounts::store::{self as account_store, PartnerRow};
use crate::audit::store::{self, csv_field, Cursor, Filter, Row, Scope, ACTIONS};
use crate::error::AppError;
use crate::format::{datetime, Zone};
use crate::paging::split_page;
use crate::web::extractors::{Chrome, CurrentManager, CurrentPartner};
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
            ("account", self.account.as_str()),
            ("action", self.action.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
        ]
    }

    /// The typed filter, or the message for the first field that cannot be read. The dates are
    /// whole days in the reader's zone, as the times in the list are shown.
    fn filter(&self, zone: &Zone) -> Result<Filter, (&'static str, String)> {
        let date =
            |field: &'static str, raw: &str| -> Result<Option<Date>, (&'static str, String)> {
                if raw.trim().is_empty() {
                    return Ok(None);
                }
                Date::parse(raw.trim(), format_description!("[year]-[month]-[day]"))
                    .map(Some)
                    .map_err(|_| (field, "Enter a date like 2026-11-27.".to_owned()))
            };
        let partner = match self.partner.trim() {
            "" => None,
            raw => Some(AccountId(uuid::Uuid::parse_str(raw).map_err(|_| {
                ("partner", "Choose a partner from the list.".to_owned())
            })?)),
        };
        let action = match self.action.trim() {
            "" => None,
            raw if ACTIONS.contains(&raw) => Some(raw.to_owned()),
            _ => return Err(("action", "Choose an action from the list.".to_owned())),
        };
        let account = Some(self.account.trim().to_owned()).filter(|a| !a.is_empty());
        Ok(Filter {
            partner,
            account,
            action,
            from: date("from", &self.from)?.map(|d| zone.start_of(d)),
            to: date("to", &self.to)?
                .and_then(|d| d.next_day())
                .map(|d| zone.start_of(d)),
        })
    }
}

pub struct AuditRow {
    pub row: Row,
    pub zone: Zone,
}

impl AuditRow {
    pub fn when(&self) -> String {
        datetime(self.row.at, &self.zone)
    }
    pub fn details(&self) -> String {
        match &self.row.details {
            serde_json::Value::Object(map) if map.is_empty() => String::new(),
            other => other.to_string(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "manager/audit.html")]
pub struct AuditPage {
    chrome: Chrome,
    base: &'static str,
    query: AuditQuery,
    partners: Vec<PartnerRow>,
    actions: &'static [&'static str],
    rows: Vec<AuditRow>,
    next_page: Option<String>,
    export_url: String,
    error: Option<(&'static str, String)>,
}

async fn audit_page(
    state: &AppState,
    scope: Scope,
    base: &'static str,
    chrome: Chrome,
    query: AuditQuery,
    partners: Vec<PartnerRow>,
) -> Result<Response, AppError> {
    let (rows, next_page, error) = match query.filter(&chrome.zone) {
        Err(error) => (Vec::new(), None, Some(error)),
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
            (rows, next, None)
        }
    };
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let zone = chrome.zone.clone();
    let page = AuditPage {
        chrome,
        base,
        export_url: page_url(&format!("{base}.csv"), &query.params(), None),
        query,
        partners,
        actions: ACTIONS,
        rows: rows
            .into_iter()
            .map(|row| AuditRow {
                row,
                zone: zone.clone(),
            })
            .collect(),
        next_page,
        error,
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
    )
    .await
}

pub async fn get_partner_audit(
    State(state): State<AppState>,
    partner: CurrentPartner,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let chrome = partner.chrome("Audit log", "audit").await?;
    audit_page(
        &state,
        Scope::Partner(partner.account.id),
        "/partner/audit",
        chrome,
        query,
        Vec::new(),
    )
    .await
}

/// The export: times in RFC 3339 UTC for machines; the date filter in the reader's zone, as on
/// the page the export link came from.
async fn csv(
    state: &AppState,
    scope: Scope,
    zone: &Zone,
    query: &AuditQuery,
) -> Result<Response, AppError> {
    let filter = query
        .filter(zone)
        .map_err(|(_, message)| AppError::BadRequest(message))?;
    let rows = store::list(&state.db, scope, &filter, None, EXPORT_LIMIT).await?;
    let mut out = String::from("time_utc,action,actor,target,partner,client_ip,details\r\n");
    for row in rows {
        let fields = [
            row.at
                .to_offset(time::UtcOffset::UTC)
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            row.action,
            row.actor_email.unwrap_or_default(),
            row.target_email.unwrap_or_default(),
            row.partner_company.unwrap_or_default(),
            row.client_ip.unwrap_or_default(),
            row.details.to_string(),
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

pub async fn get_partner_audit_csv(
    State(state): State<AppState>,
    partner: CurrentPartner,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    csv(
        &state,
        Scope::Partner(partner.account.id),
        &partner.zone,
        &query,
    )
    .await
}
