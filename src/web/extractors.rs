//! Request guards: who is asking, rejected before the handler runs. A page of one portal is
//! never reached by another role (403) or by someone signed out (sent to sign in).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tower_sessions::Session;

use super::session::{self, Flash};
use super::state::AppState;
use crate::accounts::model::{Account, AccountStatus, Role};
use crate::accounts::store as account_store;
use crate::error::AppError;

/// What the layout needs on every page: title, the signed-in user, the CSRF token, a flash.
pub struct Chrome {
    pub title: String,
    pub user: Option<Account>,
    pub csrf_token: String,
    pub flash: Option<Flash>,
    /// The navigation entry to mark as current.
    pub section: &'static str,
}

impl Chrome {
    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|u| u.role)
    }

    pub fn portal_label(&self) -> &'static str {
        match self.role() {
            Some(Role::Partner) => "Partner Portal",
            Some(Role::Customer) => "Customer Portal",
            Some(Role::Manager) => "Account Manager",
            None => "Portal",
        }
    }

    /// The navigation of the signed-in user's portal.
    pub fn nav_items(&self) -> Vec<NavItem> {
        let items: &[(&str, &str, &str)] = match self.role() {
            Some(Role::Partner) => &[("customers", "/partner/customers", "Customers")],
            Some(Role::Customer) => &[
                ("dashboard", "/customer", "Dashboard"),
                ("account", "/customer/account", "Account Information"),
            ],
            Some(Role::Manager) => &[("partners", "/manager", "Partners")],
            None => &[],
        };
        items
            .iter()
            .map(|(section, href, label)| NavItem {
                href,
                label,
                current: *section == self.section,
            })
            .collect()
    }
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// Any visitor, signed in or not; gives pages their chrome.
pub struct Visitor {
    pub session: Session,
}

impl Visitor {
    pub async fn chrome(&self, title: impl Into<String>) -> Result<Chrome, AppError> {
        Ok(Chrome {
            title: title.into(),
            user: None,
            csrf_token: session::csrf_token(&self.session).await?,
            flash: session::take_flash(&self.session).await?,
            section: "",
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

/// A signed-in, active account of any role.
pub struct SignedIn {
    pub account: Account,
    pub session: Session,
}

impl SignedIn {
    pub async fn chrome(
        &self,
        title: impl Into<String>,
        section: &'static str,
    ) -> Result<Chrome, AppError> {
        Ok(Chrome {
            title: title.into(),
            user: Some(self.account.clone()),
            csrf_token: session::csrf_token(&self.session).await?,
            flash: session::take_flash(&self.session).await?,
            section,
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
        let account = account_store::find_by_id(&state.db, mark.account_id).await?;
        // A removed account, or one whose sessions were ended (epoch bumped), is signed out
        // here even though its session row still existed.
        let Some(account) =
            account.filter(|a| a.status == AccountStatus::Active && a.session_epoch == mark.epoch)
        else {
            session::sign_out(&session).await?;
            return Err(sign_in());
        };
        session::touch(&session, &mark, state.clock.now().unix_timestamp()).await?;
        Ok(Self { account, session })
    }
}

macro_rules! role_guard {
    ($name:ident, $role:expr, $doc:literal) => {
        #[doc = $doc]
        pub struct $name(pub SignedIn);

        impl FromRequestParts<AppState> for $name {
            type Rejection = AppError;
            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, AppError> {
                let signed_in = SignedIn::from_request_parts(parts, state).await?;
                if signed_in.account.role != $role {
                    return Err(AppError::Forbidden);
                }
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

role_guard!(CurrentPartner, Role::Partner, "A signed-in partner.");
role_guard!(CurrentCustomer, Role::Customer, "A signed-in customer.");
role_guard!(
    CurrentManager,
    Role::Manager,
    "A signed-in account manager."
);
