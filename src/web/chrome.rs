//! The frame of every page: title, who is signed in, the portal's navigation (with the counts
//! of waiting decisions), the CSRF token, a flash and the viewer's zone.

use super::paths;
use super::session::Flash;
use crate::accounts::model::{Account, Role};
use crate::accounts::permission::Permission;
use crate::format::Zone;
use crate::inbox::PendingCounts;

/// What the layout needs on every page: title, the signed-in user, the CSRF token, a flash.
pub struct Chrome {
    pub title: String,
    pub user: Option<Account>,
    /// The portal this page belongs to (a customer approved as a partner uses two).
    pub portal: Option<Role>,
    pub csrf_token: String,
    pub flash: Option<Flash>,
    /// The navigation entry to mark as current.
    pub section: &'static str,
    /// The zone the viewer sees times in (UTC for visitors who are not signed in).
    pub zone: Zone,
    /// Decisions waiting in the manager's queues, shown beside their navigation entries.
    pub pending: PendingCounts,
    /// The page shows placeholder prices, each marked †: the layout explains the mark once, in
    /// the footer, instead of a notice under every price.
    pub price_note: bool,
}

impl Chrome {
    /// Shows the placeholder-price note in the footer when `placeholder` is true.
    pub fn with_price_note(mut self, placeholder: bool) -> Self {
        self.price_note |= placeholder;
        self
    }

    pub fn role(&self) -> Option<Role> {
        self.portal
    }

    pub fn portal_label(&self) -> &'static str {
        match self.role() {
            Some(Role::Partner) => "Partner Portal",
            Some(Role::Customer) => "Customer Portal",
            Some(Role::Manager) => "Account Manager",
            None => "Portal",
        }
    }

    /// The portal's everyday pages: one row on a desktop, the compact menu on a phone.
    pub fn nav_items(&self) -> Vec<NavItem> {
        self.items(true)
    }

    /// The less used pages, listed under the user menu so the main row never wraps.
    pub fn account_items(&self) -> Vec<NavItem> {
        let mut items = self.items(false);
        if let Some(switch) = self.portal_switch() {
            items.push(switch);
        }
        items
    }

    /// Whether the current page is one of the user menu's, to mark the menu itself.
    pub fn account_current(&self) -> bool {
        self.items(false).iter().any(|i| i.current)
    }

    /// Initials for the user menu's button where the full name does not fit.
    pub fn initials(&self) -> String {
        self.user
            .as_ref()
            .map(|u| {
                [&u.first_name, &u.last_name]
                    .iter()
                    .filter_map(|n| n.chars().next())
                    .flat_map(char::to_uppercase)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn items(&self, main: bool) -> Vec<NavItem> {
        nav_entries(self.role())
            .iter()
            .filter(|item| item.3 == main && self.may_open(item.1))
            .map(|(section, href, label, _)| NavItem {
                href,
                label,
                current: *section == self.section,
                count: self.count_of(section),
            })
            .collect()
    }

    /// Whether the signed-in member may open a Partner Portal page (see `member_guard`): the
    /// navigation shows only what it may use.
    fn may_open(&self, href: &str) -> bool {
        match (self.portal, &self.user) {
            (Some(Role::Partner), Some(user)) => {
                Permission::for_partner_route(href).is_none_or(|needed| user.may(needed))
            }
            _ => true,
        }
    }

    /// A customer approved as a partner moves between its two portals.
    fn portal_switch(&self) -> Option<NavItem> {
        let user = self.user.as_ref()?;
        if user.role != Role::Customer || !user.partner_access {
            return None;
        }
        let (href, label) = match self.portal {
            Some(Role::Partner) => (paths::CUSTOMER_HOME, "Customer Portal"),
            _ => (paths::PARTNER_CUSTOMERS, "Partner Portal"),
        };
        Some(NavItem {
            href,
            label,
            current: false,
            count: None,
        })
    }

    /// The number of waiting decisions behind a navigation entry; none when nothing waits.
    fn count_of(&self, section: &str) -> Option<i64> {
        let count = match section {
            "removals" => self.pending.removals,
            "applications" => self.pending.applications,
            _ => 0,
        };
        (count > 0).then_some(count)
    }
}

/// One navigation entry: (section, href, label, in the main row).
type NavEntry = (&'static str, &'static str, &'static str, bool);

const PARTNER_NAV: &[NavEntry] = &[
    ("customers", paths::PARTNER_CUSTOMERS, "Customers", true),
    (
        "products",
        paths::PARTNER_PRODUCTS,
        "Products & Purchase",
        true,
    ),
    ("orders", paths::PARTNER_ORDERS, "Orders", true),
    (
        "central",
        paths::PARTNER_CENTRAL,
        "Central Management",
        true,
    ),
    ("colleagues", paths::PARTNER_COLLEAGUES, "Colleagues", false),
    ("audit", paths::PARTNER_AUDIT, "Audit log", false),
    ("security", paths::PARTNER_SECURITY, "Security", false),
];

const CUSTOMER_NAV: &[NavEntry] = &[
    ("dashboard", paths::CUSTOMER_HOME, "Dashboard", true),
    ("products", paths::CUSTOMER_PRODUCTS, "My products", true),
    ("trials", paths::CUSTOMER_TRIALS, "Free trials", true),
    ("estimate", paths::CUSTOMER_ESTIMATE, "Cost estimate", true),
    (
        "central",
        paths::CUSTOMER_CENTRAL,
        "Central Management",
        true,
    ),
    (
        "account",
        paths::CUSTOMER_ACCOUNT,
        "Account Information",
        false,
    ),
    ("billing", paths::CUSTOMER_BILLING, "Billing", false),
    ("security", paths::CUSTOMER_SECURITY, "Security", false),
    (
        "partnership",
        paths::CUSTOMER_PARTNERSHIP,
        "Partnership",
        false,
    ),
];

const MANAGER_NAV: &[NavEntry] = &[
    ("partners", paths::MANAGER_PARTNERS, "Partners", true),
    (
        "activations",
        paths::MANAGER_ACTIVATIONS,
        "Activations",
        true,
    ),
    ("removals", paths::MANAGER_REMOVALS, "Removals", true),
    (
        "applications",
        paths::MANAGER_APPLICATIONS,
        "Applications",
        true,
    ),
    ("attention", paths::MANAGER_ATTENTION, "Attention", true),
    ("audit", paths::MANAGER_AUDIT, "Audit log", false),
    ("security", paths::MANAGER_SECURITY, "Security", false),
];

/// Each portal's navigation.
fn nav_entries(role: Option<Role>) -> &'static [NavEntry] {
    match role {
        Some(Role::Partner) => PARTNER_NAV,
        Some(Role::Customer) => CUSTOMER_NAV,
        Some(Role::Manager) => MANAGER_NAV,
        None => &[],
    }
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
    /// Items waiting on that page ("Removals 3").
    pub count: Option<i64>,
}
