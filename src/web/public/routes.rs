//! The routes of the pages for everyone (no portal).

use super::{activate, login, media, reset, two_factor};
use crate::web::paths;
use crate::web::routes::{get, post, Routes};
use crate::web::state::AppState;

pub fn routes() -> Routes<AppState> {
    Routes::new()
        .route(paths::ROOT, get(login::get_root))
        .route(paths::LOGIN, get(login::get_login).post(login::post_login))
        .route(paths::LOGOUT, post(login::post_logout))
        .route(
            "/activate/{token}",
            get(activate::get_activate).post(activate::post_activate),
        )
        .route("/activate/{token}/resend", post(activate::post_resend))
        .route("/media/profile/{id}", get(media::get_profile_image))
        .route(
            paths::LOGIN_TWO_FACTOR,
            get(two_factor::get_two_factor).post(two_factor::post_two_factor),
        )
        .route(
            paths::FORGOT_PASSWORD,
            get(reset::get_forgot).post(reset::post_forgot),
        )
        .route(
            "/reset-password/{token}",
            get(reset::get_reset).post(reset::post_reset),
        )
}
