//! `/partner/audit`: the partner's audit log (everything filed under its tenant), the same
//! page and export as the manager's (`web::manager::audit`), scoped to the partner.

use axum::extract::State;
use axum::response::Response;

use crate::accounts::organization;
use crate::audit::store::Scope;
use crate::error::AppError;
use crate::web::extractors::CurrentPartner;
use crate::web::form::Query;
use crate::web::manager::audit::{audit_page, csv, AuditQuery};
use crate::web::state::AppState;

/// The members the filter offers (an organization's people, not its customers).
const MEMBER_CHOICES: i64 = 200;

pub async fn get_partner_audit(
    State(state): State<AppState>,
    partner: CurrentPartner,
    Query(query): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let chrome = partner.chrome("Audit log", "audit").await?;
    let org = partner.account.organization();
    let members = organization::list_members(&state.db, org, None, None, MEMBER_CHOICES)
        .await?
        .into_iter()
        .map(|m| {
            let label = format!("{} {} ({})", m.first_name, m.last_name, m.email);
            (m.id.to_string(), label)
        })
        .collect();
    audit_page(
        &state,
        Scope::Partner(partner.account.organization()),
        "/partner/audit",
        chrome,
        query,
        Vec::new(),
        members,
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
        Scope::Partner(partner.account.organization()),
        &partner.zone,
        &query,
    )
    .await
}
