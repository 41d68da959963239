//! Request guards: who is asking, rejected before the handler runs. A page of one portal is
//! never reached by another role (403) or by someone signed out (sent to sign in).

use std::net::SocketAddr;
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use super::forwarded;
use super::member_guard;
use super::routes::Portal;
use super::session;
use super::state::AppState;
use crate::accounts::model::{Account, AccountInfo, AccountStatus, Email, FieldErrors, Role};
use crate::activation::invite::{self, Created, NewAccount};
use crate::auth::session_store::take_loaded_account;
use crate::auth::sessions;
use crate::error::AppError;
use crate::format::Zone;
use crate::ids::SessionId;
use crate::inbox::{self, PendingCounts};

pub use super::chrome::{Chrome, NavItem};

/// Any visitor, signed in or not; gives pages their chrome.
pub struct Visitor {
    pub session: Session,
}

impl Visitor {
    pub async fn chrome(&self, title: impl Into<String>) -> Result<Chrome, AppError> {
        Ok(Chrome {
            title: title.into(),
            user: None,
            portal: None,
            csrf_token: session::csrf_token(&self.session).await?,
            flash: session::take_flash(&self.session).await?,
            section: "",
            zone: Zone::utc(),
            pending: PendingCounts::default(),
            price_note: false,
        })
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, msg)| AppError::Unexpected(anyhow::anyhow!(msg)))?;
        Ok(Self { session })
    }
}

/// A signed-in, active account of any role, in a live session.
pub struct SignedIn {
    pub account: Account,
    pub session: Session,
    /// The `account_sessions` row of this session.
    pub session_id: SessionId,
    /// Which portal's navigation pages show: the one whose router serves the request, on a
    /// public page the account's own.
    pub portal: Role,
    /// The zone every time on this person's pages is shown in, worked out once per request
    /// from the account loaded with the session (no query of its own).
    pub zone: Zone,
    /// The manager's pending counts, when they came with the session.
    nav_counts: Option<PendingCounts>,
    /// For what the layout reads on every page (the manager's pending counts), when they did not.
    db: sqlx::PgPool,
}

impl SignedIn {
    pub async fn chrome(
        &self,
        title: impl Into<String>,
        section: &'static str,
    ) -> Result<Chrome, AppError> {
        // Only the console's navigation shows the counts; they usually came with the session.
        let pending = match (self.portal, self.nav_counts) {
            (Role::Manager, Some(counts)) => counts,
            (Role::Manager, None) => inbox::pending_counts(&self.db, self.account.id).await?,
            _ => PendingCounts::default(),
        };
        Ok(Chrome {
            title: title.into(),
            user: Some(self.account.clone()),
            portal: Some(self.portal),
            csrf_token: session::csrf_token(&self.session).await?,
            flash: session::take_flash(&self.session).await?,
            section,
            zone: self.zone.clone(),
            pending,
            price_note: false,
        })
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let next = parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str().to_owned())
            .unwrap_or_default();
        let sign_in = || AppError::SignInRequired { next: next.clone() };
        let Visitor { session } = Visitor::from_request_parts(parts, state).await?;
        let Some(mark) = session::auth_mark(&session).await? else {
            return Err(sign_in());
        };
        let now = state.clock.now().unix_timestamp();
        let config = &state.config;
        let mut nav_counts = None;
        let idle = now - mark.touched_at >= config.session_idle_minutes * 60;
        let too_old = now - mark.signed_in_at >= config.session_absolute_hours * 3600;
        let account = if idle || too_old {
            // Expired: end it for good, not just for this request.
            sessions::end(&state.db, mark.account_id, mark.session_id).await?;
            None
        } else if let Some(loaded) = take_loaded_account(mark.session_id) {
            // Loaded with the session, in the same statement.
            nav_counts = inbox::from_loaded(loaded.also.as_deref());
            Some(loaded.account).filter(|a| a.id == mark.account_id)
        } else {
            sessions::find_account(&state.db, mark.account_id, mark.session_id).await?
        };
        // No row: the session was ended elsewhere (sign-out, password change, removal).
        let Some(account) = account.filter(|a| a.status == AccountStatus::Active) else {
            session::sign_out(&session).await?;
            return Err(sign_in());
        };
        if session::touch(&session, &mark, now).await? {
            sessions::touch(&state.db, mark.session_id, state.clock.now()).await?;
        }
        let portal = route_portal(parts);
        if portal == Some(Role::Partner) && account.is_partner() {
            member_guard::check(parts, state, &account, &session).await?;
        }
        Ok(Self {
            portal: portal.unwrap_or(account.role),
            zone: account.zone(),
            account,
            session,
            session_id: mark.session_id,
            nav_counts,
            db: state.db.clone(),
        })
    }
}

/// The portal whose router serves this request (see `Routes::portal`), as the role whose pages
/// it shows; none on the public pages. Pages several portals share (Security, Central
/// Management) learn their portal from it, never from the URL.
pub fn route_portal(parts: &Parts) -> Option<Role> {
    parts
        .extensions
        .get::<Portal>()
        .copied()
        .and_then(Portal::role)
}

impl SignedIn {
    /// Adds a pending account on this user's behalf (see [`NewAccount::added_by`]) and mails
    /// its activation link; an email address already taken is the form's error.
    pub async fn add_account(
        &self,
        state: &AppState,
        client: &ClientInfo,
        role: Role,
        email: Email,
        info: AccountInfo,
        profile_png: Option<Vec<u8>>,
    ) -> Result<Result<Created, FieldErrors>, AppError> {
        let new = NewAccount::added_by(&self.account, role, email, info, profile_png, &client.ip);
        let now = state.clock.now();
        match invite::create_pending_account(&state.db, new, state.config.public_base(), now).await
        {
            Ok(created) => Ok(Ok(created)),
            Err(err) => Ok(Err(err.into_field_errors()?)),
        }
    }
}

/// Where a request comes from, for sessions, throttling and the audit log: the TCP peer, or
/// behind a proxy listed in `TRUSTED_PROXIES` the address that proxy names (see
/// [`super::forwarded`]). Everything that records or limits by address uses this one extractor.
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: String,
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| {
                forwarded::client_ip(addr.ip(), &parts.headers, &state.config.trusted_proxies.0)
                    .to_string()
            })
            .unwrap_or_default();
        let user_agent = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        Ok(Self { ip, user_agent })
    }
}

/// The one id in a route's path (`/partner/orders/{id}`), parsed as its entity's id type
/// (`IdPath<OrderId>`). A malformed id is a page that does not exist: 404, before the handler
/// runs, exactly as an id of another tenant's row.
pub struct IdPath<T>(pub T);

impl<S, T> FromRequestParts<S> for IdPath<T>
where
    S: Send + Sync,
    T: FromStr + Send,
{
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        parse_id(&raw)
            .map(Self)
            .map_err(IntoResponse::into_response)
    }
}

/// An id from a path segment; a malformed one is "not found" (see [`IdPath`]).
pub fn parse_id<T: FromStr>(raw: &str) -> Result<T, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

macro_rules! role_guard {
    ($name:ident, $role:expr, $allowed:expr, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(pub SignedIn);

        impl FromRequestParts<AppState> for $name {
            type Rejection = AppError;
            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, AppError> {
                let mut signed_in = SignedIn::from_request_parts(parts, state).await?;
                let allowed: fn(&Account) -> bool = $allowed;
                if !allowed(&signed_in.account) {
                    return Err(AppError::Forbidden);
                }
                signed_in.portal = $role;
                Ok(Self(signed_in))
            }
        }

        impl std::ops::Deref for $name {
            type Target = SignedIn;
            fn deref(&self) -> &SignedIn {
                &self.0
            }
        }
    };
}

role_guard!(
    CurrentPartner,
    Role::Partner,
    Account::is_partner,
    "A signed-in partner (or a customer approved as one)."
);
role_guard!(
    CurrentCustomer,
    Role::Customer,
    |a| a.role == Role::Customer,
    "A signed-in customer."
);
role_guard!(
    CurrentManager,
    Role::Manager,
    |a| a.role == Role::Manager,
    "A signed-in account manager."
);
