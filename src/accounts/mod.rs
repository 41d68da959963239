//! Accounts of every role: who they are, what they may change about themselves, and the only
//! SQL on the `accounts` table (creating one, with its activation link, is `activation::invite`).

pub mod credentials;
pub mod customer_list;
pub mod edit;
pub mod info;
pub mod model;
pub mod organization;
pub mod pending;
pub mod permission;
pub mod profile_image;
pub mod store;
pub mod tenancy;

use sqlx::PgPool;
use time::OffsetDateTime;

use crate::format::Zone;
use model::AccountId;

/// A person chooses the zone their pages and emails show times in.
pub async fn choose_time_zone(
    pool: &PgPool,
    id: AccountId,
    zone: &Zone,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    let mut conn = pool.acquire().await?;
    store::update_time_zone(&mut conn, id, zone.name(), now).await
}
