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
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        Self::Unexpected(err.into())
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(err: tower_sessions::session::Error) -> Self {
        Self::Unexpected(anyhow::anyhow!("session store: {err}"))
    }
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
        let (status, title, message, detail) = match self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "The page you asked for does not exist, or you do not have access to it.".into(),
                None,
            ),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Access denied",
                "Your account cannot open this page. Go back to your own portal.".into(),
                None,
            ),
            AppError::SignInRequired { next } => {
                let target = if next.is_empty() || next == "/" {
                    "/login".to_owned()
                } else {
                    format!("/login?next={}", urlencode(&next))
                };
                return Redirect::to(&target).into_response();
            }
            AppError::CsrfRejected => (
                StatusCode::FORBIDDEN,
                "This form has expired",
                "The form you sent was missing its security token, or the token did not match \
                 your session (for example after you signed out in another tab, or the page was \
                 open for a long time). Nothing was changed. Go back, reload the page and try again."
                    .into(),
                None,
            ),
            AppError::BadRequest(message) => {
                (StatusCode::BAD_REQUEST, "Request not understood", message, None)
            }
            AppError::Unprocessable(message) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "Input not accepted",
                message,
                None,
            ),
            AppError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "What you sent is larger than this form accepts (profile images may be at most \
                 2 MiB). Nothing was saved. Go back, shorten the text or choose a smaller file, \
                 and try again."
                    .into(),
                None,
            ),
            AppError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many attempts",
                "Too many attempts in a short time. Wait a few minutes and try again.".into(),
                None,
            ),
            AppError::Unexpected(err) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "An unexpected error occurred on our side. It has been logged; please try again. \
                 If it keeps happening, quote the request id below to Yeastar support."
                    .into(),
                Some(format!("{err:#}")),
            ),
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(ErrorPage {
            status,
            title,
            message,
            detail,
        });
        response
    }
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
