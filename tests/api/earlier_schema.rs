//! A database at the schema just before a given migration, for tests that fill it with the
//! earlier schema's rows and then let the server migrate it as an upgrade would.

use sqlx::migrate::Migrate;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;
use yeastar_portal::auth::password::PasswordHasher;
use yeastar_portal::db::MIGRATOR;

use crate::helpers::{PASSWORD, SERVER};

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

/// An active account as an earlier schema holds it, signing in with [`PASSWORD`].
#[derive(Default)]
pub struct EarlierAccount<'a> {
    pub id: Uuid,
    pub role: &'a str,
    pub email: &'a str,
    pub first_name: &'a str,
    pub company: &'a str,
    pub manager_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
    pub partner_access: bool,
}

/// Writes `accounts`, each active with the password [`PASSWORD`] (hashed once), through the
/// columns every schema since the first has.
pub async fn insert_accounts(conn: &mut PgConnection, accounts: &[EarlierAccount<'_>]) {
    let hash = PasswordHasher::new()
        .unwrap()
        .hash(PASSWORD.into())
        .await
        .unwrap();
    for account in accounts {
        sqlx::query(
            "insert into accounts (id, role, status, email, password_hash, first_name, \
             last_name, company, manager_id, partner_id, partner_access, created_at, \
             updated_at, activated_at) \
             values ($1, $2::account_role, 'active', $3, $4, $5, 'Old', $6, $7, $8, $9, \
             now(), now(), now())",
        )
        .bind(account.id)
        .bind(account.role)
        .bind(account.email)
        .bind(&hash)
        .bind(account.first_name)
        .bind(account.company)
        .bind(account.manager_id)
        .bind(account.partner_id)
        .bind(account.partner_access)
        .execute(&mut *conn)
        .await
        .unwrap();
    }
}
