//! A database at the schema just before a given migration, for tests that fill it with the
//! earlier schema's rows and then let the server migrate it as an upgrade would.

use sqlx::migrate::Migrate;
use sqlx::{Connection, PgConnection};
use yeastar_portal::db::MIGRATOR;

use crate::helpers::SERVER;

/// Creates database `name` with every migration older than `version` applied, and returns a
/// connection to it.
pub async fn database_before(name: &str, version: i64) -> PgConnection {
    let mut admin = PgConnection::connect(&format!("{SERVER}/postgres"))
        .await
        .unwrap();
    sqlx::query(&format!("create database {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let mut conn = PgConnection::connect(&format!("{SERVER}/{name}"))
        .await
        .unwrap();
    conn.ensure_migrations_table().await.unwrap();
    for migration in MIGRATOR.iter().filter(|m| m.version < version) {
        conn.apply(migration).await.unwrap();
    }
    conn
}
