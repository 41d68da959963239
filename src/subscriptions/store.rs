//! SQL for subscriptions. Customers read their own; partners read their customers'.

use sqlx::types::Json;
use sqlx::{PgConnection, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::accounts::model::AccountId;
use crate::pricing::{AddonChoice, Configuration};

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "subscription_status", rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Trial,
    Active,
    Expired,
    Cancelled,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Subscription {
    pub id: Uuid,
    pub customer_id: AccountId,
    pub partner_id: AccountId,
    pub product_type: String,
    pub plan_code: String,
    pub units: i32,
    pub addons: Json<Vec<AddonChoice>>,
    pub term: String,
    pub status: SubscriptionStatus,
    pub started_as_trial: bool,
    pub trial_ends_at: Option<OffsetDateTime>,
    pub current_period_start: Option<Date>,
    pub current_period_end: Option<Date>,
    pub auto_renew: bool,
    /// A scheduled change (a downgrade at the end of the term) is the whole configuration it
    /// was validated with: plan, units and add-ons are set together or not at all.
    pub scheduled_plan_code: Option<String>,
    pub scheduled_units: Option<i32>,
    pub scheduled_addons: Option<Json<Vec<AddonChoice>>>,
    pub created_at: OffsetDateTime,
}

pub const COLUMNS: &str = "s.id, s.customer_id, s.partner_id, s.product_type, s.plan_code, s.units, s.addons, \
     s.term, s.status, s.started_as_trial, s.trial_ends_at, s.current_period_start, s.current_period_end, \
     s.auto_renew, s.scheduled_plan_code, s.scheduled_units, s.scheduled_addons, s.created_at";

/// A subscription with the names pages show.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubscriptionView {
    #[sqlx(flatten)]
    pub subscription: Subscription,
    pub plan_name: String,
    pub product_name: String,
    pub scheduled_plan_name: Option<String>,
    /// The Cloud PBX of the subscription, if it has one: its id, lifecycle and last heartbeat.
    pub instance_id: Option<Uuid>,
    pub instance_status: Option<crate::pbx::PbxStatus>,
    pub instance_heartbeat_at: Option<OffsetDateTime>,
    pub customer_email: String,
}

fn view_query(filter: &str) -> String {
    format!(
        "select {COLUMNS}, pl.name as plan_name, t.name as product_name, sp.name as scheduled_plan_name, \
           i.id as instance_id, i.status as instance_status, i.last_heartbeat_at as instance_heartbeat_at, c.email as customer_email \
         from subscriptions s join plans pl on pl.code = s.plan_code join product_types t on t.code = s.product_type \
         left join plans sp on sp.code = s.scheduled_plan_code left join pbx_instances i on i.subscription_id = s.id \
         join accounts c on c.id = s.customer_id where {filter}"
    )
}

pub async fn list_for_customer(
    pool: &PgPool,
    customer_id: AccountId,
) -> sqlx::Result<Vec<SubscriptionView>> {
    sqlx::query_as(&view_query(
        "s.customer_id = $1 order by s.created_at desc limit 200",
    ))
    .bind(customer_id)
    .fetch_all(pool)
    .await
}

pub async fn find_for_customer(
    pool: &PgPool,
    customer_id: AccountId,
    id: Uuid,
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
    id: Uuid,
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
pub async fn find_by_id(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Subscription> {
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
    id: Uuid,
    config: &Configuration,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "update subscriptions set plan_code = $2, units = $3, addons = $4, scheduled_plan_code = null, \
         scheduled_units = null, scheduled_addons = null, updated_at = $5 where id = $1",
    )
    .bind(id)
    .bind(&config.plan)
    .bind(config.units as i32)
    .bind(Json(&config.addons))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores the whole configuration the end of the term applies (plan, units and add-ons
/// together), or clears it with `None`.
pub async fn update_scheduled_change(
    conn: &mut PgConnection,
    id: Uuid,
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
