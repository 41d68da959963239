//! A proxy between the app's pool and PostgreSQL that reads the frontend protocol as it passes
//! and records what the app asked: each statement executed (its SQL, from the Parse that
//! prepared it) and each Sync (one round trip: the app waits for PostgreSQL's ReadyForQuery).
//! Tests count what one page view costs the database, from the wire, whatever the code says.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the app sent since the last `take`.
#[derive(Debug, Default, Clone)]
pub struct Traffic {
    /// The SQL of every statement executed, in order.
    pub statements: Vec<String>,
    /// Sync messages: round trips, statements' and the pool's own (a Sync alone on release).
    pub syncs: usize,
}

#[derive(Default)]
struct Connection {
    prepared: HashMap<String, String>,
    bound: String,
}

pub struct WireCounter {
    pub port: u16,
    traffic: Arc<Mutex<Traffic>>,
    accept: tokio::task::JoinHandle<()>,
}

impl WireCounter {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let traffic = Arc::new(Mutex::new(Traffic::default()));
        let seen = traffic.clone();
        let accept = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let Ok(outbound) = TcpStream::connect(target).await else {
                    continue;
                };
                tokio::spawn(relay(inbound, outbound, seen.clone()));
            }
        });
        Self {
            port,
            traffic,
            accept,
        }
    }

    /// What was sent since the last call, and start counting afresh.
    pub fn take(&self) -> Traffic {
        std::mem::take(&mut *self.traffic.lock().unwrap())
    }
}

impl Drop for WireCounter {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Copies server → client untouched and client → server while reading its messages.
async fn relay(inbound: TcpStream, outbound: TcpStream, traffic: Arc<Mutex<Traffic>>) {
    let (mut client_read, mut client_write) = inbound.into_split();
    let (mut server_read, mut server_write) = outbound.into_split();
    let replies = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
    });
    let mut pending: Vec<u8> = Vec::new();
    let mut started = false;
    let mut connection = Connection::default();
    let mut chunk = vec![0u8; 64 * 1024];
    while let Ok(n) = client_read.read(&mut chunk).await {
        if n == 0 || server_write.write_all(&chunk[..n]).await.is_err() {
            break;
        }
        pending.extend_from_slice(&chunk[..n]);
        while let Some(used) = next_message(&pending, &mut started, &mut connection, &traffic) {
            pending.drain(..used);
        }
    }
    replies.abort();
}

/// Reads one whole message from the front of `bytes`, if it is all there; returns its length.
fn next_message(
    bytes: &[u8],
    started: &mut bool,
    connection: &mut Connection,
    traffic: &Mutex<Traffic>,
) -> Option<usize> {
    if !*started {
        // Untyped: an SSL or GSS request (another untyped message follows), then the startup.
        let length = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
        let code = u32::from_be_bytes(bytes.get(4..8)?.try_into().ok()?);
        if bytes.len() < length {
            return None;
        }
        *started = !matches!(code, 80_877_103 | 80_877_104);
        return Some(length);
    }
    let kind = *bytes.first()?;
    let length = u32::from_be_bytes(bytes.get(1..5)?.try_into().ok()?) as usize;
    let body = bytes.get(5..1 + length)?;
    let mut strings = body.split(|b| *b == 0).map(String::from_utf8_lossy);
    let mut traffic = traffic.lock().unwrap();
    match kind {
        b'P' => {
            let name = strings.next().unwrap_or_default().into_owned();
            let sql = strings.next().unwrap_or_default().into_owned();
            connection.prepared.insert(name, sql);
        }
        b'B' => {
            let _portal = strings.next();
            let name = strings.next().unwrap_or_default();
            connection.bound = connection.prepared.get(&*name).cloned().unwrap_or_default();
        }
        b'E' => traffic.statements.push(connection.bound.trim().to_owned()),
        b'Q' => traffic
            .statements
            .push(strings.next().unwrap_or_default().trim().to_owned()),
        b'S' => traffic.syncs += 1,
        _ => {}
    }
    Some(1 + length)
}
