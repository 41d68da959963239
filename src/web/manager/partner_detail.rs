//! `/manager/partners/{id}`: one of my partners at a glance — the people who sign in for it,
//! its customers by status, its newest orders and what waits for my decision.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::accounts::model::{Account, AccountId, AccountStatus};
use crate::accounts::organization::{self, Member};
use crate::accounts::store as account_store;
use crate::error::AppError;
use crate::format::date_in;
use crate::orders::list::{self as order_list, OrderFilter, OrderSort};
use crate::partnership;
use crate::removals;
use crate::web::extractors::IdPath;
use crate::web::extractors::{Chrome, CurrentManager};
use crate::web::partner::orders::OrderView;
use crate::web::state::AppState;

/// The page shows the newest orders only; the partner's own Orders page has them all.
const RECENT_ORDERS: i64 = 10;
const MEMBERS_SHOWN: i64 = 100;

#[derive(Template, WebTemplate)]
#[template(path = "manager/partner_show.html")]
pub struct PartnerPage {
    chrome: Chrome,
    partner: Account,
    /// The people of the partner organization who sign in to the Partner Portal (the newest
    /// hundred; the organization's Colleagues page has them all).
    members: Vec<Member>,
    /// (label, number of customers), every status listed, zero included.
    customers: Vec<(&'static str, i64)>,
    orders: Vec<OrderView>,
    removals: Vec<removals::QueueRow>,
    applications: Vec<partnership::QueueRow>,
}

impl PartnerPage {
    fn status_label(account: &Account) -> &'static str {
        account.status.label()
    }
    fn member_status_badge(member: &Member) -> &'static str {
        member.status.badge_class()
    }
    fn member_status_label(member: &Member) -> &'static str {
        member.status.label()
    }
    fn status_badge(account: &Account) -> &'static str {
        account.status.badge_class()
    }
    fn requested(&self, row: &removals::QueueRow) -> String {
        date_in(row.request.requested_at, &self.chrome.zone)
    }
    fn applied(&self, row: &partnership::QueueRow) -> String {
        date_in(row.application.created_at, &self.chrome.zone)
    }
    fn has_open_requests(&self) -> bool {
        !self.removals.is_empty() || !self.applications.is_empty()
    }
}

pub async fn get_partner(
    State(state): State<AppState>,
    manager: CurrentManager,
    IdPath(id): IdPath<AccountId>,
) -> Result<PartnerPage, AppError> {
    // Tenancy: only a partner assigned to this manager is found; every query below is keyed
    // by that partner's id, so nothing of another manager's partners can follow.
    let partner = account_store::find_partner_of_manager(&state.db, manager.account.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let counted = account_store::count_customers_by_status(&state.db, partner.id).await?;
    let customers = [
        AccountStatus::Active,
        AccountStatus::PendingActivation,
        AccountStatus::Removed,
    ]
    .into_iter()
    .map(|status| {
        let n = counted
            .iter()
            .find(|(s, _)| *s == status)
            .map_or(0, |(_, n)| *n);
        (status.label(), n)
    })
    .collect();
    let zone = manager.zone.clone();
    let orders = order_list::list(
        &state.db,
        partner.id,
        OrderFilter::All,
        OrderSort::Newest,
        None,
        RECENT_ORDERS,
    )
    .await?
    .into_iter()
    .map(|order| OrderView {
        order,
        zone: zone.clone(),
    })
    .collect();
    let removals = removals::queue(&state.db, manager.account.id, Some(partner.id)).await?;
    let applications = partnership::queue(&state.db, manager.account.id, Some(partner.id)).await?;
    Ok(PartnerPage {
        chrome: manager.chrome(partner.company.clone(), "partners").await?,
        members: organization::list_members(&state.db, partner.id, None, None, MEMBERS_SHOWN)
            .await?,
        partner,
        customers,
        orders,
        removals,
        applications,
    })
}
