//! Profile images, served from the re-encoded copy to those allowed to see the account.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::accounts::model::AccountId;
use crate::error::AppError;
use crate::web::extractors::SignedIn;
use crate::web::state::AppState;

pub async fn get_profile_image(
    State(state): State<AppState>,
    viewer: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let (content_type, bytes) =
        crate::accounts::profile_image::find_visible(&state.db, viewer.account.id, AccountId(id))
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
