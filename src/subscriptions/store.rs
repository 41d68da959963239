//! SQL for subscriptions. Customers read their own; partners read their customers'.

use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::types::Json;
use sqlx::{PgConnection, PgPool, Postgres};
use time::{Date, OffsetDateTime};

use super::model::{Subscription, SubscriptionView};
use crate::accounts::model::Account;
use crate::catalog::Plan;
use crate::ids::{AccountId, SubscriptionId};
use crate::pricing::{AddonChoice, Configuration, Quote};

pub const COLUMNS: &str = "s.id, s.customer_id, s.partner_id, s.product_type, s.plan_code, s.units, s.addons, \
     s.term, s.status, s.started_as_trial, s.trial_ends_at, s.current_period_start, s.current_period_end, \
     s.auto_renew, s.scheduled_plan_code, s.scheduled_units, s.scheduled_addons, s.created_at";

type PgQuery<'q> = Query<'q, Postgres, PgArguments>;

fn view_query(filter: &str) -> String {
    format!(
        "select {COLUMNS}, pl.name as plan_name, t.name as product_name, sp.name as scheduled_plan_name, \
           i.id as instance_id, i.status as instance_status, i.last_heartbeat_at as instance_heartbeat_at, c.email as customer_email \
         from subscriptions s join plans pl on pl.code = s.plan_code join product_types t on t.code = s.product_type \
         left join plans sp on sp.code = s.scheduled_plan_code left join pbx_instances i on i.subscription_id = s.id \
         join accounts c on c.id = s.customer_id where {filter}"
    )
}

/// [`list_for_customer`] as one JSON array (of `SubscriptionView`s), for a statement that reads
/// several lists at once (`overview`); `$1` is the customer.
pub fn customer_list_json() -> String {
    format!(
        "(select coalesce(json_agg(v), '[]') from ({}) v)",
        view_query(FOR_CUSTOMER)
    )
}

/// A customer's subscriptions, newest first: `$1` is the customer.
const FOR_CUSTOMER: &str = "s.customer_id = $1 order by s.created_at desc limit 200";

pub async fn list_for_customer(
    pool: &PgPool,
    customer_id: AccountId,
) -> sqlx::Result<Vec<SubscriptionView>> {
    sqlx::query_as(&view_query(FOR_CUSTOMER))
        .bind(customer_id)
        .fetch_all(pool)
        .await
}

pub async fn find_for_customer(
    pool: &PgPool,
    customer_id: AccountId,
    id: SubscriptionId,
) -> sqlx::Result<Option<SubscriptionView>> {
    sqlx::query_as(&view_query("s.customer_id = $1 and s.id = $2"))
        .bind(customer_id)
        .bind(id)
        .fetch_optional(pool)
        .await
}

/// A partner's view of one customer's subscriptions (scoped by the partner).
pub async fn list_for_partner_customer(
    pool: &PgPool,
    partner_id: AccountId,
    customer_id: AccountId,
) -> sqlx::Result<Vec<SubscriptionView>> {
    sqlx::query_as(&view_query(
        "s.partner_id = $1 and s.customer_id = $2 order by s.created_at desc limit 200",
    ))
    .bind(partner_id)
    .bind(customer_id)
    .fetch_all(pool)
    .await
}

pub async fn lock_for_customer(
    conn: &mut PgConnection,
    customer_id: AccountId,
    id: SubscriptionId,
) -> sqlx::Result<Option<Subscription>> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from subscriptions s where s.customer_id = $1 and s.id = $2 for update"
    ))
    .bind(customer_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// One subscription by id, for the scheduled jobs: they act for the system, on items they
/// have already claimed, so there is no tenant to scope by.
pub async fn find_by_id(conn: &mut PgConnection, id: SubscriptionId) -> sqlx::Result<Subscription> {
    sqlx::query_as(&format!(
        "select {COLUMNS} from subscriptions s where s.id = $1"
    ))
    .bind(id)
    .fetch_one(conn)
    .await
}

/// Sets the plan, units and add-ons now; an immediate change replaces any scheduled one.
pub async fn update_configuration(
    conn: &mut PgConnection,
    id: SubscriptionId,
    config: &Configuration,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    set_configuration(
        conn,
        id,
        &config.plan,
        config.units as i32,
        &config.addons,
        now,
    )
    .await
}

/// Sets the plan, units and add-ons and clears the scheduled change: an immediate change, or
/// the scheduled one applied at the end of the term.
pub async fn set_configuration(
    conn: &mut PgConnection,
    id: SubscriptionId,
    plan: &str,
    units: i32,
    addons: &[AddonChoice],
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "update subscriptions set plan_code = $2, units = $3, addons = $4, scheduled_plan_code = null, \
         scheduled_units = null, scheduled_addons = null, updated_at = $5 where id = $1",
    )
    .bind(id)
    .bind(plan)
    .bind(units)
    .bind(Json(addons))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores the whole configuration the end of the term applies (plan, units and add-ons
/// together), or clears it with `None`.
pub async fn update_scheduled_change(
    conn: &mut PgConnection,
    id: SubscriptionId,
    target: Option<&Configuration>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "update subscriptions set scheduled_plan_code = $2, scheduled_units = $3, scheduled_addons = $4, \
         updated_at = $5 where id = $1",
    )
    .bind(id)
    .bind(target.map(|t| t.plan.clone()))
    .bind(target.map(|t| t.units as i32))
    .bind(target.map(|t| Json(t.addons.clone())))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// A free trial of `plan` until `ends`. Fails on `subscriptions_one_trial_per_product` when
/// the customer has had one of this product.
pub async fn insert_trial(
    conn: &mut PgConnection,
    id: SubscriptionId,
    customer: &Account,
    plan: &Plan,
    units: u32,
    ends: OffsetDateTime,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into subscriptions (id, customer_id, partner_id, product_type, plan_code, units, term, status, \
         started_as_trial, trial_ends_at, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, 'monthly', 'trial', true, $7, $8, $8)",
    )
    .bind(id)
    .bind(customer.id)
    .bind(customer.partner_id)
    .bind(&plan.product_type)
    .bind(&plan.code)
    .bind(units as i32)
    .bind(ends)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Binds a quoted term, in this order: plan, units, add-ons, term, start, end, then `now`.
fn bind_term<'q>(
    query: PgQuery<'q>,
    config: &'q Configuration,
    quote: &'q Quote,
    now: OffsetDateTime,
) -> PgQuery<'q> {
    query
        .bind(&quote.plan)
        .bind(config.units as i32)
        .bind(Json(&config.addons))
        .bind(config.term.to_string())
        .bind(quote.start)
        .bind(quote.end)
        .bind(now)
}

/// Turns the customer's trial (or expired trial) of the plan's product into an active
/// subscription for the quoted term; false when it cannot be converted (any more).
pub async fn convert_trial(
    conn: &mut PgConnection,
    trial: SubscriptionId,
    customer: AccountId,
    config: &Configuration,
    quote: &Quote,
    product_type: &str,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let query = sqlx::query(
        "update subscriptions set plan_code = $3, units = $4, addons = $5, term = $6, status = 'active', \
         current_period_start = $7, current_period_end = $8, updated_at = $9 \
         where id = $1 and customer_id = $2 and started_as_trial and status in ('trial', 'expired') \
         and current_period_start is null and product_type = $10",
    )
    .bind(trial)
    .bind(customer);
    let done = bind_term(query, config, quote, now)
        .bind(product_type)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A new active subscription for the quoted term.
pub async fn insert_active(
    conn: &mut PgConnection,
    id: SubscriptionId,
    customer: &Account,
    config: &Configuration,
    quote: &Quote,
    product_type: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    let query = sqlx::query(
        "insert into subscriptions (id, customer_id, partner_id, product_type, plan_code, units, addons, term, \
         status, current_period_start, current_period_end, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $10, $11, $11)",
    )
    .bind(id)
    .bind(customer.id)
    .bind(customer.partner_id)
    .bind(product_type);
    bind_term(query, config, quote, now).execute(conn).await?;
    Ok(())
}

/// Turns auto-renew on or off on the customer's active subscription; false when there is none.
pub async fn update_auto_renew(
    conn: &mut PgConnection,
    id: SubscriptionId,
    customer: AccountId,
    on: bool,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query("update subscriptions set auto_renew = $3, updated_at = $4 where id = $1 and customer_id = $2 and status = 'active'")
        .bind(id)
        .bind(customer)
        .bind(on)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves the subscription on to its next term.
pub async fn update_period(
    conn: &mut PgConnection,
    id: SubscriptionId,
    start: Date,
    end: Date,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "update subscriptions set current_period_start = $2, current_period_end = $3, updated_at = $4 where id = $1",
    )
    .bind(id)
    .bind(start)
    .bind(end)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn mark_expired(
    conn: &mut PgConnection,
    id: SubscriptionId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("update subscriptions set status = 'expired', updated_at = $2 where id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a reminder (`subscription_notices`); true when it had not been recorded before.
pub async fn insert_notice(
    conn: &mut PgConnection,
    id: SubscriptionId,
    kind: &str,
    due_on: Date,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "insert into subscription_notices (subscription_id, kind, due_on, sent_at) values ($1, $2, $3, $4) \
         on conflict do nothing",
    )
    .bind(id)
    .bind(kind)
    .bind(due_on)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
