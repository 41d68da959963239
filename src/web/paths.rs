//! The portal's URLs, typed: every redirect target, navigation entry and link a handler builds
//! comes from here, not from a string literal, so a renamed route is renamed once. Templates call
//! the same functions (`{{ crate::web::paths::LOGOUT }}`). The router declares its fixed paths
//! with these constants too, and a test checks every path built here is one the router serves.

use std::fmt::Display;

use crate::accounts::model::{Account, AccountId, Role};
use crate::accounts::permission::Permission;

// Public pages.
pub const ROOT: &str = "/";
pub const LOGIN: &str = "/login";
pub const LOGIN_TWO_FACTOR: &str = "/login/two-factor";
pub const LOGOUT: &str = "/logout";
pub const FORGOT_PASSWORD: &str = "/forgot-password";

/// The link that asks for a fresh activation email in place of an expired one.
pub fn activate_resend(token: impl Display) -> String {
    format!("/activate/{token}/resend")
}

// The Partner Portal.
pub const PARTNER: &str = "/partner";
pub const PARTNER_CUSTOMERS: &str = "/partner/customers";
pub const PARTNER_NEW_CUSTOMER: &str = "/partner/customers/new";
pub const PARTNER_PRODUCTS: &str = "/partner/products";
pub const PARTNER_PURCHASE: &str = "/partner/purchase";
pub const PARTNER_ORDERS: &str = "/partner/orders";
pub const PARTNER_CENTRAL: &str = "/partner/central-management";
pub const PARTNER_AUDIT: &str = "/partner/audit";
pub const PARTNER_AUDIT_CSV: &str = "/partner/audit.csv";
pub const PARTNER_SECURITY: &str = "/partner/security";
pub const PARTNER_COLLEAGUES: &str = "/partner/colleagues";
pub const PARTNER_NEW_COLLEAGUE: &str = "/partner/colleagues/new";
pub const PARTNER_ORGANIZATION_POLICY: &str = "/partner/colleagues/policy";

pub fn partner_colleague(id: AccountId) -> String {
    format!("{PARTNER_COLLEAGUES}/{id}")
}

/// One customer of the partner.
pub fn partner_customer(id: impl Display) -> String {
    format!("{PARTNER_CUSTOMERS}/{id}")
}

/// One order of the partner.
pub fn partner_order(id: impl Display) -> String {
    format!("{PARTNER_ORDERS}/{id}")
}

/// The partner's licences of one product type.
pub fn partner_product_list(product_type: impl Display) -> String {
    format!("{PARTNER_PRODUCTS}/{product_type}")
}

/// The partner's licences of one product type, searched for one key (kept as typed, as the
/// search box sends it).
pub fn partner_license_search(product_type: impl Display, key: impl Display) -> String {
    format!("{PARTNER_PRODUCTS}/{product_type}?q={key}")
}

// The Customer Portal.
pub const CUSTOMER_HOME: &str = "/customer";
pub const CUSTOMER_PRODUCTS: &str = "/customer/products";
pub const CUSTOMER_TRIALS: &str = "/customer/trials";
pub const CUSTOMER_ESTIMATE: &str = "/customer/estimate";
pub const CUSTOMER_SUBSCRIBE: &str = "/customer/subscribe";
pub const CUSTOMER_CENTRAL: &str = "/customer/central-management";
pub const CUSTOMER_ACCOUNT: &str = "/customer/account";
pub const CUSTOMER_BILLING: &str = "/customer/billing";
pub const CUSTOMER_SECURITY: &str = "/customer/security";
pub const CUSTOMER_PARTNERSHIP: &str = "/customer/partnership";
pub const CUSTOMER_PARTNERSHIP_WITHDRAW: &str = "/customer/partnership/withdraw";

/// One subscription or trial of the customer.
pub fn customer_subscription(id: impl Display) -> String {
    format!("/customer/subscriptions/{id}")
}

/// The subscribe form, filled from an estimate's query string.
pub fn customer_subscribe_with(query: impl Display) -> String {
    format!("{CUSTOMER_SUBSCRIBE}?{query}")
}

/// One Cloud PBX of the customer.
pub fn customer_pbx(id: impl Display) -> String {
    format!("{CUSTOMER_CENTRAL}/{id}")
}

// The Account Manager console.
pub const MANAGER: &str = "/manager";
pub const MANAGER_PARTNERS: &str = "/manager/partners";
pub const MANAGER_NEW_PARTNER: &str = "/manager/partners/new";
pub const MANAGER_ACTIVATIONS: &str = "/manager/activations";
pub const MANAGER_REMOVALS: &str = "/manager/removals";
pub const MANAGER_APPLICATIONS: &str = "/manager/applications";
pub const MANAGER_ATTENTION: &str = "/manager/attention";
pub const MANAGER_AUDIT: &str = "/manager/audit";
pub const MANAGER_AUDIT_CSV: &str = "/manager/audit.csv";
pub const MANAGER_SECURITY: &str = "/manager/security";

/// The confirmation page (and form) of a removal's approval.
pub fn manager_removal_approve(id: impl Display) -> String {
    format!("{MANAGER_REMOVALS}/{id}/approve")
}

// The pages every portal has.

/// Where a role lands after signing in.
pub fn home(role: Role) -> &'static str {
    match role {
        Role::Manager => MANAGER_PARTNERS,
        Role::Partner => PARTNER_CUSTOMERS,
        Role::Customer => CUSTOMER_HOME,
    }
}

/// Where this account lands: its role's home, or for a member of a partner organization without
/// the Customers permission the first Partner Portal page it may open.
pub fn home_of(account: &Account) -> &'static str {
    if account.role != Role::Partner || account.may(Permission::Customers) {
        return home(account.role);
    }
    [
        PARTNER_PRODUCTS,
        PARTNER_ORDERS,
        PARTNER_CENTRAL,
        PARTNER_AUDIT,
        PARTNER_COLLEAGUES,
    ]
    .into_iter()
    .find(|page| Permission::for_partner_route(page).is_some_and(|p| account.may(p)))
    .unwrap_or(PARTNER_SECURITY)
}

/// The URL prefix of a role's portal.
pub fn portal_prefix(role: Role) -> &'static str {
    match role {
        Role::Manager => MANAGER,
        Role::Partner => PARTNER,
        Role::Customer => CUSTOMER_HOME,
    }
}

/// The Security page of a portal.
pub fn security(role: Role) -> &'static str {
    match role {
        Role::Manager => MANAGER_SECURITY,
        Role::Partner => PARTNER_SECURITY,
        Role::Customer => CUSTOMER_SECURITY,
    }
}

/// The two-factor setup page of a portal's Security page.
pub fn security_two_factor(role: Role) -> String {
    format!("{}/two-factor", security(role))
}

/// The Central Management list of a portal (customers and partners have one).
pub fn central(role: Role) -> &'static str {
    match role {
        Role::Partner => PARTNER_CENTRAL,
        _ => CUSTOMER_CENTRAL,
    }
}

/// One Cloud PBX on a portal's Central Management pages.
pub fn central_pbx(role: Role, id: impl Display) -> String {
    format!("{}/{id}", central(role))
}

/// The restart confirmation of one Cloud PBX.
pub fn central_pbx_restart(role: Role, id: impl Display) -> String {
    format!("{}/{id}/restart", central(role))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::route_table;

    /// Whether `path` (query left off) is an instance of the axum pattern `pattern`.
    fn matches(pattern: &str, path: &str) -> bool {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        let (pattern, path): (Vec<_>, Vec<_>) =
            (pattern.split('/').collect(), path.split('/').collect());
        pattern.len() == path.len()
            && pattern
                .iter()
                .zip(&path)
                .all(|(p, s)| p == s || (p.starts_with('{') && !s.is_empty()))
    }

    /// Every fixed path of this module.
    const FIXED: &[&str] = &[
        ROOT,
        LOGIN,
        LOGIN_TWO_FACTOR,
        LOGOUT,
        FORGOT_PASSWORD,
        PARTNER,
        PARTNER_CUSTOMERS,
        PARTNER_NEW_CUSTOMER,
        PARTNER_PRODUCTS,
        PARTNER_PURCHASE,
        PARTNER_ORDERS,
        PARTNER_CENTRAL,
        PARTNER_AUDIT,
        PARTNER_AUDIT_CSV,
        PARTNER_SECURITY,
        CUSTOMER_HOME,
        CUSTOMER_PRODUCTS,
        CUSTOMER_TRIALS,
        CUSTOMER_ESTIMATE,
        CUSTOMER_SUBSCRIBE,
        CUSTOMER_CENTRAL,
        CUSTOMER_ACCOUNT,
        CUSTOMER_BILLING,
        CUSTOMER_SECURITY,
        CUSTOMER_PARTNERSHIP,
        CUSTOMER_PARTNERSHIP_WITHDRAW,
        MANAGER,
        MANAGER_PARTNERS,
        MANAGER_NEW_PARTNER,
        MANAGER_ACTIVATIONS,
        MANAGER_REMOVALS,
        MANAGER_APPLICATIONS,
        MANAGER_ATTENTION,
        MANAGER_AUDIT,
        MANAGER_AUDIT_CSV,
        MANAGER_SECURITY,
    ];

    #[test]
    fn every_path_built_here_is_served_by_the_router() {
        let id = uuid::Uuid::nil();
        let roles = [Role::Manager, Role::Partner, Role::Customer];
        let mut paths: Vec<String> = FIXED.iter().map(|p| p.to_string()).collect();
        paths.extend([
            activate_resend("token"),
            partner_customer(id),
            partner_order(id),
            partner_product_list("cloud_pbx"),
            partner_license_search("cloud_pbx", "KEY"),
            customer_subscription(id),
            customer_subscribe_with("plan=x"),
            customer_pbx(id),
            manager_removal_approve(id),
        ]);
        for role in roles {
            paths.extend([
                home(role).to_owned(),
                portal_prefix(role).to_owned(),
                security(role).to_owned(),
                security_two_factor(role),
            ]);
        }
        for role in [Role::Partner, Role::Customer] {
            paths.extend([
                central(role).to_owned(),
                central_pbx(role, id),
                central_pbx_restart(role, id),
            ]);
        }
        let table = route_table();
        for path in paths {
            assert!(
                table.iter().any(|route| matches(&route.path, &path)),
                "{path} is not a route"
            );
        }
    }
}
