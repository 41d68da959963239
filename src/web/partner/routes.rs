//! The Partner Portal's routes, Security and Central Management included.

use axum::extract::DefaultBodyLimit;
use axum::response::Redirect;

use super::{
    customer_edit, customer_new, customer_show, customers, orders, products, purchase, removals,
};
use crate::accounts::model::Role;
use crate::web::partner::audit;
use crate::web::paths;
use crate::web::routes::{get, post, Portal, Routes};
use crate::web::state::AppState;
use crate::web::{central, csrf, security};

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .route(
            paths::PARTNER,
            get(|| async { Redirect::to(paths::PARTNER_CUSTOMERS) }),
        )
        .merge(customer_routes())
        .merge(product_routes())
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
