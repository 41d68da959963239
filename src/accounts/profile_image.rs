//! Profile images (`profile_images`, and the account's `has_profile_image` flag): stored as
//! PNG after `images` decoded and re-encoded them, shown only to those who may see the account.

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;

use super::model::AccountId;

pub async fn insert(
    conn: &mut PgConnection,
    id: AccountId,
    png: &[u8],
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query(
        "insert into profile_images (account_id, content_type, bytes, updated_at) \
         values ($1, 'image/png', $2, $3) \
         on conflict (account_id) do update set bytes = excluded.bytes, updated_at = excluded.updated_at",
    )
    .bind(id)
    .bind(png)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("update accounts set has_profile_image = true where id = $1")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A profile image, if `viewer` may see it: the account itself, its partner, or the account
/// manager of either.
pub async fn find_visible(
    pool: &PgPool,
    viewer: AccountId,
    id: AccountId,
) -> sqlx::Result<Option<(String, Vec<u8>)>> {
    sqlx::query_as(
        "select p.content_type, p.bytes from profile_images p \
         join accounts a on a.id = p.account_id \
         left join accounts partner on partner.id = a.partner_id \
         where p.account_id = $2 \
           and ($1 = a.id or $1 = a.partner_id or $1 = a.manager_id or $1 = partner.manager_id)",
    )
    .bind(viewer)
    .bind(id)
    .fetch_optional(pool)
    .await
}
