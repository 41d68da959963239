//! Reading the audit log: filtered, scoped to what the reader may see, keyset-paginated.

use serde_json::Value;
use sqlx::{PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::accounts::model::AccountId;

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
    /// Email of the actor or target (exact, case-insensitive).
    pub account: Option<String>,
    pub action: Option<String>,
    /// From this instant on (the start of the reader's "from" day in their zone).
    pub from: Option<OffsetDateTime>,
    /// Before this instant (the start of the day after the reader's "to" day).
    pub to: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    pub id: Uuid,
    pub at: OffsetDateTime,
    pub action: String,
    pub actor_email: Option<String>,
    pub target_email: Option<String>,
    pub partner_company: Option<String>,
    pub client_ip: Option<String>,
    pub details: Value,
}

pub use crate::paging::Cursor;

pub async fn list(
    pool: &PgPool,
    scope: Scope,
    filter: &Filter,
    after: Option<Cursor>,
    limit: i64,
) -> sqlx::Result<Vec<Row>> {
    let mut q: QueryBuilder<Postgres> = QueryBuilder::new(
        "select l.id, l.at, l.action, a.email as actor_email, t.email as target_email, \
           p.company as partner_company, l.client_ip, l.details \
         from audit_log l left join accounts a on a.id = l.actor_id \
         left join accounts t on t.id = l.target_id left join accounts p on p.id = l.partner_id where ",
    );
    match scope {
        Scope::Manager(manager) => {
            q.push("(l.partner_id in (select id from accounts where (role = 'partner' or partner_access) and manager_id = ");
            q.push_bind(manager);
            q.push(") or l.actor_id = ");
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
    if let Some(email) = &filter.account {
        q.push(" and (lower(a.email) = lower(");
        q.push_bind(email.clone());
        q.push(") or lower(t.email) = lower(");
        q.push_bind(email.clone());
        q.push("))");
    }
    if let Some(action) = &filter.action {
        q.push(" and l.action = ");
        q.push_bind(action.clone());
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
    q.push(" order by l.at desc, l.id desc limit ");
    q.push_bind(limit);
    q.build_query_as().fetch_all(pool).await
}

/// The actions that exist, for the filter's choices.
pub const ACTIONS: &[&str] = &[
    "account.created",
    "activation.sent",
    "activation.resent",
    "activation.used",
    "sign_in.succeeded",
    "sign_in.failed",
    "two_factor.enabled",
    "two_factor.disabled",
    "two_factor.recovery_codes_regenerated",
    "password.changed",
    "password_reset.requested",
    "password_reset.completed",
    "removal.requested",
    "removal.withdrawn",
    "removal.approved",
    "removal.rejected",
    "order.placed",
    "license.associated",
    "license.dissociated",
    "trial.started",
    "trial.converted",
    "trial.expired",
    "subscription.started",
    "subscription.changed",
    "subscription.downgrade_scheduled",
    "subscription.downgraded",
    "subscription.renewed",
    "subscription.ended",
    "subscription.auto_renew",
    "pbx.renamed",
    "pbx.alarm_contact_changed",
    "pbx.restart_queued",
    "pbx.token_issued",
    "partnership.applied",
    "partnership.withdrawn",
    "partnership.approved",
    "partnership.rejected",
];

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
