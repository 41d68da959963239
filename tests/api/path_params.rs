//! Hostile path parameters: a NUL byte in any `{id}`, `{token}` or `{product_type}` segment is
//! answered 4xx (or the sign-in redirect), never 5xx, and writes nothing.

use reqwest::StatusCode;

use crate::helpers::spawn_app;
use crate::input::{actor, actors, ID};

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
            app.get(browser, &path).await
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
