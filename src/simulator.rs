//! `simulate-pbx`: plays a Cloud PBX sending heartbeats, so Central Management shows live data
//! without real hardware. Plain HTTP/1.1 over TCP (the portal is reached on the local network
//! or behind a TLS-terminating proxy in production; the simulator is for development).

use anyhow::{bail, Context};
use rand::Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends one heartbeat; returns the HTTP status and the response body.
pub async fn heartbeat(
    base_url: &str,
    token: &str,
    version: &str,
    extensions: u32,
    calls: u32,
) -> anyhow::Result<(u16, String)> {
    let rest = base_url
        .strip_prefix("http://")
        .context("--url must start with http://")?;
    let host = rest.trim_end_matches('/').split('/').next().unwrap_or(rest);
    let body = serde_json::json!({ "version": version, "extensions_in_use": extensions, "active_calls": calls }).to_string();
    let request = format!(
        "POST /api/pbx/heartbeat HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(host)
        .await
        .with_context(|| format!("could not connect to {host}"))?;
    stream.write_all(request.as_bytes()).await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let status: u16 = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("not an HTTP response")?;
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

/// Sends `beats` heartbeats (0: until stopped), `interval` seconds apart, with changing figures.
pub async fn run(base_url: &str, token: &str, interval: u64, beats: u64) -> anyhow::Result<()> {
    let mut extensions: u32 = rand::thread_rng().gen_range(5..40);
    let mut sent = 0;
    loop {
        let calls = rand::thread_rng().gen_range(0..=extensions / 2);
        extensions = (extensions + rand::thread_rng().gen_range(0..3))
            .saturating_sub(1)
            .max(1);
        let (status, body) = heartbeat(base_url, token, "37.20.0.16", extensions, calls).await?;
        println!(
            "heartbeat: {status} extensions_in_use={extensions} active_calls={calls} -> {}",
            body.trim()
        );
        if status == 401 || status == 409 {
            bail!(
                "the portal refused the heartbeat ({status}); check the token and the PBX's status"
            );
        }
        sent += 1;
        if beats != 0 && sent >= beats {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_secs(interval)).await;
    }
}
