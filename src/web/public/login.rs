//! Sign in and out, and `/` sending each visitor to the right place.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use crate::accounts::model::{AccountStatus, Role};
use crate::accounts::store as account_store;
use crate::error::AppError;
use crate::web::extractors::{Chrome, Visitor};
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "public/login.html")]
pub struct LoginPage {
    chrome: Chrome,
    email: String,
    next: String,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginQuery {
    next: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    next: String,
}

/// The same message whatever was wrong, so the form never reveals whether an email exists.
const BAD_CREDENTIALS: &str = "The email address or password is incorrect.";

pub async fn get_root(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Redirect, AppError> {
    let Some(mark) = session::auth_mark(&visitor.session).await? else {
        return Ok(Redirect::to("/login"));
    };
    match account_store::find_by_id(&state.db, mark.account_id).await? {
        Some(account) if account.status == AccountStatus::Active => {
            Ok(Redirect::to(account.role.home()))
        }
        _ => Ok(Redirect::to("/login")),
    }
}

pub async fn get_login(
    visitor: Visitor,
    Query(query): Query<LoginQuery>,
) -> Result<LoginPage, AppError> {
    Ok(LoginPage {
        chrome: visitor.chrome("Sign in").await?,
        email: String::new(),
        next: query.next,
        error: None,
    })
}

/// Only a path inside the role's own portal is followed after sign-in (no open redirect).
fn landing(role: Role, next: &str) -> String {
    let prefix = role.portal_prefix();
    let inside = next == prefix
        || next.starts_with(&format!("{prefix}/"))
        || next.starts_with(&format!("{prefix}?"));
    if inside && !next.contains("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        role.home().to_owned()
    }
}

pub async fn post_login(
    State(state): State<AppState>,
    visitor: Visitor,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let found = account_store::find_for_login(&state.db, &form.email).await?;
    let (account, stored_hash) = match found {
        Some((account, hash)) => (Some(account), hash),
        None => (None, None),
    };
    // Always one full argon2 verification, so an unknown email costs the same time.
    let password_ok = state.hasher.verify(form.password, stored_hash).await?;
    let refuse = |error: &'static str| async {
        let page = LoginPage {
            chrome: visitor.chrome("Sign in").await?,
            email: form.email.clone(),
            next: form.next.clone(),
            error: Some(error),
        };
        Ok::<Response, AppError>(
            (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
        )
    };
    let account = match account {
        Some(account) if password_ok => account,
        _ => {
            tracing::info!("sign-in refused: bad credentials");
            return refuse(BAD_CREDENTIALS).await;
        }
    };
    match account.status {
        AccountStatus::Active => {}
        AccountStatus::Removed => {
            return refuse("This account is no longer available. Contact your Yeastar partner.")
                .await
        }
        AccountStatus::PendingActivation => return refuse(BAD_CREDENTIALS).await,
    }
    session::sign_in(
        &visitor.session,
        &account,
        state.clock.now().unix_timestamp(),
    )
    .await?;
    tracing::info!(account = %account.id, role = ?account.role, "signed in");
    Ok(Redirect::to(&landing(account.role, &form.next)).into_response())
}

pub async fn post_logout(visitor: Visitor) -> Result<Redirect, AppError> {
    session::sign_out(&visitor.session).await?;
    // A fresh anonymous session carries the confirmation to the sign-in page.
    session::flash(&visitor.session, FlashKind::Success, "You have signed out.").await?;
    Ok(Redirect::to("/login"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_inside_the_roles_portal_are_followed() {
        assert_eq!(
            landing(Role::Partner, "/partner/customers?q=a"),
            "/partner/customers?q=a"
        );
        assert_eq!(landing(Role::Partner, "/customer"), "/partner/customers");
        assert_eq!(
            landing(Role::Customer, "//evil.example/customer"),
            "/customer"
        );
        assert_eq!(landing(Role::Customer, "https://evil.example"), "/customer");
        assert_eq!(landing(Role::Customer, "/customerX"), "/customer");
        assert_eq!(landing(Role::Manager, ""), "/manager");
    }
}
