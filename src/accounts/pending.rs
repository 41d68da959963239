//! Accounts not activated yet, as their account manager sees them (the list with link and email
//! state, the account a resend locks) and the people a pending account deals with (who invited
//! it, whom it contacts about its link). `activation` keeps the rules; the SQL on `accounts` is
//! here, with its owner.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::model::{Account, AccountId, Cursor, Role};
use super::store::A_ACCOUNT_COLUMNS;

/// Accounts a manager may act on: their partners, and their partners' customers. A customer
/// approved as a partner (`partner_access`) counts as a partner of the approving manager.
const MANAGED_BY: &str = "((a.role = 'partner' and a.manager_id = $1) or (a.role = 'customer' \
     and a.partner_id in (select id from managed_partner_ids($1) id)))";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingRow {
    pub id: AccountId,
    pub role: Role,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub company: String,
    pub partner_company: Option<String>,
    pub created_at: OffsetDateTime,
    /// The newest link still in force.
    pub link_expires_at: Option<OffsetDateTime>,
    pub links_sent: i64,
    pub last_sent_at: Option<OffsetDateTime>,
    /// Delivery state of the newest activation email.
    pub email_status: Option<String>,
    pub email_error: Option<String>,
}

/// Pending accounts under `manager_id`, newest first, one page after `after`. Each account's
/// links are read once, in one aggregate (a new link supersedes the live one, so the latest
/// expiry among live links is the newest live link's): three lookups per row cost a quarter
/// of the page's throughput.
pub async fn list_pending_of_manager(
    pool: &PgPool,
    manager_id: AccountId,
    after: Option<Cursor>,
    limit: i64,
) -> sqlx::Result<Vec<PendingRow>> {
    let head = format!(
        "select a.id, a.role, a.email, a.first_name, a.last_name, a.company, \
           p.company as partner_company, a.created_at, t.link_expires_at, \
           coalesce(t.links_sent, 0) as links_sent, t.last_sent_at, \
           e.status::text as email_status, e.last_error as email_error \
         from accounts a \
         left join accounts p on p.id = a.partner_id \
         left join lateral (select \
             max(t.expires_at) filter (where t.used_at is null and t.superseded_at is null) \
               as link_expires_at, \
             count(*) as links_sent, max(t.created_at) as last_sent_at \
           from activation_tokens t where t.account_id = a.id) t on true \
         left join lateral (select status, last_error from email_outbox o \
             where o.account_id = a.id and o.kind = 'activation' \
             order by o.created_at desc limit 1) e on true \
         where a.status = 'pending_activation' and {MANAGED_BY} and"
    );
    let key = ("a.created_at", "a.id");
    crate::paging::fetch_newest_first(pool, &head, key, manager_id, after, limit).await
}

/// The pending account `id` under `manager_id`, locked (FOR UPDATE) until the caller's
/// transaction ends; none when it is not pending or not this manager's.
pub async fn lock_pending_of_manager(
    conn: &mut PgConnection,
    manager_id: AccountId,
    id: AccountId,
) -> sqlx::Result<Option<Account>> {
    sqlx::query_as(&format!(
        "select {A_ACCOUNT_COLUMNS} from accounts a where a.id = $2 and a.status = 'pending_activation' and {MANAGED_BY} \
         for update"
    ))
    .bind(manager_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// How an invitation names the account `id`: a partner by its company, anyone else by name.
pub async fn inviter_name(
    conn: &mut PgConnection,
    id: Option<AccountId>,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "select case when role = 'partner' then company else first_name || ' ' || last_name end \
         from accounts where id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The person a pending account should contact about its link: the account manager of its
/// partner (customers) or its own account manager (partners).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Contact {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// What the person is to the account: "account manager", "organization's Owner".
    pub title: String,
}

impl Contact {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// The account manager `account` deals with (its own, else its partner's) as a [`Contact`]; for
/// a colleague in a partner organization, the organization's Owner, who can send a new link.
pub async fn manager_contact(pool: &PgPool, account: &Account) -> sqlx::Result<Option<Contact>> {
    if let Some(organization) = account.organization_id.filter(|org| *org != account.id) {
        return sqlx::query_as(
            "select w.first_name, w.last_name, w.email, 'organization''s Owner' as title \
             from organizations o join accounts w on w.id = o.owner_id where o.id = $1",
        )
        .bind(organization)
        .fetch_optional(pool)
        .await;
    }
    let manager_id = match (account.manager_id, account.partner_id) {
        (Some(manager), _) => Some(manager),
        (None, Some(partner)) => sqlx::query_scalar::<_, Option<AccountId>>(
            "select manager_id from accounts where id = $1",
        )
        .bind(partner)
        .fetch_optional(pool)
        .await?
        .flatten(),
        (None, None) => None,
    };
    let Some(manager_id) = manager_id else {
        return Ok(None);
    };
    sqlx::query_as(
        "select first_name, last_name, email, 'account manager' as title from accounts where id = $1",
    )
        .bind(manager_id)
        .fetch_optional(pool)
        .await
}
