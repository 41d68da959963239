//! Two tenants with one of everything, and the actors of the route matrices: the rightful
//! accounts of tenant A, and those of tenant B (another partner, its customer, its manager) plus
//! a signed-out visitor. Every id-bearing route pattern of the router maps to a real path of
//! tenant A here; a pattern with no mapping makes the matrices fail.

use std::collections::HashMap;

use reqwest::Client;
use uuid::Uuid;
use yeastar_portal::accounts::model::{AccountId, Role};
use yeastar_portal::web::routes::Portal;

use crate::helpers::{
    add_customer_form, client, csrf_token, file_part, hidden_fields, png, TestApp, PASSWORD,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Who {
    PartnerA,
    CustomerA,
    ManagerA,
    AnotherPartner,
    CustomerOfAnotherPartner,
    AnotherManager,
    SignedOut,
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
        .replace("{action}", "restart")
        .replace("{product_type}", "no_such_product")
}

async fn sign_in(app: &TestApp, email: &str, page: &str) -> (Client, String) {
    let browser = client();
    let response = app.login(&browser, email, PASSWORD).await;
    assert_eq!(
        response.status(),
        reqwest::StatusCode::SEE_OTHER,
        "sign-in of {email}"
    );
    let csrf = app.csrf_for(&browser, page).await;
    (browser, csrf)
}

async fn id(app: &TestApp, sql: &str) -> Uuid {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

/// The newest session id of `account` (a second sign-in made for the purpose).
async fn second_session(app: &TestApp, email: &str, page: &str, account: AccountId) -> Uuid {
    sign_in(app, email, page).await;
    sqlx::query_scalar(
        "select id from account_sessions where account_id = $1 order by created_at desc limit 1",
    )
    .bind(account)
    .fetch_one(&app.db)
    .await
    .unwrap()
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
        let to_approve = customer("approve@a.test", partner_a).await;
        let to_reject = customer("reject@a.test", partner_a).await;
        let to_withdraw = customer("withdraw@a.test", partner_a).await;
        customer("c@b.test", partner_b).await;

        let (p_a, p_a_csrf) = sign_in(self, "p@a.test", "/partner/customers").await;
        let (c_a, c_a_csrf) = sign_in(self, "c@a.test", "/customer").await;
        let (m_a, m_a_csrf) = sign_in(self, "manager-of-p@a.test", "/manager/partners").await;

        // A pending customer with a profile image, added through the form.
        let form = add_customer_form(&p_a_csrf, "pending@a.test").part(
            "profile_image",
            file_part(png(64, 64), "me.png", "image/png"),
        );
        let added = p_a
            .post(self.url("/partner/customers/new"))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(added.status(), reqwest::StatusCode::SEE_OTHER);
        let pending = id(
            self,
            "select id from accounts where email = 'pending@a.test'",
        )
        .await;

        // A Cloud PBX trial: a subscription and an instance.
        let trial = self
            .post_form(
                &c_a,
                "/customer/trials/cloud_pbx",
                &[("csrf_token", &c_a_csrf)],
            )
            .await;
        assert!(trial.status().is_redirection(), "trial: {}", trial.status());
        let instance = id(self, "select id from pbx_instances limit 1").await;
        let subscription = id(self, "select id from subscriptions limit 1").await;
        // Converted to a paid subscription, so that every subscription action applies to it.
        let converted = self
            .post_form(
                &c_a,
                "/customer/subscribe/review",
                &[
                    ("csrf_token", &c_a_csrf),
                    ("plan", "cloud_pbx_enterprise"),
                    ("units", "15"),
                    ("term", "1y"),
                    ("convert", &subscription.to_string()),
                ],
            )
            .await;
        let hidden = hidden_fields(
            &converted.text().await.unwrap(),
            "/customer/subscribe/confirm",
        );
        let converted = c_a
            .post(self.url("/customer/subscribe/confirm"))
            .form(&hidden)
            .send()
            .await
            .unwrap();
        assert_eq!(
            converted.status(),
            reqwest::StatusCode::SEE_OTHER,
            "the trial is converted"
        );

        // A purchase: an order and an unassociated licence.
        let review = self
            .post_form(
                &p_a,
                "/partner/purchase/review",
                &[
                    ("csrf_token", &p_a_csrf),
                    ("plan", "cloud_pbx_enterprise"),
                    ("units", "10"),
                    ("term", "1y"),
                    ("licenses", "1"),
                    ("customer_email", ""),
                ],
            )
            .await;
        let hidden = hidden_fields(&review.text().await.unwrap(), "/partner/purchase/confirm");
        let confirm = p_a
            .post(self.url("/partner/purchase/confirm"))
            .form(&hidden)
            .send()
            .await
            .unwrap();
        assert_eq!(confirm.status(), reqwest::StatusCode::SEE_OTHER);
        let order = id(self, "select id from orders limit 1").await;
        let license = id(self, "select id from licenses limit 1").await;

        // Removal requests to approve, reject and withdraw.
        let mut removal = HashMap::new();
        for customer in [to_approve, to_reject, to_withdraw] {
            let path = format!("/partner/customers/{customer}/removal-request");
            let asked = self
                .post_form(
                    &p_a,
                    &path,
                    &[("csrf_token", &p_a_csrf), ("reason", "Left the company")],
                )
                .await;
            assert!(
                asked.status().is_redirection(),
                "removal request: {}",
                asked.status()
            );
            let request = id(
                self,
                &format!("select id from removal_requests where customer_id = '{customer}'"),
            )
            .await;
            removal.insert(customer, request);
        }

        // A partnership application by customer A.
        let applied = self
            .post_form(
                &c_a,
                "/customer/partnership",
                &[
                    ("csrf_token", &c_a_csrf),
                    ("company", "Dental Voice"),
                    ("website", "https://dental.example"),
                    ("country", "PL"),
                    ("business_type", "Reseller"),
                    ("yearly_volume", "50 to 500 extensions"),
                    ("message", "We sell to dentists."),
                ],
            )
            .await;
        assert!(
            applied.status().is_redirection(),
            "application: {}",
            applied.status()
        );
        let application = id(self, "select id from partnership_applications limit 1").await;

        // Links: the pending customer's activation, and a password reset for customer A.
        let anon = client();
        let forgot = self.csrf_for(&anon, "/forgot-password").await;
        self.post_form(
            &anon,
            "/forgot-password",
            &[("csrf_token", &forgot), ("email", "c@a.test")],
        )
        .await;
        self.drain_outbox().await;
        let link = |to: &str, prefix: &str| {
            let mail = self.smtp.to(to);
            let link = mail
                .iter()
                .rev()
                .find_map(|m| m.link(prefix))
                .unwrap_or_else(|| panic!("{prefix} link for {to}"));
            link.strip_prefix(&self.address).unwrap().to_owned()
        };
        let activation = link("pending@a.test", "/activate/");
        let reset = link("c@a.test", "/reset-password/");

        let mut paths: HashMap<String, String> = HashMap::new();
        let mut put = |pattern: &str, path: String| {
            paths.insert(pattern.to_owned(), path);
        };
        put("/activate/{token}", activation);
        put("/reset-password/{token}", reset);
        put("/media/profile/{id}", format!("/media/profile/{pending}"));
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
            put(
                &format!("/{portal}/security/sessions/{{id}}/end"),
                format!("/{portal}/security/sessions/{session}/end"),
            );
        }
        for portal in ["customer", "partner"] {
            put(
                &format!("/{portal}/central-management/{{id}}"),
                format!("/{portal}/central-management/{instance}"),
            );
            put(
                &format!("/{portal}/central-management/{{id}}/{{action}}"),
                format!("/{portal}/central-management/{instance}/restart"),
            );
        }
        put(
            "/partner/customers/{id}",
            format!("/partner/customers/{customer_a}"),
        );
        put(
            "/partner/customers/{id}/removal-request",
            format!("/partner/customers/{customer_a}/removal-request"),
        );
        put(
            "/partner/customers/{id}/removal-request/withdraw",
            format!("/partner/customers/{to_withdraw}/removal-request/withdraw"),
        );
        put(
            "/partner/customers/{id}/two-factor/disable",
            format!("/partner/customers/{customer_a}/two-factor/disable"),
        );
        put(
            "/partner/products/{product_type}",
            "/partner/products/cloud_pbx".into(),
        );
        put(
            "/partner/licenses/{id}/associate",
            format!("/partner/licenses/{license}/associate"),
        );
        put(
            "/partner/licenses/{id}/dissociate",
            format!("/partner/licenses/{license}/dissociate"),
        );
        put("/partner/orders/{id}", format!("/partner/orders/{order}"));
        put(
            "/partner/orders/{id}/invoice",
            format!("/partner/orders/{order}/invoice"),
        );
        put(
            "/customer/trials/{product_type}",
            "/customer/trials/linkus_cloud".into(),
        );
        put(
            "/customer/subscriptions/{id}",
            format!("/customer/subscriptions/{subscription}"),
        );
        put(
            "/customer/subscriptions/{id}/change",
            format!("/customer/subscriptions/{subscription}/change"),
        );
        put(
            "/customer/subscriptions/{id}/auto-renew",
            format!("/customer/subscriptions/{subscription}/auto-renew"),
        );
        put(
            "/manager/accounts/{id}/resend-activation",
            format!("/manager/accounts/{pending}/resend-activation"),
        );
        put(
            "/manager/removals/{id}/approve",
            format!("/manager/removals/{}/approve", removal[&to_approve]),
        );
        put(
            "/manager/removals/{id}/reject",
            format!("/manager/removals/{}/reject", removal[&to_reject]),
        );
        put(
            "/manager/applications/{id}",
            format!("/manager/applications/{application}"),
        );

        let (p_b, p_b_csrf) = sign_in(self, "p@b.test", "/partner/customers").await;
        let (c_b, c_b_csrf) = sign_in(self, "c@b.test", "/customer").await;
        let (m_b, m_b_csrf) = sign_in(self, "manager-of-p@b.test", "/manager/partners").await;
        let signed_out = client();
        let (_, login) = self.get_html(&signed_out, "/login").await;
        let anon_csrf = csrf_token(&login);
        let actor = |who, client, csrf| Actor { who, client, csrf };
        World {
            actors: vec![
                actor(Who::PartnerA, p_a, p_a_csrf),
                actor(Who::CustomerA, c_a, c_a_csrf),
                actor(Who::ManagerA, m_a, m_a_csrf),
                actor(Who::AnotherPartner, p_b, p_b_csrf),
                actor(Who::CustomerOfAnotherPartner, c_b, c_b_csrf),
                actor(Who::AnotherManager, m_b, m_b_csrf),
                actor(Who::SignedOut, signed_out, anon_csrf),
            ],
            paths,
            customer_a,
        }
    }

    /// One digest per table of the public schema: any insert, update or delete shows.
    pub async fn table_digests(&self) -> Vec<(String, String)> {
        let tables: Vec<String> = sqlx::query_scalar(
            "select tablename::text from pg_tables where schemaname = 'public' \
             and tablename <> '_sqlx_migrations' order by 1",
        )
        .fetch_all(&self.db)
        .await
        .unwrap();
        let mut digests = Vec::new();
        for table in tables {
            let digest: String = sqlx::query_scalar(&format!(
                "select count(*)::text || ':' || coalesce(md5(string_agg(t::text, ',' order by t::text)), '') \
                 from public.\"{table}\" t"
            ))
            .fetch_one(&self.db)
            .await
            .unwrap();
            digests.push((table, digest));
        }
        digests
    }
}
