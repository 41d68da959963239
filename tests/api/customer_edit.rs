//! A partner edits a customer's account information, and the customer page lists what the
//! customer holds.

use reqwest::StatusCode;
use yeastar_portal::accounts::model::Role;

use crate::fixtures::{paid_pbx, purchase, sign_in};
use crate::helpers::{location, spawn_app, TestApp};

/// The edit form as a partner sends it, with `changes` replacing the kept values.
fn edit_form<'a>(csrf: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("csrf_token", csrf),
        ("first_name", "Test"),
        ("last_name", "Customer"),
        ("company", "c@edit.test Ltd"),
        ("phone", ""),
        ("country", "DE"),
        ("address", ""),
        ("city", ""),
        ("state", ""),
        ("postcode", ""),
    ];
    for (field, value) in changes {
        form.retain(|(f, _)| f != field);
        form.push((field, value));
    }
    form
}

async fn customer_row(app: &TestApp, email: &str) -> (String, String, Option<String>, String) {
    sqlx::query_as("select company, phone, country, email from accounts where email = $1")
        .bind(email)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_partner_edits_a_customers_account_information_and_the_change_is_audited_old_to_new() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@edit.test").await;
    let customer = app.customer_of(partner, "c@edit.test").await;
    let (browser, _) = sign_in(&app, "p@edit.test", "/partner/customers").await;
    let path = format!("/partner/customers/{customer}/edit");

    let (status, html) = app.get_html(&browser, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("value=\"c@edit.test Ltd\""),
        "the form is filled in"
    );
    assert!(
        html.contains("value=\"c@edit.test\" readonly"),
        "the Yeastar ID is shown and fixed"
    );
    let csrf = crate::helpers::csrf_token(&html);

    let form = edit_form(
        &csrf,
        &[
            ("company", "Acme Dental GmbH"),
            ("phone", "+49 30 1234567"),
            ("country", "AT"),
            // Not a field of the form: the email cannot be changed through it.
            ("email", "taken-over@evil.test"),
        ],
    );
    let saved = app.post_form(&browser, &path, &form).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&saved), format!("/partner/customers/{customer}"));
    assert_eq!(
        customer_row(&app, "c@edit.test").await,
        (
            "Acme Dental GmbH".into(),
            "+49 30 1234567".into(),
            Some("AT".into()),
            "c@edit.test".into()
        )
    );
    let (_, page) = app
        .get_html(&browser, &format!("/partner/customers/{customer}"))
        .await;
    assert!(
        page.contains("was saved") && page.contains("Acme Dental GmbH") && page.contains("Austria")
    );

    let details: serde_json::Value = sqlx::query_scalar(
        "select details from audit_log where action = 'customer.updated' and target_id = $1",
    )
    .bind(customer)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        details["changes"],
        serde_json::json!({
            "company": { "from": "c@edit.test Ltd", "to": "Acme Dental GmbH" },
            "phone": { "from": "", "to": "+49 30 1234567" },
            "country": { "from": "DE", "to": "AT" },
        }),
        "only the changed fields, each with its old and new value"
    );

    // Saving again without a change records nothing more.
    let same = edit_form(
        &csrf,
        &[
            ("company", "Acme Dental GmbH"),
            ("phone", "+49 30 1234567"),
            ("country", "AT"),
        ],
    );
    app.post_form(&browser, &path, &same).await;
    let entries = app.audit_count("customer.updated").await;
    assert_eq!(entries, 1);
}

#[tokio::test]
async fn a_bad_edit_is_refused_next_to_its_field_with_the_input_kept_and_nothing_saved() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@edit.test").await;
    let customer = app.customer_of(partner, "c@edit.test").await;
    let (browser, csrf) = sign_in(&app, "p@edit.test", "/partner/customers").await;
    let path = format!("/partner/customers/{customer}/edit");
    let before = app.database_fingerprint().await;

    let form = edit_form(
        &csrf,
        &[("company", ""), ("phone", "call me"), ("city", "Kept City")],
    );
    let refused = app.post_form(&browser, &path, &form).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("Enter the company name."), "{html}");
    assert!(html.contains("Enter a phone number using digits"));
    assert!(
        html.contains("value=\"Kept City\""),
        "the other input is kept"
    );
    assert!(
        html.contains("value=\"call me\""),
        "the refused input is kept"
    );
    assert_eq!(
        app.database_fingerprint().await,
        before,
        "nothing was saved"
    );
}

#[tokio::test]
async fn another_partners_customer_cannot_be_edited_or_even_found() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@edit.test").await;
    app.partner("other@edit.test").await;
    let customer = app.customer_of(partner, "c@edit.test").await;
    let (other, csrf) = sign_in(&app, "other@edit.test", "/partner/customers").await;
    let path = format!("/partner/customers/{customer}/edit");

    let (status, _) = app.get_html(&other, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let form = edit_form(&csrf, &[("company", "Hijacked")]);
    let refused = app.post_form(&other, &path, &form).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert_eq!(customer_row(&app, "c@edit.test").await.0, "c@edit.test Ltd");
}

#[tokio::test]
async fn the_customer_page_lists_the_customers_licences_subscriptions_and_pbxs_with_links() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@a.test").await;
    let customer = app.customer_of(partner, "c@a.test").await;
    let partner_browser = sign_in(&app, "p@a.test", "/partner/customers").await;
    let customer_browser = sign_in(&app, "c@a.test", "/customer").await;
    let (instance, subscription) = paid_pbx(&app, &customer_browser).await;
    let (_, license) = purchase(&app, &partner_browser).await;
    let associate = format!("/partner/licenses/{license}/associate");
    let customer_id = customer.to_string();
    let fields = [
        ("csrf_token", partner_browser.1.as_str()),
        ("customer_id", customer_id.as_str()),
    ];
    let associated = app.post_form(&partner_browser.0, &associate, &fields).await;
    assert!(associated.status().is_redirection());
    let key: String = sqlx::query_scalar("select key from licenses where id = $1")
        .bind(license)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let order: uuid::Uuid = sqlx::query_scalar("select id from orders where subscription_id = $1")
        .bind(subscription)
        .fetch_one(&app.db)
        .await
        .unwrap();

    let (status, html) = app
        .get_html(
            &partner_browser.0,
            &format!("/partner/customers/{customer}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(&format!("<code>{key}</code>")),
        "the licence: {html}"
    );
    assert!(
        html.contains(&format!("href=\"/partner/products/cloud_pbx?q={key}\"")),
        "the licence links to its row in the product list"
    );
    let licence_row = html
        .split(&format!("<code>{key}</code>"))
        .nth(1)
        .and_then(|rest| rest.split("</tr>").next())
        .unwrap_or_default();
    assert!(
        licence_row.contains("<span class=\"badge badge-active\">Active</span>"),
        "the licence's state as a badge, as in the licence list: {licence_row}"
    );
    assert!(
        html.contains("Cloud PBX Enterprise Plan"),
        "the subscription"
    );
    assert!(
        html.contains(&format!("href=\"/partner/orders/{order}\"")),
        "the subscription links to its order"
    );
    assert!(
        html.contains(&format!("href=\"/partner/central-management/{instance}\"")),
        "the PBX links to Central Management"
    );
    assert!(html.contains("Offline"), "the PBX has not reported yet");

    // The linked pages open for the partner.
    for link in [
        format!("/partner/orders/{order}"),
        format!("/partner/central-management/{instance}"),
        format!("/partner/products/cloud_pbx?q={key}"),
    ] {
        let (status, page) = app.get_html(&partner_browser.0, &link).await;
        assert_eq!(status, StatusCode::OK, "{link}");
        if link.contains("?q=") {
            assert!(page.contains(&key), "the search finds the licence");
        }
    }
}

#[tokio::test]
async fn a_customers_own_edit_of_their_account_information_is_audited_old_to_new() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@self-edit.test").await;
    let customer = app
        .active_account(Role::Customer, "c@self-edit.test", None, Some(partner))
        .await;
    let (browser, csrf) = sign_in(&app, "c@self-edit.test", "/customer/account").await;
    let mut form = edit_form(&csrf, &[("company", "Self Edit GmbH"), ("city", "Graz")]);
    form.push(("time_zone", ""));
    let saved = app.post_form(&browser, "/customer/account", &form).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&saved), "/customer/account");

    let (actor, partner_id, details): (uuid::Uuid, uuid::Uuid, serde_json::Value) = sqlx::query_as(
        "select actor_id, partner_id, details from audit_log \
             where action = 'customer.updated' and target_id = $1",
    )
    .bind(customer)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(actor, customer.0, "the customer made the edit");
    assert_eq!(partner_id, partner.0, "filed under the customer's partner");
    assert_eq!(
        details["changes"],
        serde_json::json!({
            "company": { "from": "c@self-edit.test Ltd", "to": "Self Edit GmbH" },
            "city": { "from": "", "to": "Graz" },
        }),
        "only the changed fields, each with its old and new value"
    );
}
