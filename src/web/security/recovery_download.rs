//! Downloading the recovery codes shown on the codes page as a `.txt` file.
//!
//! The codes are shown once: only their hashes are stored, so the server cannot produce them
//! again later, and regenerating them for a download would silently invalidate the ones just
//! shown. The codes page therefore carries them in its own download form (a POST with the CSRF
//! token), and this handler sends back exactly what it was given, as an attachment marked
//! `no-store` — after checking that every code is one of the account's current, unused ones,
//! so it never echoes anything else and a stale page (codes replaced in another tab) gets a
//! clear refusal instead of a file of dead codes. Nothing is stored or logged.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::Owner;
use crate::auth::{recovery, two_factor};
use crate::error::AppError;
use crate::format::datetime;
use crate::web::form::Form;
use crate::web::state::AppState;

pub const FILE_NAME: &str = "yeastar-recovery-codes.txt";

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DownloadForm {
    /// The codes, separated by spaces, as the codes page wrote them.
    codes: String,
}

pub async fn post_download_codes(
    State(state): State<AppState>,
    owner: Owner,
    Form(form): Form<DownloadForm>,
) -> Result<Response, AppError> {
    let codes: Vec<String> = form
        .codes
        .split_whitespace()
        .take(recovery::COUNT + 1)
        .map(str::to_owned)
        .collect();
    let account = &owner.0.account;
    let well_formed = codes.len() <= recovery::COUNT
        && codes.iter().all(|c| recovery::looks_like_recovery_code(c));
    if !well_formed || !two_factor::are_current_codes(&state.db, account.id, &codes).await? {
        return Err(AppError::Unprocessable(
            "These are not your current recovery codes: new ones were created since, or one \
             of them was used. Nothing was downloaded. Create new codes on the Security page \
             and save them there."
                .into(),
        ));
    }
    let mut body = format!(
        "Yeastar Portal recovery codes for {}\n\
         Saved {}.\n\n\
         Each code signs you in once when you cannot use your authenticator app.\n\
         Keep this file somewhere safe, such as a password manager.\n\n",
        account.email,
        datetime(state.clock.now(), &account.zone()),
    );
    for code in &codes {
        body.push_str(code);
        body.push('\n');
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{FILE_NAME}\""),
            ),
            // Secrets: never kept by the browser's or anyone else's cache.
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}
