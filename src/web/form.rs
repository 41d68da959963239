//! The only way handlers read url-encoded forms, query strings and multipart text fields.
//!
//! Every value is checked for control characters here, once, before any handler runs: a NUL
//! byte cannot be stored in a PostgreSQL `text` column (the database answers "invalid byte
//! sequence for encoding UTF8: 0x00"), and the other control characters have no business in a
//! name, an email address or a search. `clippy.toml` forbids axum's own `Form`, `Query`,
//! `RawQuery`, `RawForm` and `Multipart` elsewhere, so a new handler cannot skip the check.
//!
//! The rule (also in the README): the C0 and C1 control characters (U+0000–U+001F,
//! U+007F–U+009F) are refused in every field, with two exceptions: TAB is accepted everywhere
//! (harmless whitespace that people paste from spreadsheets), and CR and LF are accepted in the
//! multi-line fields, the `<textarea>`s named in [`MULTI_LINE_FIELDS`]. A refusal is a 422 page
//! that names the field and tells the person to go back; the browser keeps what they typed.
//! Multipart text fields come back as [`Refused`] instead, so Add customer (whose file input a
//! browser may not keep) shows its own form again with the message next to the field.

#![allow(clippy::disallowed_types)] // this module is the wrapper the lint points to

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// Fields rendered as `<textarea>`: line breaks are part of their value.
pub const MULTI_LINE_FIELDS: &[&str] = &["message", "reason"];

/// The first character of `value` that the field `name` does not accept, if any.
pub fn refused_char(name: &str, value: &str) -> Option<char> {
    let multi_line = MULTI_LINE_FIELDS.contains(&name);
    value.chars().find(|&c| is_refused(c, multi_line))
}

fn is_refused(c: char, multi_line: bool) -> bool {
    c.is_control() && c != '\t' && !(multi_line && (c == '\r' || c == '\n'))
}

/// Refuses a field (its name or its value) that holds a control character.
pub fn check_field(name: &str, value: &str) -> Result<(), AppError> {
    // Field names are never multi-line; a control character in one is refused outright.
    let bad = refused_char("", name).or_else(|| refused_char(name, value));
    match bad {
        None => Ok(()),
        Some(c) => Err(AppError::Unprocessable(format!(
            "The field “{}” contains a control character ({}) that this portal does not \
             accept. Nothing was saved. Go back, remove it from the field (retype the value \
             rather than pasting it) and send the form again.",
            label(name),
            describe(c),
        ))),
    }
}

/// `customer_email` → `Customer email`, with anything unprintable escaped.
fn label(name: &str) -> String {
    let readable: String = name.escape_debug().collect::<String>().replace('_', " ");
    let mut chars = readable.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "(unnamed)".into(),
    }
}

fn describe(c: char) -> String {
    match c {
        '\0' => "a NUL byte".into(),
        '\r' | '\n' => "a line break".into(),
        c => format!("U+{:04X}", u32::from(c)),
    }
}

/// Checks every pair of an url-encoded string, then deserializes it into `T`.
fn parse<T: DeserializeOwned>(
    bytes: &[u8],
    unreadable: fn(String) -> AppError,
) -> Result<T, AppError> {
    // Invalid UTF-8 is decoded lossily (U+FFFD), as the deserializer below does too.
    let unreadable = |err: serde_urlencoded::de::Error| {
        unreadable(format!(
            "The form could not be read ({err}). Go back, reload the page and try again."
        ))
    };
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).map_err(unreadable)?;
    for (name, value) in &pairs {
        check_field(name, value)?;
    }
    serde_urlencoded::from_bytes(bytes).map_err(unreadable)
}

/// An url-encoded form body (or, for GET, the query string), checked by [`check_field`].
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = axum::response::Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        // RawForm checks the content type and honours the body limit, like axum's `Form`.
        let axum::extract::RawForm(bytes) = axum::extract::RawForm::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        parse(&bytes, AppError::Unprocessable)
            .map(Form)
            .map_err(IntoResponse::into_response)
    }
}

/// The query string, checked by [`check_field`]. A query that does not fit `T` is a 400.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        let query = parts.uri.query().unwrap_or_default();
        parse(query.as_bytes(), AppError::BadRequest).map(Query)
    }
}

/// A multipart form whose text fields are checked by [`check_field`].
pub struct Multipart(axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for Multipart {
    type Rejection = axum::extract::multipart::MultipartRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Multipart::from_request(request, state)
            .await
            .map(Multipart)
    }
}

/// A multipart form could not be read (truncated, malformed, over the body limit).
pub struct MultipartError;

/// A multipart text value that held refused characters: the value without them (to re-fill
/// the form) and the message to show next to the field.
pub struct Refused {
    pub kept: String,
    pub message: String,
}

impl Multipart {
    pub async fn next_field(&mut self) -> Result<Option<Field<'_>>, MultipartError> {
        match self.0.next_field().await {
            Ok(field) => Ok(field.map(Field)),
            Err(_) => Err(MultipartError),
        }
    }
}

pub struct Field<'a>(axum::extract::multipart::Field<'a>);

impl Field<'_> {
    pub fn name(&self) -> &str {
        self.0.name().unwrap_or("")
    }

    /// The next chunk of a file field (file contents are not text and are not checked here).
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, MultipartError> {
        self.0.chunk().await.map_err(|_| MultipartError)
    }

    /// The field's text, checked like every other form value. A refused value comes back as
    /// [`Refused`], so the page can show the message next to the field and keep the rest.
    pub async fn text(self) -> Result<Result<String, Refused>, MultipartError> {
        let name = self.name().to_owned();
        let value = self.0.text().await.map_err(|_| MultipartError)?;
        let multi_line = MULTI_LINE_FIELDS.contains(&name.as_str());
        let Some(c) = refused_char(&name, &value) else {
            return Ok(Ok(value));
        };
        Ok(Err(Refused {
            kept: value
                .chars()
                .filter(|&c| !is_refused(c, multi_line))
                .collect(),
            message: format!(
                "This field contained {}, which is not accepted; it has been removed. Check \
                 the value and send the form again.",
                describe(c)
            ),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_except_tab_and_line_breaks_in_textareas() {
        assert_eq!(refused_char("email", "a\0b@example.com"), Some('\0'));
        assert_eq!(refused_char("q", "x\u{1b}[2J"), Some('\u{1b}'));
        assert_eq!(refused_char("q", "x\u{7f}"), Some('\u{7f}'));
        assert_eq!(refused_char("q", "x\u{85}"), Some('\u{85}'));
        assert_eq!(refused_char("company", "line\nbreak"), Some('\n'));
        assert_eq!(refused_char("company", "Tab\tseparated"), None);
        assert_eq!(refused_char("reason", "First line\r\nsecond line"), None);
        assert_eq!(
            refused_char("reason", "still no \0 in a textarea"),
            Some('\0')
        );
        assert_eq!(refused_char("city", "Xiamen 厦门 – Zürich"), None);
    }

    #[test]
    fn the_message_names_the_field() {
        let Err(AppError::Unprocessable(message)) = check_field("customer_email", "a\0") else {
            panic!("a NUL byte is refused");
        };
        assert!(message.contains("“Customer email”"), "{message}");
        assert!(message.contains("a NUL byte"), "{message}");
        assert!(check_field("bad\0name", "x").is_err());
    }
}
