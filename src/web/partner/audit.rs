//! `/partner/audit`: the partner's audit log (everything filed under its tenant), the same
//! page and export as the manager's (`web::manager::audit`), scoped to the partner.

use axum::extract::State;
use axum::response::Response;

use crate::audit::store::Scope;
use crate::error::AppError;
use crate::web::extractors::CurrentPartner;
use crate::web::form::Query;
use crate::web::manager::audit::{audit_page, csv, AuditQuery};
use crate::web::state::AppState;

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
