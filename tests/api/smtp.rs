//! A real SMTP server on a TCP port, in-process: enough of RFC 5321 for lettre to deliver to it.
//! Tests read what arrived and follow the links in it, as a person reading their mail would.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

#[derive(Debug, Clone)]
pub struct ReceivedEmail {
    pub recipients: Vec<String>,
    /// The raw message as sent (headers and MIME body).
    pub raw: String,
}

impl ReceivedEmail {
    /// The message with quoted-printable soft line breaks joined, for searching its text.
    pub fn text(&self) -> String {
        self.raw.replace("=\r\n", "").replace("=3D", "=")
    }

    pub fn subject(&self) -> String {
        self.raw
            .lines()
            .find_map(|line| line.strip_prefix("Subject: "))
            .unwrap_or_default()
            .to_owned()
    }

    /// The first link to `path_prefix` (e.g. "/activate/") in the message.
    pub fn link(&self, path_prefix: &str) -> Option<String> {
        let text = self.text();
        let start = text.find("http://")?;
        let rest = &text[start..];
        rest.match_indices("http://").find_map(|(i, _)| {
            let candidate: String = rest[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || ":/._-".contains(*c))
                .collect();
            candidate.contains(path_prefix).then_some(candidate)
        })
    }
}

/// How the sink answers `RCPT TO` for an address it refuses, as real servers do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `550`: no such mailbox; a sender must not try again.
    NoSuchMailbox,
    /// `451`: greylisted; a sender should try again later.
    Greylisted,
}

impl Refusal {
    fn reply(self) -> &'static [u8] {
        match self {
            Refusal::NoSuchMailbox => b"550 5.1.1 mailbox unavailable\r\n",
            Refusal::Greylisted => b"451 4.7.1 greylisted, try again later\r\n",
        }
    }
}

/// What the sink does instead of accepting a recipient at once.
#[derive(Debug, Clone, Copy)]
enum Rule {
    Refuse(Refusal),
    /// Accepts, after this long (a slow or stalled server).
    AcceptAfter(Duration),
}

/// Recipients the sink does not simply accept, and what it does instead.
type Rules = Arc<Mutex<Vec<(String, Rule)>>>;

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedEmail>>>,
    rules: Rules,
    task: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind SMTP sink");
        Self::serve(listener)
    }

    /// Starts on a port chosen earlier with `unused_port` (the "server comes back up" case).
    pub async fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind SMTP sink on the reserved port");
        Self::serve(listener)
    }

    /// A port nothing listens on (yet).
    pub async fn unused_port() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    }

    fn serve(listener: TcpListener) -> Self {
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let rules = Rules::default();
        let (store, answering) = (received.clone(), rules.clone());
        let task = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (store, answering) = (store.clone(), answering.clone());
                tokio::spawn(async move {
                    let _ = session(socket, store, answering).await;
                });
            }
        });
        Self {
            port,
            received,
            rules,
            task: Arc::new(Mutex::new(Some(task))),
        }
    }

    /// From now on, answers `RCPT TO:<recipient>` with `refusal` instead of accepting it.
    pub fn refuse(&self, recipient: &str, refusal: Refusal) {
        self.rules
            .lock()
            .unwrap()
            .push((recipient.to_owned(), Rule::Refuse(refusal)));
    }

    /// From now on, answers `RCPT TO:<recipient>` only after `delay`, then accepts it.
    pub fn accept_after(&self, recipient: &str, delay: Duration) {
        self.rules
            .lock()
            .unwrap()
            .push((recipient.to_owned(), Rule::AcceptAfter(delay)));
    }

    /// Accepts every recipient again, at once (the greylisting period is over).
    pub fn accept_all(&self) {
        self.rules.lock().unwrap().clear();
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<ReceivedEmail> {
        self.received.lock().unwrap().clone()
    }

    /// How many emails have arrived (without copying them).
    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    pub fn to(&self, recipient: &str) -> Vec<ReceivedEmail> {
        self.received()
            .into_iter()
            .filter(|m| {
                m.recipients
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(recipient))
            })
            .collect()
    }

    /// Waits (up to 10 s) until at least `count` emails have arrived.
    pub async fn wait_for(&self, count: usize) -> Vec<ReceivedEmail> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let arrived = self.count();
            if arrived >= count {
                return self.received();
            }
            if tokio::time::Instant::now() > deadline {
                panic!("expected {count} emails, {arrived} arrived");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn stop(&self) {
        if let Some(task) = self.task.lock().unwrap().take() {
            task.abort();
        }
    }
}

async fn session(
    socket: tokio::net::TcpStream,
    store: Arc<Mutex<Vec<ReceivedEmail>>>,
    rules: Rules,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write
        .write_all(b"220 sink.test ESMTP test sink\r\n")
        .await?;
    let mut recipients = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if command.starts_with("HELO") || command.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if command.starts_with("MAIL FROM") {
            recipients.clear();
            b"250 OK\r\n"
        } else if command.starts_with("RCPT TO") {
            let address = line.trim_end()[8..]
                .trim()
                .trim_start_matches('<')
                .split('>')
                .next()
                .unwrap_or_default()
                .to_owned();
            let rule = rules
                .lock()
                .unwrap()
                .iter()
                .find(|(recipient, _)| address.eq_ignore_ascii_case(recipient))
                .map(|(_, rule)| *rule);
            match rule {
                Some(Rule::Refuse(refusal)) => refusal.reply(),
                Some(Rule::AcceptAfter(delay)) => {
                    tokio::time::sleep(delay).await;
                    recipients.push(address);
                    b"250 OK\r\n"
                }
                None => {
                    recipients.push(address);
                    b"250 OK\r\n"
                }
            }
        } else if command.starts_with("DATA") {
            write
                .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                .await?;
            let mut raw = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                // Undo dot-stuffing.
                raw.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            store.lock().unwrap().push(ReceivedEmail {
                recipients: std::mem::take(&mut recipients),
                raw,
            });
            b"250 OK queued\r\n"
        } else if command.starts_with("RSET") {
            recipients.clear();
            b"250 OK\r\n"
        } else if command.starts_with("QUIT") {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}
