//! Where email goes: an SMTP server (lettre), or `.eml` files when no SMTP server is configured.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::smtp::PlainSmtp;

/// SMTP connections one transport keeps open for reuse.
pub const CONNECTIONS: usize = 16;

pub struct Envelope<'a> {
    pub id: crate::ids::EmailId,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub text_body: &'a str,
    pub html_body: &'a str,
    /// What kind of email it is (e.g. "activation").
    pub kind: &'a str,
}

/// Why a delivery failed; a permanent failure is not retried.
#[derive(Debug)]
pub struct SendError {
    pub message: String,
    pub permanent: bool,
}

#[derive(Clone)]
pub enum Transport {
    /// Plain SMTP, on sockets with Nagle's algorithm off (`mail::smtp` says why).
    Smtp(Arc<PlainSmtp>),
    /// SMTP with TLS or credentials (`smtps://`, `?tls=`, `user:password@`): lettre's own
    /// pool, which sets them up.
    SmtpWithTls(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

impl Transport {
    pub fn smtp(url: &str) -> anyhow::Result<Self> {
        // lettre reads the URL first, so a bad one is refused with its message either way.
        let lettre = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .context("SMTP_URL is not a valid SMTP URL (e.g. smtp://127.0.0.1:2525)")?;
        if let Some(plain) = PlainSmtp::from_url(url, CONNECTIONS) {
            return Ok(Self::Smtp(Arc::new(plain)));
        }
        let transport = lettre
            .timeout(Some(std::time::Duration::from_secs(20)))
            .pool_config(PoolConfig::new().max_size(CONNECTIONS as u32))
            .build();
        Ok(Self::SmtpWithTls(transport))
    }

    pub async fn send(&self, from: &str, envelope: &Envelope<'_>) -> Result<(), SendError> {
        let message = build_message(from, envelope).map_err(|err| SendError {
            message: format!("{err:#}"),
            permanent: true,
        })?;
        match self {
            Transport::Smtp(smtp) => smtp.send(message.envelope(), &message.formatted()).await,
            Transport::SmtpWithTls(smtp) => {
                smtp.send(message)
                    .await
                    .map(|_| ())
                    .map_err(|err| SendError {
                        message: err.to_string(),
                        permanent: err.is_permanent(),
                    })
            }
            Transport::Files(dir) => {
                let path = dir.join(format!("{}.eml", envelope.id));
                let bytes = message.formatted();
                let result = async {
                    tokio::fs::create_dir_all(dir).await?;
                    tokio::fs::write(&path, bytes).await
                }
                .await;
                result.map_err(|err| SendError {
                    message: format!("could not write {}: {err}", path.display()),
                    permanent: false,
                })?;
                // Without a mail server the newcomer still needs an activation link: log it. No
                // other link (a password reset) is ever logged; those stay in the .eml file.
                let links: Vec<&str> = envelope
                    .text_body
                    .split_whitespace()
                    .filter(|_| envelope.kind == "activation")
                    .filter(|word| word.starts_with("http://") || word.starts_with("https://"))
                    .collect();
                tracing::info!(
                    to = envelope.recipient,
                    subject = envelope.subject,
                    file = %path.display(),
                    links = ?links,
                    "email written to the file outbox (SMTP_URL is not set)"
                );
                Ok(())
            }
        }
    }
}

fn build_message(from: &str, envelope: &Envelope<'_>) -> anyhow::Result<Message> {
    let from: Mailbox = from.parse().context("MAIL_FROM is not a valid mailbox")?;
    let to: Mailbox = envelope
        .recipient
        .parse()
        .context("the recipient is not a valid email address")?;
    Message::builder()
        .from(from)
        .to(to)
        .subject(envelope.subject)
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(envelope.text_body.to_owned()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(envelope.html_body.to_owned()),
                ),
        )
        .context("could not build the email")
}
