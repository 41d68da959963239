//! Arrange steps for accounts: created as the CLI does, activated, a partner with its
//! manager, customers of a partner, signed in; names and zones set as their owners would; the
//! Add Partner form as a person fills it in.

use reqwest::multipart::Form;
use reqwest::{Client, StatusCode};
use yeastar_portal::accounts::model::{AccountId, AccountInfo, Email, Role};
use yeastar_portal::activation::invite::{self, NewAccount};

use super::{client, location, TestApp, PASSWORD};

impl TestApp {
    /// Creates an account the way the CLI does and returns its id and activation link.
    pub async fn create_account(
        &self,
        role: Role,
        email: &str,
        manager: Option<AccountId>,
        partner: Option<AccountId>,
    ) -> (AccountId, String) {
        let created = invite::create_pending_account(
            &self.db,
            NewAccount {
                role,
                email: Email::parse(email).unwrap(),
                info: AccountInfo {
                    first_name: "Test".into(),
                    last_name: format!("{role:?}"),
                    company: format!("{email} Ltd"),
                    phone: String::new(),
                    country: Some("DE".into()),
                    address: String::new(),
                    city: String::new(),
                    state: String::new(),
                    postcode: String::new(),
                },
                manager_id: manager,
                partner_id: partner,
                organization: None,
                created_by: None,
                profile_png: None,
                invited_by: "Yeastar".into(),
                client_ip: None,
            },
            self.config.public_base(),
            self.clock.now(),
        )
        .await
        .map_err(|e| e.to_string())
        .unwrap();
        (created.id, created.activation_link)
    }

    /// An active account ready to sign in with `PASSWORD`.
    pub async fn active_account(
        &self,
        role: Role,
        email: &str,
        manager: Option<AccountId>,
        partner: Option<AccountId>,
    ) -> AccountId {
        let (id, link) = self.create_account(role, email, manager, partner).await;
        let response = self.activate(&link, PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "activation of {email}"
        );
        id
    }

    /// An active customer of `partner`, ready to sign in with `PASSWORD`.
    pub async fn customer_of(&self, partner: AccountId, email: &str) -> AccountId {
        self.active_account(Role::Customer, email, None, Some(partner))
            .await
    }

    /// A manager and an active partner assigned to it.
    pub async fn partner(&self, email: &str) -> (AccountId, AccountId) {
        let manager_email = format!("manager-of-{email}");
        let manager = self
            .active_account(Role::Manager, &manager_email, None, None)
            .await;
        let partner = self
            .active_account(Role::Partner, email, Some(manager), None)
            .await;
        (manager, partner)
    }

    /// A signed-in client of an active partner.
    pub async fn signed_in_partner(&self, email: &str) -> (Client, AccountId) {
        let (_, partner) = self.partner(email).await;
        let client = client();
        let response = self.login(&client, email, PASSWORD).await;
        assert_eq!(location(&response), "/partner/customers");
        (client, partner)
    }

    /// A client signed in as an existing active account.
    pub async fn signed_in_as(&self, email: &str) -> Client {
        let client = client();
        let response = self.login(&client, email, PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "sign-in of {email}"
        );
        client
    }

    /// Gives an account a person's name, as its owner would have typed it.
    pub async fn rename(&self, account: AccountId, first: &str, last: &str) {
        sqlx::query("update accounts set first_name = $2, last_name = $3 where id = $1")
            .bind(account)
            .bind(first)
            .bind(last)
            .execute(&self.db)
            .await
            .unwrap();
    }

    /// The time zone stored for an account (none until chosen or sent by a browser).
    pub async fn stored_zone(&self, account: AccountId) -> Option<String> {
        sqlx::query_scalar("select time_zone from accounts where id = $1")
            .bind(account)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }
}

/// The Add Partner form as a person fills it in.
pub fn add_customer_form(csrf: &str, email: &str) -> Form {
    add_named_customer_form(csrf, email, "Wei", "Zhang")
}

/// The Add Partner form for a customer of the given name.
pub fn add_named_customer_form(csrf: &str, email: &str, first: &str, last: &str) -> Form {
    Form::new()
        .text("csrf_token", csrf.to_owned())
        .text("user_type", "customer")
        .text("email", email.to_owned())
        .text("first_name", first.to_owned())
        .text("last_name", last.to_owned())
        .text("company", "Harbour Logistics")
        .text("phone", "+86 592 5503301")
        .text("country", "CN")
        .text("address", "23 Wanghai Road")
        .text("city", "Xiamen")
        .text("state", "Fujian")
        .text("postcode", "361000")
}
