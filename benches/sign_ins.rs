//! Concurrent sign-ins for `benches/run.sh`: one client per address in EMAILS (comma-separated),
//! each signing in over and over through the real form (a fresh session for the CSRF token,
//! then the password: one argon2 verification each) for SECONDS, against BASE with PASSWORD.
//! Client n connects from 127.0.0.(n + 2), as people sign in from their own machines: the
//! portal's per-address and per-account throttles then see what they would see in life, not
//! one address guessing at fifty accounts. Prints one line:
//!
//!     SIGNINS completed=<n> failed=<n> per_second=<x> p50_ms=<x> p99_ms=<x>
//!
//! Configured by the environment: BASE, EMAILS, PASSWORD, SECONDS (10).

use std::time::{Duration, Instant};

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

/// One sign-in as a person's browser makes it; its time, or why it failed.
async fn sign_in(
    base: &str,
    email: &str,
    password: &str,
    from: std::net::IpAddr,
) -> Result<Duration, String> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .local_address(from)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let form = client
        .get(format!("{base}/login"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let page = form.text().await.map_err(|e| e.to_string())?;
    let marker = "name=\"csrf_token\" value=\"";
    let at = page.find(marker).ok_or("no csrf_token on /login")? + marker.len();
    let csrf = page[at..].split('"').next().unwrap_or_default();
    let answer = client
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", csrf),
            ("email", email),
            ("password", password),
            ("next", ""),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if answer.status() != reqwest::StatusCode::SEE_OTHER {
        return Err(format!("sign-in answered {}", answer.status()));
    }
    Ok(started.elapsed())
}

#[tokio::main]
async fn main() {
    let base = env("BASE", "http://127.0.0.1:18400");
    let emails = env("EMAILS", "partner@northwind.example");
    let password = env("PASSWORD", "Demo-Portal-2026");
    let seconds: u64 = env("SECONDS", "10").parse().unwrap_or(10);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let clients: Vec<_> = emails
        .split(',')
        .map(str::trim)
        .filter(|email| !email.is_empty())
        .enumerate()
        .map(|(n, email)| {
            let (base, email, password) = (base.clone(), email.to_owned(), password.clone());
            let from = std::net::IpAddr::from([127, 0, (n / 250) as u8, (n % 250 + 2) as u8]);
            tokio::spawn(async move {
                let mut results = Vec::new();
                while Instant::now() < deadline {
                    results.push(sign_in(&base, &email, &password, from).await);
                }
                results
            })
        })
        .collect();
    let mut took = Vec::new();
    let mut failures = Vec::new();
    for client in clients {
        for result in client.await.unwrap_or_default() {
            match result {
                Ok(duration) => took.push(duration),
                Err(why) => failures.push(why),
            }
        }
    }
    took.sort();
    let at = |q: f64| {
        took.get(((took.len().max(1) - 1) as f64 * q) as usize)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    if let Some(first) = failures.first() {
        eprintln!("first failure: {first}");
    }
    println!(
        "SIGNINS completed={} failed={} per_second={:.1} p50_ms={:.1} p99_ms={:.1}",
        took.len(),
        failures.len(),
        took.len() as f64 / seconds as f64,
        at(0.5),
        at(0.99)
    );
}
