//! What a member of a partner organization may use, one permission per feature of the Partner
//! Portal. The Owner holds every one and cannot lose them; the others hold what the Owner (or a
//! member allowed to manage colleagues) gave them. Stored as the codes below in
//! `accounts.permissions`, read with the session on every request, so a change takes effect on
//! the member's next request.

use serde::{Deserialize, Serialize};

/// One feature of the Partner Portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// The customer list, adding customers, asking for a removal, turning off a customer's 2FA.
    Customers,
    /// Purchases, orders and invoices.
    Purchase,
    /// Licence lists and associating a licence with a customer.
    Products,
    /// Central Management of the customers' Cloud PBXs.
    Central,
    /// The organization's audit log.
    Audit,
    /// Adding, changing, suspending and removing colleagues.
    Colleagues,
}

impl Permission {
    pub const ALL: [Permission; 6] = [
        Self::Customers,
        Self::Purchase,
        Self::Products,
        Self::Central,
        Self::Audit,
        Self::Colleagues,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Customers => "customers",
            Self::Purchase => "purchase",
            Self::Products => "products",
            Self::Central => "central",
            Self::Audit => "audit",
            Self::Colleagues => "colleagues",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }

    /// The feature's name, as the navigation and the colleagues page call it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Customers => "Customers",
            Self::Purchase => "Purchase & Billing",
            Self::Products => "Products",
            Self::Central => "Central Management",
            Self::Audit => "Audit log",
            Self::Colleagues => "Colleagues",
        }
    }

    /// What the permission lets a member do, beside its checkbox.
    pub fn description(self) -> &'static str {
        match self {
            Self::Customers => {
                "See and add customers, ask for a customer's removal, turn off a customer's 2FA"
            }
            Self::Purchase => "Buy products, see orders and download invoices",
            Self::Products => "See purchased licences and associate them with customers",
            Self::Central => "Watch and manage the customers' Cloud PBXs",
            Self::Audit => "Read the organization's audit log",
            Self::Colleagues => "Add colleagues, change their permissions, suspend or remove them",
        }
    }

    /// The permission a Partner Portal route needs, from its axum pattern; none for the pages
    /// every member may open (the portal's root, their own Security page). Every route of the
    /// portal is checked against this when it is served, before its handler runs.
    pub fn for_partner_route(path: &str) -> Option<Self> {
        let rest = path.strip_prefix("/partner")?;
        // The first segment names the feature, whatever follows it (`audit.csv` is the audit).
        let first = rest.trim_start_matches('/').split(['/', '.']).next();
        match first.unwrap_or("") {
            "customers" => Some(Self::Customers),
            "purchase" | "orders" => Some(Self::Purchase),
            "products" | "licenses" => Some(Self::Products),
            "central-management" => Some(Self::Central),
            "audit" => Some(Self::Audit),
            "colleagues" => Some(Self::Colleagues),
            _ => None,
        }
    }
}

/// A starting point for a new colleague's permissions (the boxes stay editable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    pub code: &'static str,
    pub name: &'static str,
    pub permissions: &'static [Permission],
}

/// The role templates the add form offers, after 3CX's and Yeastar's own.
pub const TEMPLATES: &[Template] = &[
    Template {
        code: "sales",
        name: "Sales",
        permissions: &[Permission::Customers],
    },
    Template {
        code: "purchasing",
        name: "Purchasing",
        permissions: &[Permission::Purchase, Permission::Products],
    },
    Template {
        code: "support",
        name: "Support",
        permissions: &[Permission::Customers, Permission::Central],
    },
    Template {
        code: "administrator",
        name: "Administrator",
        permissions: &[
            Permission::Customers,
            Permission::Purchase,
            Permission::Products,
            Permission::Central,
            Permission::Audit,
            Permission::Colleagues,
        ],
    },
];

/// No templates: the member page's permission form starts from what the member has.
pub const NO_TEMPLATES: &[Template] = &[];

/// The permissions stored codes name; unknown codes (from a later version) are ignored.
pub fn parse_all<S: AsRef<str>>(codes: &[S]) -> Vec<Permission> {
    Permission::ALL
        .into_iter()
        .filter(|p| codes.iter().any(|c| c.as_ref() == p.code()))
        .collect()
}

/// The codes to store for `permissions`, in the canonical order.
pub fn codes(permissions: &[Permission]) -> Vec<String> {
    Permission::ALL
        .into_iter()
        .filter(|p| permissions.contains(p))
        .map(|p| p.code().to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_map_to_their_feature() {
        let cases = [
            ("/partner/customers", Some(Permission::Customers)),
            ("/partner/customers/{id}/edit", Some(Permission::Customers)),
            ("/partner/purchase/review", Some(Permission::Purchase)),
            ("/partner/orders/{id}/invoice", Some(Permission::Purchase)),
            (
                "/partner/products/{product_type}",
                Some(Permission::Products),
            ),
            (
                "/partner/licenses/{id}/associate",
                Some(Permission::Products),
            ),
            (
                "/partner/central-management/{id}",
                Some(Permission::Central),
            ),
            ("/partner/audit.csv", Some(Permission::Audit)),
            ("/partner/audit", Some(Permission::Audit)),
            ("/partner/colleagues/{id}", Some(Permission::Colleagues)),
            ("/partner/security", None),
            ("/partner", None),
            ("/customer/central", None),
        ];
        for (path, want) in cases {
            assert_eq!(Permission::for_partner_route(path), want, "{path}");
        }
    }

    #[test]
    fn codes_round_trip_in_canonical_order() {
        let stored = codes(&[Permission::Audit, Permission::Customers]);
        assert_eq!(stored, ["customers", "audit"]);
        assert_eq!(
            parse_all(&stored),
            [Permission::Customers, Permission::Audit]
        );
        assert_eq!(parse_all(&["later", "central"]), [Permission::Central]);
    }
}
