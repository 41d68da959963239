//! Every email as a subject plus an askama text + HTML template pair.

use askama::Template;
use time::OffsetDateTime;

use super::outbox::OutgoingEmail;
use crate::format::{datetime, Zone};
use crate::ids::AccountId;

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
    /// The recipient's zone (for a new account: its country's).
    pub zone: Zone,
}

impl ActivationEmail<'_> {
    pub fn expires_text(&self) -> String {
        datetime(self.expires_at, &self.zone)
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

#[derive(Template)]
#[template(path = "email/security_notice.txt")]
struct SecurityNoticeText<'a> {
    m: &'a SecurityNotice<'a>,
}

#[derive(Template)]
#[template(path = "email/security_notice.html")]
struct SecurityNoticeHtml<'a> {
    m: &'a SecurityNotice<'a>,
}

/// Tells an account's owner that something changed about how they sign in.
pub struct SecurityNotice<'a> {
    pub account_id: AccountId,
    pub recipient: &'a str,
    pub recipient_name: &'a str,
    /// Short subject, e.g. "Your password was changed".
    pub headline: &'a str,
    /// One or two sentences on what happened.
    pub what: &'a str,
    pub at: OffsetDateTime,
    pub client_ip: &'a str,
    /// The recipient's zone.
    pub zone: Zone,
}

impl SecurityNotice<'_> {
    pub fn when_text(&self) -> String {
        datetime(self.at, &self.zone)
    }

    pub fn render(&self) -> anyhow::Result<OutgoingEmail> {
        Ok(OutgoingEmail {
            recipient: self.recipient.to_owned(),
            subject: format!("Yeastar Portal: {}", self.headline),
            text_body: SecurityNoticeText { m: self }.render()?,
            html_body: SecurityNoticeHtml { m: self }.render()?,
            kind: "security_notice",
            account_id: Some(self.account_id),
        })
    }
}

#[derive(Template)]
#[template(path = "email/password_reset.txt")]
struct PasswordResetText<'a> {
    m: &'a PasswordResetEmail<'a>,
}

#[derive(Template)]
#[template(path = "email/password_reset.html")]
struct PasswordResetHtml<'a> {
    m: &'a PasswordResetEmail<'a>,
}

/// The email with a one-hour password reset link.
pub struct PasswordResetEmail<'a> {
    pub account_id: AccountId,
    pub recipient: &'a str,
    pub recipient_name: &'a str,
    pub link: &'a str,
    pub expires_at: OffsetDateTime,
    /// The recipient's zone.
    pub zone: Zone,
}

impl PasswordResetEmail<'_> {
    pub fn expires_text(&self) -> String {
        datetime(self.expires_at, &self.zone)
    }

    pub fn render(&self) -> anyhow::Result<OutgoingEmail> {
        Ok(OutgoingEmail {
            recipient: self.recipient.to_owned(),
            subject: "Reset your Yeastar Portal password".to_owned(),
            text_body: PasswordResetText { m: self }.render()?,
            html_body: PasswordResetHtml { m: self }.render()?,
            kind: "password_reset",
            account_id: Some(self.account_id),
        })
    }
}

#[derive(Template)]
#[template(path = "email/notice.txt")]
struct NoticeText<'a> {
    m: &'a Notice<'a>,
}

#[derive(Template)]
#[template(path = "email/notice.html")]
struct NoticeHtml<'a> {
    m: &'a Notice<'a>,
}

/// A plain notice about the account's products (trial reminders, renewals).
pub struct Notice<'a> {
    pub account_id: AccountId,
    pub recipient: &'a str,
    pub recipient_name: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub link: &'a str,
    pub kind: &'static str,
}

impl Notice<'_> {
    pub fn render(&self) -> anyhow::Result<OutgoingEmail> {
        Ok(OutgoingEmail {
            recipient: self.recipient.to_owned(),
            subject: self.subject.to_owned(),
            text_body: NoticeText { m: self }.render()?,
            html_body: NoticeHtml { m: self }.render()?,
            kind: self.kind,
            account_id: Some(self.account_id),
        })
    }
}
