//! The Account Manager console's routes, its Security page included.

use axum::response::Redirect;

use super::{activations, applications, attention, audit, partner_detail, partners, removals};
use crate::accounts::model::Role;
use crate::web::paths;
use crate::web::routes::{get, post, Portal, Routes};
use crate::web::security;
use crate::web::state::AppState;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .route(
            paths::MANAGER,
            get(|| async { Redirect::to(paths::MANAGER_PARTNERS) }),
        )
        .route(paths::MANAGER_PARTNERS, get(partners::get_partners))
        .route(
            paths::MANAGER_NEW_PARTNER,
            get(partners::get_new_partner).post(partners::post_new_partner),
        )
        .route("/manager/partners/{id}", get(partner_detail::get_partner))
        .route(
            paths::MANAGER_ACTIVATIONS,
            get(activations::get_activations),
        )
        .route(
            "/manager/activations/resend",
            post(activations::post_resend_selected),
        )
        .route(
            "/manager/accounts/{id}/resend-activation",
            post(activations::post_resend),
        )
        .merge(decision_routes())
        .route(paths::MANAGER_ATTENTION, get(attention::get_attention))
        .route(paths::MANAGER_AUDIT, get(audit::get_manager_audit))
        .route(paths::MANAGER_AUDIT_CSV, get(audit::get_manager_audit_csv))
        .merge(security::routes(Role::Manager))
        .portal(Portal::Manager)
}

/// The queues of decisions: removals and partnership applications.
fn decision_routes() -> Routes<AppState> {
    Routes::new()
        .route(paths::MANAGER_REMOVALS, get(removals::get_removals))
        .route(
            "/manager/removals/{id}/approve",
            get(removals::get_approve).post(removals::post_approve),
        )
        .route("/manager/removals/{id}/reject", post(removals::post_reject))
        .route(
            paths::MANAGER_APPLICATIONS,
            get(applications::get_applications),
        )
        .route(
            "/manager/applications/{id}",
            post(applications::post_decide),
        )
}
