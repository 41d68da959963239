//! Arrange steps for partner organizations: an Owner adds a colleague through the Add colleague
//! form, the colleague activates from the emailed link and signs in.

use reqwest::{Client, StatusCode};
use yeastar_portal::accounts::model::AccountId;

use super::{location, TestApp, PASSWORD};

impl TestApp {
    /// Posts the Add colleague form as `owner` with the permission codes ticked; returns the
    /// new colleague's id.
    pub async fn add_colleague(
        &self,
        owner: &Client,
        email: &str,
        permissions: &[&str],
    ) -> AccountId {
        let csrf = self.csrf_for(owner, "/partner/colleagues/new").await;
        let boxes: Vec<String> = permissions.iter().map(|p| format!("perm_{p}")).collect();
        let mut fields = vec![
            ("csrf_token", csrf.as_str()),
            ("email", email),
            ("first_name", "Colin"),
            ("last_name", "League"),
            ("country", "DE"),
        ];
        fields.extend(boxes.iter().map(|b| (b.as_str(), "on")));
        let response = self
            .post_form(owner, "/partner/colleagues/new", &fields)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "colleague {email} added"
        );
        let page = location(&response);
        let id = page.rsplit('/').next().unwrap().parse().unwrap();
        AccountId(id)
    }

    /// Delivers the outbox and activates `email` from the link in its newest email.
    pub async fn activate_from_email(&self, email: &str) {
        self.drain_outbox().await;
        let mails = self.smtp.to(email);
        let link = mails
            .last()
            .expect("an activation email")
            .link("/activate/")
            .unwrap();
        let response = self.activate(&link, PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "activation of {email}"
        );
    }

    /// An active colleague with `permissions`, signed in on a client of its own.
    pub async fn signed_in_colleague(
        &self,
        owner: &Client,
        email: &str,
        permissions: &[&str],
    ) -> (Client, AccountId) {
        let id = self.add_colleague(owner, email, permissions).await;
        self.activate_from_email(email).await;
        (self.signed_in_as(email).await, id)
    }
}
