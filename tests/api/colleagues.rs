//! Partner organizations: colleagues with their own sign-in and per-feature permissions, as an
//! Owner and its colleagues use them over HTTP.

use reqwest::StatusCode;
use yeastar_portal::accounts::permission::Permission;
use yeastar_portal::web::route_table;
use yeastar_portal::web::routes::Portal;

use crate::helpers::{assert_says, client, location, spawn_app, TestApp, PASSWORD};

/// An Owner (a partner with its manager) signed in.
pub async fn owner(app: &TestApp) -> reqwest::Client {
    app.signed_in_partner("owner@org.test").await.0
}

/// The path of a route with its parameters filled in (an id that names nothing is enough: the
/// permission is checked before the handler looks anything up).
fn concrete(path: &str) -> String {
    path.replace("{id}", "6f1c1a52-8e0e-4d5e-9a34-1f0b2a0c9d11")
        .replace("{product_type}", "cloud_pbx")
        .replace("{action}", "restart")
}

#[tokio::test]
async fn a_colleague_sees_and_opens_only_the_features_it_was_given() {
    let app = spawn_app().await;
    let owner = owner(&app).await;
    let (sales, _) = app
        .signed_in_colleague(&owner, "sales@org.test", &["customers"])
        .await;

    let (status, page) = app.get_html(&sales, "/partner/customers").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("href=\"/partner/customers\""));
    for hidden in [
        "/partner/orders",
        "/partner/products",
        "/partner/central-management",
        "/partner/audit",
        "/partner/colleagues",
    ] {
        assert!(
            !page.contains(&format!("href=\"{hidden}\"")),
            "{hidden} is not in the navigation"
        );
    }
    let refused = app.get(&sales, "/partner/purchase").await;
    assert_says(refused, StatusCode::FORBIDDEN, "Purchase &#38; Billing").await;
    let refused = app.get(&sales, "/partner/orders").await;
    assert_says(refused, StatusCode::FORBIDDEN, "Test Partner").await;

    // A colleague without Customers lands on the first page it may open.
    app.add_colleague(&owner, "auditor@org.test", &["audit"])
        .await;
    app.activate_from_email("auditor@org.test").await;
    let auditor = client();
    let response = app.login(&auditor, "auditor@org.test", PASSWORD).await;
    assert_eq!(location(&response), "/partner/audit");
    assert_eq!(
        app.status_of(&auditor, "/partner/audit").await,
        StatusCode::OK
    );
    assert_eq!(
        app.status_of(&auditor, "/partner/customers").await,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn every_partner_route_refuses_a_colleague_without_its_permission() {
    let app = spawn_app().await;
    let owner = owner(&app).await;
    let routes: Vec<_> = route_table()
        .into_iter()
        .filter(|r| r.portal == Portal::Partner)
        .collect();
    // The pages every member may open: nothing else goes without a permission.
    for route in &routes {
        if Permission::for_partner_route(&route.path).is_none() {
            assert!(
                route.path == "/partner" || route.path.starts_with("/partner/security"),
                "{} {} needs a permission",
                route.method,
                route.path
            );
        }
    }
    for (n, lacking) in Permission::ALL.into_iter().enumerate() {
        let others: Vec<&str> = Permission::ALL
            .into_iter()
            .filter(|p| *p != lacking)
            .map(Permission::code)
            .collect();
        let email = format!("member{n}@org.test");
        let (member, _) = app.signed_in_colleague(&owner, &email, &others).await;
        let csrf = app.csrf_for(&member, "/partner/security").await;
        let guarded: Vec<_> = routes
            .iter()
            .filter(|r| Permission::for_partner_route(&r.path) == Some(lacking))
            .collect();
        assert!(!guarded.is_empty(), "{lacking:?} guards routes");
        for route in guarded {
            let url = app.url(&concrete(&route.path));
            let response = if route.method == reqwest::Method::GET {
                member.get(&url).send().await.unwrap()
            } else {
                let fields = [("csrf_token", csrf.as_str()), ("confirm", "yes")];
                member.post(&url).form(&fields).send().await.unwrap()
            };
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{} {} without {lacking:?}",
                route.method,
                route.path
            );
        }
        // Allowed: a colleague holding only this permission opens its pages.
        let only = format!("only{n}@org.test");
        let (holder, _) = app
            .signed_in_colleague(&owner, &only, &[lacking.code()])
            .await;
        let page = match lacking {
            Permission::Customers => "/partner/customers",
            Permission::Purchase => "/partner/purchase",
            Permission::Products => "/partner/products/cloud_pbx",
            Permission::Central => "/partner/central-management",
            Permission::Audit => "/partner/audit",
            Permission::Colleagues => "/partner/colleagues",
        };
        assert_eq!(
            app.status_of(&holder, page).await,
            StatusCode::OK,
            "{page} with {lacking:?}"
        );
    }
}

/// Posts a form of the colleague page as `owner`, with its CSRF token.
pub async fn post(
    app: &TestApp,
    as_: &reqwest::Client,
    path: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let csrf = app.csrf_for(as_, "/partner/security").await;
    let mut fields = vec![("csrf_token", csrf.as_str())];
    fields.extend_from_slice(extra);
    app.post_form(as_, path, &fields).await
}

#[tokio::test]
async fn permission_changes_apply_on_the_colleagues_next_request() {
    let app = spawn_app().await;
    let owner = owner(&app).await;
    let (member, id) = app
        .signed_in_colleague(&owner, "member@org.test", &["customers"])
        .await;
    assert_eq!(
        app.status_of(&member, "/partner/customers").await,
        StatusCode::OK
    );
    let path = format!("/partner/colleagues/{id}/permissions");
    let response = post(&app, &owner, &path, &[("perm_purchase", "on")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.status_of(&member, "/partner/customers").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.status_of(&member, "/partner/orders").await,
        StatusCode::OK
    );
    assert_eq!(app.audit_count("colleague.permissions_changed").await, 1);
}
