//! What a member of a partner organization may open: checked on every Partner Portal request,
//! from the route's pattern, before its handler runs (see `SignedIn`), so no page or form can
//! forget it. Permissions come with the account loaded for the session: a change by the Owner
//! takes effect on the member's next request.

use axum::extract::MatchedPath;
use axum::http::request::Parts;
use tower_sessions::Session;

use super::paths;
use super::session;
use super::state::AppState;
use crate::accounts::model::{Account, Role};
use crate::accounts::organization;
use crate::accounts::permission::Permission;
use crate::error::AppError;

pub async fn check(
    parts: &Parts,
    state: &AppState,
    account: &Account,
    session: &Session,
) -> Result<(), AppError> {
    let path = parts
        .extensions
        .get::<MatchedPath>()
        .map_or_else(|| parts.uri.path(), MatchedPath::as_str);
    // The organization's policy: nothing but the Security page until a second factor is on.
    if !account.two_factor_enabled
        && !path.starts_with(paths::PARTNER_SECURITY)
        && session::two_factor_setup_required(session).await?
    {
        session::flash(
            session,
            session::FlashKind::Info,
            "Your organization requires two-factor authentication. Turn it on to continue.",
        )
        .await?;
        return Err(AppError::TwoFactorSetupRequired {
            setup: paths::security_two_factor(Role::Partner),
        });
    }
    match Permission::for_partner_route(path) {
        Some(needed) if !account.may(needed) => {
            let owner = organization::find(&state.db, account.organization())
                .await?
                .map(|org| org.owner_name);
            Err(AppError::NotPermitted {
                feature: needed.label(),
                owner,
            })
        }
        _ => Ok(()),
    }
}
