//! The Customer Portal's routes, Security and Central Management included.

use super::{billing, partnership, subscribe, subscription, subscription_change, trials};
use crate::accounts::model::Role;
use crate::web::paths;
use crate::web::routes::{get, post, Portal, Routes};
use crate::web::state::AppState;
use crate::web::{central, security};

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .route(paths::CUSTOMER_HOME, get(super::get_dashboard))
        .route(paths::CUSTOMER_PRODUCTS, get(super::get_products))
        .route(
            paths::CUSTOMER_PARTNERSHIP,
            get(partnership::get_partnership).post(partnership::post_partnership),
        )
        .route(
            paths::CUSTOMER_PARTNERSHIP_WITHDRAW,
            post(partnership::post_withdraw),
        )
        .route(paths::CUSTOMER_TRIALS, get(trials::get_trials))
        .route(
            "/customer/trials/{product_type}",
            post(trials::post_start_trial),
        )
        .route(paths::CUSTOMER_ESTIMATE, get(super::estimate::get_estimate))
        .merge(subscription_routes())
        .route(
            paths::CUSTOMER_ACCOUNT,
            get(super::get_account).post(super::post_account),
        )
        .route(paths::CUSTOMER_BILLING, get(billing::get_billing))
        .route("/customer/billing/{id}/invoice", get(billing::get_invoice))
        .merge(security::routes(Role::Customer))
        .merge(central::routes(Role::Customer))
        .portal(Portal::Customer)
}

fn subscription_routes() -> Routes<AppState> {
    Routes::new()
        .route(paths::CUSTOMER_SUBSCRIBE, get(subscribe::get_subscribe))
        .route("/customer/subscribe/review", post(subscribe::post_review))
        .route("/customer/subscribe/edit", post(subscribe::post_edit))
        .route("/customer/subscribe/confirm", post(subscribe::post_confirm))
        .route(
            "/customer/subscriptions/{id}",
            get(subscription::get_subscription),
        )
        .route(
            "/customer/subscriptions/{id}/change",
            post(subscription_change::post_change),
        )
        .route(
            "/customer/subscriptions/{id}/change/edit",
            post(subscription_change::post_change_edit),
        )
        .route(
            "/customer/subscriptions/{id}/change/confirm",
            post(subscription_change::post_change_confirm),
        )
        .route(
            "/customer/subscriptions/{id}/scheduled-change/cancel",
            get(subscription_change::get_cancel_scheduled_change)
                .post(subscription_change::post_cancel_scheduled_change),
        )
        .route(
            "/customer/subscriptions/{id}/auto-renew",
            post(subscription::post_auto_renew),
        )
}
