//! The Partner Portal's routes, Security and Central Management included.

use axum::extract::DefaultBodyLimit;
use axum::response::Redirect;

use super::{
    colleague, colleagues, customer_edit, customer_new, customer_show, customers, orders, products,
    purchase, removals,
};
use crate::accounts::model::Role;
use crate::web::extractors::CurrentPartner;
use crate::web::partner::audit;
use crate::web::paths;
use crate::web::routes::{get, post, Portal, Routes};
use crate::web::state::AppState;
use crate::web::{central, csrf, security};

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .route(
            paths::PARTNER,
            get(|partner: CurrentPartner| async move {
                Redirect::to(paths::home_of(&partner.account))
            }),
        )
        .merge(customer_routes())
        .merge(product_routes())
        .merge(colleague_routes())
        .route(paths::PARTNER_AUDIT, get(audit::get_partner_audit))
        .route(paths::PARTNER_AUDIT_CSV, get(audit::get_partner_audit_csv))
        .merge(security::routes(Role::Partner))
        .merge(central::routes(Role::Partner))
        .portal(Portal::Partner)
}

fn customer_routes() -> Routes<AppState> {
    Routes::new()
        .route(paths::PARTNER_CUSTOMERS, get(customers::get_customers))
        .route(
            paths::PARTNER_NEW_CUSTOMER,
            get(customer_new::get_new_customer)
                .post(customer_new::post_new_customer)
                // The one upload route (see csrf::UPLOAD_ROUTES): larger than every other form.
                .layer(DefaultBodyLimit::max(csrf::UPLOAD_BODY_BYTES)),
        )
        .route("/partner/customers/{id}", get(customer_show::get_customer))
        .route(
            "/partner/customers/{id}/edit",
            get(customer_edit::get_edit_customer).post(customer_edit::post_edit_customer),
        )
        .route(
            "/partner/customers/{id}/removal-request",
            get(removals::get_request).post(removals::post_request),
        )
        .route(
            "/partner/customers/{id}/removal-request/withdraw",
            post(removals::post_withdraw),
        )
        .route(
            "/partner/customers/{id}/two-factor/disable",
            get(customer_show::get_disable_two_factor).post(customer_show::post_disable_two_factor),
        )
}

fn product_routes() -> Routes<AppState> {
    Routes::new()
        .route(paths::PARTNER_PURCHASE, get(purchase::get_purchase))
        .route("/partner/purchase/review", post(purchase::post_review))
        .route("/partner/purchase/edit", post(purchase::post_edit))
        .route("/partner/purchase/confirm", post(purchase::post_confirm))
        .route(paths::PARTNER_ORDERS, get(orders::get_orders))
        .route("/partner/orders/{id}", get(orders::get_order))
        .route("/partner/orders/{id}/invoice", get(orders::get_invoice))
        .route(paths::PARTNER_PRODUCTS, get(products::get_products))
        .route(
            "/partner/products/{product_type}",
            get(products::get_product_list),
        )
        .route(
            "/partner/licenses/{id}/associate",
            get(products::get_associate).post(products::post_associate),
        )
        .route(
            "/partner/licenses/{id}/dissociate",
            post(products::post_dissociate),
        )
}

fn colleague_routes() -> Routes<AppState> {
    Routes::new()
        .route(paths::PARTNER_COLLEAGUES, get(colleagues::get_colleagues))
        .route(
            paths::PARTNER_NEW_COLLEAGUE,
            get(colleagues::get_new_colleague).post(colleagues::post_new_colleague),
        )
        .route(
            paths::PARTNER_ORGANIZATION_POLICY,
            post(colleagues::post_policy),
        )
        .route("/partner/colleagues/{id}", get(colleague::get_colleague))
        .route(
            "/partner/colleagues/{id}/permissions",
            post(colleague::post_permissions),
        )
        .route(
            "/partner/colleagues/{id}/suspend",
            post(colleague::post_suspend),
        )
        .route(
            "/partner/colleagues/{id}/restore",
            post(colleague::post_restore),
        )
        .route(
            "/partner/colleagues/{id}/resend-activation",
            post(colleague::post_resend),
        )
        .route(
            "/partner/colleagues/{id}/remove",
            get(colleague::get_remove).post(colleague::post_remove),
        )
        .route(
            "/partner/colleagues/{id}/transfer-ownership",
            get(colleague::get_transfer).post(colleague::post_transfer),
        )
}
