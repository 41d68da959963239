//! The partner's customers: the list, and the one lookup of a customer by its id that every
//! page of one customer starts from.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;

use crate::accounts::customer_list::{self, CustomerFilter, CustomerList, CustomerSort};
use crate::accounts::model::{Account, AccountId, ActivationState, CustomerListRow};
use crate::accounts::store as account_store;
use crate::error::AppError;
use crate::format::{date_in, Zone};
use crate::paging::{split_page, Choice, KeyCursor};
use crate::web::extractors::{Chrome, CurrentPartner};
use crate::web::form::Query;
use crate::web::paging::{choose, page_url, ListControls, ListQuery};
use crate::web::paths;
use crate::web::state::AppState;

const PAGE_SIZE: i64 = 25;

/// A list row with its status worked out for display.
pub struct CustomerRow {
    pub row: CustomerListRow,
    pub state: ActivationState,
    pub zone: Zone,
}

impl CustomerRow {
    fn all(rows: Vec<CustomerListRow>, now: OffsetDateTime, zone: &Zone) -> Vec<Self> {
        rows.into_iter()
            .map(|row| CustomerRow {
                state: ActivationState::of(row.status, row.link_expires_at, now),
                row,
                zone: zone.clone(),
            })
            .collect()
    }
    pub fn created(&self) -> String {
        date_in(self.row.created_at, &self.zone)
    }
    /// A removed customer is listed (on request) but has no page any more.
    pub fn is_removed(&self) -> bool {
        self.state == ActivationState::Removed
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/customers.html")]
pub struct CustomersPage {
    chrome: Chrome,
    controls: ListControls,
    query: String,
    status_filtered: bool,
    /// A search or a status other than "all" is applied.
    filtered: bool,
    rows: Vec<CustomerRow>,
    first_page: String,
    next_page: Option<String>,
    is_first_page: bool,
}

pub async fn get_customers(
    State(state): State<AppState>,
    partner: CurrentPartner,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let (mut filter, status_error) = choose::<CustomerFilter>(&query.status);
    let (sort, sort_error) = choose::<CustomerSort>(&query.sort);
    let mut search = query.q.trim();
    let mut notice = None;
    // "pending" typed into the search box means the status, not a name containing "pending"
    // (which would find nothing). A status chosen in the select wins over the words.
    let named = (filter == CustomerFilter::All && status_error.is_none())
        .then(|| CustomerFilter::named_by(search))
        .flatten();
    if let Some(named) = named {
        notice = Some(format!(
            "Showing customers with the status “{}”.",
            named.label()
        ));
        filter = named;
        search = "";
    }
    let after = KeyCursor::decode(&query.after, sort.key().kind);
    let now = state.clock.now();
    let mut rows = customer_list::list(
        &state.db,
        partner.account.organization(),
        CustomerList {
            search: (!search.is_empty()).then_some(search),
            filter,
            sort,
            after: after.as_ref(),
            now,
            limit: PAGE_SIZE + 1,
        },
    )
    .await?;
    let base = paths::PARTNER_CUSTOMERS;
    let params = [
        ("q", search),
        ("status", filter.param()),
        ("sort", sort.param()),
    ];
    // One row more than a page tells whether a next page exists without counting.
    let next_page = split_page(&mut rows, PAGE_SIZE, |r| sort.cursor(r))
        .map(|cursor| page_url(base, &params, Some(&cursor.encode())));
    let mut controls = ListControls::new(base, (filter, status_error), (sort, sort_error))
        .with_search(search, "Search customers", "Name, company, email or status");
    controls.notice = notice;
    let page = CustomersPage {
        chrome: partner.chrome("Customers", "customers").await?,
        query: search.to_owned(),
        status_filtered: filter != CustomerFilter::All,
        filtered: !search.is_empty() || filter != CustomerFilter::All,
        rows: CustomerRow::all(rows, now, &partner.zone),
        first_page: page_url(base, &params, None),
        next_page,
        is_first_page: after.is_none(),
        controls,
    };
    Ok((page.controls.status_code(), page).into_response())
}

/// One of this partner's (not removed) customers, by the id in the path; anything else is 404.
pub(super) async fn own_customer(
    state: &AppState,
    partner: &CurrentPartner,
    id: AccountId,
) -> Result<Account, AppError> {
    let (customer, _) =
        account_store::find_customer_of_partner(&state.db, partner.account.organization(), id)
            .await?
            .ok_or(AppError::NotFound)?;
    Ok(customer)
}
