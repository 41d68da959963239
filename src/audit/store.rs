//! Reading the audit log: filtered, scoped to what the reader may see, keyset-paginated.

use serde_json::Value;
use sqlx::{PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ids::{AccountId, AuditEntryId};

use super::Action;

/// Whose entries a reader may see.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// An account manager: everything about their partners and those partners' customers,
    /// and what they did themselves.
    Manager(AccountId),
    /// A partner: everything filed under its tenant (its customers and itself).
    Partner(AccountId),
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub partner: Option<AccountId>,
    /// Only what this account did (a partner organization's member).
    pub member: Option<AccountId>,
    /// Email of the actor or target (exact, case-insensitive).
    pub account: Option<String>,
    pub action: Option<Action>,
    /// From this instant on (the start of the reader's "from" day in their zone).
    pub from: Option<OffsetDateTime>,
    /// Before this instant (the start of the day after the reader's "to" day).
    pub to: Option<OffsetDateTime>,
}

/// One entry with the names it refers to, resolved in the same query: who did it, to whom,
/// under which partner, and the product, PBX and licence its details point at.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    pub id: AuditEntryId,
    pub at: OffsetDateTime,
    pub action: String,
    pub actor_id: Option<Uuid>,
    pub actor_email: Option<String>,
    /// "First Last", or the email when the account has no name.
    pub actor_name: Option<String>,
    pub target_id: Option<Uuid>,
    pub target_email: Option<String>,
    pub target_name: Option<String>,
    pub partner_company: Option<String>,
    pub client_ip: Option<String>,
    pub details: Value,
    /// The product type of the subscription or licence the entry is about.
    pub product_type: Option<String>,
    pub pbx_name: Option<String>,
    pub license_key: Option<String>,
    /// The currency of the order the entry names (amounts in details are minor units).
    pub order_currency: Option<String>,
}

pub use crate::paging::Cursor;

/// A display name: "First Last", or the email when both are blank.
macro_rules! name_of {
    ($t:literal) => {
        concat!(
            "coalesce(nullif(btrim(",
            $t,
            ".first_name || ' ' || ",
            $t,
            ".last_name), ''), ",
            $t,
            ".email)"
        )
    };
}

/// The id a detail holds, or null when it is missing or not a uuid (details are free-form
/// JSON; a malformed value must not make the whole page fail on a cast).
macro_rules! detail_uuid {
    ($key:literal) => {
        concat!(
            "(case when l.details->>'",
            $key,
            "' ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' \
             then (l.details->>'",
            $key,
            "')::uuid end)"
        )
    };
}

/// Every name an entry's sentence needs comes from these joins (each on a primary or unique
/// key), so a page of entries is one query, whatever the entries are about.
const SELECT: &str = concat!(
    "select l.id, l.at, l.action, l.actor_id, a.email as actor_email, ",
    name_of!("a"),
    " as actor_name, l.target_id, t.email as target_email, ",
    name_of!("t"),
    " as target_name, p.company as partner_company, l.client_ip, l.details, \
     coalesce(s.product_type, k.product_type, l.details->>'product_type') as product_type, \
     x.name as pbx_name, k.key as license_key, o.currency as order_currency \
     from audit_log l left join accounts a on a.id = l.actor_id \
     left join accounts t on t.id = l.target_id left join accounts p on p.id = l.partner_id \
     left join subscriptions s on s.id = ",
    detail_uuid!("subscription"),
    " left join pbx_instances x on x.id = ",
    detail_uuid!("instance"),
    " left join licenses k on k.id = ",
    detail_uuid!("license_id"),
    " left join orders o on o.number = l.details->>'order' where "
);

pub async fn list(
    pool: &PgPool,
    scope: Scope,
    filter: &Filter,
    after: Option<Cursor>,
    limit: i64,
) -> sqlx::Result<Vec<Row>> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(SELECT);
    match scope {
        Scope::Manager(manager) => {
            q.push("(l.partner_id in (select id from managed_partner_ids(");
            q.push_bind(manager);
            q.push(") id) or l.actor_id = ");
            q.push_bind(manager);
            q.push(" or l.target_id = ");
            q.push_bind(manager);
            q.push(")");
        }
        Scope::Partner(partner) => {
            q.push("l.partner_id = ");
            q.push_bind(partner);
        }
    }
    if let Some(partner) = filter.partner {
        q.push(" and l.partner_id = ");
        q.push_bind(partner);
    }
    if let Some(member) = filter.member {
        q.push(" and l.actor_id = ");
        q.push_bind(member);
    }
    if let Some(email) = &filter.account {
        q.push(" and (lower(a.email) = lower(");
        q.push_bind(email.clone());
        q.push(") or lower(t.email) = lower(");
        q.push_bind(email.clone());
        q.push("))");
    }
    if let Some(action) = filter.action {
        q.push(" and l.action = ");
        q.push_bind(action.as_str());
    }
    if let Some(from) = filter.from {
        q.push(" and l.at >= ");
        q.push_bind(from);
    }
    if let Some(to) = filter.to {
        q.push(" and l.at < ");
        q.push_bind(to);
    }
    if let Some(cursor) = after {
        q.push(" and (l.at, l.id) < (");
        q.push_bind(cursor.at);
        q.push(", ");
        q.push_bind(cursor.id);
        q.push(")");
    }
    q.push(format!(" order by l.at desc, l.id desc limit {limit}"));
    q.build_query_as().fetch_all(pool).await
}

/// One CSV field: quoted, with quotes doubled, and a leading formula character neutralised so
/// a spreadsheet never executes a value (CSV injection).
pub fn csv_field(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

/// How many entries of `action` name `target` since `since`, inside the caller's transaction
/// (e.g. the daily limit on activation resends).
pub async fn count_since(
    conn: &mut sqlx::PgConnection,
    target: AccountId,
    action: Action,
    since: OffsetDateTime,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "select count(*) from audit_log where target_id = $1 and action = $2 and at > $3",
    )
    .bind(target)
    .bind(action.as_str())
    .bind(since)
    .fetch_one(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("plain"), "\"plain\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
    }
}
