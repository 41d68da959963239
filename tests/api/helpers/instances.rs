//! More instances of the portal over the test's database, as a cluster runs them: each its own
//! process state (pool, hasher, caches) on its own port, sharing only PostgreSQL and the SMTP
//! listener; and a fresh database that several starting instances race to prepare.

use sqlx::PgPool;
use uuid::Uuid;
use yeastar_portal::config::Config;

use super::{start, TestApp};

/// Another instance of the app: stopped when dropped; the database stays the first one's.
pub struct Instance {
    pub address: String,
    pub db: PgPool,
    server: tokio::task::JoinHandle<()>,
}

impl Instance {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestApp {
    /// A second (third, …) instance over the same database and SMTP listener, with its own
    /// configuration adjusted; it shares the test clock, as machines share the time of day.
    pub async fn another_instance(&self, adjust: impl FnOnce(&mut Config)) -> Instance {
        let mut config = self.config.clone();
        adjust(&mut config);
        let (address, _metrics, db, server) = start(&mut config, &self.clock).await;
        Instance {
            address,
            db,
            server,
        }
    }
}

/// A database name no test has used; dropped by [`DroppedDatabase`].
pub fn fresh_database_name() -> String {
    format!("yp_test_{}", Uuid::new_v4().simple())
}

/// Drops the named database when it goes out of scope, for tests that make their own.
pub struct DroppedDatabase(pub String);

impl Drop for DroppedDatabase {
    fn drop(&mut self) {
        super::drop_database(self.0.clone());
    }
}
