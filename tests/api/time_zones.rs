//! Each person sees times in their own time zone, with the zone named: chosen on Account
//! Information (customers) or the Security page (partners, managers), defaulting from the
//! browser at the first sign-in, else from the account's country.

use reqwest::{Client, StatusCode};

use crate::helpers::{client, csrf_token, location, spawn_app, TestApp, PASSWORD};

/// Signs in through the form as a browser with JavaScript does: with its zone in the hidden field.
async fn login_from_zone(app: &TestApp, browser: &Client, email: &str, zone: &str) -> String {
    let csrf = app.csrf_for(browser, "/login").await;
    let response = app
        .post_form(
            browser,
            "/login",
            &[
                ("csrf_token", &csrf),
                ("email", email),
                ("password", PASSWORD),
                ("next", ""),
                ("time_zone", zone),
            ],
        )
        .await;
    location(&response)
}

/// Saves Account Information as the page's form does, with `zone` in the select.
async fn save_account(
    app: &TestApp,
    browser: &Client,
    company: &str,
    zone: &str,
) -> reqwest::Response {
    let (_, page) = app.get_html(browser, "/customer/account").await;
    let csrf = csrf_token(&page);
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("first_name", "Mia"),
        ("last_name", "Wong"),
        ("company", company),
        ("country", "DE"),
        ("time_zone", zone),
    ];
    app.post_form(browser, "/customer/account", &fields).await
}

#[tokio::test]
async fn a_customer_in_berlin_sees_a_known_utc_instant_as_berlin_time_with_the_zone() {
    let app = spawn_app().await;
    let (browser, customer) = app.signed_in_customer("tz@berlin-customer.test").await;
    let saved = save_account(&app, &browser, "Wong Dental", "Europe/Berlin").await;
    assert_eq!(location(&saved), "/customer/account");
    assert_eq!(
        app.stored_zone(customer).await.as_deref(),
        Some("Europe/Berlin")
    );

    // The session was opened at a known instant in summer and last seen at one in winter.
    sqlx::query(
        "update account_sessions set created_at = '2026-07-01 13:05:00+00', \
         last_seen_at = '2026-12-01 13:05:00+00' where account_id = $1",
    )
    .bind(customer)
    .execute(&app.db)
    .await
    .unwrap();
    let (_, page) = app.get_html(&browser, "/customer/security").await;
    assert!(page.contains("01 Jul 2026, 15:05 CEST"), "{page}");
    assert!(page.contains("01 Dec 2026, 14:05 CET"), "{page}");
    assert!(!page.contains("13:05 UTC"), "{page}");

    // The same instants for someone in Tokyo.
    save_account(&app, &browser, "Wong Dental", "Asia/Tokyo").await;
    let (_, page) = app.get_html(&browser, "/customer/security").await;
    assert!(page.contains("01 Jul 2026, 22:05 JST"), "{page}");
    assert!(page.contains("01 Dec 2026, 22:05 JST"), "{page}");
}

#[tokio::test]
async fn account_information_shows_the_zone_select_with_the_persons_zone_chosen() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in_customer("tz@select-customer.test").await;
    // No zone chosen yet and none from the browser: the country's (the test accounts are in DE).
    let (_, page) = app.get_html(&browser, "/customer/account").await;
    assert!(
        page.contains("<select id=\"time_zone\" name=\"time_zone\""),
        "{page}"
    );
    assert!(
        page.contains("<option value=\"Europe/Berlin\" selected>Berlin</option>"),
        "{page}"
    );
    assert!(page.contains("<optgroup label=\"America\">"));

    save_account(
        &app,
        &browser,
        "Wong Dental",
        "America/Argentina/Buenos_Aires",
    )
    .await;
    let (_, page) = app.get_html(&browser, "/customer/account").await;
    assert!(page.contains("Your account information was saved."));
    assert!(
        page.contains("<option value=\"America/Argentina/Buenos_Aires\" selected>Argentina / Buenos Aires</option>"),
        "{page}"
    );
}

#[tokio::test]
async fn an_invalid_time_zone_is_refused_next_to_the_field_with_the_input_kept() {
    let app = spawn_app().await;
    let (browser, customer) = app.signed_in_customer("tz@invalid-customer.test").await;
    let before = app.database_fingerprint().await;

    let response = save_account(&app, &browser, "Kept Company Ltd", "Mars/Olympus_Mons").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    let field = html.find("id=\"time_zone\"").expect("the zone field");
    let message = html
        .find("Choose a time zone from the list.")
        .expect("the message");
    assert!(message > field, "the message is next to the zone field");
    assert!(
        html.contains("<option value=\"Mars/Olympus_Mons\" selected>"),
        "{html}"
    );
    assert!(
        html.contains("value=\"Kept Company Ltd\""),
        "the other input is kept"
    );
    assert_eq!(
        app.database_fingerprint().await,
        before,
        "nothing was saved"
    );
    assert_eq!(app.stored_zone(customer).await, None);

    // The same on a partner's Security page.
    let (partner, partner_id) = app.signed_in_partner("tz@invalid-partner.test").await;
    let csrf = app.csrf_for(&partner, "/partner/security").await;
    let response = app
        .post_form(
            &partner,
            "/partner/security/time-zone",
            &[("csrf_token", &csrf), ("time_zone", "Europe/Atlantis")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("Choose a time zone from the list."), "{html}");
    assert!(html.contains("<option value=\"Europe/Atlantis\" selected>"));
    assert_eq!(app.stored_zone(partner_id).await, None);
}

#[tokio::test]
async fn partners_and_managers_choose_their_zone_on_the_security_page() {
    let app = spawn_app().await;
    let (manager, partner) = app.partner("tz@security-partner.test").await;
    for (email, base, id) in [
        ("tz@security-partner.test", "/partner/security", partner),
        (
            "manager-of-tz@security-partner.test",
            "/manager/security",
            manager,
        ),
    ] {
        let browser = app.signed_in_as(email).await;
        let (_, page) = app.get_html(&browser, base).await;
        assert!(
            page.contains("<option value=\"Europe/Berlin\" selected>Berlin</option>"),
            "{page}"
        );
        let response = app
            .post_form(
                &browser,
                &format!("{base}/time-zone"),
                &[
                    ("csrf_token", &csrf_token(&page)),
                    ("time_zone", "America/New_York"),
                ],
            )
            .await;
        assert_eq!(location(&response), base);
        let (_, page) = app.get_html(&browser, base).await;
        assert!(
            page.contains("Times are now shown in America/New_York."),
            "{page}"
        );
        assert!(page.contains("<option value=\"America/New_York\" selected>New York</option>"));
        // The sessions table is in the new zone: Eastern time, standard or daylight.
        assert!(
            page.contains(" EST</td>") || page.contains(" EDT</td>"),
            "{page}"
        );
        assert_eq!(
            app.stored_zone(id).await.as_deref(),
            Some("America/New_York")
        );
    }
}

#[tokio::test]
async fn the_browsers_zone_is_taken_at_the_first_sign_in_only() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("tz@first-partner.test").await;
    let customer = app
        .active_account(
            yeastar_portal::accounts::model::Role::Customer,
            "tz@first-customer.test",
            None,
            Some(partner),
        )
        .await;
    let email = "tz@first-customer.test";

    // Not a zone: ignored, and the sign-in still works.
    let browser = client();
    assert_eq!(
        login_from_zone(&app, &browser, email, "Not/AZone").await,
        "/customer"
    );
    assert_eq!(app.stored_zone(customer).await, None);

    let browser = client();
    assert_eq!(
        login_from_zone(&app, &browser, email, "Asia/Tokyo").await,
        "/customer"
    );
    assert_eq!(
        app.stored_zone(customer).await.as_deref(),
        Some("Asia/Tokyo")
    );
    let (_, page) = app.get_html(&browser, "/customer/account").await;
    assert!(page.contains("<option value=\"Asia/Tokyo\" selected>Tokyo</option>"));

    // A later sign-in from elsewhere does not move it.
    let traveller = client();
    login_from_zone(&app, &traveller, email, "America/Chicago").await;
    assert_eq!(
        app.stored_zone(customer).await.as_deref(),
        Some("Asia/Tokyo")
    );

    // Nor does it override a zone the person chose.
    save_account(&app, &traveller, "Wong Dental", "Europe/Lisbon").await;
    let again = client();
    login_from_zone(&app, &again, email, "Asia/Tokyo").await;
    assert_eq!(
        app.stored_zone(customer).await.as_deref(),
        Some("Europe/Lisbon")
    );
}

#[tokio::test]
async fn the_browsers_zone_is_kept_through_the_second_factor() {
    let app = spawn_app().await;
    let (browser, customer) = app.signed_in_customer("tz@two-factor.test").await;
    let (_, codes) = app.enable_two_factor(&browser, "/customer").await;
    let fresh = client();
    assert_eq!(
        login_from_zone(&app, &fresh, "tz@two-factor.test", "Pacific/Auckland").await,
        "/login/two-factor"
    );
    assert_eq!(
        app.stored_zone(customer).await,
        None,
        "not before the second factor"
    );
    let csrf = app.csrf_for(&fresh, "/login/two-factor").await;
    let response = app
        .post_form(
            &fresh,
            "/login/two-factor",
            &[("csrf_token", &csrf), ("code", &codes[0])],
        )
        .await;
    assert_eq!(location(&response), "/customer");
    assert_eq!(
        app.stored_zone(customer).await.as_deref(),
        Some("Pacific/Auckland")
    );
}

#[tokio::test]
async fn emails_give_times_in_the_recipients_zone() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in_customer("tz@mail-customer.test").await;
    save_account(&app, &browser, "Wong Dental", "Asia/Tokyo").await;
    app.drain_outbox().await;
    let (_, page) = app.get_html(&browser, "/customer/security").await;
    let new_password = "a much longer Passphrase 42";
    let response = app
        .post_form(
            &browser,
            "/customer/security/password",
            &[
                ("csrf_token", &csrf_token(&page)),
                ("current_password", PASSWORD),
                ("password", new_password),
                ("password_confirm", new_password),
            ],
        )
        .await;
    assert_eq!(location(&response), "/customer/security");
    app.drain_outbox().await;
    let expected = yeastar_portal::format::datetime(
        app.now(),
        &yeastar_portal::format::Zone::parse("Asia/Tokyo").unwrap(),
    );
    let notices = app.smtp.to("tz@mail-customer.test");
    let notice = notices
        .iter()
        .find(|m| m.subject().contains("password was changed"))
        .expect("the security notice");
    // Minutes may tick between the change and this line: compare the date and the zone.
    let text = notice.text();
    assert!(text.contains(" JST"), "{text}");
    assert!(text.contains(&expected[..11]), "{expected} in {text}");
    assert!(!text.contains(" UTC"), "{text}");
}

#[tokio::test]
async fn the_audit_logs_date_filter_means_whole_days_in_the_readers_zone() {
    let app = spawn_app().await;
    let (manager, _) = app.partner("tz@audit-partner.test").await;
    let browser = app.signed_in_as("manager-of-tz@audit-partner.test").await;
    // Half past midnight in Berlin on 1 and on 2 December; both are 30 November / 1 December in UTC.
    for at in ["2026-11-30 23:30:00+00", "2026-12-01 23:30:00+00"] {
        sqlx::query(
            "insert into audit_log (id, at, actor_id, action, details) \
             values (gen_random_uuid(), $1::timestamptz, $2, 'account.created', '{}')",
        )
        .bind(at)
        .bind(manager)
        .execute(&app.db)
        .await
        .unwrap();
    }
    let (status, page) = app
        .get_html(
            &browser,
            "/manager/audit?action=account.created&from=2026-12-01&to=2026-12-01",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("01 Dec 2026, 00:30 CET"), "{page}");
    assert!(!page.contains("02 Dec 2026, 00:30 CET"), "{page}");
}
