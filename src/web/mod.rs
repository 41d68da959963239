//! HTTP: the router of all three portals and the layers around it. Handlers translate HTTP to
//! domain calls and back; they hold no SQL.

pub mod api;
pub mod assets;
pub mod central;
pub mod chrome;
pub mod compression;
pub mod config_form;
pub mod csrf;
pub mod customer;
pub mod drain;
pub mod extractors;
pub mod form;
pub mod forwarded;
pub mod manager;
pub mod member_guard;
pub mod observe;
pub mod pages;
pub mod paging;
pub mod partner;
pub mod paths;
pub mod public;
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
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::auth::session_store::PortalSessionStore;
use routes::{get, RouteInfo, Routes};
use state::AppState;

pub fn router(state: AppState, session_store: PortalSessionStore) -> Router {
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

/// The session-backed pages (each portal's router marks its requests with the portal), and the
/// routes outside the session and CSRF layers.
fn routes() -> (Routes<AppState>, Routes<AppState>) {
    let pages = Routes::new()
        .merge(public::routes::routes())
        .merge(partner::routes::routes())
        .merge(customer::routes::routes())
        .merge(manager::routes::routes());
    let bare = Routes::new()
        .route("/healthz", get(pages::healthz))
        .route("/readyz", get(public::readyz))
        .merge(api::routes());
    (pages, bare)
}

/// The routes with their layers: sessions and CSRF around the pages, then security headers,
/// error pages, compression, request ids, tracing and metrics around everything.
fn serve(
    (pages, bare): (Routes<AppState>, Routes<AppState>),
    state: AppState,
    sessions: SessionManagerLayer<PortalSessionStore>,
) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let pages = pages
        .into_router()
        .fallback(pages::not_found)
        .layer(middleware::from_fn(csrf::verify_csrf))
        // The account loaded with the session waits here for the request guard.
        .layer(middleware::from_fn(session::with_loaded_account_slot))
        .layer(sessions)
        // Directly outside the session layer: its own bare 500 (the store failed to save) becomes
        // the "temporarily unavailable" page.
        .layer(middleware::from_fn(pages::session_store_failures))
        // The CSRF layer buffers bodies up to its own limit; handlers see at most that.
        .layer(DefaultBodyLimit::max(csrf::FORM_BODY_BYTES));

    let router = Router::new()
        .merge(pages)
        .merge(bare.into_router())
        .nest_service("/static", assets::service())
        .route_service("/favicon.ico", assets::favicon())
        .layer(middleware::from_fn_with_state(
            state.draining.clone(),
            drain::while_draining,
        ))
        .layer(middleware::from_fn_with_state(
            state.config.clone(),
            pages::security_headers,
        ))
        .layer(middleware::from_fn(pages::render_error_pages))
        .layer(compression::layer())
        .layer(middleware::from_fn(compression::not_for_other_sites))
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
        );
    // Outermost: it sees the status the client gets, error pages included, and the time every
    // other layer took. Only when metrics are served: otherwise it would count for nobody.
    let router = if state.config.metrics_addr.is_some() {
        router.layer(middleware::from_fn(observe::record_request))
    } else {
        router
    };
    router.with_state(state)
}
