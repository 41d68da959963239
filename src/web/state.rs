//! What every handler can reach.

use std::sync::Arc;

use sqlx::PgPool;

use crate::auth::password::PasswordHasher;
use crate::auth::secretbox::SecretBox;
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::config::Config;

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub config: Arc<Config>,
    pub clock: Clock,
    pub hasher: PasswordHasher,
    /// Seals secrets at rest (TOTP secrets) with SECRET_KEY.
    pub secrets: SecretBox,
    /// Products, plans and prices; they change only through migrations, so load once.
    pub catalog: Arc<Catalog>,
    /// Floods of PBX API requests per client address.
    pub api_limits: crate::web::rate_limit::RateLimiter,
}
