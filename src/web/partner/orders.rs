//! `/partner/orders`: the partner's orders, one order, and its printable invoice.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::accounts::model::AccountStatus;
use crate::error::AppError;
use crate::format::{date_in, datetime, Zone};
use crate::ids::OrderId;
use crate::orders::list::{self as order_list, OrderFilter, OrderSort};
use crate::orders::store;
use crate::orders::{OrderSummary, StoredLine};
use crate::paging::{split_page, Choice, KeyCursor};
use crate::pricing::format_money;
use crate::web::extractors::IdPath;
use crate::web::extractors::{Chrome, CurrentPartner};
use crate::web::form::Query;
use crate::web::paging::{choose, page_url, ListControls};
use crate::web::paths;
use crate::web::state::AppState;

const PAGE_SIZE: i64 = 25;

pub struct OrderView {
    pub order: OrderSummary,
    /// The viewer's zone, for the time the order was placed.
    pub zone: Zone,
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
        datetime(self.order.created_at, &self.zone)
    }
    pub fn placed_date(&self) -> String {
        date_in(self.order.created_at, &self.zone)
    }
    /// "Workplace SaaS Standard": the plan with its product.
    pub fn plan(&self) -> String {
        crate::labels::plan(&self.order.product_name, &self.order.plan_name)
    }
    pub fn status_label(&self) -> &'static str {
        self.order.status.label()
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
    controls: ListControls,
    /// A status other than "all" is applied.
    filtered: bool,
    orders: Vec<OrderView>,
    first_page: String,
    next_page: Option<String>,
    is_first_page: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    sort: String,
    after: String,
}

pub async fn get_orders(
    State(state): State<AppState>,
    partner: CurrentPartner,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let (filter, status_error) = choose::<OrderFilter>(&query.status);
    let (sort, sort_error) = choose::<OrderSort>(&query.sort);
    let after = KeyCursor::decode(&query.after, sort.key().kind);
    let mut orders = order_list::list(
        &state.db,
        partner.account.organization(),
        filter,
        sort,
        after.as_ref(),
        PAGE_SIZE + 1,
    )
    .await?;
    let base = "/partner/orders";
    let params = [("status", filter.param()), ("sort", sort.param())];
    let next_page = split_page(&mut orders, PAGE_SIZE, |o| sort.cursor(o))
        .map(|cursor| page_url(base, &params, Some(&cursor.encode())));
    let page = OrdersPage {
        chrome: partner.chrome("Orders", "orders").await?,
        controls: ListControls::new(base, (filter, status_error), (sort, sort_error)),
        filtered: filter != OrderFilter::All,
        orders: orders
            .into_iter()
            .map(|order| OrderView {
                order,
                zone: partner.zone.clone(),
            })
            .collect(),
        first_page: page_url(base, &params, None),
        next_page,
        is_first_page: after.is_none(),
    };
    Ok((page.controls.status_code(), page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/order.html")]
pub struct OrderPage {
    chrome: Chrome,
    view: OrderView,
    lines: Vec<StoredLine>,
}

/// The printable invoice of an order: the partner's, and (for the orders of their
/// subscriptions) the customer's Billing page, each linking back to where it was opened from.
#[derive(Template, WebTemplate)]
#[template(path = "partner/invoice.html")]
pub struct InvoicePage {
    pub view: OrderView,
    pub lines: Vec<StoredLine>,
    pub back_href: String,
    pub back_label: &'static str,
}

async fn load(
    state: &AppState,
    partner: &CurrentPartner,
    id: OrderId,
) -> Result<(OrderView, Vec<StoredLine>), AppError> {
    let order = store::find(&state.db, partner.account.organization(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let lines = store::lines(&state.db, order.id).await?;
    Ok((
        OrderView {
            order,
            zone: partner.zone.clone(),
        },
        lines,
    ))
}

pub async fn get_order(
    State(state): State<AppState>,
    partner: CurrentPartner,
    IdPath(id): IdPath<OrderId>,
) -> Result<OrderPage, AppError> {
    let (view, lines) = load(&state, &partner, id).await?;
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
    IdPath(id): IdPath<OrderId>,
) -> Result<InvoicePage, AppError> {
    let (view, lines) = load(&state, &partner, id).await?;
    Ok(InvoicePage {
        back_href: paths::partner_order(view.order.id),
        back_label: "Back to the order",
        view,
        lines,
    })
}
