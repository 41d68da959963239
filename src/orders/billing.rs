//! The orders of subscriptions as the people they are for see them: a customer's Billing page
//! (their own subscription orders, keyset-paginated, each with its invoice), and the newest
//! order of each subscription for the partner's customer page. Every query is scoped by the
//! reader in SQL.

use std::collections::HashMap;

use sqlx::PgPool;

use super::model::{BillingRow, OrderSummary};
use super::store::SUMMARY;
use crate::ids::{AccountId, OrderId, SubscriptionId};
use crate::paging::Cursor;

/// A page of the customer's subscription orders, newest first, after `after`. Orders a
/// partner placed for licences (`subscription_id` null) are the partner's bills, not theirs.
pub async fn list_for_customer(
    pool: &PgPool,
    customer_id: AccountId,
    after: Option<Cursor>,
    limit: i64,
) -> sqlx::Result<Vec<BillingRow>> {
    let head = "select o.id, o.number, o.kind, o.status, t.name as product_name, \
           pl.name as plan_name, o.currency, o.total_minor, o.created_at, o.subscription_id \
         from orders o join plans pl on pl.code = o.plan_code \
         join product_types t on t.code = pl.product_type \
         where o.customer_id = $1 and o.subscription_id is not null and";
    let key = ("o.created_at", "o.id");
    crate::paging::fetch_newest_first(pool, head, key, customer_id, after, limit).await
}

/// One of the customer's subscription orders, for its invoice; anyone else's is not found.
pub async fn find_for_customer(
    pool: &PgPool,
    customer_id: AccountId,
    id: OrderId,
) -> sqlx::Result<Option<OrderSummary>> {
    sqlx::query_as(&format!(
        "{SUMMARY} where o.customer_id = $1 and o.id = $2 and o.subscription_id is not null"
    ))
    .bind(customer_id)
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Subscription id → its newest order, for the given subscriptions of one of the partner's
/// customers (one query, whatever their number).
pub async fn latest_orders_of_subscriptions(
    pool: &PgPool,
    partner_id: AccountId,
    subscriptions: &[SubscriptionId],
) -> sqlx::Result<HashMap<SubscriptionId, OrderId>> {
    let rows: Vec<(SubscriptionId, OrderId)> = sqlx::query_as(
        "select distinct on (o.subscription_id) o.subscription_id, o.id from orders o \
         where o.partner_id = $1 and o.subscription_id = any($2) \
         order by o.subscription_id, o.created_at desc, o.id desc",
    )
    .bind(partner_id)
    .bind(subscriptions)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().collect())
}
