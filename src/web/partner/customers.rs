//! The partner's customers: list, Add Partner (User Type = Customer), one customer.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::customer_list::{self, CustomerFilter, CustomerList, CustomerSort};
use crate::accounts::model::{
    Account, AccountId, AccountInfoInput, ActivationState, CustomerListRow, Email, FieldErrors,
    Role,
};
use crate::accounts::{self, store as account_store, NewAccount};
use crate::auth::two_factor::{self, Change};
use crate::countries::COUNTRIES;
use crate::error::AppError;
use crate::format::{date_in, datetime, Zone};
use crate::images::{self, ImageError};
use crate::paging::{split_page, Choice, KeyCursor};
use crate::removals::{self, RemovalRequest, RemovalStatus};
use crate::web::extractors::IdPath;
use crate::web::extractors::{Chrome, ClientInfo, CurrentPartner};
use crate::web::form::{Multipart, MultipartError, Query};
use crate::web::paging::{choose, page_url, ListControls};
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

const PAGE_SIZE: i64 = 25;
/// Licences and PBXs listed on a customer's page (the full lists are a click away).
const LISTED: i64 = 100;

/// A list row with its status worked out for display.
pub struct CustomerRow {
    pub row: CustomerListRow,
    pub state: ActivationState,
    pub zone: Zone,
}

impl CustomerRow {
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    status: String,
    sort: String,
    after: String,
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
    if filter == CustomerFilter::All && status_error.is_none() {
        if let Some(named) = CustomerFilter::named_by(search) {
            notice = Some(format!(
                "Showing customers with the status “{}”.",
                named.label()
            ));
            filter = named;
            search = "";
        }
    }
    let after = KeyCursor::decode(&query.after, sort.key().kind);
    let now = state.clock.now();
    let mut rows = customer_list::list(
        &state.db,
        partner.account.id,
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
    let base = "/partner/customers";
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
        rows: rows
            .into_iter()
            .map(|row| CustomerRow {
                state: ActivationState::of(row.status, row.link_expires_at, now),
                row,
                zone: partner.zone.clone(),
            })
            .collect(),
        first_page: page_url(base, &params, None),
        next_page,
        is_first_page: after.is_none(),
        controls,
    };
    Ok((page.controls.status_code(), page).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/customer_new.html")]
pub struct NewCustomerPage {
    chrome: Chrome,
    email: String,
    info: AccountInfoInput,
    errors: FieldErrors,
    countries: &'static [(&'static str, &'static str)],
}

pub async fn get_new_customer(partner: CurrentPartner) -> Result<NewCustomerPage, AppError> {
    Ok(NewCustomerPage {
        chrome: partner.chrome("Add Partner", "customers").await?,
        email: String::new(),
        info: AccountInfoInput::default(),
        errors: FieldErrors::default(),
        countries: COUNTRIES,
    })
}

/// The Add form as submitted (multipart, because of the optional profile image).
#[derive(Default)]
struct AddForm {
    user_type: String,
    email: String,
    info: AccountInfoInput,
    image: Option<Vec<u8>>,
    image_too_large: bool,
    /// Fields that held control characters (see `web::form`), with their messages.
    refused: FieldErrors,
}

async fn read_add_form(mut multipart: Multipart) -> Result<AddForm, AppError> {
    let mut form = AddForm::default();
    let bad_form = |_: MultipartError| {
        AppError::BadRequest("The form could not be read. Reload the page and try again.".into())
    };
    while let Some(mut field) = multipart.next_field().await.map_err(bad_form)? {
        let name = field.name().to_owned();
        if name == "profile_image" {
            // Read in chunks so an oversized file is noticed without keeping all of it.
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad_form)? {
                if bytes.len() + chunk.len() > images::MAX_UPLOAD_BYTES {
                    form.image_too_large = true;
                    bytes.clear();
                    continue;
                }
                if !form.image_too_large {
                    bytes.extend_from_slice(&chunk);
                }
            }
            // A file input left empty still sends an empty part.
            if !bytes.is_empty() {
                form.image = Some(bytes);
            }
            continue;
        }
        let (value, refused) = match field.text().await.map_err(bad_form)? {
            Ok(value) => (value, None),
            // Kept without the refused characters; the message goes next to the field.
            Err(refused) => (refused.kept, Some(refused.message)),
        };
        let info = &mut form.info;
        let (field, slot): (&'static str, &mut String) = match name.as_str() {
            "user_type" => ("user_type", &mut form.user_type),
            "email" => ("email", &mut form.email),
            "first_name" => ("first_name", &mut info.first_name),
            "last_name" => ("last_name", &mut info.last_name),
            "company" => ("company", &mut info.company),
            "phone" => ("phone", &mut info.phone),
            "country" => ("country", &mut info.country),
            "address" => ("address", &mut info.address),
            "city" => ("city", &mut info.city),
            "state" => ("state", &mut info.state),
            "postcode" => ("postcode", &mut info.postcode),
            _ => continue,
        };
        *slot = value;
        if let Some(message) = refused {
            form.refused.add(field, message);
        }
    }
    Ok(form)
}

pub async fn post_new_customer(
    State(state): State<AppState>,
    partner: CurrentPartner,
    client: ClientInfo,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let form = read_add_form(multipart).await?;
    // First, so these messages win over the field's ordinary validation.
    let mut errors = form.refused.clone();
    if form.user_type != "customer" {
        errors.add("user_type", "Choose the user type Customer.");
    }
    let email = Email::parse(&form.email)
        .map_err(|msg| errors.add("email", msg))
        .ok();
    let info = form.info.validate(&mut errors);
    let image = match (form.image_too_large, form.image.clone()) {
        (true, _) => Err(ImageError::TooLarge),
        (false, None) => Ok(None),
        (false, Some(bytes)) => images::process_upload(bytes).await?.map(Some),
    };
    let image = image
        .map_err(|err| errors.add("profile_image", err.to_string()))
        .ok()
        .flatten();
    let rerender = |errors: FieldErrors| async {
        let page = NewCustomerPage {
            chrome: partner.chrome("Add Partner", "customers").await?,
            email: form.email.clone(),
            info: form.info.clone(),
            errors,
            countries: COUNTRIES,
        };
        Ok::<Response, AppError>((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return rerender(errors).await;
    };
    let me = &partner.account;
    let created = accounts::create_pending_account(
        &state.db,
        NewAccount {
            role: Role::Customer,
            email: email.clone(),
            info,
            manager_id: None,
            partner_id: Some(me.id),
            created_by: Some(me.id),
            profile_png: image,
            invited_by: format!("{} (your Yeastar partner)", me.company),
            client_ip: Some(client.ip.clone()),
        },
        state.config.public_base(),
        state.clock.now(),
    )
    .await;
    let created = match created {
        Ok(created) => created,
        Err(err) => return rerender(err.into_field_errors()?).await,
    };
    tracing::info!(partner = %me.id, customer = %created.id, "customer account created");
    session::flash(
        &partner.session,
        FlashKind::Success,
        format!(
            "Customer added. An activation email was sent to {}; the link is valid until {}.",
            email.as_str(),
            datetime(created.expires_at, &partner.zone)
        ),
    )
    .await?;
    Ok(Redirect::to(&paths::partner_customer(created.id)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/customer_show.html")]
pub struct CustomerPage {
    chrome: Chrome,
    customer: Account,
    state: ActivationState,
    removal: Option<RemovalRequest>,
    subscriptions: Vec<crate::subscriptions::SubscriptionView>,
    /// Subscription id → its newest order, linked from the subscription's row.
    subscription_orders: std::collections::HashMap<uuid::Uuid, uuid::Uuid>,
    licenses: Vec<crate::licenses::LicenseRow>,
    pbxs: Vec<crate::pbx::InstanceView>,
    now: time::OffsetDateTime,
}

impl CustomerPage {
    fn created(&self) -> String {
        datetime(self.customer.created_at, &self.chrome.zone)
    }
    fn activated(&self) -> String {
        self.customer
            .activated_at
            .map(|at| datetime(at, &self.chrome.zone))
            .unwrap_or_default()
    }
    fn removal_pending(&self) -> bool {
        self.removal
            .as_ref()
            .is_some_and(|r| r.status == RemovalStatus::Pending)
    }
    fn order_of(&self, subscription: &uuid::Uuid) -> Option<&uuid::Uuid> {
        self.subscription_orders.get(subscription)
    }
    fn more_licenses(&self) -> bool {
        self.licenses.len() as i64 >= LISTED
    }
    fn online(&self, pbx: &crate::pbx::InstanceView) -> bool {
        pbx.online(self.now)
    }
    fn day(&self, day: &time::Date) -> String {
        crate::format::day(day)
    }
    /// A licence's state today: past its last day it reads Expired, as in the licence list.
    fn license_label(&self, license: &crate::licenses::LicenseRow) -> &'static str {
        license.state_label(&self.now.date())
    }
    fn license_badge(&self, license: &crate::licenses::LicenseRow) -> &'static str {
        license.state_badge(&self.now.date())
    }
    /// The manager's reason when the latest request was rejected.
    fn removal_rejected(&self) -> Option<String> {
        self.removal
            .as_ref()
            .filter(|r| r.status == RemovalStatus::Rejected)
            .map(|r| r.decision_reason.clone().unwrap_or_default())
    }
}

pub async fn get_customer(
    State(state): State<AppState>,
    partner: CurrentPartner,
    IdPath(id): IdPath<AccountId>,
) -> Result<CustomerPage, AppError> {
    // Scoped by the partner in SQL: another partner's customer is "not found", not forbidden.
    let (customer, link_expires_at) =
        account_store::find_customer_of_partner(&state.db, partner.account.id, id)
            .await?
            .ok_or(AppError::NotFound)?;
    let state_now = ActivationState::of(customer.status, link_expires_at, state.clock.now());
    let removal = removals::latest_for_customer(&state.db, partner.account.id, customer.id).await?;
    // A fixed number of queries, each bounded, whatever the customer holds.
    let me = partner.account.id;
    let subscriptions =
        crate::subscriptions::store::list_for_partner_customer(&state.db, me, customer.id).await?;
    let ids: Vec<uuid::Uuid> = subscriptions.iter().map(|s| s.subscription.id).collect();
    let subscription_orders =
        crate::orders::billing::latest_orders_of_subscriptions(&state.db, me, &ids).await?;
    let licenses =
        crate::licenses::list_for_partner_customer(&state.db, me, customer.id, LISTED).await?;
    let pbxs = crate::pbx::list_for_partner_customer(&state.db, me, customer.id, LISTED).await?;
    Ok(CustomerPage {
        chrome: partner.chrome(customer.full_name(), "customers").await?,
        customer,
        state: state_now,
        removal,
        subscriptions,
        subscription_orders,
        licenses,
        pbxs,
        now: state.clock.now(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/confirm_disable_two_factor.html")]
pub struct ConfirmDisableTwoFactorPage {
    chrome: Chrome,
    customer: Account,
    refused: Option<&'static str>,
}

/// A customer approved as a partner holds Partner Portal access of their own: a reset by their
/// partner would let one partner take over another partner's portal, so only Yeastar helps.
const HAS_PARTNER_ACCESS: &str = "This account has Partner Portal access of its own, so you cannot turn off its two-factor authentication. Ask the account holder to contact their Yeastar account manager.";

async fn refuse_partner_account(
    partner: &CurrentPartner,
    customer: Account,
) -> Result<Response, AppError> {
    let page = ConfirmDisableTwoFactorPage {
        chrome: partner
            .chrome("Turn off two-factor authentication", "customers")
            .await?,
        customer,
        refused: Some(HAS_PARTNER_ACCESS),
    };
    Ok((StatusCode::FORBIDDEN, page).into_response())
}

/// One of this partner's (not removed) customers, by the id in the path; anything else is 404.
pub(super) async fn own_customer(
    state: &AppState,
    partner: &CurrentPartner,
    id: AccountId,
) -> Result<Account, AppError> {
    let (customer, _) = account_store::find_customer_of_partner(&state.db, partner.account.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(customer)
}

/// The confirmation step before turning off a customer's 2FA (for a customer who lost their
/// phone and their recovery codes).
pub async fn get_disable_two_factor(
    State(state): State<AppState>,
    partner: CurrentPartner,
    IdPath(id): IdPath<AccountId>,
) -> Result<Response, AppError> {
    let customer = own_customer(&state, &partner, id).await?;
    if !customer.two_factor_enabled {
        return Ok(Redirect::to(&paths::partner_customer(customer.id)).into_response());
    }
    if customer.is_partner() {
        return refuse_partner_account(&partner, customer).await;
    }
    Ok(ConfirmDisableTwoFactorPage {
        chrome: partner
            .chrome("Turn off two-factor authentication", "customers")
            .await?,
        customer,
        refused: None,
    }
    .into_response())
}

pub async fn post_disable_two_factor(
    State(state): State<AppState>,
    partner: CurrentPartner,
    client: ClientInfo,
    IdPath(id): IdPath<AccountId>,
) -> Result<Response, AppError> {
    let customer = own_customer(&state, &partner, id).await?;
    if customer.is_partner() {
        return refuse_partner_account(&partner, customer).await;
    }
    if customer.two_factor_enabled {
        let change = Change {
            actor: partner.account.id,
            client_ip: &client.ip,
            now: state.clock.now(),
        };
        two_factor::disable(&state.db, &customer, true, change).await?;
        session::flash(
            &partner.session,
            FlashKind::Success,
            format!(
                "Two-factor authentication is off for {}. They were emailed and can turn it on again.",
                customer.email
            ),
        )
        .await?;
    }
    Ok(Redirect::to(&paths::partner_customer(customer.id)).into_response())
}
