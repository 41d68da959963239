//! One error type for every handler. 5xx details go to the log (with the request id), never to
//! the client; the `error_pages` middleware turns the marker below into a rendered page.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// Not signed in: send to the sign-in page, then back to `next`.
    #[error("sign-in required")]
    SignInRequired { next: String },
    /// A member of a partner organization without the permission this page needs.
    #[error("permission {feature} not granted")]
    NotPermitted {
        feature: &'static str,
        /// The organization's Owner, to ask (none if it could not be read).
        owner: Option<String>,
    },
    /// The member's organization requires two-factor authentication, not on yet: to its setup.
    #[error("two-factor setup required")]
    TwoFactorSetupRequired { setup: String },
    /// A change that the thing's current state does not allow; the message says why.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("the form's security token is missing or wrong")]
    CsrfRejected,
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Input refused as a whole (e.g. a control character in a field); the message names the
    /// field and says what to do.
    #[error("unprocessable input: {0}")]
    Unprocessable(String),
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("too many requests")]
    TooManyRequests,
    /// The database (or the session store on it) cannot be reached right now: a pool timeout,
    /// a refused or broken connection. Answered with 503 and `Retry-After`, not a 500: nothing
    /// is wrong with the request, and the pool reconnects by itself once PostgreSQL is back.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        if is_unavailable(&err) {
            Self::Unavailable(format!("{err:#}"))
        } else {
            Self::Unexpected(err.into())
        }
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(err: tower_sessions::session::Error) -> Self {
        match err {
            // The sqlx store reports every database failure as a backend string: the session
            // table lives in PostgreSQL, so this is the database being away.
            tower_sessions::session::Error::Store(
                tower_sessions::session_store::Error::Backend(detail),
            ) => Self::Unavailable(format!("session store: {detail}")),
            other => Self::Unexpected(anyhow::anyhow!("session store: {other}")),
        }
    }
}

/// Seconds a client is asked to wait before retrying a 503.
pub const RETRY_AFTER_SECONDS: &str = "5";

/// A sqlx error that means "the database cannot be reached", as opposed to a bad query or a
/// constraint: these heal when PostgreSQL is back.
pub fn is_unavailable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
        sqlx::Error::Tls(_) | sqlx::Error::WorkerCrashed => true,
        // Server-side: admin shutdown, crash shutdown, cannot connect now, too many clients.
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|code| ["57P01", "57P02", "57P03", "53300"].contains(&code.as_ref())),
        _ => false,
    }
}

/// Whether anywhere in the chain of `err` is an unreachable database (domain errors wrap sqlx
/// errors in `anyhow`).
pub fn chain_is_unavailable(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<sqlx::Error>()
            .is_some_and(is_unavailable)
            // A domain error that wraps an `anyhow` transparently hides the sqlx error itself
            // from the chain and leaves only its io cause. In a request, a broken connection can
            // only be the one to PostgreSQL (mail goes through the outbox, bodies are read before).
            || cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(is_connection_failure)
    })
}

fn is_connection_failure(err: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        err.kind(),
        ConnectionRefused
            | ConnectionReset
            | ConnectionAborted
            | NotConnected
            | BrokenPipe
            | UnexpectedEof
            | TimedOut
    )
}

/// Attached to error responses; `error_pages` renders the body from it.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub status: StatusCode,
    pub title: &'static str,
    pub message: String,
    /// Logged with the request id for 5xx; never shown to the client.
    pub detail: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let page = match self {
            AppError::SignInRequired { next } => return sign_in(&next),
            AppError::TwoFactorSetupRequired { setup } => {
                return Redirect::to(&setup).into_response()
            }
            AppError::NotPermitted { feature, owner } => ErrorPage::shown(
                StatusCode::FORBIDDEN,
                "Permission needed",
                format!(
                    "Your organization has not given you the \u{201c}{feature}\u{201d} permission, \
                     so this page is not open to you. Ask {} to grant it on the Colleagues page.",
                    owner.map_or("your organization's Owner".to_owned(), |name| format!(
                        "your organization's Owner, {name},"
                    ))
                ),
            ),
            AppError::Unavailable(detail) => return unavailable(detail),
            AppError::Unexpected(err) if chain_is_unavailable(&err) => {
                return unavailable(format!("{err:#}"))
            }
            AppError::Unexpected(err) => ErrorPage {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                title: "Something went wrong",
                message: "An unexpected error occurred on our side. It has been logged; please \
                          try again. If it keeps happening, quote the request id below to \
                          Yeastar support."
                    .into(),
                detail: Some(format!("{err:#}")),
            },
            AppError::BadRequest(message) => {
                ErrorPage::shown(StatusCode::BAD_REQUEST, "Request not understood", message)
            }
            AppError::Conflict(message) => {
                ErrorPage::shown(StatusCode::CONFLICT, "Not possible", message)
            }
            AppError::Unprocessable(message) => ErrorPage::shown(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Input not accepted",
                message,
            ),
            other => other.fixed_page(),
        };
        let mut response = page.status.into_response();
        response.extensions_mut().insert(page);
        response
    }
}

impl ErrorPage {
    /// A page with nothing to log.
    fn shown(status: StatusCode, title: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            title,
            message: message.into(),
            detail: None,
        }
    }
}

impl AppError {
    /// The pages whose words never change.
    fn fixed_page(&self) -> ErrorPage {
        let (status, title, message) = match self {
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Access denied",
                "Your account cannot open this page. Go back to your own portal.",
            ),
            AppError::CsrfRejected => (
                StatusCode::FORBIDDEN,
                "This form has expired",
                "The form you sent was missing its security token, or the token did not match \
                 your session (for example after you signed out in another tab, or the page was \
                 open for a long time). Nothing was changed. Go back, reload the page and try again.",
            ),
            AppError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "What you sent is larger than this form accepts (profile images may be at most \
                 2 MiB). Nothing was saved. Go back, shorten the text or choose a smaller file, \
                 and try again.",
            ),
            AppError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                "Too many attempts in a short time. Wait a few minutes and try again.",
            ),
            // `NotFound`; the others are answered before they get here.
            _ => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "The page you asked for does not exist, or you do not have access to it.",
            ),
        };
        ErrorPage::shown(status, title, message)
    }
}

/// Not signed in: to the sign-in page, then back to `next`. (The kernel cannot see the web's
/// typed paths; this is the one place the sign-in path is spelled out below `web`.)
fn sign_in(next: &str) -> Response {
    let target = if next.is_empty() || next == "/" {
        "/login".to_owned()
    } else {
        format!("/login?next={}", urlencode(next))
    };
    Redirect::to(&target).into_response()
}

/// The 503 page: logged with its detail like a 500, but telling the person to retry.
fn unavailable(detail: String) -> Response {
    let status = StatusCode::SERVICE_UNAVAILABLE;
    let mut response = (
        status,
        [(axum::http::header::RETRY_AFTER, RETRY_AFTER_SECONDS)],
    )
        .into_response();
    response.extensions_mut().insert(ErrorPage {
        status,
        title: "Temporarily unavailable",
        message: "The portal is temporarily unavailable, try again in a moment. Nothing you \
                  sent was half-saved: if it did not go through, send it again."
            .into(),
        detail: Some(detail),
    });
    response
}

pub fn urlencode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of the domain errors: an `anyhow` wrapped transparently.
    #[derive(Debug, thiserror::Error)]
    enum DomainError {
        #[error(transparent)]
        Unexpected(#[from] anyhow::Error),
    }

    fn broken_connection() -> sqlx::Error {
        sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "expected to read 5 bytes, got 0 bytes at EOF",
        ))
    }

    #[test]
    fn a_broken_database_connection_is_a_503_however_it_is_wrapped() {
        let direct = AppError::from(broken_connection()).into_response();
        assert_eq!(direct.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(direct
            .headers()
            .contains_key(axum::http::header::RETRY_AFTER));
        let wrapped = DomainError::from(anyhow::Error::from(broken_connection()));
        let response = AppError::Unexpected(anyhow::anyhow!(wrapped)).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn a_bad_query_is_still_a_500() {
        let response = AppError::from(sqlx::Error::RowNotFound).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let wrapped = DomainError::from(anyhow::anyhow!("a bug"));
        let response = AppError::Unexpected(anyhow::anyhow!(wrapped)).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
