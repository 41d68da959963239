//! `/partner/orders`: the partner's orders, one order, and its printable invoice.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use serde::Deserialize;

use crate::accounts::model::{AccountStatus, Cursor};
use crate::error::AppError;
use crate::format::{date, datetime_utc};
use crate::orders::store::{self, OrderSummary, StoredLine};
use crate::paging::split_page;
use crate::pricing::format_money;
use crate::web::extractors::{Chrome, CurrentPartner};
use crate::web::form::Query;
use crate::web::paging::page_url;
use crate::web::state::AppState;

const PAGE_SIZE: i64 = 25;

pub struct OrderView {
    pub order: OrderSummary,
}

impl OrderView {
    pub fn total(&self) -> String {
        format_money(self.order.total_minor, &self.order.currency)
    }
    pub fn subtotal(&self) -> String {
        format_money(self.order.subtotal_minor, &self.order.currency)
    }
    pub fn discount(&self) -> String {
        format_money(self.order.discount_minor, &self.order.currency)
    }
    pub fn placed(&self) -> String {
        datetime_utc(self.order.created_at)
    }
    pub fn placed_date(&self) -> String {
        date(self.order.created_at)
    }
    /// "Workplace SaaS Standard": the plan with its product.
    pub fn plan(&self) -> String {
        crate::labels::plan(&self.order.product_name, &self.order.plan_name)
    }
    pub fn status_label(&self) -> std::borrow::Cow<'static, str> {
        crate::labels::order_status(&self.order.status)
    }
    pub fn customer_removed(&self) -> bool {
        self.order.customer_status == Some(AccountStatus::Removed)
    }
    pub fn money(&self, minor: &i64) -> String {
        format_money(*minor, &self.order.currency)
    }
    pub fn months(line: &StoredLine) -> String {
        line.months
            .map_or("one-time".to_owned(), |m| format!("{m} mo"))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/orders.html")]
pub struct OrdersPage {
    chrome: Chrome,
    orders: Vec<OrderView>,
    next_page: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    after: String,
}

pub async fn get_orders(
    State(state): State<AppState>,
    partner: CurrentPartner,
    Query(query): Query<ListQuery>,
) -> Result<OrdersPage, AppError> {
    let mut orders = store::list(
        &state.db,
        partner.account.id,
        Cursor::decode(&query.after),
        PAGE_SIZE + 1,
    )
    .await?;
    let next_page = split_page(&mut orders, PAGE_SIZE, |o| Cursor::new(o.created_at, o.id))
        .map(|cursor| page_url("/partner/orders", &[], Some(&cursor.encode())));
    Ok(OrdersPage {
        chrome: partner.chrome("Orders", "orders").await?,
        orders: orders
            .into_iter()
            .map(|order| OrderView { order })
            .collect(),
        next_page,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/order.html")]
pub struct OrderPage {
    chrome: Chrome,
    view: OrderView,
    lines: Vec<StoredLine>,
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/invoice.html")]
pub struct InvoicePage {
    view: OrderView,
    lines: Vec<StoredLine>,
}

async fn load(
    state: &AppState,
    partner: &CurrentPartner,
    id: &str,
) -> Result<(OrderView, Vec<StoredLine>), AppError> {
    let id = uuid::Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    let order = store::find(&state.db, partner.account.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let lines = store::lines(&state.db, order.id).await?;
    Ok((OrderView { order }, lines))
}

pub async fn get_order(
    State(state): State<AppState>,
    partner: CurrentPartner,
    Path(id): Path<String>,
) -> Result<OrderPage, AppError> {
    let (view, lines) = load(&state, &partner, &id).await?;
    Ok(OrderPage {
        chrome: partner
            .chrome(format!("Order {}", view.order.number), "orders")
            .await?
            .with_price_note(view.order.placeholder_prices),
        view,
        lines,
    })
}

pub async fn get_invoice(
    State(state): State<AppState>,
    partner: CurrentPartner,
    Path(id): Path<String>,
) -> Result<InvoicePage, AppError> {
    let (view, lines) = load(&state, &partner, &id).await?;
    Ok(InvoicePage { view, lines })
}
