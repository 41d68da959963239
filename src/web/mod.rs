//! HTTP: the router of all three portals and the layers around it. Handlers translate HTTP to
//! domain calls and back; they hold no SQL.

pub mod api;
pub mod central;
pub mod config_form;
pub mod csrf;
pub mod customer;
pub mod extractors;
pub mod form;
pub mod forwarded;
pub mod manager;
pub mod pages;
pub mod paging;
pub mod partner;
pub mod public;
pub mod rate_limit;
pub mod redact;
pub mod routes;
pub mod security;
pub mod session;
pub mod state;
pub mod step_up;
pub mod time_zone;

use axum::extract::DefaultBodyLimit;
use axum::http::HeaderName;
use axum::middleware;
use axum::Router;
use time::Duration;
use tower::ServiceBuilder;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use routes::{get, post, RouteInfo, Routes};
use state::AppState;

pub fn router(state: AppState, session_store: PostgresStore) -> Router {
    let config = state.config.clone();
    let sessions = SessionManagerLayer::new(session_store)
        .with_name(if config.cookie_secure {
            "__Host-portal_session"
        } else {
            "portal_session"
        })
        .with_secure(config.cookie_secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(Duration::minutes(
            config.session_idle_minutes,
        )));
    serve(routes(), state, sessions)
}

/// Every route the portal serves (method, path pattern, portal), recorded as the router is
/// built; `/static` files aside.
pub fn route_table() -> Vec<RouteInfo> {
    let (pages, bare) = routes();
    pages.table().iter().chain(bare.table()).cloned().collect()
}

/// The session-backed pages, and the routes outside the session and CSRF layers.
fn routes() -> (Routes<AppState>, Routes<AppState>) {
    let public = Routes::new()
        .route("/", get(public::login::get_root))
        .route(
            "/login",
            get(public::login::get_login).post(public::login::post_login),
        )
        .route("/logout", post(public::login::post_logout))
        .route(
            "/activate/{token}",
            get(public::activate::get_activate).post(public::activate::post_activate),
        )
        .route(
            "/activate/{token}/resend",
            post(public::activate::post_resend),
        )
        .route("/media/profile/{id}", get(public::media::get_profile_image))
        .route(
            "/login/two-factor",
            get(public::two_factor::get_two_factor).post(public::two_factor::post_two_factor),
        )
        .route(
            "/forgot-password",
            get(public::reset::get_forgot).post(public::reset::post_forgot),
        )
        .route(
            "/reset-password/{token}",
            get(public::reset::get_reset).post(public::reset::post_reset),
        );

    // The same Security page in every portal; `security::Owner` refuses another portal's.
    // Central Management: the same pages for customers and for their partners.
    let mut central = Routes::new();
    for portal in ["/customer", "/partner"] {
        central = central
            .route(
                &format!("{portal}/central-management"),
                get(central::get_list),
            )
            .route(
                &format!("{portal}/central-management/{{id}}"),
                get(central::get_instance),
            )
            .route(
                &format!("{portal}/central-management/{{id}}/restart"),
                get(central::get_restart).post(central::post_restart),
            )
            .route(
                &format!("{portal}/central-management/{{id}}/{{action}}"),
                post(central::post_action),
            );
    }

    let mut security = Routes::new();
    for portal in ["/customer", "/partner", "/manager"] {
        security = security
            .route(&format!("{portal}/security"), get(security::get_security))
            .route(
                &format!("{portal}/security/two-factor"),
                get(security::get_setup).post(security::post_setup),
            )
            .route(
                &format!("{portal}/security/two-factor/disable"),
                post(security::post_disable),
            )
            .route(
                &format!("{portal}/security/recovery-codes"),
                post(security::post_regenerate_codes),
            )
            .route(
                &format!("{portal}/security/recovery-codes/download"),
                post(security::post_download_codes),
            )
            .route(
                &format!("{portal}/security/password"),
                post(security::post_password),
            )
            .route(
                &format!("{portal}/security/time-zone"),
                post(security::post_time_zone),
            )
            .route(
                &format!("{portal}/security/sessions/end-others"),
                post(security::post_end_others),
            )
            .route(
                &format!("{portal}/security/sessions/{{id}}/end"),
                post(security::post_end_session),
            );
    }

    let partner = Routes::new()
        .route(
            "/partner",
            get(|| async { axum::response::Redirect::to("/partner/customers") }),
        )
        .route("/partner/customers", get(partner::customers::get_customers))
        .route(
            "/partner/customers/new",
            get(partner::customers::get_new_customer)
                .post(partner::customers::post_new_customer)
                // The one upload route (see csrf::UPLOAD_ROUTES): larger than every other form.
                .layer(DefaultBodyLimit::max(csrf::UPLOAD_BODY_BYTES)),
        )
        .route(
            "/partner/customers/{id}",
            get(partner::customers::get_customer),
        )
        .route(
            "/partner/customers/{id}/edit",
            get(partner::customer_edit::get_edit_customer)
                .post(partner::customer_edit::post_edit_customer),
        )
        .route(
            "/partner/customers/{id}/removal-request",
            get(partner::removals::get_request).post(partner::removals::post_request),
        )
        .route(
            "/partner/customers/{id}/removal-request/withdraw",
            post(partner::removals::post_withdraw),
        )
        .route("/partner/purchase", get(partner::purchase::get_purchase))
        .route(
            "/partner/purchase/review",
            post(partner::purchase::post_review),
        )
        .route("/partner/purchase/edit", post(partner::purchase::post_edit))
        .route(
            "/partner/purchase/confirm",
            post(partner::purchase::post_confirm),
        )
        .route("/partner/orders", get(partner::orders::get_orders))
        .route("/partner/orders/{id}", get(partner::orders::get_order))
        .route(
            "/partner/orders/{id}/invoice",
            get(partner::orders::get_invoice),
        )
        .route("/partner/products", get(partner::products::get_products))
        .route(
            "/partner/products/{product_type}",
            get(partner::products::get_product_list),
        )
        .route(
            "/partner/licenses/{id}/associate",
            get(partner::products::get_associate).post(partner::products::post_associate),
        )
        .route(
            "/partner/licenses/{id}/dissociate",
            post(partner::products::post_dissociate),
        )
        .route("/partner/audit", get(partner::audit::get_partner_audit))
        .route(
            "/partner/audit.csv",
            get(partner::audit::get_partner_audit_csv),
        )
        .route(
            "/partner/customers/{id}/two-factor/disable",
            get(partner::customers::get_disable_two_factor)
                .post(partner::customers::post_disable_two_factor),
        );

    let customer = Routes::new()
        .route("/customer", get(customer::get_dashboard))
        .route("/customer/products", get(customer::get_products))
        .route(
            "/customer/partnership",
            get(customer::partnership::get_partnership)
                .post(customer::partnership::post_partnership),
        )
        .route(
            "/customer/partnership/withdraw",
            post(customer::partnership::post_withdraw),
        )
        .route("/customer/trials", get(customer::trials::get_trials))
        .route(
            "/customer/trials/{product_type}",
            post(customer::trials::post_start_trial),
        )
        .route("/customer/estimate", get(customer::estimate::get_estimate))
        .route(
            "/customer/subscribe",
            get(customer::subscribe::get_subscribe),
        )
        .route(
            "/customer/subscribe/review",
            post(customer::subscribe::post_review),
        )
        .route(
            "/customer/subscribe/edit",
            post(customer::subscribe::post_edit),
        )
        .route(
            "/customer/subscribe/confirm",
            post(customer::subscribe::post_confirm),
        )
        .route(
            "/customer/subscriptions/{id}",
            get(customer::subscription::get_subscription),
        )
        .route(
            "/customer/subscriptions/{id}/change",
            post(customer::subscription_change::post_change),
        )
        .route(
            "/customer/subscriptions/{id}/change/edit",
            post(customer::subscription_change::post_change_edit),
        )
        .route(
            "/customer/subscriptions/{id}/change/confirm",
            post(customer::subscription_change::post_change_confirm),
        )
        .route(
            "/customer/subscriptions/{id}/scheduled-change/cancel",
            get(customer::subscription_change::get_cancel_scheduled_change)
                .post(customer::subscription_change::post_cancel_scheduled_change),
        )
        .route(
            "/customer/subscriptions/{id}/auto-renew",
            post(customer::subscription::post_auto_renew),
        )
        .route(
            "/customer/account",
            get(customer::get_account).post(customer::post_account),
        )
        .route("/customer/billing", get(customer::billing::get_billing))
        .route(
            "/customer/billing/{id}/invoice",
            get(customer::billing::get_invoice),
        );

    let manager = Routes::new()
        .route(
            "/manager",
            get(|| async { axum::response::Redirect::to("/manager/partners") }),
        )
        .route("/manager/partners", get(manager::partners::get_partners))
        .route(
            "/manager/partners/new",
            get(manager::partners::get_new_partner).post(manager::partners::post_new_partner),
        )
        .route(
            "/manager/partners/{id}",
            get(manager::partner_detail::get_partner),
        )
        .route(
            "/manager/activations",
            get(manager::activations::get_activations),
        )
        .route(
            "/manager/activations/resend",
            post(manager::activations::post_resend_selected),
        )
        .route(
            "/manager/accounts/{id}/resend-activation",
            post(manager::activations::post_resend),
        )
        .route("/manager/removals", get(manager::removals::get_removals))
        .route(
            "/manager/removals/{id}/approve",
            get(manager::removals::get_approve).post(manager::removals::post_approve),
        )
        .route(
            "/manager/removals/{id}/reject",
            post(manager::removals::post_reject),
        )
        .route(
            "/manager/applications",
            get(manager::applications::get_applications),
        )
        .route(
            "/manager/applications/{id}",
            post(manager::applications::post_decide),
        )
        .route("/manager/attention", get(manager::attention::get_attention))
        .route("/manager/audit", get(manager::audit::get_manager_audit))
        .route(
            "/manager/audit.csv",
            get(manager::audit::get_manager_audit_csv),
        );

    let pages = Routes::new()
        .merge(public)
        .merge(partner)
        .merge(customer)
        .merge(manager)
        .merge(security)
        .merge(central);

    let bare = Routes::new()
        .route("/healthz", get(pages::healthz))
        .route("/readyz", get(public::readyz))
        .route(
            "/api/pbx/heartbeat",
            post(api::post_heartbeat).layer(DefaultBodyLimit::max(16 * 1024)),
        );
    (pages, bare)
}

/// The routes with their layers: sessions and CSRF around the pages, then security headers,
/// error pages, request ids and tracing around everything.
fn serve(
    (pages, bare): (Routes<AppState>, Routes<AppState>),
    state: AppState,
    sessions: SessionManagerLayer<PostgresStore>,
) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let pages = pages
        .into_router()
        .fallback(pages::not_found)
        .layer(middleware::from_fn(csrf::verify_csrf))
        .layer(sessions)
        // Directly outside the session layer: its own bare 500 (the store failed to save) becomes
        // the "temporarily unavailable" page.
        .layer(middleware::from_fn(pages::session_store_failures))
        // The CSRF layer buffers bodies up to its own limit; handlers see at most that.
        .layer(DefaultBodyLimit::max(csrf::FORM_BODY_BYTES));

    Router::new()
        .merge(pages)
        .merge(bare.into_router())
        .nest_service("/static", ServeDir::new(static_dir()))
        .layer(middleware::from_fn_with_state(
            state.config.clone(),
            pages::security_headers,
        ))
        .layer(middleware::from_fn(pages::render_error_pages))
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(
                    |request: &axum::http::Request<axum::body::Body>| {
                        let id = request
                            .headers()
                            .get("x-request-id")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("");
                        // Tokens in link paths never reach the log.
                        tracing::info_span!("request", method = %request.method(),
                            path = %redact::path(request.uri().path()), request_id = %id)
                    },
                ))
                .layer(PropagateRequestIdLayer::new(request_id)),
        )
        .with_state(state)
}

/// `static/` in the working directory, else the one next to the crate's sources (so `cargo run`
/// and the tests work from any directory).
fn static_dir() -> std::path::PathBuf {
    let local = std::path::PathBuf::from("static");
    if local.join("css").is_dir() {
        local
    } else {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("static")
    }
}
