//! Every email as a subject plus an askama text + HTML template pair.

use askama::Template;
use time::OffsetDateTime;

use super::outbox::OutgoingEmail;
use crate::format::{datetime, Zone};
use crate::ids::AccountId;

/// The text and HTML templates of one email, each given the email's fields as `m`, and the
/// email's `render`: its subject and kind, expressions over the fields (named by the caller).
macro_rules! email {
    (
        $email:ident, $text:ident, $html:ident, $text_path:literal, $html_path:literal,
        subject: |$m:pat_param| $subject:expr, kind: $kind:expr
    ) => {
        #[derive(Template)]
        #[template(path = $text_path)]
        struct $text<'a> {
            m: &'a $email<'a>,
        }

        #[derive(Template)]
        #[template(path = $html_path)]
        struct $html<'a> {
            m: &'a $email<'a>,
        }

        impl $email<'_> {
            pub fn render(&self) -> anyhow::Result<OutgoingEmail> {
                let $m: &Self = self;
                outgoing(
                    self.account_id,
                    self.recipient,
                    $subject,
                    $kind,
                    &$text { m: self },
                    &$html { m: self },
                )
            }
        }
    };
}

/// One email to one account, both bodies rendered.
fn outgoing(
    account_id: AccountId,
    recipient: &str,
    subject: String,
    kind: &'static str,
    text: &impl Template,
    html: &impl Template,
) -> anyhow::Result<OutgoingEmail> {
    Ok(OutgoingEmail {
        recipient: recipient.to_owned(),
        subject,
        text_body: text.render()?,
        html_body: html.render()?,
        kind,
        account_id: Some(account_id),
    })
}

email!(
    ActivationEmail,
    ActivationText,
    ActivationHtml,
    "email/activation.txt",
    "email/activation.html",
    subject: |m| format!("Activate your Yeastar {} account", m.portal_name),
    kind: "activation"
);

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
}

email!(
    SecurityNotice,
    SecurityNoticeText,
    SecurityNoticeHtml,
    "email/security_notice.txt",
    "email/security_notice.html",
    subject: |m| format!("Yeastar Portal: {}", m.headline),
    kind: "security_notice"
);

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
}

email!(
    PasswordResetEmail,
    PasswordResetText,
    PasswordResetHtml,
    "email/password_reset.txt",
    "email/password_reset.html",
    subject: |_| "Reset your Yeastar Portal password".to_owned(),
    kind: "password_reset"
);

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
}

email!(
    Notice,
    NoticeText,
    NoticeHtml,
    "email/notice.txt",
    "email/notice.html",
    subject: |m| m.subject.to_owned(),
    kind: m.kind
);

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
