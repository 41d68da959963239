//! `/manager/activations`: accounts under my partners that are not activated yet, and resending
//! their activation email, one or several at once.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Redirect;
use serde::Deserialize;

use crate::accounts::model::{AccountId, Cursor, Role};
use crate::accounts::pending::{self, PendingRow};
use crate::activation::resend::{self, ResendError};
use crate::error::AppError;
use crate::format::{datetime, Zone};
use crate::paging::split_page;
use crate::web::extractors::IdPath;
use crate::web::extractors::{Chrome, ClientInfo, CurrentManager};
use crate::web::form::{Form, Query};
use crate::web::paging::page_url;
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

/// As many as the console's partner list and the Partner Portal's lists show. (It was 50: the
/// page then took twice the time of the others, p99 15 ms at 16 connections in `benches/run.sh`.)
const PAGE_SIZE: i64 = 25;

pub struct ActivationRow {
    pub row: PendingRow,
    /// "valid until …", "expired", "replaced" …
    pub link_state: String,
    pub link_ok: bool,
    pub email_problem: Option<String>,
    pub zone: Zone,
}

impl ActivationRow {
    pub fn is_partner(&self) -> bool {
        self.row.role == Role::Partner
    }
    pub fn last_sent(&self) -> String {
        self.row
            .last_sent_at
            .map(|at| datetime(at, &self.zone))
            .unwrap_or_default()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "manager/activations.html")]
pub struct ActivationsPage {
    chrome: Chrome,
    rows: Vec<ActivationRow>,
    next_page: Option<String>,
    limit: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    after: String,
}

pub async fn get_activations(
    State(state): State<AppState>,
    manager: CurrentManager,
    Query(query): Query<ListQuery>,
) -> Result<ActivationsPage, AppError> {
    let now = state.clock.now();
    let mut rows = pending::list_pending_of_manager(
        &state.db,
        manager.account.id,
        Cursor::decode(&query.after),
        PAGE_SIZE + 1,
    )
    .await?;
    let next_page = split_page(&mut rows, PAGE_SIZE, |r| Cursor::new(r.created_at, r.id))
        .map(|cursor| page_url(paths::MANAGER_ACTIVATIONS, &[], Some(&cursor.encode())));
    let rows = rows
        .into_iter()
        .map(|row| {
            let (link_state, link_ok) = match row.link_expires_at {
                Some(at) if at > now => {
                    (format!("valid until {}", datetime(at, &manager.zone)), true)
                }
                Some(at) => (format!("expired {}", datetime(at, &manager.zone)), false),
                None => ("no valid link".to_owned(), false),
            };
            let email_problem = match (row.email_status.as_deref(), &row.email_error) {
                (Some("failed"), error) => Some(format!(
                    "email failed to send: {}",
                    error.clone().unwrap_or_default()
                )),
                (Some("pending"), Some(error)) => {
                    Some(format!("email not delivered yet, retrying: {error}"))
                }
                _ => None,
            };
            ActivationRow {
                row,
                link_state,
                link_ok,
                email_problem,
                zone: manager.zone.clone(),
            }
        })
        .collect();
    Ok(ActivationsPage {
        chrome: manager.chrome("Activations", "activations").await?,
        rows,
        next_page,
        limit: resend::RESENDS_PER_DAY,
    })
}

async fn resend_one(
    state: &AppState,
    manager: &CurrentManager,
    client: &ClientInfo,
    id: AccountId,
) -> Result<Result<String, String>, AppError> {
    match resend::resend(
        &state.db,
        &manager.account,
        id,
        state.config.public_base(),
        &client.ip,
        state.clock.now(),
    )
    .await
    {
        Ok(expires_at) => Ok(Ok(datetime(expires_at, &manager.zone))),
        Err(ResendError::NotFound) => Err(AppError::NotFound),
        Err(err @ ResendError::LimitReached(_)) => Ok(Err(err.to_string())),
        Err(ResendError::Unexpected(err)) => Err(err.into()),
    }
}

/// `POST /manager/accounts/{id}/resend-activation`
pub async fn post_resend(
    State(state): State<AppState>,
    manager: CurrentManager,
    client: ClientInfo,
    IdPath(id): IdPath<AccountId>,
) -> Result<Redirect, AppError> {
    match resend_one(&state, &manager, &client, id).await? {
        Ok(until) => {
            session::flash(&manager.session, FlashKind::Success, format!("A new activation link was sent; it is valid until {until}. Earlier links no longer work.")).await?
        }
        Err(message) => session::flash(&manager.session, FlashKind::Error, capitalise(&message)).await?,
    }
    Ok(Redirect::to(paths::MANAGER_ACTIVATIONS))
}

/// `POST /manager/activations/resend` with one `account_id` per ticked row.
pub async fn post_resend_selected(
    State(state): State<AppState>,
    manager: CurrentManager,
    client: ClientInfo,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Redirect, AppError> {
    let ids: Vec<AccountId> = fields
        .iter()
        .filter(|(k, _)| k == "account_id")
        .filter_map(|(_, v)| uuid::Uuid::parse_str(v).ok().map(AccountId))
        .collect();
    if ids.is_empty() {
        session::flash(
            &manager.session,
            FlashKind::Error,
            "Tick the accounts whose activation email you want to resend.",
        )
        .await?;
        return Ok(Redirect::to(paths::MANAGER_ACTIVATIONS));
    }
    let (mut sent, mut refused) = (0, Vec::new());
    for id in ids {
        match resend_one(&state, &manager, &client, id).await {
            Ok(Ok(_)) => sent += 1,
            Ok(Err(message)) => refused.push(message),
            Err(AppError::NotFound) => refused
                .push("one of the ticked accounts is not pending under your partners".to_owned()),
            Err(err) => return Err(err),
        }
    }
    let mut message = format!(
        "Resent {sent} activation email{}.",
        if sent == 1 { "" } else { "s" }
    );
    for reason in &refused {
        message.push_str(&format!(" Not resent: {reason}."));
    }
    let kind = if refused.is_empty() {
        FlashKind::Success
    } else {
        FlashKind::Error
    };
    session::flash(&manager.session, kind, message).await?;
    Ok(Redirect::to(paths::MANAGER_ACTIVATIONS))
}

fn capitalise(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str() + ".",
        None => String::new(),
    }
}
