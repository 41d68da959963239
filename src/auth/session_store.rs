//! Where tower-sessions keeps the web sessions (`tower_sessions.session`: a cookie's id, its
//! data, its expiry), with one addition: the row also names the signed-in `account_sessions`
//! row, so loading a session brings the signed-in account with it, in the same statement.
//! A signed-in page view reads the database twice: this, then its own data.
//!
//! The account reaches the request guard through a slot that lives as long as the request
//! ([`with_loaded_account_slot`], [`take_loaded_account`]); where there is no slot, or the
//! row does not name the session the data says (a row an older release wrote), the guard reads
//! the account itself, as before.

use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgRow;
use sqlx::{FromRow, PgPool, Row};
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

use crate::accounts::model::{Account, AccountId};
use crate::ids::SessionId;

/// The key of the signed-in mark in a session's data.
pub const AUTH_KEY: &str = "auth";

/// Marks a signed-in session: which account, which `account_sessions` row (deleting the row
/// ends the session), and when it started and was last written, for the absolute and idle
/// timeouts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthMark {
    pub account_id: AccountId,
    pub session_id: SessionId,
    pub signed_in_at: i64,
    /// Unix seconds of the last write, to extend the idle timeout at most every few minutes.
    pub touched_at: i64,
}

/// What a session load brings along for the request guard: the signed-in account, its
/// `account_sessions` id, and the values a higher layer asked to load with it.
pub struct Loaded {
    pub session: SessionId,
    pub account: Account,
    pub also: Option<Vec<i64>>,
}

tokio::task_local! {
    static LOADED_ACCOUNT: RefCell<Option<Loaded>>;
}

/// Runs `request` with a slot for the account a session load brings along.
pub async fn with_loaded_account_slot<F: Future>(request: F) -> F::Output {
    LOADED_ACCOUNT.scope(RefCell::new(None), request).await
}

/// What was loaded with this request's session, if it belongs to `session` (the
/// `account_sessions` row the session's data names). Taken once.
pub fn take_loaded_account(session: SessionId) -> Option<Loaded> {
    LOADED_ACCOUNT
        .try_with(|slot| slot.borrow_mut().take())
        .ok()
        .flatten()
        .filter(|loaded| loaded.session == session)
}

#[derive(Debug, thiserror::Error)]
enum StoreError {
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    #[error(transparent)]
    Encode(#[from] rmp_serde::encode::Error),
    #[error(transparent)]
    Decode(#[from] rmp_serde::decode::Error),
}

impl From<StoreError> for session_store::Error {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Sqlx(err) => Self::Backend(err.to_string()),
            StoreError::Encode(err) => Self::Encode(err.to_string()),
            StoreError::Decode(err) => Self::Decode(err.to_string()),
        }
    }
}

/// The session store of the portal (the table is made by the migrations).
#[derive(Debug, Clone)]
pub struct PortalSessionStore {
    pool: PgPool,
    /// The session's load statement, made once.
    load: Arc<str>,
}

/// The statement a load runs: the session row by id (`$1`) and expiry (`$2`), its signed-in
/// account, and `also` (see [`PortalSessionStore::loading_also`]). Public so the benchmark's
/// copy of it (`benches/sql/session.pgbench`) is checked against it.
pub fn load_statement(also: &str) -> String {
    format!(
        "select s.data, x.id as account_session_id, {}, \
           case when a.id is null then null else {also} end as also_loaded \
         from tower_sessions.session s \
         left join account_sessions x on x.id = s.account_session_id \
         left join accounts a on a.id = x.account_id \
         where s.id = $1 and s.expiry_date > $2",
        crate::accounts::store::JOINED_ACCOUNT_COLUMNS
    )
}

impl PortalSessionStore {
    pub fn new(pool: PgPool) -> Self {
        Self::loading_also(pool, "null::int8[]")
    }

    /// A store whose loads also read `also`, an SQL expression of type `int8[]` over the
    /// signed-in account `a` (null when there is none), handed over with the account: the
    /// web layer uses it for what every page of a role shows (the manager's pending counts),
    /// so those pages need no statement of their own for it.
    pub fn loading_also(pool: PgPool, also: &str) -> Self {
        Self {
            pool,
            load: load_statement(also).into(),
        }
    }

    /// Writes the record; `insert_only` leaves an existing row alone (and reports it).
    async fn write(&self, record: &Record, insert_only: bool) -> Result<bool, StoreError> {
        let conflict = if insert_only {
            "do nothing"
        } else {
            "do update set data = excluded.data, expiry_date = excluded.expiry_date, \
             account_session_id = excluded.account_session_id"
        };
        let written = sqlx::query(&format!(
            "insert into tower_sessions.session (id, data, expiry_date, account_session_id) \
             values ($1, $2, $3, $4) on conflict (id) {conflict}"
        ))
        .bind(record.id.to_string())
        .bind(rmp_serde::to_vec(record)?)
        .bind(record.expiry_date)
        .bind(signed_in_session(record))
        .execute(&self.pool)
        .await?;
        Ok(written.rows_affected() == 1)
    }

    async fn load_with_account(&self, id: &Id) -> Result<Option<Record>, StoreError> {
        let row = sqlx::query(&self.load)
            .bind(id.to_string())
            .bind(OffsetDateTime::now_utc())
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let record: Record = rmp_serde::from_slice(row.try_get::<&[u8], _>("data")?)?;
        if let Some(loaded) = joined_account(&row)? {
            // Outside a request (no slot) there is nobody to hand it to.
            let _ = LOADED_ACCOUNT.try_with(|slot| *slot.borrow_mut() = Some(loaded));
        }
        Ok(Some(record))
    }
}

/// The signed-in `account_sessions` row the record's data names, if any.
fn signed_in_session(record: &Record) -> Option<SessionId> {
    let mark = record.data.get(AUTH_KEY)?;
    serde_json::from_value::<AuthMark>(mark.clone())
        .ok()
        .map(|mark| mark.session_id)
}

/// The account the row's `account_sessions` join found, with that session's id.
fn joined_account(row: &PgRow) -> Result<Option<Loaded>, sqlx::Error> {
    let Some(session) = row.try_get::<Option<SessionId>, _>("account_session_id")? else {
        return Ok(None);
    };
    Ok(Some(Loaded {
        session,
        account: Account::from_row(row)?,
        also: row.try_get("also_loaded")?,
    }))
}

#[async_trait]
impl SessionStore for PortalSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // One statement in the usual case; a colliding id (2^-128) just draws another.
        while !self.write(record, true).await? {
            record.id = Id::default();
        }
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.write(record, false).await?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        Ok(self.load_with_account(id).await?)
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sqlx::query("delete from tower_sessions.session where id = $1")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for PortalSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        sqlx::query("delete from tower_sessions.session where expiry_date < now()")
            .execute(&self.pool)
            .await
            .map_err(StoreError::from)?;
        Ok(())
    }
}
