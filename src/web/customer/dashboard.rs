//! `/customer`: the customer's summary — subscriptions and trials with their next date, the
//! licences from their partner, their Cloud PBXs online or offline, and what needs attention.
//!
//! Everything comes from the domain modules' list queries, read in one statement through
//! `overview` however many rows (each list is bounded by its own `limit`), and the summary is
//! worked out here from them.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use time::{Duration, OffsetDateTime};

use crate::accounts::model::Account;
use crate::error::AppError;
use crate::format::{datetime, day};
use crate::labels;
use crate::licenses::LicenseRow;
use crate::overview::{self, CustomerOverview};
use crate::pbx::PbxState;
use crate::subscriptions::SubscriptionStatus;
use crate::subscriptions::SubscriptionView;
use crate::web::extractors::{Chrome, CurrentCustomer};
use crate::web::paths;
use crate::web::state::AppState;

/// A trial ending this soon, or a term renewing this soon, is worth a line under "attention":
/// the same week as the last renewal reminder.
const SOON: Duration = Duration::days(7);

/// One subscription or trial, as the summary lists it.
pub struct SubscriptionLine {
    pub href: String,
    pub name: String,
    pub status: &'static str,
    pub badge: &'static str,
    /// "Renews on 26 Dec 2026", "12 days left", "Ended on …".
    pub next: String,
}

pub struct PbxLine {
    pub href: String,
    pub name: String,
    pub plan: String,
    pub state: PbxState,
}

/// Something the customer should act on, with where to do it.
pub struct Attention {
    pub message: String,
    pub href: String,
    pub action: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "customer/dashboard.html")]
pub struct DashboardPage {
    chrome: Chrome,
    me: Account,
    partner: Option<Account>,
    attention: Vec<Attention>,
    subscriptions: Vec<SubscriptionLine>,
    licenses: Vec<LicenseRow>,
    pbxs: Vec<PbxLine>,
    catalog: std::sync::Arc<crate::catalog::Catalog>,
}

impl DashboardPage {
    fn member_since(&self) -> String {
        self.me
            .activated_at
            .map(|at| datetime(at, &self.chrome.zone))
            .unwrap_or_default()
    }
    fn online_count(&self) -> usize {
        self.pbxs.iter().filter(|p| p.state.is_online()).count()
    }
    fn valid_until(license: &LicenseRow) -> String {
        day(license.ends_on)
    }
    /// "Workplace SaaS Standard": a licence's plan with its product.
    fn license_plan(&self, license: &LicenseRow) -> String {
        labels::plan_of(&self.catalog, &license.plan_code)
    }
}

fn days(n: i64) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

fn trial_days_left(ends: OffsetDateTime, now: OffsetDateTime) -> i64 {
    (ends - now).whole_days().max(0)
}

fn subscription_line(view: &SubscriptionView, now: OffsetDateTime) -> SubscriptionLine {
    let s = &view.subscription;
    let next = match s.status {
        SubscriptionStatus::Trial => s
            .trial_ends_at
            .map(|end| format!("{} left", days(trial_days_left(end, now))))
            .unwrap_or_default(),
        SubscriptionStatus::Active => match (s.current_period_end, s.auto_renew) {
            (Some(end), true) => format!("Renews on {}", day(end)),
            (Some(end), false) => format!("Ends on {}", day(end)),
            (None, _) => String::new(),
        },
        SubscriptionStatus::Expired | SubscriptionStatus::Cancelled => String::new(),
    };
    SubscriptionLine {
        href: paths::customer_subscription(s.id),
        name: labels::plan(&view.product_name, &view.plan_name),
        status: s.status.label(),
        badge: s.status.badge_class(),
        next,
    }
}

/// What needs the customer: trials about to end, terms about to renew or end, 2FA off.
fn attention(me: &Account, subs: &[SubscriptionView], now: OffsetDateTime) -> Vec<Attention> {
    let mut items = Vec::new();
    for view in subs {
        let s = &view.subscription;
        let href = paths::customer_subscription(s.id);
        match (s.status, s.trial_ends_at, s.current_period_end) {
            (SubscriptionStatus::Trial, Some(end), _) if end - now <= SOON => {
                items.push(Attention {
                    message: format!(
                        "Your free trial of {} ends in {}.",
                        view.product_name,
                        days(trial_days_left(end, now))
                    ),
                    href,
                    action: "Subscribe to keep it",
                })
            }
            (SubscriptionStatus::Active, _, Some(end))
                if end.midnight().assume_utc() - now <= SOON =>
            {
                let (verb, action) = if s.auto_renew {
                    ("renews", "Review the renewal")
                } else {
                    ("ends", "Renew or change it")
                };
                items.push(Attention {
                    message: format!("{} {verb} on {}.", view.product_name, day(end)),
                    href,
                    action,
                })
            }
            _ => {}
        }
    }
    if !me.two_factor_enabled {
        items.push(Attention {
            message: "Two-factor authentication is off.".into(),
            href: paths::CUSTOMER_SECURITY.into(),
            action: "Turn it on",
        });
    }
    items
}

pub async fn get_dashboard(
    State(state): State<AppState>,
    customer: CurrentCustomer,
) -> Result<DashboardPage, AppError> {
    let me = &customer.account;
    let now = state.clock.now();
    let CustomerOverview {
        partner,
        subscriptions: subs,
        licenses,
        pbxs,
    } = overview::customer(&state.db, me.id, me.partner_id).await?;
    let pbxs = pbxs
        .into_iter()
        .map(|i| PbxLine {
            href: paths::customer_pbx(i.id),
            state: i.state(now),
            name: i.name,
            plan: i.plan_name,
        })
        .collect();
    Ok(DashboardPage {
        chrome: customer.chrome("Dashboard", "dashboard").await?,
        attention: attention(me, &subs, now),
        subscriptions: subs.iter().map(|s| subscription_line(s, now)).collect(),
        licenses,
        pbxs,
        me: me.clone(),
        partner,
        catalog: state.catalog.clone(),
    })
}
