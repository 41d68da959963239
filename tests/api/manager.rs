//! The account manager console: partners, activation resends, removals, the audit log.

use reqwest::{Client, StatusCode};
use time::Duration;
use yeastar_portal::accounts::model::{AccountId, Role};

use crate::helpers::{client, csrf_token, location, spawn_app, TestApp, PASSWORD};

async fn signed_in(app: &TestApp, email: &str) -> Client {
    let browser = client();
    let response = app.login(&browser, email, PASSWORD).await;
    assert_ne!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "{email} signs in"
    );
    browser
}

async fn audit_count(app: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("select count(*) from audit_log where action = $1")
        .bind(action)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn resend(app: &TestApp, manager: &Client, account: AccountId) -> reqwest::Response {
    let csrf = app.csrf_for(manager, "/manager/activations").await;
    app.post_form(
        manager,
        &format!("/manager/accounts/{account}/resend-activation"),
        &[("csrf_token", &csrf)],
    )
    .await
}

#[tokio::test]
async fn a_resend_replaces_the_old_link_and_the_new_one_works() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@resend.test").await;
    let (customer, old_link) = app
        .create_account(Role::Customer, "late@resend.test", None, Some(partner))
        .await;
    app.clock.advance(Duration::hours(50));
    let manager = signed_in(&app, "manager-of-p@resend.test").await;
    let (_, page) = app.get_html(&manager, "/manager/activations").await;
    assert!(page.contains("late@resend.test") && page.contains("Expired"));

    let before = audit_count(&app, "activation.resent").await;
    let response = resend(&app, &manager, customer).await;
    assert_eq!(location(&response), "/manager/activations");
    assert_eq!(
        audit_count(&app, "activation.resent").await,
        before + 1,
        "exactly one audit entry"
    );
    app.drain_outbox().await;
    let mail = app.smtp.to("late@resend.test");
    let new_link = mail.last().unwrap().link("/activate/").unwrap();
    assert_ne!(new_link, old_link);

    let (status, _) = app
        .get_html(&client(), old_link.strip_prefix(&app.address).unwrap())
        .await;
    assert_eq!(status, StatusCode::GONE, "the old link no longer works");
    assert_eq!(location(&app.activate(&new_link, PASSWORD).await), "/login");
}

#[tokio::test]
async fn resends_are_limited_per_account_per_day() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@limit.test").await;
    let (customer, _) = app
        .create_account(Role::Customer, "limit@resend.test", None, Some(partner))
        .await;
    let manager = signed_in(&app, "manager-of-p@limit.test").await;
    for _ in 0..5 {
        assert_eq!(
            location(&resend(&app, &manager, customer).await),
            "/manager/activations"
        );
    }
    resend(&app, &manager, customer).await;
    let (_, page) = app.get_html(&manager, "/manager/activations").await;
    assert!(
        page.contains("already resent 5 times in the last 24 hours"),
        "{page}"
    );
    assert_eq!(audit_count(&app, "activation.resent").await, 5);
    app.clock.advance(Duration::hours(25));
    let manager = signed_in(&app, "manager-of-p@limit.test").await;
    resend(&app, &manager, customer).await;
    assert_eq!(
        audit_count(&app, "activation.resent").await,
        6,
        "a day later it works again"
    );
}

#[tokio::test]
async fn several_accounts_are_resent_at_once() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@bulk.test").await;
    let (a, _) = app
        .create_account(Role::Customer, "a@bulk.test", None, Some(partner))
        .await;
    let (b, _) = app
        .create_account(Role::Customer, "b@bulk.test", None, Some(partner))
        .await;
    let manager = signed_in(&app, "manager-of-p@bulk.test").await;
    let csrf = app.csrf_for(&manager, "/manager/activations").await;
    let (a, b) = (a.to_string(), b.to_string());
    let response = app
        .post_form(
            &manager,
            "/manager/activations/resend",
            &[
                ("csrf_token", &csrf),
                ("account_id", &a),
                ("account_id", &b),
            ],
        )
        .await;
    assert_eq!(location(&response), "/manager/activations");
    let (_, page) = app.get_html(&manager, "/manager/activations").await;
    assert!(page.contains("Resent 2 activation emails."));
    assert_eq!(audit_count(&app, "activation.resent").await, 2);
}

#[tokio::test]
async fn a_manager_cannot_see_or_act_on_another_managers_partners() {
    let app = spawn_app().await;
    let (_, theirs) = app.partner("p@theirs.test").await;
    let (their_customer, _) = app
        .create_account(Role::Customer, "c@theirs.test", None, Some(theirs))
        .await;
    app.partner("p@mine.test").await;
    let mine = signed_in(&app, "manager-of-p@mine.test").await;

    let (_, partners) = app.get_html(&mine, "/manager/partners").await;
    assert!(partners.contains("p@mine.test") && !partners.contains("p@theirs.test"));
    let (_, activations) = app.get_html(&mine, "/manager/activations").await;
    assert!(!activations.contains("c@theirs.test"));
    assert_eq!(
        resend(&app, &mine, their_customer).await.status(),
        StatusCode::NOT_FOUND
    );

    let their_partner = signed_in(&app, "p@theirs.test").await;
    request_removal(&app, &their_partner, their_customer, "Closed the account").await;
    let request_id: uuid::Uuid = sqlx::query_scalar("select id from removal_requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let (_, queue) = app.get_html(&mine, "/manager/removals").await;
    assert!(!queue.contains("c@theirs.test"));
    let csrf = app.csrf_for(&mine, "/manager/removals").await;
    let response = app
        .post_form(
            &mine,
            &format!("/manager/removals/{request_id}/approve"),
            &[("csrf_token", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let (_, audit) = app.get_html(&mine, "/manager/audit").await;
    assert!(!audit.contains("c@theirs.test"));
}

async fn request_removal(
    app: &TestApp,
    partner: &Client,
    customer: AccountId,
    reason: &str,
) -> reqwest::Response {
    let path = format!("/partner/customers/{customer}/removal-request");
    let csrf = app.csrf_for(partner, &path).await;
    app.post_form(partner, &path, &[("csrf_token", &csrf), ("reason", reason)])
        .await
}

#[tokio::test]
async fn a_partner_cannot_request_removal_of_another_partners_customer() {
    let app = spawn_app().await;
    let (_, other) = app.partner("p@other-removal.test").await;
    let (customer, _) = app
        .create_account(Role::Customer, "c@other-removal.test", None, Some(other))
        .await;
    let (me, _) = app.signed_in_partner("p@me-removal.test").await;
    let path = format!("/partner/customers/{customer}/removal-request");
    let (status, _) = app.get_html(&me, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let csrf = app.csrf_for(&me, "/partner/customers").await;
    let response = app
        .post_form(&me, &path, &[("csrf_token", &csrf), ("reason", "mine now")])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.count("select count(*) from removal_requests").await, 0);
}

#[tokio::test]
async fn an_approved_removal_signs_the_customer_out_at_once_and_blocks_sign_in() {
    let app = spawn_app().await;
    let (_, partner_id) = app.partner("p@remove.test").await;
    let customer_id = app
        .active_account(Role::Customer, "gone@remove.test", None, Some(partner_id))
        .await;
    let customer = signed_in(&app, "gone@remove.test").await;
    let partner = signed_in(&app, "p@remove.test").await;

    let (status, form) = app
        .get_html(
            &partner,
            &format!("/partner/customers/{customer_id}/removal-request"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let empty = app
        .post_form(
            &partner,
            &format!("/partner/customers/{customer_id}/removal-request"),
            &[("csrf_token", &csrf_token(&form)), ("reason", " ")],
        )
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty
        .text()
        .await
        .unwrap()
        .contains("Give a reason for the removal"));
    let response = request_removal(
        &app,
        &partner,
        customer_id,
        "Customer moved to another provider",
    )
    .await;
    assert_eq!(
        location(&response),
        format!("/partner/customers/{customer_id}")
    );
    let (_, list) = app.get_html(&partner, "/partner/customers").await;
    assert!(list.contains("Removal requested"));
    assert_eq!(audit_count(&app, "removal.requested").await, 1);
    // Until decided, the customer keeps access.
    assert_eq!(
        customer
            .get(app.url("/customer"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    let manager = signed_in(&app, "manager-of-p@remove.test").await;
    let (_, queue) = app.get_html(&manager, "/manager/removals").await;
    assert!(queue.contains("Customer moved to another provider"));
    let request_id: uuid::Uuid = sqlx::query_scalar("select id from removal_requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let csrf = csrf_token(&queue);
    let response = app
        .post_form(
            &manager,
            &format!("/manager/removals/{request_id}/approve"),
            &[("csrf_token", &csrf), ("reason", ""), ("confirm", "yes")],
        )
        .await;
    assert_eq!(location(&response), "/manager/removals");
    assert_eq!(audit_count(&app, "removal.approved").await, 1);

    // The live session is signed out on its very next request.
    let next = customer.get(app.url("/customer")).send().await.unwrap();
    assert!(location(&next).starts_with("/login"));
    let again = app.login(&client(), "gone@remove.test", PASSWORD).await;
    assert!(again
        .text()
        .await
        .unwrap()
        .contains("This account is no longer available."));
    let (_, list) = app.get_html(&partner, "/partner/customers").await;
    assert!(
        !list.contains("gone@remove.test"),
        "gone from the partner's list"
    );
    let status: String = sqlx::query_scalar("select status::text from accounts where id = $1")
        .bind(customer_id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(status, "removed", "the row is kept, marked removed");
    // The email stays reserved.
    let csrf = app.csrf_for(&partner, "/partner/customers/new").await;
    let form = crate::helpers::add_customer_form(&csrf, "GONE@remove.test");
    let reuse = partner
        .post(app.url("/partner/customers/new"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(reuse.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn a_rejected_request_leaves_the_customer_untouched_and_the_partner_sees_why() {
    let app = spawn_app().await;
    let (_, partner_id) = app.partner("p@reject.test").await;
    let customer_id = app
        .active_account(Role::Customer, "stays@reject.test", None, Some(partner_id))
        .await;
    let customer = signed_in(&app, "stays@reject.test").await;
    let partner = signed_in(&app, "p@reject.test").await;
    request_removal(&app, &partner, customer_id, "Unpaid invoices").await;
    let manager = signed_in(&app, "manager-of-p@reject.test").await;
    let request_id: uuid::Uuid = sqlx::query_scalar("select id from removal_requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let csrf = app.csrf_for(&manager, "/manager/removals").await;

    let no_reason = app
        .post_form(
            &manager,
            &format!("/manager/removals/{request_id}/reject"),
            &[("csrf_token", &csrf), ("reason", "")],
        )
        .await;
    assert_eq!(no_reason.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason
        .text()
        .await
        .unwrap()
        .contains("give the partner a reason"));
    let response = app
        .post_form(
            &manager,
            &format!("/manager/removals/{request_id}/reject"),
            &[
                ("csrf_token", &csrf),
                ("reason", "They paid yesterday; keep them."),
            ],
        )
        .await;
    assert_eq!(location(&response), "/manager/removals");
    assert_eq!(audit_count(&app, "removal.rejected").await, 1);
    assert_eq!(
        customer
            .get(app.url("/customer"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let (_, page) = app
        .get_html(&partner, &format!("/partner/customers/{customer_id}"))
        .await;
    assert!(page.contains("They paid yesterday; keep them."));
}

#[tokio::test]
async fn a_pending_request_can_be_withdrawn_once() {
    let app = spawn_app().await;
    let (_, partner_id) = app.partner("p@withdraw.test").await;
    let customer_id = app
        .active_account(Role::Customer, "c@withdraw.test", None, Some(partner_id))
        .await;
    let partner = signed_in(&app, "p@withdraw.test").await;
    request_removal(&app, &partner, customer_id, "Mistake").await;
    let again = request_removal(&app, &partner, customer_id, "Twice").await;
    assert_eq!(
        location(&again),
        format!("/partner/customers/{customer_id}")
    );
    assert_eq!(
        app.count("select count(*) from removal_requests").await,
        1,
        "one open request at a time"
    );
    let path = format!("/partner/customers/{customer_id}/removal-request/withdraw");
    let csrf = app.csrf_for(&partner, "/partner/customers").await;
    app.post_form(&partner, &path, &[("csrf_token", &csrf)])
        .await;
    app.post_form(&partner, &path, &[("csrf_token", &csrf)])
        .await;
    assert_eq!(audit_count(&app, "removal.withdrawn").await, 1);
    let (_, queue) = app
        .get_html(
            &signed_in(&app, "manager-of-p@withdraw.test").await,
            "/manager/removals",
        )
        .await;
    assert!(queue.contains("No removal requests are waiting for you."));
}

#[tokio::test]
async fn a_manager_adds_a_partner_who_is_assigned_to_them_and_emailed() {
    let app = spawn_app().await;
    let manager_id = app
        .active_account(Role::Manager, "ada@yeastar.test", None, None)
        .await;
    let manager = signed_in(&app, "ada@yeastar.test").await;
    let csrf = app.csrf_for(&manager, "/manager/partners/new").await;
    let missing = app
        .post_form(
            &manager,
            "/manager/partners/new",
            &[("csrf_token", &csrf), ("email", "new@partner.test")],
        )
        .await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing
        .text()
        .await
        .unwrap()
        .contains("value=\"new@partner.test\""));
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("email", "new@partner.test"),
        ("first_name", "Nia"),
        ("last_name", "Ode"),
        ("company", "Ode Telecom"),
        ("country", "NG"),
    ];
    let response = app
        .post_form(&manager, "/manager/partners/new", &fields)
        .await;
    assert_eq!(location(&response), "/manager/partners");
    let assigned: uuid::Uuid =
        sqlx::query_scalar("select manager_id from accounts where email = 'new@partner.test'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(assigned, manager_id.0);
    let (_, page) = app.get_html(&manager, "/manager/partners?q=ode").await;
    assert!(page.contains("Ode Telecom") && page.contains("Pending activation"));
    app.drain_outbox().await;
    let link = app.smtp.to("new@partner.test")[0]
        .link("/activate/")
        .unwrap();
    assert_eq!(location(&app.activate(&link, PASSWORD).await), "/login");
    assert_eq!(
        location(&app.login(&client(), "new@partner.test", PASSWORD).await),
        "/partner/customers"
    );
}

/// How many entries an audit log page lists.
fn entries(html: &str) -> usize {
    html.matches("<td data-label=\"Time\"").count()
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
    let manager = signed_in(&app, "manager-of-p@audit.test").await;

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

    let csv = manager
        .get(app.url("/manager/audit.csv?action=activation.sent"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let body = csv.text().await.unwrap();
    assert!(body.starts_with("time_utc,action,actor,target,partner,client_ip,details,summary\r\n"));
    assert_eq!(body.lines().count(), 1 + 32);

    let partner = signed_in(&app, "p@audit.test").await;
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
