//! Two tenants with one of everything, and the actors of the route matrices: the rightful
//! accounts of tenant A, and those of tenant B (another partner, its customer, its manager) plus
//! a signed-out visitor. Every id-bearing route pattern of the router maps to a real path of
//! tenant A here; a pattern with no mapping makes the matrices fail.

use std::collections::HashMap;

use reqwest::Client;
use uuid::Uuid;
use yeastar_portal::accounts::model::{AccountId, Role};
use yeastar_portal::accounts::permission::Permission;
use yeastar_portal::web::routes::Portal;

use crate::fixtures::{
    emailed_links, paid_pbx, partnership_application, pending_with_image, purchase,
    removal_requests, second_session, sign_in, Browser,
};
use crate::helpers::{client, TestApp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Who {
    PartnerA,
    CustomerA,
    ManagerA,
    AnotherPartner,
    CustomerOfAnotherPartner,
    AnotherManager,
    SignedOut,
    /// A colleague in partner A's organization holding every permission but
    /// `Permission::ALL[n]`.
    ColleagueWithout(usize),
}

pub struct Actor {
    pub who: Who,
    pub client: Client,
    /// The CSRF token of this actor's own session.
    pub csrf: String,
}

pub struct World {
    pub actors: Vec<Actor>,
    /// Route pattern → a real path of tenant A.
    pub paths: HashMap<String, String>,
    pub customer_a: AccountId,
}

impl World {
    pub fn actor(&self, who: Who) -> &Actor {
        self.actors.iter().find(|a| a.who == who).unwrap()
    }

    /// The rightful actor of a route of `portal`.
    pub fn owner_of(portal: Portal) -> Who {
        match portal {
            Portal::Partner => Who::PartnerA,
            Portal::Customer => Who::CustomerA,
            Portal::Manager => Who::ManagerA,
            Portal::Public | Portal::PbxApi => Who::SignedOut,
        }
    }

    /// The real path for `pattern` (itself when it has no parameters).
    pub fn path(&self, pattern: &str) -> Option<String> {
        if !pattern.contains('{') {
            return Some(pattern.to_owned());
        }
        self.paths.get(pattern).cloned()
    }
}

/// A random id in every `{param}` of the pattern (an id that belongs to nobody), keeping a
/// central-management action name as it is.
pub fn unknown_path(pattern: &str) -> String {
    let random = Uuid::new_v4().to_string();
    pattern
        .replace("{id}", &random)
        .replace("{token}", &random)
        .replace("{action}", "rename")
        .replace("{product_type}", "no_such_product")
}

/// The ids of tenant A that the route patterns are filled with.
struct Ids {
    partner: AccountId,
    customer: AccountId,
    pending: Uuid,
    instance: Uuid,
    subscription: Uuid,
    order: Uuid,
    /// The order of customer A's subscription (their Billing page).
    subscription_order: Uuid,
    license: Uuid,
    /// A colleague of partner A (pending: the Owner's actions on it still apply).
    colleague: AccountId,
    withdraw: AccountId,
    approve: Uuid,
    reject: Uuid,
    application: Uuid,
}

fn paths(ids: &Ids) -> HashMap<String, String> {
    let (c, lic, order, sub) = (ids.customer, ids.license, ids.order, ids.subscription);
    let mut paths: HashMap<String, String> = [
        (
            "/media/profile/{id}",
            format!("/media/profile/{}", ids.pending),
        ),
        ("/partner/customers/{id}", format!("/partner/customers/{c}")),
        (
            "/partner/customers/{id}/edit",
            format!("/partner/customers/{c}/edit"),
        ),
        (
            "/partner/customers/{id}/removal-request",
            format!("/partner/customers/{c}/removal-request"),
        ),
        (
            "/partner/customers/{id}/removal-request/withdraw",
            format!(
                "/partner/customers/{}/removal-request/withdraw",
                ids.withdraw
            ),
        ),
        (
            "/partner/customers/{id}/two-factor/disable",
            format!("/partner/customers/{c}/two-factor/disable"),
        ),
        (
            "/partner/products/{product_type}",
            "/partner/products/cloud_pbx".into(),
        ),
        (
            "/partner/licenses/{id}/associate",
            format!("/partner/licenses/{lic}/associate"),
        ),
        (
            "/partner/licenses/{id}/dissociate",
            format!("/partner/licenses/{lic}/dissociate"),
        ),
        ("/partner/orders/{id}", format!("/partner/orders/{order}")),
        (
            "/partner/orders/{id}/invoice",
            format!("/partner/orders/{order}/invoice"),
        ),
        (
            "/customer/trials/{product_type}",
            "/customer/trials/linkus_cloud".into(),
        ),
        (
            "/customer/billing/{id}/invoice",
            format!("/customer/billing/{}/invoice", ids.subscription_order),
        ),
        (
            "/customer/subscriptions/{id}",
            format!("/customer/subscriptions/{sub}"),
        ),
        (
            "/customer/subscriptions/{id}/change",
            format!("/customer/subscriptions/{sub}/change"),
        ),
        (
            "/customer/subscriptions/{id}/change/edit",
            format!("/customer/subscriptions/{sub}/change/edit"),
        ),
        (
            "/customer/subscriptions/{id}/change/confirm",
            format!("/customer/subscriptions/{sub}/change/confirm"),
        ),
        (
            "/customer/subscriptions/{id}/scheduled-change/cancel",
            format!("/customer/subscriptions/{sub}/scheduled-change/cancel"),
        ),
        (
            "/customer/subscriptions/{id}/auto-renew",
            format!("/customer/subscriptions/{sub}/auto-renew"),
        ),
        (
            "/manager/partners/{id}",
            format!("/manager/partners/{}", ids.partner),
        ),
        (
            "/manager/accounts/{id}/resend-activation",
            format!("/manager/accounts/{}/resend-activation", ids.pending),
        ),
        (
            "/manager/removals/{id}/approve",
            format!("/manager/removals/{}/approve", ids.approve),
        ),
        (
            "/manager/removals/{id}/reject",
            format!("/manager/removals/{}/reject", ids.reject),
        ),
        (
            "/manager/applications/{id}",
            format!("/manager/applications/{}", ids.application),
        ),
    ]
    .into_iter()
    .map(|(pattern, path)| (pattern.to_owned(), path))
    .collect();
    let colleague = format!("/partner/colleagues/{}", ids.colleague);
    for suffix in [
        "",
        "/permissions",
        "/suspend",
        "/restore",
        "/resend-activation",
        "/remove",
        "/transfer-ownership",
    ] {
        paths.insert(
            format!("/partner/colleagues/{{id}}{suffix}"),
            format!("{colleague}{suffix}"),
        );
    }
    for portal in ["customer", "partner"] {
        let base = format!("/{portal}/central-management");
        paths.insert(format!("{base}/{{id}}"), format!("{base}/{}", ids.instance));
        paths.insert(
            format!("{base}/{{id}}/restart"),
            format!("{base}/{}/restart", ids.instance),
        );
        paths.insert(
            format!("{base}/{{id}}/{{action}}"),
            format!("{base}/{}/rename", ids.instance),
        );
    }
    paths
}

impl TestApp {
    pub async fn two_tenants(&self) -> World {
        let (manager_a, partner_a) = self.partner("p@a.test").await;
        let (_, partner_b) = self.partner("p@b.test").await;
        let customer = |email: &'static str, partner| async move {
            self.active_account(Role::Customer, email, None, Some(partner))
                .await
        };
        let customer_a = customer("c@a.test", partner_a).await;
        let leaving = [
            customer("approve@a.test", partner_a).await,
            customer("reject@a.test", partner_a).await,
            customer("withdraw@a.test", partner_a).await,
        ];
        customer("c@b.test", partner_b).await;

        let p_a = sign_in(self, "p@a.test", "/partner/customers").await;
        let c_a = sign_in(self, "c@a.test", "/customer").await;
        let m_a = sign_in(self, "manager-of-p@a.test", "/manager/partners").await;
        let pending = pending_with_image(self, &p_a).await;
        let (instance, subscription) = paid_pbx(self, &c_a).await;
        let (order, license) = purchase(self, &p_a).await;
        let subscription_order = crate::fixtures::id(
            self,
            "select id from orders where subscription_id is not null",
        )
        .await;
        let removals = removal_requests(self, &p_a, &leaving).await;
        let application = partnership_application(self, &c_a).await;
        let colleague = self
            .add_colleague(&p_a.0, "colleague@a.test", &["customers"])
            .await;
        let colleagues = colleagues_without_each_permission(self, &p_a).await;
        let (activation, reset) = emailed_links(self).await;
        let ids = Ids {
            partner: partner_a,
            customer: customer_a,
            pending,
            instance,
            subscription,
            order,
            subscription_order,
            license,
            colleague,
            withdraw: leaving[2],
            approve: removals[&leaving[0]],
            reject: removals[&leaving[1]],
            application,
        };
        let mut paths = paths(&ids);
        paths.insert(
            "/activate/{token}/resend".into(),
            format!("{activation}/resend"),
        );
        paths.insert("/activate/{token}".into(), activation);
        paths.insert("/reset-password/{token}".into(), reset);
        for (portal, email, page, account) in [
            ("partner", "p@a.test", "/partner/customers", partner_a),
            ("customer", "c@a.test", "/customer", customer_a),
            (
                "manager",
                "manager-of-p@a.test",
                "/manager/partners",
                manager_a,
            ),
        ] {
            let session = second_session(self, email, page, account).await;
            let base = format!("/{portal}/security/sessions");
            paths.insert(
                format!("{base}/{{id}}/end"),
                format!("{base}/{session}/end"),
            );
        }

        let p_b = sign_in(self, "p@b.test", "/partner/customers").await;
        let c_b = sign_in(self, "c@b.test", "/customer").await;
        let m_b = sign_in(self, "manager-of-p@b.test", "/manager/partners").await;
        let signed_out = client();
        let anon_csrf = self.csrf_for(&signed_out, "/login").await;
        let actor = |who, (client, csrf): Browser| Actor { who, client, csrf };
        let mut actors = vec![
            actor(Who::PartnerA, p_a),
            actor(Who::CustomerA, c_a),
            actor(Who::ManagerA, m_a),
            actor(Who::AnotherPartner, p_b),
            actor(Who::CustomerOfAnotherPartner, c_b),
            actor(Who::AnotherManager, m_b),
            actor(Who::SignedOut, (signed_out, anon_csrf)),
        ];
        actors.extend(
            colleagues
                .into_iter()
                .enumerate()
                .map(|(n, browser)| actor(Who::ColleagueWithout(n), browser)),
        );
        World {
            actors,
            paths,
            customer_a,
        }
    }
}

/// Partner A's colleagues, each holding every permission but one (`Who::ColleagueWithout`).
async fn colleagues_without_each_permission(app: &TestApp, (owner, _): &Browser) -> Vec<Browser> {
    let mut browsers = Vec::new();
    for (n, lacking) in Permission::ALL.into_iter().enumerate() {
        let others: Vec<&str> = Permission::ALL
            .into_iter()
            .filter(|p| *p != lacking)
            .map(Permission::code)
            .collect();
        let email = format!("without-{n}@a.test");
        let (browser, _) = app.signed_in_colleague(owner, &email, &others).await;
        let csrf = app.csrf_for(&browser, "/partner/security").await;
        browsers.push((browser, csrf));
    }
    browsers
}
