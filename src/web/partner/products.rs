//! Products & Purchase: product types with counts, the purchased product list per type
//! (search, keyset pagination) and More → Associate a User.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::Date;

use crate::catalog::Catalog;
use crate::error::AppError;
use crate::ids::{AccountId, LicenseId};
use crate::licenses::list::{self as license_list, LicenseFilter, LicenseList, LicenseSort};
use crate::licenses::{self, AssociateError, LicenseRow, TypeCount};
use crate::paging::{split_page, Choice, KeyCursor};
use crate::web::extractors::IdPath;
use crate::web::extractors::{Chrome, ClientInfo, CurrentPartner};
use crate::web::form::{Form, Query};
use crate::web::paging::{choose, page_url, ListControls, ListQuery};
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

const PAGE_SIZE: i64 = 25;

#[derive(Template, WebTemplate)]
#[template(path = "partner/products.html")]
pub struct ProductsPage {
    chrome: Chrome,
    types: Vec<TypeCount>,
}

pub async fn get_products(
    State(state): State<AppState>,
    partner: CurrentPartner,
) -> Result<ProductsPage, AppError> {
    Ok(ProductsPage {
        chrome: partner.chrome("Products & Purchase", "products").await?,
        types: licenses::counts_by_type(&state.db, &state.catalog, partner.account.organization())
            .await?,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/product_list.html")]
pub struct ProductListPage {
    chrome: Chrome,
    product_type: String,
    type_name: String,
    controls: ListControls,
    query: String,
    /// A search or a status other than "all" is applied.
    filtered: bool,
    today: Date,
    rows: Vec<LicenseRow>,
    catalog: std::sync::Arc<Catalog>,
    first_page: String,
    next_page: Option<String>,
    is_first_page: bool,
}

impl ProductListPage {
    /// The plan's own name: the page is one product's.
    fn plan(&self, license: &LicenseRow) -> String {
        crate::labels::plan_own(&self.catalog, &license.plan_code)
    }
}

/// The codes of the product type's plans whose name or code contains the search. Matched here
/// against the in-memory catalog, so the query searches plan codes through an index instead of
/// joining names row by row.
fn plans_matching(catalog: &Catalog, product_type: &str, search: &str) -> Vec<String> {
    let lowered = search.to_lowercase();
    catalog
        .plans_of(product_type)
        .filter(|p| {
            p.name.to_lowercase().contains(&lowered) || p.code.to_lowercase().contains(&lowered)
        })
        .map(|p| p.code.clone())
        .collect()
}

pub async fn get_product_list(
    State(state): State<AppState>,
    partner: CurrentPartner,
    Path(product_type): Path<String>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let type_name = state
        .catalog
        .product_type(&product_type)
        .ok_or(AppError::NotFound)?
        .name
        .clone();
    let (filter, status_error) = choose::<LicenseFilter>(&query.status);
    let (sort, sort_error) = choose::<LicenseSort>(&query.sort);
    let search = query.q.trim();
    let after = KeyCursor::decode(&query.after, sort.key().kind);
    let plan_codes = plans_matching(&state.catalog, &product_type, search);
    let today = state.clock.now().date();
    let mut rows = license_list::list(
        &state.db,
        partner.account.organization(),
        LicenseList {
            product_type: &product_type,
            search: (!search.is_empty()).then_some((search, plan_codes.as_slice())),
            filter,
            sort,
            after: after.as_ref(),
            today,
            limit: PAGE_SIZE + 1,
        },
    )
    .await?;
    let base = paths::partner_product_list(&product_type);
    let params = [
        ("q", search),
        ("status", filter.param()),
        ("sort", sort.param()),
    ];
    let next_page = split_page(&mut rows, PAGE_SIZE, |l| sort.cursor(l))
        .map(|cursor| page_url(&base, &params, Some(&cursor.encode())));
    let controls = ListControls::new(base.clone(), (filter, status_error), (sort, sort_error))
        .with_search(
            search,
            "Search purchased products",
            "Licence key, order number, customer or plan",
        );
    let page = ProductListPage {
        chrome: partner.chrome(type_name.clone(), "products").await?,
        product_type,
        type_name,
        controls,
        query: search.to_owned(),
        filtered: !search.is_empty() || filter != LicenseFilter::All,
        today,
        rows,
        catalog: state.catalog.clone(),
        first_page: page_url(&base, &params, None),
        next_page,
        is_first_page: after.is_none(),
    };
    Ok((page.controls.status_code(), page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/associate.html")]
pub struct AssociatePage {
    chrome: Chrome,
    license: LicenseRow,
    /// "Workplace SaaS", the licence's product type, and "Workplace SaaS Standard", its plan.
    type_name: String,
    plan: String,
    query: String,
    customers: Vec<(AccountId, String, String, String)>,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CustomerQuery {
    q: String,
}

async fn license_of(
    state: &AppState,
    partner: &CurrentPartner,
    id: LicenseId,
) -> Result<LicenseRow, AppError> {
    licenses::find(&state.db, partner.account.organization(), id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn associate_page(
    state: &AppState,
    partner: &CurrentPartner,
    license: LicenseRow,
    query: &str,
    error: Option<&'static str>,
) -> Result<AssociatePage, AppError> {
    let search = query.trim();
    let customers = licenses::eligible_customers(
        &state.db,
        partner.account.organization(),
        (!search.is_empty()).then_some(search),
        50,
    )
    .await?;
    let type_name = state
        .catalog
        .product_type(&license.product_type)
        .map_or_else(|| license.product_type.clone(), |t| t.name.clone());
    Ok(AssociatePage {
        chrome: partner.chrome("Associate a User", "products").await?,
        plan: crate::labels::plan_of(&state.catalog, &license.plan_code),
        type_name,
        license,
        query: search.to_owned(),
        customers,
        error,
    })
}

pub async fn get_associate(
    State(state): State<AppState>,
    partner: CurrentPartner,
    IdPath(id): IdPath<LicenseId>,
    Query(query): Query<CustomerQuery>,
) -> Result<AssociatePage, AppError> {
    let license = license_of(&state, &partner, id).await?;
    associate_page(&state, &partner, license, &query.q, None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AssociateForm {
    customer_id: String,
}

pub async fn post_associate(
    State(state): State<AppState>,
    partner: CurrentPartner,
    client: ClientInfo,
    IdPath(id): IdPath<LicenseId>,
    Form(form): Form<AssociateForm>,
) -> Result<Response, AppError> {
    let license = license_of(&state, &partner, id).await?;
    let refuse = |error: &'static str| async {
        let page = associate_page(&state, &partner, license.clone(), "", Some(error)).await?;
        Ok::<Response, AppError>((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let Ok(customer) = form.customer_id.trim().parse::<AccountId>() else {
        return refuse("Choose a customer from the list.").await;
    };
    match licenses::set_customer(&state.db, &partner.account, license.id, Some(customer), &client.ip, state.clock.now()).await {
        Ok(()) => {}
        Err(AssociateError::CustomerNotEligible) => {
            return refuse("Products can be associated only with your customers who have activated their accounts.").await
        }
        Err(AssociateError::NotFound | AssociateError::CustomerNotFound) => return Err(AppError::NotFound),
        Err(AssociateError::Unexpected(err)) => return Err(err.into()),
    }
    session::flash(
        &partner.session,
        FlashKind::Success,
        format!("Licence {} is now associated.", license.key),
    )
    .await?;
    Ok(Redirect::to(&paths::partner_license_search(
        license.product_type,
        &license.key,
    ))
    .into_response())
}

pub async fn post_dissociate(
    State(state): State<AppState>,
    partner: CurrentPartner,
    client: ClientInfo,
    IdPath(id): IdPath<LicenseId>,
) -> Result<Redirect, AppError> {
    let license = license_of(&state, &partner, id).await?;
    match licenses::set_customer(
        &state.db,
        &partner.account,
        license.id,
        None,
        &client.ip,
        state.clock.now(),
    )
    .await
    {
        Ok(()) => {}
        Err(AssociateError::NotFound) => return Err(AppError::NotFound),
        Err(err) => return Err(AppError::Unexpected(anyhow::anyhow!(err))),
    }
    session::flash(
        &partner.session,
        FlashKind::Success,
        format!(
            "Licence {} is no longer associated with a customer.",
            license.key
        ),
    )
    .await?;
    Ok(Redirect::to(&paths::partner_license_search(
        license.product_type,
        &license.key,
    )))
}
