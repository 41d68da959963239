//! What a customer's dashboard shows, read in one statement: their partner, subscriptions,
//! licences and Cloud PBXs. Each list's SQL stays with the module that owns its table (each
//! gives it as a JSON array: `subscriptions::store::customer_list_json` and the others); this
//! module only puts them side by side, so a page view costs the database two statements (the
//! session with the account, then this) instead of five.

use std::sync::LazyLock;

use sqlx::types::Json;
use sqlx::PgPool;

use crate::accounts::model::{Account, AccountId};
use crate::licenses::LicenseRow;
use crate::pbx::InstanceView;
use crate::subscriptions::SubscriptionView;

pub struct CustomerOverview {
    pub partner: Option<Account>,
    pub subscriptions: Vec<SubscriptionView>,
    pub licenses: Vec<LicenseRow>,
    pub pbxs: Vec<InstanceView>,
}

/// The statement, made once: its text is also the key of its prepared statement.
static CUSTOMER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "select {} as partner, {} as subscriptions, {} as licenses, {} as pbxs",
        crate::accounts::store::account_json("$2"),
        crate::subscriptions::store::customer_list_json(),
        crate::licenses::customer_list_json(),
        crate::pbx::customer_list_json(),
    )
});

type Row = (
    Option<Json<Account>>,
    Json<Vec<SubscriptionView>>,
    Json<Vec<LicenseRow>>,
    Json<Vec<InstanceView>>,
);

/// Everything the dashboard of `customer` (of `partner`) lists.
pub async fn customer(
    pool: &PgPool,
    customer: AccountId,
    partner: Option<AccountId>,
) -> sqlx::Result<CustomerOverview> {
    let (partner, subscriptions, licenses, pbxs): Row = sqlx::query_as(&CUSTOMER)
        .bind(customer)
        .bind(partner)
        .fetch_one(pool)
        .await?;
    Ok(CustomerOverview {
        partner: partner.map(|account| account.0),
        subscriptions: subscriptions.0,
        licenses: licenses.0,
        pbxs: pbxs.0,
    })
}
