//! Matrices generated from the router's own route table, so that a new route cannot escape them:
//! tenant isolation (every id-bearing route × every actor) and CSRF (every POST route without a
//! token and with another session's token). A route the matrices have no fixture for fails.

use reqwest::{Response, StatusCode};
use yeastar_portal::accounts::permission::Permission;
use yeastar_portal::web::route_table;
use yeastar_portal::web::routes::{Portal, RouteInfo};

use crate::helpers::{location, spawn_app, TestApp};
use crate::world::{unknown_path, Actor, Who, World};

/// Id-bearing routes whose parameter is not tenant data: who may use them does not depend on a
/// tenant, so they have no "other tenant" to refuse.
const NOT_TENANT_DATA: &[(&str, &str)] = &[
    (
        "/activate/{token}",
        "the emailed link is the credential, for whoever holds it",
    ),
    (
        "/activate/{token}/resend",
        "the emailed link is the credential, and the answer is the same for every link",
    ),
    (
        "/reset-password/{token}",
        "the emailed link is the credential, for whoever holds it",
    ),
    (
        "/partner/products/{product_type}",
        "a catalog code; the list shows the caller's own licences",
    ),
    (
        "/customer/trials/{product_type}",
        "a catalog code; the trial is the caller's own",
    ),
];

fn portal_of(who: Who) -> Option<Portal> {
    match who {
        Who::PartnerA | Who::AnotherPartner | Who::ColleagueWithout(_) => Some(Portal::Partner),
        Who::CustomerA | Who::CustomerOfAnotherPartner => Some(Portal::Customer),
        Who::ManagerA | Who::AnotherManager => Some(Portal::Manager),
        Who::SignedOut => None,
    }
}

/// Who may open the route, or change what it changes.
fn rightful(route: &RouteInfo) -> Vec<Who> {
    if route.path == "/media/profile/{id}" {
        // A profile image is seen by its account, its partner and the partner's manager.
        return vec![Who::PartnerA, Who::ManagerA];
    }
    vec![World::owner_of(route.portal)]
}

/// The fields any of the POST forms might want; handlers ignore the ones they don't read.
fn fields(world: &World, csrf: Option<&str>) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = [
        ("reason", "Checked by the matrix"),
        ("decision", "reject"),
        ("name", "Matrix"),
        ("email", ""),
        ("auto_renew", "off"),
        // The confirmation pages' field: refused actors are refused even when confirming, and
        // the rightful ones' removals and restarts really happen.
        ("confirm", "yes"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    fields.push(("customer_id".into(), world.customer_a.to_string()));
    if let Some(csrf) = csrf {
        fields.push(("csrf_token".into(), csrf.to_owned()));
    }
    fields
}

async fn send(
    app: &TestApp,
    world: &World,
    actor: &Actor,
    route: &RouteInfo,
    path: &str,
    csrf: Option<&str>,
) -> Response {
    let url = app.url(path);
    if route.method == "GET" {
        actor.client.get(url).send().await.unwrap()
    } else {
        actor
            .client
            .post(url)
            .form(&fields(world, csrf))
            .send()
            .await
            .unwrap()
    }
}

fn id_bearing(route: &RouteInfo) -> bool {
    route.path.contains('{') && route.portal != Portal::PbxApi
}

/// What an actor who may not see the resource must get: the sign-in redirect when signed
/// out, 404 in its own portal (the id is simply not found), 403 from another portal's guard.
fn refused_properly(actor: Who, route: &RouteInfo, response: &Response) -> bool {
    let status = response.status();
    if let Who::ColleagueWithout(_) = actor {
        // A colleague of the tenant without the route's permission: refused before any lookup.
        return status == StatusCode::FORBIDDEN;
    }
    match portal_of(actor) {
        None => status == StatusCode::SEE_OTHER && location(response).starts_with("/login"),
        Some(portal) if portal == route.portal || route.portal == Portal::Public => {
            status == StatusCode::NOT_FOUND
        }
        Some(_) => status == StatusCode::FORBIDDEN,
    }
}

/// A colleague of tenant A may use the routes of the permissions it holds (the rightful
/// partner's answers cover them); it is an actor to refuse only on routes of the one it lacks.
fn lacks_permission_for(who: Who, route: &RouteInfo) -> bool {
    match who {
        Who::ColleagueWithout(n) => {
            Permission::for_partner_route(&route.path) == Some(Permission::ALL[n])
        }
        _ => true,
    }
}

/// The rightful actor reached the resource: the page, a redirect after the change, or a form
/// error about the fields (never "not found", "forbidden" or the sign-in page).
fn reached(response: &Response) -> bool {
    let status = response.status();
    status.is_success()
        || (status.is_redirection() && !location(response).starts_with("/login"))
        || status == StatusCode::UNPROCESSABLE_ENTITY
        || status == StatusCode::BAD_REQUEST
        || status == StatusCode::CONFLICT
}

/// Every actor who may not use the route: refused the right way, and the same way for tenant
/// A's id as for an id that belongs to nobody (no existence oracle).
async fn refusals(app: &TestApp, world: &World, routes: &[&RouteInfo]) -> Vec<String> {
    let mut failures = Vec::new();
    for route in routes {
        let path = world.path(&route.path).unwrap();
        let allowed = rightful(route);
        let refused = world
            .actors
            .iter()
            .filter(|a| !allowed.contains(&a.who) && lacks_permission_for(a.who, route));
        for actor in refused {
            let csrf = Some(actor.csrf.as_str());
            let real = send(app, world, actor, route, &path, csrf).await;
            let unknown = send(app, world, actor, route, &unknown_path(&route.path), csrf).await;
            let (who, method) = (actor.who, &route.method);
            if !refused_properly(who, route, &real) {
                let (status, to) = (real.status(), location(&real));
                failures.push(format!("{who:?} {method} {path}: {status} ({to})"));
            }
            if real.status() != unknown.status() {
                let (real, unknown) = (real.status(), unknown.status());
                failures.push(format!(
                    "{who:?} {method} {}: {real} for tenant A's id, {unknown} for an unknown one",
                    route.path
                ));
            }
        }
    }
    failures
}

/// The rightful actors reach every page first, then every change.
async fn rightful_answers(app: &TestApp, world: &World, routes: &[&RouteInfo]) -> Vec<String> {
    let mut ordered = routes.to_vec();
    ordered.sort_by_key(|r| r.method != "GET");
    let mut failures = Vec::new();
    for route in ordered {
        let path = world.path(&route.path).unwrap();
        for who in rightful(route) {
            let actor = world.actor(who);
            let response = send(app, world, actor, route, &path, Some(&actor.csrf)).await;
            if !reached(&response) {
                let (status, to) = (response.status(), location(&response));
                failures.push(format!("{who:?} {} {path}: {status} ({to})", route.method));
            }
        }
    }
    failures
}

#[tokio::test]
async fn every_id_bearing_route_answers_only_its_rightful_actors_and_others_change_nothing() {
    let app = spawn_app().await;
    let world = app.two_tenants().await;
    let table: Vec<RouteInfo> = route_table().into_iter().filter(id_bearing).collect();
    assert!(
        table.len() >= 30,
        "the route table lists the id-bearing routes: {table:?}"
    );
    let tenant_routes: Vec<&RouteInfo> = table
        .iter()
        .filter(|r| {
            !NOT_TENANT_DATA
                .iter()
                .any(|(pattern, _)| *pattern == r.path)
        })
        .collect();
    let missing: Vec<String> = tenant_routes
        .iter()
        .filter(|route| world.path(&route.path).is_none())
        .map(|route| {
            format!(
                "{} {}: no fixture (add it to tests/api/world.rs)",
                route.method, route.path
            )
        })
        .collect();
    assert!(
        missing.is_empty(),
        "routes missing from the matrix:\n{}",
        missing.join("\n")
    );
    eprintln!(
        "isolation matrix: {} id-bearing routes, {} of them tenant data, x {} actors",
        table.len(),
        tenant_routes.len(),
        world.actors.len()
    );

    let before = app.database_fingerprint().await;
    let failures = refusals(&app, &world, &tenant_routes).await;
    assert!(
        failures.is_empty(),
        "isolation broken:\n{}",
        failures.join("\n")
    );
    assert_eq!(
        app.database_fingerprint().await,
        before,
        "refused requests changed nothing"
    );

    let failures = rightful_answers(&app, &world, &tenant_routes).await;
    assert!(
        failures.is_empty(),
        "rightful actors refused:\n{}",
        failures.join("\n")
    );
    assert_ne!(
        app.database_fingerprint().await,
        before,
        "the rightful actors' changes were made"
    );
}

#[tokio::test]
async fn every_post_route_refuses_a_missing_or_another_sessions_csrf_token_and_changes_nothing() {
    let app = spawn_app().await;
    let world = app.two_tenants().await;
    let posts: Vec<RouteInfo> = route_table()
        .into_iter()
        .filter(|r| r.method == "POST" && r.portal != Portal::PbxApi)
        .collect();
    assert!(
        posts.len() >= 30,
        "the route table lists the POST routes: {posts:?}"
    );
    eprintln!("CSRF matrix: {} POST routes x 3 cases", posts.len());
    let mut failures = Vec::new();
    let before = app.database_fingerprint().await;
    for route in &posts {
        let Some(path) = world.path(&route.path) else {
            failures.push(format!(
                "POST {}: no fixture in the matrix (add it to tests/api/world.rs)",
                route.path
            ));
            continue;
        };
        let owner = world.actor(World::owner_of(route.portal));
        // Someone else's valid token: the signed-out visitor's for signed-in owners, partner A's
        // for the signed-out visitor.
        let foreign = if owner.who == Who::SignedOut {
            Who::PartnerA
        } else {
            Who::SignedOut
        };
        let foreign = &world.actor(foreign).csrf;
        for (case, token) in [
            ("no token", None),
            ("another session's token", Some(foreign.as_str())),
        ] {
            let response = send(&app, &world, owner, route, &path, token).await;
            if response.status() != StatusCode::FORBIDDEN {
                failures.push(format!(
                    "{:?} POST {path} with {case}: {}",
                    owner.who,
                    response.status()
                ));
            }
        }
        // A colleague who holds the route's permission is refused without a token too (its
        // permission is not what stops it).
        if let Some(needed) = Permission::for_partner_route(&route.path) {
            let n = (0..Permission::ALL.len())
                .find(|n| Permission::ALL[*n] != needed)
                .unwrap();
            let colleague = world.actor(Who::ColleagueWithout(n));
            let response = send(&app, &world, colleague, route, &path, None).await;
            if response.status() != StatusCode::FORBIDDEN {
                failures.push(format!(
                    "colleague POST {path} with no token: {}",
                    response.status()
                ));
            }
        }
        let header = owner
            .client
            .post(app.url(&path))
            .header("x-csrf-token", foreign.as_str())
            .form(&fields(&world, None))
            .send()
            .await
            .unwrap();
        if header.status() != StatusCode::FORBIDDEN {
            failures.push(format!(
                "{:?} POST {path} with another session's header: {}",
                owner.who,
                header.status()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "CSRF not enforced:\n{}",
        failures.join("\n")
    );
    assert_eq!(
        app.database_fingerprint().await,
        before,
        "refused requests changed nothing"
    );
}
