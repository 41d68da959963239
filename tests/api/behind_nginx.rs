//! The portal as `scripts/cluster.sh` runs it: instances of the real binary behind nginx. The
//! instances see each client's own address (not nginx's, and not one a client claims), and a
//! rolling restart under traffic (`scripts/rolling-restart.sh --load`) loses no request.

use reqwest::{redirect, Client, StatusCode};

use crate::helpers::{csrf_token, spawn_app, PASSWORD};

/// A browser-like client whose connections come from `address` (any of 127.0.0.0/8).
fn client_from(address: &str) -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .local_address(Some(address.parse().unwrap()))
        .build()
        .unwrap()
}

async fn sign_in(base: &str, browser: &Client, email: &str) {
    let form = browser.get(format!("{base}/login")).send().await.unwrap();
    let csrf = csrf_token(&form.text().await.unwrap());
    let signed_in = browser
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", email),
            ("password", PASSWORD),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        signed_in.status(),
        StatusCode::SEE_OTHER,
        "{email} signs in"
    );
}

#[tokio::test]
async fn the_instances_behind_nginx_record_each_clients_own_address() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@edge.nginx.test").await;
    app.customer_of(partner, "c@edge.nginx.test").await;
    let cluster = app.cluster(2, false).await;

    sign_in(
        &cluster.base,
        &client_from("127.0.0.2"),
        "p@edge.nginx.test",
    )
    .await;
    // A client claiming another address gets its own recorded: nginx replaces the header.
    let claimant = client_from("127.0.0.3");
    let form = claimant
        .get(format!("{}/login", cluster.base))
        .send()
        .await
        .unwrap();
    let csrf = csrf_token(&form.text().await.unwrap());
    let signed_in = claimant
        .post(format!("{}/login", cluster.base))
        .header("x-forwarded-for", "198.51.100.7")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "c@edge.nginx.test"),
            ("password", PASSWORD),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);

    let recorded: Vec<(String, String)> = sqlx::query_as(
        "select a.email, s.client_ip from account_sessions s join accounts a on a.id = s.account_id \
         order by a.email",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        recorded,
        [
            ("c@edge.nginx.test".to_owned(), "127.0.0.3".to_owned()),
            ("p@edge.nginx.test".to_owned(), "127.0.0.2".to_owned()),
        ]
    );
    let audited = app
        .count("select count(*) from audit_log where action = 'sign_in.succeeded' and client_ip in ('127.0.0.2', '127.0.0.3')")
        .await;
    assert_eq!(audited, 2, "the audit log names the clients too");
}

#[tokio::test]
async fn a_rolling_restart_under_traffic_through_nginx_loses_no_request() {
    let app = spawn_app().await;
    let cluster = app.cluster(2, true).await;
    let (succeeded, printed) = cluster.run("scripts/rolling-restart.sh", &["--load"]).await;
    eprintln!("{printed}");
    assert!(succeeded, "the rolling restart failed:\n{printed}");
    let sent: u64 = printed
        .lines()
        .find_map(|line| line.strip_prefix("requests sent: "))
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.parse().ok())
        .expect("the script says how many requests it sent");
    assert!(sent > 500, "traffic flowed during the restart: {sent}");
    assert!(printed.contains(", failed: 0"), "{printed}");
    assert!(printed.contains("instance 2 restarted"), "{printed}");
}
