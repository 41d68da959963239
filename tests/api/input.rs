//! Hostile text input: control characters (a NUL byte above all, which PostgreSQL cannot store)
//! in any field of any form or list query get a 422 naming the field, and nothing is written.

use reqwest::{Client, StatusCode};
use yeastar_portal::accounts::model::Role;

use crate::helpers::{add_customer_form, client, spawn_app, TestApp};

/// Control characters tried in turn; LF is refused in single-line fields only.
const HOSTILE: [&str; 4] = ["\0", "\u{1b}", "\u{7f}", "\n"];
const TEXTAREAS: [&str; 2] = ["reason", "message"];

/// A signed-in client of each role, with a CSRF token of its session.
struct Actors {
    visitor: (Client, String),
    partner: (Client, String),
    customer: (Client, String),
    manager: (Client, String),
}

async fn actors(app: &TestApp) -> Actors {
    let (manager_id, partner_id) = app.partner("p@input.test").await;
    app.active_account(Role::Customer, "c@input.test", None, Some(partner_id))
        .await;
    let _ = manager_id;
    let visitor = client();
    let partner = app.signed_in_as("p@input.test").await;
    let customer = app.signed_in_as("c@input.test").await;
    let manager = app.signed_in_as("manager-of-p@input.test").await;
    Actors {
        visitor: (visitor.clone(), app.csrf_for(&visitor, "/login").await),
        partner: (
            partner.clone(),
            app.csrf_for(&partner, "/partner/customers").await,
        ),
        customer: (
            customer.clone(),
            app.csrf_for(&customer, "/customer/account").await,
        ),
        manager: (
            manager.clone(),
            app.csrf_for(&manager, "/manager/partners").await,
        ),
    }
}

const ID: &str = "0190c0de-0000-7000-8000-000000000000";

/// Every POST form that reads fields, by role, with the fields it sends.
fn post_forms() -> Vec<(&'static str, String, Vec<&'static str>)> {
    let config = vec!["plan", "units", "term", "addon.high_availability"];
    let purchase = vec![
        "plan",
        "units",
        "term",
        "licenses",
        "customer_email",
        "idempotency_key",
    ];
    let info = vec![
        "first_name",
        "last_name",
        "company",
        "phone",
        "country",
        "address",
        "city",
        "state",
        "postcode",
    ];
    let mut new_partner = info.clone();
    new_partner.push("email");
    let p = |s: &str| s.to_owned();
    vec![
        ("visitor", p("/login"), vec!["email", "password", "next"]),
        ("visitor", p("/forgot-password"), vec!["email"]),
        (
            "visitor",
            p("/activate/sometoken"),
            vec!["password", "password_confirm"],
        ),
        (
            "visitor",
            p("/reset-password/sometoken"),
            vec!["password", "password_confirm", "code"],
        ),
        ("visitor", p("/login/two-factor"), vec!["code"]),
        (
            "partner",
            format!("/partner/customers/{ID}/removal-request"),
            vec!["reason"],
        ),
        ("partner", p("/partner/purchase/review"), purchase.clone()),
        ("partner", p("/partner/purchase/edit"), purchase.clone()),
        ("partner", p("/partner/purchase/confirm"), purchase),
        (
            "partner",
            format!("/partner/licenses/{ID}/associate"),
            vec!["customer_id"],
        ),
        (
            "partner",
            p("/partner/security/password"),
            vec!["current_password", "password", "password_confirm"],
        ),
        (
            "partner",
            p("/partner/security/two-factor"),
            vec!["code", "password"],
        ),
        (
            "partner",
            format!("/partner/central-management/{ID}/restart"),
            vec!["name", "email"],
        ),
        ("customer", p("/customer/account"), info),
        (
            "customer",
            p("/customer/partnership"),
            vec![
                "company",
                "website",
                "country",
                "business_type",
                "yearly_volume",
                "message",
            ],
        ),
        ("customer", p("/customer/subscribe/review"), config.clone()),
        ("customer", p("/customer/subscribe/edit"), config.clone()),
        (
            "customer",
            p("/customer/subscribe/confirm"),
            [config.clone(), vec!["idempotency_key"]].concat(),
        ),
        (
            "customer",
            format!("/customer/subscriptions/{ID}/change"),
            config.clone(),
        ),
        (
            "customer",
            format!("/customer/subscriptions/{ID}/auto-renew"),
            vec!["auto_renew"],
        ),
        (
            "customer",
            p("/customer/security/two-factor/disable"),
            vec!["code", "password"],
        ),
        (
            "customer",
            p("/customer/security/recovery-codes"),
            vec!["password"],
        ),
        (
            "customer",
            format!("/customer/central-management/{ID}/alarm-email"),
            vec!["name", "email"],
        ),
        ("manager", p("/manager/partners/new"), new_partner),
        ("manager", p("/manager/activations/resend"), vec!["account"]),
        (
            "manager",
            format!("/manager/removals/{ID}/approve"),
            vec!["reason"],
        ),
        (
            "manager",
            format!("/manager/removals/{ID}/reject"),
            vec!["reason"],
        ),
        (
            "manager",
            format!("/manager/applications/{ID}"),
            vec!["decision", "reason"],
        ),
        (
            "manager",
            p("/manager/security/password"),
            vec!["current_password", "password", "password_confirm"],
        ),
    ]
}

/// Every GET list or page that reads a query, by role, with its parameters.
fn get_queries() -> Vec<(&'static str, String, Vec<&'static str>)> {
    let audit = vec!["partner", "account", "action", "from", "to", "after"];
    let config = vec!["plan", "units", "term", "addon.high_availability"];
    let p = |s: &str| s.to_owned();
    vec![
        ("visitor", p("/login"), vec!["next"]),
        ("partner", p("/partner/customers"), vec!["q", "after"]),
        (
            "partner",
            p("/partner/products/cloud_pbx"),
            vec!["q", "after"],
        ),
        (
            "partner",
            format!("/partner/licenses/{ID}/associate"),
            vec!["q"],
        ),
        ("partner", p("/partner/orders"), vec!["after"]),
        ("partner", p("/partner/audit"), audit.clone()),
        ("partner", p("/partner/audit.csv"), audit.clone()),
        ("customer", p("/customer/estimate"), config.clone()),
        ("customer", p("/customer/subscribe"), config),
        ("manager", p("/manager/partners"), vec!["q", "after"]),
        ("manager", p("/manager/activations"), vec!["after"]),
        ("manager", p("/manager/audit"), audit.clone()),
        ("manager", p("/manager/audit.csv"), audit),
    ]
}

fn actor<'a>(actors: &'a Actors, role: &str) -> &'a (Client, String) {
    match role {
        "visitor" => &actors.visitor,
        "partner" => &actors.partner,
        "customer" => &actors.customer,
        _ => &actors.manager,
    }
}

/// The fields with ordinary values, except `hostile_field`, which carries `bad`.
fn fields(names: &[&str], hostile_field: &str, bad: &str) -> Vec<(String, String)> {
    names
        .iter()
        .map(|name| {
            let value = if *name == hostile_field {
                format!("abc{bad}def")
            } else {
                "12".to_owned()
            };
            (name.to_string(), value)
        })
        .collect()
}

fn chars_for(field: &str) -> impl Iterator<Item = &'static str> + '_ {
    HOSTILE
        .iter()
        .copied()
        .filter(move |c| *c != "\n" || !TEXTAREAS.contains(&field))
}

async fn assert_refused(app: &TestApp, response: reqwest::Response, what: &str, field: &str) {
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "{what}"
    );
    let html = response.text().await.unwrap();
    let label = field.replace('_', " ");
    assert!(
        html.to_lowercase().contains(&format!("“{label}”")),
        "{what}: the page names the field"
    );
    assert!(html.contains("Go back"), "{what}: the page says what to do");
    let _ = app;
}

#[tokio::test]
async fn a_control_character_in_any_post_form_field_is_refused_with_a_422_and_nothing_is_written() {
    let app = spawn_app().await;
    let actors = actors(&app).await;
    let before = app.database_fingerprint().await;
    for (role, path, names) in post_forms() {
        let (browser, csrf) = actor(&actors, role);
        for field in &names {
            for bad in chars_for(field) {
                let mut form = vec![("csrf_token".to_owned(), csrf.clone())];
                form.extend(fields(&names, field, bad));
                let response = browser
                    .post(app.url(&path))
                    .form(&form)
                    .send()
                    .await
                    .unwrap();
                let what = format!("POST {path} with {bad:?} in {field} as {role}");
                assert_refused(&app, response, &what, field).await;
                assert_eq!(
                    app.database_fingerprint().await,
                    before,
                    "{what} wrote something"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_control_character_in_any_list_query_is_refused_with_a_422_and_nothing_is_written() {
    let app = spawn_app().await;
    let actors = actors(&app).await;
    let before = app.database_fingerprint().await;
    for (role, path, names) in get_queries() {
        let (browser, _) = actor(&actors, role);
        for field in &names {
            for bad in chars_for(field) {
                let query = fields(&names, field, bad);
                let response = browser
                    .get(app.url(&path))
                    .query(&query)
                    .send()
                    .await
                    .unwrap();
                let what = format!("GET {path} with {bad:?} in {field} as {role}");
                assert_refused(&app, response, &what, field).await;
                assert_eq!(
                    app.database_fingerprint().await,
                    before,
                    "{what} wrote something"
                );
            }
        }
    }
}

#[tokio::test]
async fn a_control_character_in_the_add_customer_form_is_shown_next_to_the_field_with_the_input_kept(
) {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("p@multipart.test").await;
    let before = app.database_fingerprint().await;
    let csrf = app.csrf_for(&partner, "/partner/customers/new").await;
    for field in ["email", "first_name", "company", "address", "postcode"] {
        for bad in HOSTILE {
            let typed = if field == "email" {
                "new@multipart.test"
            } else {
                "Harbourside"
            };
            let (head, tail) = typed.split_at(3);
            let form = add_customer_form(&csrf, "new@multipart.test")
                .text(field, format!("{head}{bad}{tail}"));
            let response = partner
                .post(app.url("/partner/customers/new"))
                .multipart(form)
                .send()
                .await
                .unwrap();
            let what = format!("Add customer with {bad:?} in {field}");
            assert_eq!(
                response.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{what}"
            );
            let html = response.text().await.unwrap();
            // The form again, the message in the field's own block, the value kept (without
            // the refused character) and the rest of the input kept.
            let block = html
                .find(&format!("name=\"{field}\""))
                .map(|at| &html[at..(at + 600).min(html.len())])
                .unwrap_or_else(|| panic!("{what}: the form is shown again"));
            assert!(
                block.contains(&format!("value=\"{typed}\"")),
                "{what}: value kept"
            );
            assert!(
                block.contains("which is not accepted"),
                "{what}: message next to the field"
            );
            assert!(html.contains("Xiamen"), "{what}: the other fields are kept");
        }
    }
    assert_eq!(app.database_fingerprint().await, before);
}

#[tokio::test]
async fn line_breaks_and_tabs_are_kept_in_a_textarea() {
    let app = spawn_app().await;
    let (partner, partner_id) = app.signed_in_partner("p@textarea.test").await;
    let customer = app
        .active_account(Role::Customer, "c@textarea.test", None, Some(partner_id))
        .await;
    let path = format!("/partner/customers/{customer}/removal-request");
    let csrf = app.csrf_for(&partner, &path).await;
    let reason = "Contract ended.\r\nPlease remove:\tall access.";
    let response = app
        .post_form(
            &partner,
            &path,
            &[("csrf_token", &csrf), ("reason", reason)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let stored: String = sqlx::query_scalar("select reason from removal_requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored.replace("\r\n", "\n"), reason.replace("\r\n", "\n"));
}

#[tokio::test]
async fn a_nul_byte_in_any_path_parameter_is_never_a_5xx() {
    let app = spawn_app().await;
    let actors = actors(&app).await;
    let before = app.database_fingerprint().await;
    let n = "x%00y";
    let routes: Vec<(&str, &str, String)> = vec![
        ("visitor", "GET", format!("/activate/{n}")),
        ("visitor", "POST", format!("/activate/{n}")),
        ("visitor", "GET", format!("/reset-password/{n}")),
        ("visitor", "POST", format!("/reset-password/{n}")),
        ("visitor", "GET", format!("/media/profile/{n}")),
        ("partner", "GET", format!("/partner/customers/{n}")),
        (
            "partner",
            "GET",
            format!("/partner/customers/{n}/removal-request"),
        ),
        (
            "partner",
            "POST",
            format!("/partner/customers/{n}/removal-request"),
        ),
        (
            "partner",
            "POST",
            format!("/partner/customers/{n}/removal-request/withdraw"),
        ),
        (
            "partner",
            "GET",
            format!("/partner/customers/{n}/two-factor/disable"),
        ),
        (
            "partner",
            "POST",
            format!("/partner/customers/{n}/two-factor/disable"),
        ),
        ("partner", "GET", format!("/partner/products/{n}")),
        ("partner", "GET", format!("/partner/licenses/{n}/associate")),
        (
            "partner",
            "POST",
            format!("/partner/licenses/{n}/associate"),
        ),
        (
            "partner",
            "POST",
            format!("/partner/licenses/{n}/dissociate"),
        ),
        ("partner", "GET", format!("/partner/orders/{n}")),
        ("partner", "GET", format!("/partner/orders/{n}/invoice")),
        ("partner", "GET", format!("/partner/central-management/{n}")),
        (
            "partner",
            "POST",
            format!("/partner/central-management/{ID}/{n}"),
        ),
        ("customer", "POST", format!("/customer/trials/{n}")),
        ("customer", "GET", format!("/customer/subscriptions/{n}")),
        (
            "customer",
            "POST",
            format!("/customer/subscriptions/{n}/change"),
        ),
        (
            "customer",
            "POST",
            format!("/customer/subscriptions/{n}/auto-renew"),
        ),
        (
            "customer",
            "GET",
            format!("/customer/central-management/{n}"),
        ),
        (
            "customer",
            "POST",
            format!("/customer/central-management/{n}/restart"),
        ),
        (
            "customer",
            "POST",
            format!("/customer/security/sessions/{n}/end"),
        ),
        (
            "manager",
            "POST",
            format!("/manager/accounts/{n}/resend-activation"),
        ),
        ("manager", "POST", format!("/manager/removals/{n}/approve")),
        ("manager", "POST", format!("/manager/removals/{n}/reject")),
        ("manager", "POST", format!("/manager/applications/{n}")),
    ];
    for (role, method, path) in routes {
        let (browser, csrf) = actor(&actors, role);
        let response = if method == "GET" {
            browser.get(app.url(&path)).send().await.unwrap()
        } else {
            let form = [
                ("csrf_token", csrf.as_str()),
                ("reason", "r"),
                ("password", "p"),
            ];
            browser
                .post(app.url(&path))
                .form(&form)
                .send()
                .await
                .unwrap()
        };
        let status = response.status();
        // A 4xx, or the sign-in redirect of a page that needs an account; never a 5xx.
        assert!(
            status.is_client_error() || status == StatusCode::SEE_OTHER,
            "{method} {path} as {role}: {status}"
        );
    }
    assert_eq!(app.database_fingerprint().await, before);
}
