//! Sign in (password, then the second factor when 2FA is on) and out, and `/` sending each
//! visitor to the right place.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use crate::accounts::model::{Account, AccountStatus, Role};
use crate::accounts::organization;
use crate::accounts::store as account_store;
use crate::audit::{self, Action, Entry};
use crate::auth::{sessions, throttle};
use crate::error::AppError;
use crate::format::Zone;
use crate::telemetry::{self, SignInOutcome, SignInStep};
use crate::web::extractors::{Chrome, ClientInfo, Visitor};
use crate::web::form::{Form, Query};
use crate::web::paths;
use crate::web::session::{self, FlashKind, PendingSecondFactor};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "public/login.html")]
pub struct LoginPage {
    chrome: Chrome,
    email: String,
    next: String,
    error: Option<String>,
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
    /// The browser's IANA zone, filled in by `static/js/time-zone.js` (empty without JavaScript).
    time_zone: String,
}

/// The same message whatever was wrong, so the form never reveals whether an email exists.
pub const BAD_CREDENTIALS: &str = "The email address or password is incorrect.";

pub async fn get_root(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Redirect, AppError> {
    let Some(mark) = session::auth_mark(&visitor.session).await? else {
        return Ok(Redirect::to(paths::LOGIN));
    };
    match sessions::find_account(&state.db, mark.account_id, mark.session_id).await? {
        Some(account) if account.status == AccountStatus::Active => {
            Ok(Redirect::to(paths::home_of(&account)))
        }
        _ => Ok(Redirect::to(paths::LOGIN)),
    }
}

pub async fn get_login(
    visitor: Visitor,
    Query(query): Query<LoginQuery>,
) -> Result<LoginPage, AppError> {
    Ok(LoginPage {
        chrome: visitor.chrome("Sign in").await?,
        email: session::take_sign_in_email(&visitor.session)
            .await?
            .unwrap_or_default(),
        next: query.next,
        error: None,
    })
}

/// Only a path inside the role's own portal is followed after sign-in (no open redirect).
pub fn landing(role: Role, next: &str) -> String {
    let prefix = paths::portal_prefix(role);
    let inside = next == prefix
        || next.starts_with(&format!("{prefix}/"))
        || next.starts_with(&format!("{prefix}?"));
    // Only printable ASCII: our own links are percent-encoded, and anything else (CR/LF,
    // non-ASCII) would make the Location header invalid (a 500) or browser-dependent.
    let plain = next.bytes().all(|b| b.is_ascii_graphic());
    if inside && plain && !next.contains("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        paths::home(role).to_owned()
    }
}

/// [`landing`] for this account: instead of its role's home, the first page it may open.
pub fn landing_for(account: &Account, next: &str) -> String {
    let to = landing(account.role, next);
    if to == paths::home(account.role) {
        paths::home_of(account).to_owned()
    } else {
        to
    }
}

/// "Try again in 2 minutes" for a lock that ends at `until`.
pub fn retry_message(until: time::OffsetDateTime, now: time::OffsetDateTime) -> String {
    let seconds = (until - now).whole_seconds().max(1);
    let wait = if seconds < 60 {
        format!("{seconds} second{}", if seconds == 1 { "" } else { "s" })
    } else {
        let minutes = (seconds + 59) / 60;
        format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
    };
    format!("Too many failed sign-in attempts. Wait {wait} and try again.")
}

/// Records a failed password or code in the audit log. (The attempt was already counted
/// against the email typed and the client address when it was reserved.)
pub async fn record_failed_attempt(
    state: &AppState,
    email: &str,
    account: Option<&Account>,
    client: &ClientInfo,
    reason: &str,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let entry = Entry {
        actor: None,
        action: Action::SignInFailed,
        target: account.map(|a| a.id),
        partner: account.and_then(|a| a.tenant()),
        client_ip: Some(&client.ip),
        details: json!({ "email": email.trim(), "reason": reason }),
    };
    audit::record_alone(&state.db, entry, now).await?;
    Ok(())
}

/// Signing in over a signed-in session ends the earlier one server-side (its row goes, so it
/// is no longer listed or usable), whoever it belonged to.
pub async fn end_earlier_sign_in(state: &AppState, session: &Session) -> Result<(), AppError> {
    if let Some(mark) = session::auth_mark(session).await? {
        sessions::end(&state.db, mark.account_id, mark.session_id).await?;
        tracing::info!(account = %mark.account_id, "an earlier sign-in was replaced");
    }
    Ok(())
}

/// The zone the browser reported at sign-in becomes the account's, unless it has one already
/// (chosen by the person, or set at an earlier sign-in): first sign-in only, never overriding.
/// A value that is not a zone of the tz database is ignored, as is an empty one (no JavaScript:
/// the account then shows times in its country's zone until one is chosen).
pub async fn remember_browser_zone(
    state: &AppState,
    account: &Account,
    reported: &str,
) -> Result<(), AppError> {
    if account.time_zone.is_some() {
        return Ok(());
    }
    if let Some(zone) = Zone::parse(reported) {
        account_store::set_time_zone_if_unset(&state.db, account.id, zone.name()).await?;
    }
    Ok(())
}

/// The last step of every sign-in: the earlier sign-in ended, a session row, a new session id,
/// the counter reset.
pub async fn complete_sign_in(
    state: &AppState,
    session: &Session,
    account: &Account,
    client: &ClientInfo,
    method: &str,
) -> Result<(), AppError> {
    let now = state.clock.now();
    end_earlier_sign_in(state, session).await?;
    throttle::reset(&state.db, &throttle::account_key(&account.email)).await?;
    let session_id =
        sessions::create(&state.db, account.id, &client.user_agent, &client.ip, now).await?;
    session::sign_in(session, account.id, session_id, now.unix_timestamp()).await?;
    account_store::record_sign_in(&state.db, account.id, now).await?;
    if account.is_partner()
        && !account.two_factor_enabled
        && organization::requires_two_factor(&state.db, account.organization()).await?
    {
        session::require_two_factor_setup(session).await?;
    }
    let entry = Entry {
        actor: Some(account.id),
        action: Action::SignInSucceeded,
        target: Some(account.id),
        partner: account.tenant(),
        client_ip: Some(&client.ip),
        details: json!({ "method": method }),
    };
    audit::record_alone(&state.db, entry, now).await?;
    tracing::info!(account = %account.id, role = ?account.role, "signed in");
    Ok(())
}

pub async fn post_login(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let now = state.clock.now();
    // Counted before the (slow) password check, so a burst cannot outrun the throttle.
    let keys = throttle::sign_in_keys(&form.email, &client.ip);
    let attempt = match throttle::reserve(&state.db, &keys, now).await? {
        Ok(attempt) => attempt,
        Err(until) => {
            telemetry::sign_in(SignInStep::Password, SignInOutcome::Throttled);
            let message = retry_message(until, now);
            return refuse(&visitor, &form, StatusCode::TOO_MANY_REQUESTS, message).await;
        }
    };
    let found = account_store::find_for_login(&state.db, &form.email).await?;
    let (account, stored_hash) = match found {
        Some((account, hash)) => (Some(account), hash),
        None => (None, None),
    };
    // Always one full argon2 verification, so an unknown email costs the same time.
    let password_ok = state
        .hasher
        .verify(form.password.clone(), stored_hash)
        .await?;
    let account = match account {
        Some(account) if password_ok => account,
        account => {
            telemetry::sign_in(SignInStep::Password, SignInOutcome::Failure);
            record_failed_attempt(&state, &form.email, account.as_ref(), &client, "password")
                .await?;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return refuse(&visitor, &form, status, BAD_CREDENTIALS.into()).await;
        }
    };
    // The password was right: the attempt is given back (the second factor counts its own).
    attempt.release(&state.db).await?;
    if let Some((status, message)) = refusal(&account) {
        telemetry::sign_in(SignInStep::Password, SignInOutcome::Failure);
        return refuse(&visitor, &form, status, message).await;
    }
    continue_sign_in(&state, &visitor, &client, &form, &account, now).await
}

/// The sign-in form again, with the email and destination kept and why it was refused.
async fn refuse(
    visitor: &Visitor,
    form: &LoginForm,
    status: StatusCode,
    error: String,
) -> Result<Response, AppError> {
    let page = LoginPage {
        chrome: visitor.chrome("Sign in").await?,
        email: form.email.clone(),
        next: form.next.clone(),
        error: Some(error),
    };
    Ok((status, page).into_response())
}

/// Why an account whose password was right still cannot sign in (a pending account is told
/// nothing more than a wrong password would be).
fn refusal(account: &Account) -> Option<(StatusCode, String)> {
    let ask = if account.role == Role::Partner {
        "your organization's Owner"
    } else {
        "your Yeastar partner"
    };
    match account.status {
        AccountStatus::Active => None,
        AccountStatus::Removed => Some((
            StatusCode::FORBIDDEN,
            format!("This account is no longer available. Contact {ask}."),
        )),
        AccountStatus::Suspended => Some((
            StatusCode::FORBIDDEN,
            format!(
                "This account has been suspended by your organization. Ask {ask} to restore it."
            ),
        )),
        AccountStatus::PendingActivation => {
            Some((StatusCode::UNPROCESSABLE_ENTITY, BAD_CREDENTIALS.into()))
        }
    }
}

/// The password was right for an active account: on to the second factor when 2FA is on,
/// otherwise signed in and on to where the sign-in was headed.
async fn continue_sign_in(
    state: &AppState,
    visitor: &Visitor,
    client: &ClientInfo,
    form: &LoginForm,
    account: &Account,
    now: time::OffsetDateTime,
) -> Result<Response, AppError> {
    if account.two_factor_enabled {
        let pending = PendingSecondFactor {
            account_id: account.id,
            email: account.email.clone(),
            since: now.unix_timestamp(),
            next: form.next.clone(),
            time_zone: form.time_zone.clone(),
        };
        end_earlier_sign_in(state, &visitor.session).await?;
        session::begin_second_factor(&visitor.session, pending).await?;
        telemetry::sign_in(SignInStep::Password, SignInOutcome::SecondFactorRequired);
        return Ok(Redirect::to(paths::LOGIN_TWO_FACTOR).into_response());
    }
    complete_sign_in(state, &visitor.session, account, client, "password").await?;
    telemetry::sign_in(SignInStep::Password, SignInOutcome::Success);
    remember_browser_zone(state, account, &form.time_zone).await?;
    Ok(Redirect::to(&landing_for(account, &form.next)).into_response())
}

pub async fn post_logout(
    State(state): State<AppState>,
    visitor: Visitor,
) -> Result<Redirect, AppError> {
    if let Some(mark) = session::auth_mark(&visitor.session).await? {
        sessions::end(&state.db, mark.account_id, mark.session_id).await?;
    }
    session::sign_out(&visitor.session).await?;
    // A fresh anonymous session carries the confirmation to the sign-in page.
    session::flash(&visitor.session, FlashKind::Success, "You have signed out.").await?;
    Ok(Redirect::to(paths::LOGIN))
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
        assert_eq!(landing(Role::Manager, ""), "/manager/partners");
    }

    #[test]
    fn a_next_that_is_not_a_plain_ascii_path_is_not_followed() {
        for next in [
            "/customer/\r\nSet-Cookie: x=1",
            "/customer/caf\u{e9}",
            "/customer/a b",
        ] {
            assert_eq!(landing(Role::Customer, next), "/customer", "{next:?}");
        }
    }
}
