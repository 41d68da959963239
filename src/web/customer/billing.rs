//! `/customer/billing`: the orders of the customer's subscriptions (new subscriptions, changes,
//! renewals), newest first and keyset-paginated, each with its printable invoice — the same
//! invoice page the partner prints, found only among the customer's own orders.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use serde::Deserialize;

use crate::accounts::model::Cursor;
use crate::error::AppError;
use crate::format::date_in;
use crate::ids::OrderId;
use crate::orders::billing;
use crate::orders::model::{BillingRow, OrderKind, OrderStatus};
use crate::orders::store;
use crate::paging::split_page;
use crate::pricing::format_money;
use crate::web::extractors::IdPath;
use crate::web::extractors::{Chrome, CurrentCustomer};
use crate::web::form::Query;
use crate::web::paging::page_url;
use crate::web::partner::orders::{InvoicePage, OrderView};
use crate::web::paths;
use crate::web::state::AppState;

const PAGE_SIZE: i64 = 25;

#[derive(Template, WebTemplate)]
#[template(path = "customer/billing.html")]
pub struct BillingPage {
    chrome: Chrome,
    rows: Vec<BillingRow>,
    next_page: Option<String>,
    is_first_page: bool,
}

impl BillingPage {
    fn placed(&self, row: &BillingRow) -> String {
        date_in(row.created_at, &self.chrome.zone)
    }
    fn total(&self, row: &BillingRow) -> String {
        format_money(row.total_minor, &row.currency)
    }
    fn kind(&self, row: &BillingRow) -> &'static str {
        match row.kind {
            OrderKind::Change => "Plan or capacity change",
            OrderKind::Renewal => "Renewal",
            OrderKind::Subscription | OrderKind::Purchase => "New subscription",
        }
    }
    fn status(&self, row: &BillingRow) -> &'static str {
        match row.status {
            OrderStatus::Paid => "Paid",
            OrderStatus::Cancelled => "Cancelled",
            OrderStatus::AwaitingPayment => "Awaiting payment",
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BillingQuery {
    after: String,
}

pub async fn get_billing(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    Query(query): Query<BillingQuery>,
) -> Result<BillingPage, AppError> {
    let after = Cursor::decode(&query.after);
    let mut rows =
        billing::list_for_customer(&state.db, customer.account.id, after, PAGE_SIZE + 1).await?;
    let next_page = split_page(&mut rows, PAGE_SIZE, |r| Cursor::new(r.created_at, r.id))
        .map(|cursor| page_url(paths::CUSTOMER_BILLING, &[], Some(&cursor.encode())));
    Ok(BillingPage {
        chrome: customer.chrome("Billing", "billing").await?,
        rows,
        next_page,
        is_first_page: after.is_none(),
    })
}

pub async fn get_invoice(
    State(state): State<AppState>,
    customer: CurrentCustomer,
    IdPath(id): IdPath<OrderId>,
) -> Result<InvoicePage, AppError> {
    // Only the customer's own subscription orders: another customer's id is "not found".
    let order = billing::find_for_customer(&state.db, customer.account.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let lines = store::lines(&state.db, order.id).await?;
    Ok(InvoicePage {
        view: OrderView {
            order,
            zone: customer.zone.clone(),
        },
        lines,
        back_href: paths::CUSTOMER_BILLING.into(),
        back_label: "Back to Billing",
    })
}
