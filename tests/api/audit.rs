//! The audit logs read as sentences with labelled details, filter by action, account and date,
//! page and export as CSV, stay scoped to the reader's tenant, and cannot be changed.

use reqwest::{Client, StatusCode};
use time::Duration;
use yeastar_portal::accounts::model::{AccountId, Role};

use crate::helpers::{add_named_customer_form, location, spawn_app, TestApp, PASSWORD};

async fn id_of(app: &TestApp, email: &str) -> AccountId {
    AccountId(
        sqlx::query_scalar("select id from accounts where email = $1")
            .bind(email)
            .fetch_one(&app.db)
            .await
            .unwrap(),
    )
}

/// The partner Nora Winters, signed in, adds the customer Alice Martin through Add Partner;
/// Alice activates her account and signs in. Returns Nora's and Alice's clients and Alice's id.
async fn nora_adds_alice(app: &TestApp, domain: &str) -> (Client, Client, AccountId) {
    let nora_email = format!("nora@{domain}");
    let (manager, partner) = app.partner(&nora_email).await;
    app.rename(partner, "Nora", "Winters").await;
    app.rename(manager, "Sam", "Okafor").await;
    let nora = app.signed_in_as(&nora_email).await;
    let alice_email = format!("alice@customer.{domain}");
    let csrf = app.csrf_for(&nora, "/partner/customers/new").await;
    let added = app
        .post_multipart(
            &nora,
            "/partner/customers/new",
            add_named_customer_form(&csrf, &alice_email, "Alice", "Martin"),
        )
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    app.drain_outbox().await;
    let link = app.smtp.to(&alice_email)[0].link("/activate/").unwrap();
    assert_eq!(location(&app.activate(&link, PASSWORD).await), "/login");
    let alice = app.signed_in_as(&alice_email).await;
    (nora, alice, id_of(app, &alice_email).await)
}

/// How many entries an audit log page lists.
fn entries(html: &str) -> usize {
    html.matches("<td data-label=\"Time\"").count()
}

#[tokio::test]
async fn the_log_tells_who_did_what_to_whom_in_a_sentence_with_labelled_details() {
    let app = spawn_app().await;
    let (nora, _alice, alice_id) = nora_adds_alice(&app, "sentences.test").await;
    let path = format!("/partner/customers/{alice_id}/removal-request");
    let csrf = app.csrf_for(&nora, &path).await;
    let reason = [
        ("csrf_token", csrf.as_str()),
        ("reason", "Closed their office"),
    ];
    app.post_form(&nora, &path, &reason).await;
    let manager = app.signed_in_as("manager-of-nora@sentences.test").await;

    for (reader, log) in [(&manager, "/manager/audit"), (&nora, "/partner/audit")] {
        let (status, html) = app.get_html(reader, log).await;
        assert_eq!(status, StatusCode::OK);
        for sentence in [
            "Nora Winters added customer Alice Martin",
            "Nora Winters sent an activation email to Alice Martin",
            "Alice Martin activated their account",
            "Alice Martin signed in",
            "Nora Winters signed in",
            "Nora Winters requested the removal of Alice Martin",
        ] {
            assert!(
                html.contains(&format!("<p class=\"audit-sentence\">{sentence}</p>")),
                "{log} says “{sentence}”"
            );
        }
        assert!(html.contains("<dt>Reason</dt><dd>Closed their office</dd>"));
        assert!(html.contains("<dt>Role</dt><dd>Customer</dd>"));
        assert!(html.contains("<dt>Method</dt><dd>Password</dd>"));
        assert!(html.contains("By nora@sentences.test"), "the actor's email");
        assert!(!html.contains("removal.requested</"), "no raw action code");
        assert!(!html.contains("{&quot;"), "no JSON");
    }

    let csv = app
        .get(&manager, "/manager/audit.csv?action=removal.requested")
        .await
        .text()
        .await
        .unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("time_utc,action,actor,target,partner,client_ip,details,summary")
    );
    let line = lines.next().unwrap();
    assert!(line.contains("\"removal.requested\",\"nora@sentences.test\""));
    assert!(line.ends_with(",\"Nora Winters requested the removal of Alice Martin\""));
}

#[tokio::test]
async fn a_subscription_change_is_told_with_its_plan_extensions_and_amount() {
    let app = spawn_app().await;
    let (browser, alice) = app.signed_in_customer("alice@change.test").await;
    app.rename(alice, "Alice", "Martin").await;
    let fields = [
        ("plan", "cloud_pbx_enterprise"),
        ("units", "20"),
        ("term", "1y"),
    ];
    let sub = location(&app.subscribe(&browser, &fields).await);
    app.clock.advance(Duration::days(30));
    let browser = app.signed_in_as("alice@change.test").await;
    let changed = app
        .change_subscription(
            &browser,
            &sub,
            &[("plan", "cloud_pbx_ultimate"), ("units", "30")],
        )
        .await;
    assert_eq!(location(&changed), sub);
    let (number, total): (String, i64) =
        sqlx::query_as("select number, total_minor from orders where kind = 'change'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    let charged = yeastar_portal::pricing::format_money(total, "USD");

    let partner = app.signed_in_as("partner-of-alice@change.test").await;
    let (_, html) = app.get_html(&partner, "/partner/audit").await;
    for sentence in [
        "Alice Martin subscribed to Cloud PBX",
        "Alice Martin changed their Cloud PBX subscription",
        &format!("Alice Martin placed order <span class=\"ident\">{number}</span>"),
    ] {
        assert!(html.contains(sentence), "the log says “{sentence}”");
    }
    // Order numbers and amounts are marked so the page keeps each on one line.
    for (label, value, class) in [
        ("Plan", "Cloud PBX Ultimate Plan (UP)", ""),
        ("Extensions", "30", ""),
        ("Order", number.as_str(), " class=\"ident\""),
        ("Charged now", charged.as_str(), " class=\"amount\""),
        ("Plan", "Cloud PBX Enterprise Plan (EP)", ""),
    ] {
        assert!(
            html.contains(&format!("<dt>{label}</dt><dd{class}>{value}</dd>")),
            "{label}: {value}"
        );
    }
}

#[tokio::test]
async fn the_date_range_narrows_the_log_and_a_bad_date_is_answered_next_to_its_field() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@dates.test").await;
    // Days as the manager reads them: the filter means whole days in the reader's zone, and
    // the test accounts are in Germany (near midnight UTC, Berlin is already on the next day).
    let berlin = yeastar_portal::format::Zone::parse("Europe/Berlin").unwrap();
    let first_day = berlin.local_date(app.now());
    app.create_account(Role::Customer, "early@dates.test", None, Some(partner))
        .await;
    app.clock.advance(Duration::days(3));
    let later_day = berlin.local_date(app.now());
    app.create_account(Role::Customer, "late@dates.test", None, Some(partner))
        .await;
    let manager = app.signed_in_as("manager-of-p@dates.test").await;
    let added = "action=account.created";

    let (_, all) = app
        .get_html(&manager, &format!("/manager/audit?{added}"))
        .await;
    assert_eq!(entries(&all), 4, "manager, partner and both customers");
    let (status, early) = app
        .get_html(
            &manager,
            &format!("/manager/audit?{added}&from={first_day}&to={first_day}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(entries(&early), 3);
    assert!(early.contains("early@dates.test") && !early.contains("late@dates.test"));
    assert!(early.contains(&format!(
        "<input type=\"date\" id=\"from\" name=\"from\" value=\"{first_day}\""
    )));
    let (_, late) = app
        .get_html(
            &manager,
            &format!("/manager/audit?{added}&from={later_day}"),
        )
        .await;
    assert_eq!(entries(&late), 1);
    assert!(late.contains("late@dates.test") && !late.contains("early@dates.test"));

    let (status, bad) = app
        .get_html(
            &manager,
            "/manager/audit?from=2026-02-30&account=early%40dates.test",
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.contains("value=\"2026-02-30\" aria-invalid=\"true\" aria-describedby=\"from-error\"")
    );
    assert!(bad.contains(
        "<p class=\"error\" id=\"from-error\">“2026-02-30” is not a date. Choose a day from the calendar.</p>"
    ));
    assert!(
        bad.contains("value=\"early@dates.test\""),
        "the other input is kept"
    );
    assert_eq!(entries(&bad), 0);

    let (status, reversed) = app
        .get_html(
            &manager,
            &format!("/manager/audit?from={later_day}&to={first_day}"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reversed
        .contains("<p class=\"error\" id=\"to-error\">The end date is before the start date.</p>"));
}

#[tokio::test]
async fn a_partner_reads_only_its_own_tenant_even_when_asking_for_another() {
    let app = spawn_app().await;
    let (nora, _, _) = nora_adds_alice(&app, "mine.test").await;
    let (_, other) = app.partner("p@theirs.test").await;
    let bob = app.customer_of(other, "bob@theirs.test").await;
    app.rename(bob, "Bob", "Stone").await;
    app.signed_in_as("bob@theirs.test").await;

    let (_, own) = app.get_html(&nora, "/partner/audit").await;
    assert!(own.contains("Nora Winters added customer Alice Martin"));
    assert!(!own.contains("Bob Stone") && !own.contains("bob@theirs.test"));
    let (status, asked) = app
        .get_html(&nora, &format!("/partner/audit?partner={other}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(entries(&asked), 0, "another partner's filter finds nothing");
    let (_, by_email) = app
        .get_html(&nora, "/partner/audit?account=bob%40theirs.test")
        .await;
    assert_eq!(entries(&by_email), 0);
    let csv = app
        .get(&nora, "/partner/audit.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("Alice Martin signed in") && !csv.contains("Bob Stone"));
}

#[tokio::test]
async fn the_audit_log_is_filtered_paginated_exported_and_scoped() {
    let app = spawn_app().await;
    let (_, partner_id) = app.partner("p@audit.test").await;
    for i in 0..30 {
        app.create_account(
            Role::Customer,
            &format!("c{i}@audit.test"),
            None,
            Some(partner_id),
        )
        .await;
    }
    let (_, other) = app.partner("p@other-audit.test").await;
    app.create_account(Role::Customer, "hidden@other-audit.test", None, Some(other))
        .await;
    let manager = app.signed_in_as("manager-of-p@audit.test").await;

    let (status, page) = app
        .get_html(&manager, "/manager/audit?action=account.created")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(entries(&page), 32, "30 customers, the partner, the manager");
    let (_, first) = app.get_html(&manager, "/manager/audit").await;
    assert_eq!(entries(&first), 50);
    let next_start = first.find("/manager/audit?after=").expect("a next page");
    let next: String = first[next_start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let (_, second) = app.get_html(&manager, &next.replace("&amp;", "&")).await;
    assert!(entries(&second) > 0);
    assert!(
        !first.contains("hidden@other-audit.test") && !second.contains("hidden@other-audit.test")
    );

    let (_, by_account) = app
        .get_html(&manager, "/manager/audit?account=c7%40audit.test")
        .await;
    assert_eq!(entries(&by_account), 2, "created and activation sent");
    let (status, bad) = app
        .get_html(&manager, "/manager/audit?from=yesterday")
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("“yesterday” is not a date. Choose a day from the calendar."));
    // Today as the manager's zone has it (the test accounts are in Germany).
    let today = yeastar_portal::format::Zone::parse("Europe/Berlin")
        .unwrap()
        .local_date(app.now())
        .to_string();
    let (_, dated) = app
        .get_html(
            &manager,
            &format!("/manager/audit?action=account.created&from={today}&to={today}"),
        )
        .await;
    assert_eq!(entries(&dated), 32);

    let csv = app
        .get(&manager, "/manager/audit.csv?action=activation.sent")
        .await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let body = csv.text().await.unwrap();
    assert!(body.starts_with("time_utc,action,actor,target,partner,client_ip,details,summary\r\n"));
    assert_eq!(body.lines().count(), 1 + 32);

    let partner = app.signed_in_as("p@audit.test").await;
    let (_, own) = app
        .get_html(&partner, "/partner/audit?action=account.created")
        .await;
    assert_eq!(entries(&own), 31);
    assert!(!own.contains("hidden@other-audit.test"));
}

#[tokio::test]
async fn the_audit_log_cannot_be_changed() {
    let app = spawn_app().await;
    app.partner("p@append.test").await;
    let update = sqlx::query("update audit_log set action = 'tampered'")
        .execute(&app.db)
        .await;
    assert!(update.is_err());
    let delete = sqlx::query("delete from audit_log").execute(&app.db).await;
    assert!(delete.is_err());
}
