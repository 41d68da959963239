//! Hostile text input: control characters (a NUL byte above all, which PostgreSQL cannot store)
//! in any field of any form or list query get a 422 naming the field, and nothing is written.

use reqwest::{Client, StatusCode};

use crate::helpers::{add_customer_form, client, spawn_app, TestApp};

/// Control characters tried in turn; LF is refused in single-line fields only.
const HOSTILE: [&str; 4] = ["\0", "\u{1b}", "\u{7f}", "\n"];
const TEXTAREAS: [&str; 2] = ["reason", "message"];

/// A signed-in client of each role, with a CSRF token of its session.
pub struct Actors {
    visitor: (Client, String),
    partner: (Client, String),
    customer: (Client, String),
    manager: (Client, String),
}

pub async fn actors(app: &TestApp) -> Actors {
    let (manager_id, partner_id) = app.partner("p@input.test").await;
    app.customer_of(partner_id, "c@input.test").await;
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

pub const ID: &str = "0190c0de-0000-7000-8000-000000000000";

const CONFIG: &[&str] = &["plan", "units", "term", "addon.high_availability"];
const PURCHASE: &[&str] = &[
    "plan",
    "units",
    "term",
    "licenses",
    "customer_email",
    "idempotency_key",
];
const INFO: &[&str] = &[
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
const NEW_PARTNER: &[&str] = &[
    "email",
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
const PASSWORDS: &[&str] = &["current_password", "password", "password_confirm"];
const AUDIT: &[&str] = &["partner", "account", "action", "from", "to", "after"];

/// Every POST form that reads fields, by role, with the fields it sends (`{id}`: any id).
#[rustfmt::skip]
const POST_FORMS: &[(&str, &str, &[&str])] = &[
    ("visitor", "/login", &["email", "password", "next"]),
    ("visitor", "/forgot-password", &["email"]),
    ("visitor", "/activate/sometoken", &["password", "password_confirm"]),
    ("visitor", "/reset-password/sometoken", &["password", "password_confirm", "code"]),
    ("visitor", "/login/two-factor", &["code"]),
    ("partner", "/partner/customers/{id}/removal-request", &["reason"]),
    ("partner", "/partner/purchase/review", PURCHASE),
    ("partner", "/partner/purchase/edit", PURCHASE),
    ("partner", "/partner/purchase/confirm", PURCHASE),
    ("partner", "/partner/licenses/{id}/associate", &["customer_id"]),
    ("partner", "/partner/security/password", PASSWORDS),
    ("partner", "/partner/security/two-factor", &["code", "password"]),
    ("partner", "/partner/central-management/{id}/restart", &["name", "email"]),
    ("customer", "/customer/account", INFO),
    ("customer", "/customer/partnership",
        &["company", "website", "country", "business_type", "yearly_volume", "message"]),
    ("customer", "/customer/subscribe/review", CONFIG),
    ("customer", "/customer/subscribe/edit", CONFIG),
    ("customer", "/customer/subscribe/confirm", &["plan", "units", "term", "idempotency_key"]),
    ("customer", "/customer/subscriptions/{id}/change", CONFIG),
    ("customer", "/customer/subscriptions/{id}/auto-renew", &["auto_renew"]),
    ("customer", "/customer/security/two-factor/disable", &["code", "password"]),
    ("customer", "/customer/security/recovery-codes", &["password"]),
    ("customer", "/customer/central-management/{id}/alarm-email", &["name", "email"]),
    ("manager", "/manager/partners/new", NEW_PARTNER),
    ("manager", "/manager/activations/resend", &["account"]),
    ("manager", "/manager/removals/{id}/approve", &["reason"]),
    ("manager", "/manager/removals/{id}/reject", &["reason"]),
    ("manager", "/manager/applications/{id}", &["decision", "reason"]),
    ("manager", "/manager/security/password", PASSWORDS),
];

/// Every GET list or page that reads a query, by role, with its parameters.
#[rustfmt::skip]
const GET_QUERIES: &[(&str, &str, &[&str])] = &[
    ("visitor", "/login", &["next"]),
    ("partner", "/partner/customers", &["q", "status", "sort", "after"]),
    ("partner", "/partner/products/cloud_pbx", &["q", "status", "sort", "after"]),
    ("partner", "/partner/licenses/{id}/associate", &["q"]),
    ("partner", "/partner/orders", &["status", "sort", "after"]),
    ("partner", "/partner/audit", AUDIT),
    ("partner", "/partner/audit.csv", AUDIT),
    ("customer", "/customer/estimate", CONFIG),
    ("customer", "/customer/subscribe", CONFIG),
    ("manager", "/manager/partners", &["q", "after"]),
    ("manager", "/manager/activations", &["after"]),
    ("manager", "/manager/audit", AUDIT),
    ("manager", "/manager/audit.csv", AUDIT),
];

pub fn actor<'a>(actors: &'a Actors, role: &str) -> &'a (Client, String) {
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

/// One request of a table of forms: the actor's role, the path (with `{id}` filled in), the
/// field that carries the bad value, the value, and every field's value.
type Case = (
    &'static str,
    String,
    &'static str,
    &'static str,
    Vec<(String, String)>,
);

/// Every request of `table`: each field of each form, with each hostile value it is tried with.
fn cases(table: &'static [(&'static str, &'static str, &'static [&'static str])]) -> Vec<Case> {
    let mut all = Vec::new();
    for &(role, path, names) in table {
        let path = path.replace("{id}", ID);
        for &field in names {
            for bad in chars_for(field) {
                all.push((role, path.clone(), field, bad, fields(names, field, bad)));
            }
        }
    }
    all
}

/// Refused with a 422 page that names the field and says what to do, having written nothing
/// (the database as `before`).
async fn assert_refused(
    app: &TestApp,
    response: reqwest::Response,
    (what, field): (&str, &str),
    before: &[(String, String)],
) {
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
    assert_eq!(
        app.database_fingerprint().await,
        before,
        "{what} wrote something"
    );
}

/// Sends every request of `table` as its actor, a POST form (with the session's CSRF token) or
/// a GET query, and checks that each is refused and nothing is written.
async fn assert_every_case_refused(
    table: &'static [(&'static str, &'static str, &'static [&'static str])],
    post: bool,
) {
    let app = spawn_app().await;
    let actors = actors(&app).await;
    let before = app.database_fingerprint().await;
    for (role, path, field, bad, values) in cases(table) {
        let (browser, csrf) = actor(&actors, role);
        let (method, request) = if post {
            let mut form = vec![("csrf_token".to_owned(), csrf.clone())];
            form.extend(values);
            ("POST", browser.post(app.url(&path)).form(&form))
        } else {
            ("GET", browser.get(app.url(&path)).query(&values))
        };
        let response = request.send().await.unwrap();
        let what = format!("{method} {path} with {bad:?} in {field} as {role}");
        assert_refused(&app, response, (&what, field), &before).await;
    }
}

#[tokio::test]
async fn a_control_character_in_any_post_form_field_is_refused_with_a_422_and_nothing_is_written() {
    assert_every_case_refused(POST_FORMS, true).await;
}

#[tokio::test]
async fn a_control_character_in_any_list_query_is_refused_with_a_422_and_nothing_is_written() {
    assert_every_case_refused(GET_QUERIES, false).await;
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
            let response = app
                .post_multipart(&partner, "/partner/customers/new", form)
                .await;
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
    let customer = app.customer_of(partner_id, "c@textarea.test").await;
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
    let stored: String = app.one("select reason from removal_requests").await;
    assert_eq!(stored.replace("\r\n", "\n"), reason.replace("\r\n", "\n"));
}
