//! Plain SMTP (`smtp://host[:port]`: no TLS, no credentials) over sockets opened here with
//! `TCP_NODELAY`, kept open and reused.
//!
//! Why not lettre's own pool for these: lettre 0.11.23 opens its sockets with Nagle's algorithm
//! on, and writes a message's body and the `.` line that ends it in two writes. Nagle holds the
//! `.` back until the server has acknowledged the body, and servers delay that acknowledgement
//! (40 ms on Linux) while they wait for the rest of the message, so every email took at least
//! 40 ms on its connection (44 ms measured on loopback; 0.13 ms with `TCP_NODELAY`). lettre has
//! merged the fix (lettre#1159) but not released it; it does let a caller bring the socket
//! (`AsyncSmtpConnection::connect_with_transport`), which is all this module does beyond a
//! small pool. TLS and authentication stay with lettre's pool, which sets them up. Remove this
//! module once a lettre release sets `TCP_NODELAY` itself.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use lettre::address::Envelope;
use lettre::transport::smtp::client::AsyncSmtpConnection;
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::SMTP_PORT;
use tokio::net::TcpStream;

use super::transport::SendError;

/// The longest one send may take, connecting included. lettre bounds only the connect, and a
/// send that never ends would outlive the worker's lease on the email.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);
/// A connection idle for longer is closed instead of reused (as lettre's pool does): servers
/// drop idle clients after a few minutes.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

pub struct PlainSmtp {
    host: String,
    port: u16,
    hello: ClientId,
    max_idle: usize,
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
}

impl PlainSmtp {
    /// `Some` for a URL that lettre reads as plain SMTP: scheme `smtp`, no `tls` parameter and
    /// no password (lettre ignores a user name alone). Keeps up to `max_idle` connections open.
    pub fn from_url(url: &str, max_idle: usize) -> Option<Self> {
        let url = url::Url::parse(url).ok()?;
        let plain = url.scheme() == "smtp"
            && url.password().is_none()
            && !url.query_pairs().any(|(key, _)| key == "tls");
        if !plain {
            return None;
        }
        // As lettre: the URL's path, if any, is the name given in EHLO.
        let hello = match url.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_owned()),
        };
        Some(Self {
            host: url.host_str()?.to_owned(),
            port: url.port().unwrap_or(SMTP_PORT),
            hello,
            max_idle,
            idle: Mutex::default(),
        })
    }

    /// Sends `message` (formatted, headers included) on an open connection or a new one.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SendError> {
        match tokio::time::timeout(SEND_TIMEOUT, self.send_on_a_connection(envelope, message)).await
        {
            Ok(sent) => sent,
            // The connection, mid-exchange, is dropped with the future: never reused.
            Err(_) => Err(SendError {
                message: format!(
                    "{}:{} did not finish within {SEND_TIMEOUT:?}",
                    self.host, self.port
                ),
                permanent: false,
            }),
        }
    }

    async fn send_on_a_connection(
        &self,
        envelope: &Envelope,
        message: &[u8],
    ) -> Result<(), SendError> {
        let mut connection = self.connection().await?;
        let sent = connection.send(envelope, message).await;
        // lettre marks a connection broken after any error reply and has closed it.
        if !connection.has_broken() {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            if idle.len() < self.max_idle {
                idle.push((connection, Instant::now()));
            }
        }
        sent.map(|_| ()).map_err(|err| SendError {
            message: err.to_string(),
            permanent: err.is_permanent(),
        })
    }

    /// The most recently used open connection that still answers, or a new one.
    async fn connection(&self) -> Result<AsyncSmtpConnection, SendError> {
        loop {
            let parked = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            let Some((mut connection, since)) = parked else {
                return self.connect().await;
            };
            // NOOP finds a connection the server has closed before a message goes down it.
            if since.elapsed() < IDLE_TIMEOUT && connection.test_connected().await {
                return Ok(connection);
            }
            connection.abort().await;
        }
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, SendError> {
        let unreachable = |err: std::io::Error| SendError {
            message: format!("could not connect to {}:{}: {err}", self.host, self.port),
            permanent: false,
        };
        let socket = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(unreachable)?;
        socket.set_nodelay(true).map_err(unreachable)?;
        AsyncSmtpConnection::connect_with_transport(Box::new(socket), &self.hello)
            .await
            .map_err(|err| SendError {
                message: err.to_string(),
                permanent: err.is_permanent(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_urls_without_tls_or_credentials_are_plain() {
        let plain = PlainSmtp::from_url("smtp://127.0.0.1:2525", 4).expect("plain");
        assert_eq!((plain.host.as_str(), plain.port), ("127.0.0.1", 2525));
        assert_eq!(
            PlainSmtp::from_url("smtp://mail.example.com", 4).map(|s| s.port),
            Some(25)
        );
        for url in [
            "smtps://mail.example.com",
            "smtp://mail.example.com:587?tls=required",
            "smtp://mail.example.com?tls=opportunistic",
            "smtp://user:secret@mail.example.com",
            "not a url",
        ] {
            assert!(PlainSmtp::from_url(url, 4).is_none(), "{url}");
        }
    }
}
