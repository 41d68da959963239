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
    /// Set once the server is told to stop: `/readyz` answers 503 from then on.
    pub draining: crate::web::drain::Draining,
}
