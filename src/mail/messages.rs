//! Every email as a subject plus an askama text + HTML template pair.

use askama::Template;
use time::OffsetDateTime;

use super::outbox::OutgoingEmail;
use crate::accounts::model::AccountId;
use crate::format::datetime_utc;

#[derive(Template)]
#[template(path = "email/activation.txt")]
struct ActivationText<'a> {
    m: &'a ActivationEmail<'a>,
}

#[derive(Template)]
#[template(path = "email/activation.html")]
struct ActivationHtml<'a> {
    m: &'a ActivationEmail<'a>,
}

/// The email that carries an activation link.
pub struct ActivationEmail<'a> {
    pub account_id: AccountId,
    pub recipient: &'a str,
    pub recipient_name: &'a str,
    /// Who created the account, e.g. "Acme Telecom (your Yeastar partner)".
    pub invited_by: &'a str,
    pub portal_name: &'a str,
    pub link: &'a str,
    pub expires_at: OffsetDateTime,
}

impl ActivationEmail<'_> {
    pub fn expires_text(&self) -> String {
        datetime_utc(self.expires_at)
    }

    pub fn render(&self) -> anyhow::Result<OutgoingEmail> {
        Ok(OutgoingEmail {
            recipient: self.recipient.to_owned(),
            subject: format!("Activate your Yeastar {} account", self.portal_name),
            text_body: ActivationText { m: self }.render()?,
            html_body: ActivationHtml { m: self }.render()?,
            kind: "activation",
            account_id: Some(self.account_id),
        })
    }
}
