//! Connecting to PostgreSQL: create the database when it is missing, then migrate.

use anyhow::Context;
use sqlx::migrate::MigrateDatabase;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, QueryBuilder};
use std::str::FromStr;
use std::time::Duration;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Creates the database named in `url` if it does not exist yet.
pub async fn ensure_database(url: &str) -> anyhow::Result<()> {
    let exists = Postgres::database_exists(url)
        .await
        .context("could not reach PostgreSQL (is it running? check DATABASE_URL)")?;
    if !exists {
        // Two instances starting at once may race here; losing the race is fine.
        if let Err(err) = Postgres::create_database(url).await {
            if !Postgres::database_exists(url).await.unwrap_or(false) {
                return Err(err).context("could not create the database");
            }
        }
        tracing::info!("created database");
    }
    Ok(())
}

pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<PgPool> {
    let options = PgConnectOptions::from_str(url)
        .context("DATABASE_URL is not a valid URL")?
        // Every statement is prepared once per connection; by default PostgreSQL still plans
        // one again for each execution when its generic plan looks dearer on paper (the
        // partner's customer list always did), and planning cost more than running it. Our
        // queries are shaped to follow their indexes whatever the values (a search walks the
        // list first, then a trigram index: `accounts::customer_list`), so one plan serves.
        .options([("plan_cache_mode", "force_generic_plan")]);
    PgPoolOptions::new()
        .max_connections(max_connections)
        // Short, so that while PostgreSQL is away a request gets its 503 in a few seconds
        // instead of hanging; the pool reconnects by itself when it is back.
        .acquire_timeout(Duration::from_secs(3))
        // A ping on every acquire costs a round trip per query; broken connections are
        // detected by the failing query and replaced by the pool instead.
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .context("could not connect to the database")
}

/// Creates the database if needed, connects and applies pending migrations.
pub async fn prepare(url: &str, max_connections: u32) -> anyhow::Result<PgPool> {
    ensure_database(url).await?;
    let pool = connect(url, max_connections).await?;
    migrate(&pool).await?;
    Ok(pool)
}

/// Our own lock around sqlx's, taken without waiting inside a statement.
const MIGRATION_LOCK: i64 = 0x5950_4d49_4752_4154; // "YPMIGRAT"

/// Applies pending migrations, one instance at a time. sqlx's migrator waits for its advisory
/// lock inside a statement, and a waiting statement is an open transaction, which an index
/// built `concurrently` by the instance holding the lock waits for in turn: a deadlock when
/// instances start together. So the lock is first taken here by polling
/// `pg_try_advisory_lock`, which holds no transaction open between tries, on the connection
/// the migrator then runs on (advisory locks are per session, so sqlx's own is then free).
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    let mut conn = pool
        .acquire()
        .await
        .context("could not connect to migrate")?;
    loop {
        let locked: bool = sqlx::query_scalar("select pg_try_advisory_lock($1)")
            .bind(MIGRATION_LOCK)
            .fetch_one(&mut *conn)
            .await?;
        if locked {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let migrated = MIGRATOR.run_direct(&mut *conn).await;
    let _ = sqlx::query("select pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await;
    migrated.context("could not apply database migrations")
}

/// Whether `err` is a violation of the named constraint (a unique index or a check): the one
/// place that reads a constraint name from an error, so a race lost to a concurrent insert
/// becomes the caller's own typed answer instead of a 500.
pub fn on_constraint(err: &sqlx::Error, name: &str) -> bool {
    err.as_database_error()
        .and_then(|db| db.constraint())
        .is_some_and(|found| found == name)
}

/// Reading times and dates from the JSON PostgreSQL makes of a row (`to_json`, `json_agg`):
/// `"2026-12-07T11:54:31.123456+00:00"` and `"2026-12-07"`, or null. For
/// `#[serde(deserialize_with = "crate::db::json::…")]`; the option forms go through
/// `Option<String>`, which reads null however serde buffered it (inside `#[serde(flatten)]` too).
pub mod json {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer};
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;
    use time::{Date, OffsetDateTime};

    const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
        format_description!("[year]-[month]-[day]");

    pub fn datetime<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let text = String::deserialize(d)?;
        OffsetDateTime::parse(&text, &Rfc3339).map_err(D::Error::custom)
    }

    pub fn datetime_option<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| OffsetDateTime::parse(&text, &Rfc3339).map_err(D::Error::custom))
            .transpose()
    }

    pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = String::deserialize(d)?;
        Date::parse(&text, DATE).map_err(D::Error::custom)
    }

    pub fn date_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| Date::parse(&text, DATE).map_err(D::Error::custom))
            .transpose()
    }
}

/// `value` as an SQL string literal, quoted as PostgreSQL's own `quote_literal()` does: quotes
/// doubled, and when there is a backslash, an `E'…'` literal with backslashes doubled, so it
/// reads back as `value` whatever `standard_conforming_strings` says. For a search pattern
/// that must be planned for its words (`licenses::search`: an order number, where a short one
/// matches most orders and a long one few), where a bound one is planned once for every pattern
/// (connections use generic plans, see [`connect`]). NUL, which no text value may hold, is
/// dropped. Statements holding one are sent unprepared (`persistent(false)`), so each search
/// does not leave a prepared statement behind.
pub fn quote_literal(value: &str) -> String {
    let value = value.replace('\0', "");
    if value.contains('\\') {
        format!("E'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
    } else {
        format!("'{}'", value.replace('\'', "''"))
    }
}

/// Escapes LIKE wildcards so a search for "50%" means the text "50%".
pub fn escape_like(term: &str) -> String {
    let mut out = String::with_capacity(term.len());
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// ` and {column} like … and strpos({column}, …) > 0`: the lower-case text `column` contains
/// `lower`. The LIKE is what the column's trigram index is asked for ([`trigram_lookup`]); the
/// whole term is checked on the rows it finds, through an expression no index serves.
pub fn push_contains(q: &mut QueryBuilder<'_, Postgres>, column: &str, lower: &str) {
    q.push(format!(" and {column} like "));
    q.push_bind(trigram_lookup(lower));
    q.push(" and ");
    push_strpos(q, column, lower);
}

/// `strpos({column}, …) > 0`: the text `column` contains `lower`, checked on each row read (no
/// index serves it; nothing in the term is a wildcard, so nothing needs escaping).
pub fn push_strpos(q: &mut QueryBuilder<'_, Postgres>, column: &str, lower: &str) {
    q.push(format!("strpos({column}, "));
    q.push_bind(lower.to_owned());
    q.push(") > 0");
}

/// The LIKE pattern a trigram index is asked for when searching text that contains `term`: the
/// term's longest run of three or more digits when it has one, else the whole term. Digits are
/// few in names, companies and email addresses, so their trigrams' lists in the index are
/// short: at 1,000,000 accounts the partner's trigram index answered "ines.weber.72468" in
/// 0.88 ms and "72468" in 0.42 ms.
fn trigram_lookup(term: &str) -> String {
    let digits = term
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| run.len() >= 3)
        .max_by_key(|run| run.len());
    format!("%{}%", escape_like(digits.unwrap_or(term)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trigram_index_is_asked_for_the_longest_run_of_digits() {
        assert_eq!(trigram_lookup("ines.weber.72468"), "%72468%");
        assert_eq!(trigram_lookup("a12 b3456 c789"), "%3456%");
        assert_eq!(trigram_lookup("room 12"), "%room 12%");
        assert_eq!(trigram_lookup("falcon telecom"), "%falcon telecom%");
        assert_eq!(trigram_lookup("50%_off"), "%50\\%\\_off%");
    }
}
