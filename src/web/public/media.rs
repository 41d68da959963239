//! Profile images, served from the re-encoded copy to those allowed to see the account.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::accounts::model::AccountId;
use crate::error::AppError;
use crate::web::extractors::IdPath;
use crate::web::extractors::SignedIn;
use crate::web::state::AppState;

pub async fn get_profile_image(
    State(state): State<AppState>,
    viewer: SignedIn,
    IdPath(id): IdPath<AccountId>,
) -> Result<Response, AppError> {
    let (content_type, bytes) =
        crate::accounts::profile_image::find_visible(&state.db, viewer.account.id, id)
            .await?
            .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, max-age=300".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
