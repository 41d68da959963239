//! The life of a colleague in a partner organization: suspended, restored, removed, handed the
//! ownership; the Owner's two-factor policy; who did what in the audit log; the manager's view.

use reqwest::StatusCode;

use crate::colleagues::{owner, post};
use crate::helpers::{assert_says, client, csrf_token, location, spawn_app, PASSWORD};

#[tokio::test]
async fn suspending_ends_the_sessions_and_refuses_sign_in_until_restored() {
    let app = spawn_app().await;
    let owner = owner(&app).await;
    let (member, id) = app
        .signed_in_colleague(&owner, "member@org.test", &["customers"])
        .await;
    let response = post(
        &app,
        &owner,
        &format!("/partner/colleagues/{id}/suspend"),
        &[],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let next = app.get(&member, "/partner/customers").await;
    assert!(location(&next).starts_with("/login"), "signed out at once");
    assert_eq!(app.sessions_of(id).await, 0);
    let refused = app.login(&client(), "member@org.test", PASSWORD).await;
    assert_says(
        refused,
        StatusCode::FORBIDDEN,
        "suspended by your organization",
    )
    .await;

    let response = post(
        &app,
        &owner,
        &format!("/partner/colleagues/{id}/restore"),
        &[],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let again = app.signed_in_as("member@org.test").await;
    assert_eq!(
        app.status_of(&again, "/partner/customers").await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_removed_colleague_keeps_its_history_and_its_email_stays_reserved() {
    let app = spawn_app().await;
    let owner = owner(&app).await;
    let (member, id) = app
        .signed_in_colleague(&owner, "leaver@org.test", &["customers", "audit"])
        .await;
    // Something the colleague did, for the log to keep naming.
    assert_eq!(
        app.status_of(&member, "/partner/customers").await,
        StatusCode::OK
    );
    let response = post(
        &app,
        &owner,
        &format!("/partner/colleagues/{id}/remove"),
        &[],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&app.get(&member, "/partner/customers").await).starts_with("/login"));
    let refused = app.login(&client(), "leaver@org.test", PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.count(&format!(
            "select count(*) from accounts where id = '{id}' and status = 'removed'"
        ))
        .await,
        1
    );

    let (_, audit) = app
        .get_html(&owner, &format!("/partner/audit?member={id}"))
        .await;
    assert!(
        audit.contains("Colin League signed in"),
        "the log still names the removed colleague"
    );
    let (_, list) = app.get_html(&owner, "/partner/colleagues").await;
    assert!(list.contains("leaver@org.test") && list.contains("Removed"));
    // Searched by name or email, in any case: only the colleagues that contain the term.
    let (_, found) = app
        .get_html(&owner, "/partner/colleagues?q=colin+LEAGUE")
        .await;
    assert!(found.contains("leaver@org.test"), "{found}");
    let (_, none) = app
        .get_html(&owner, "/partner/colleagues?q=nobody-here")
        .await;
    assert!(!none.contains("leaver@org.test"), "{none}");

    let csrf = app.csrf_for(&owner, "/partner/colleagues/new").await;
    let again = app
        .post_form(
            &owner,
            "/partner/colleagues/new",
            &[
                ("csrf_token", &csrf),
                ("email", "leaver@org.test"),
                ("first_name", "A"),
                ("last_name", "B"),
                ("country", "DE"),
            ],
        )
        .await;
    assert_says(
        again,
        StatusCode::UNPROCESSABLE_ENTITY,
        "already used by another Yeastar account",
    )
    .await;
}

#[tokio::test]
async fn ownership_moves_with_the_password_and_the_organization_keeps_one_owner() {
    let app = spawn_app().await;
    let owner = owner(&app).await;
    let (heir, id) = app
        .signed_in_colleague(&owner, "heir@org.test", &["customers"])
        .await;
    let path = format!("/partner/colleagues/{id}/transfer-ownership");
    let wrong = post(&app, &owner, &path, &[("current_password", "not it")]).await;
    assert_says(
        wrong,
        StatusCode::UNPROCESSABLE_ENTITY,
        "The password is not correct.",
    )
    .await;
    let owners =
        "select count(*) from organizations o join accounts a on a.organization_id = o.id \
                  and a.id = o.owner_id";
    assert_eq!(app.count(owners).await, 1);

    let right = post(&app, &owner, &path, &[("current_password", PASSWORD)]).await;
    assert_eq!(right.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.count(owners).await, 1);
    assert_eq!(
        app.count(&format!(
            "select count(*) from organizations where owner_id = '{id}'"
        ))
        .await,
        1
    );
    // The new Owner has every permission; the former one can no longer hand it on.
    assert_eq!(app.status_of(&heir, "/partner/audit").await, StatusCode::OK);
    let (_, page) = app.get_html(&heir, "/partner/colleagues").await;
    assert_eq!(page.matches(">Owner</span>").count(), 1);
    let (_, me) = app
        .get_html(&owner, &format!("/partner/colleagues/{id}"))
        .await;
    assert!(me.contains("The Owner has every permission"));
    let back = post(&app, &owner, &path, &[("current_password", PASSWORD)]).await;
    assert_eq!(back.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_member_who_manages_colleagues_cannot_give_more_than_it_holds_or_touch_the_owner() {
    let app = spawn_app().await;
    let owner = owner(&app).await;
    let (lead, lead_id) = app
        .signed_in_colleague(&owner, "lead@org.test", &["customers", "colleagues"])
        .await;
    let (_, member) = app
        .signed_in_colleague(&owner, "member@org.test", &["customers"])
        .await;
    let path = format!("/partner/colleagues/{member}/permissions");
    let refused = post(&app, &lead, &path, &[("perm_purchase", "on")]).await;
    assert_says(
        refused,
        StatusCode::CONFLICT,
        "only give permissions you have",
    )
    .await;
    let owner_id: uuid::Uuid = app.one("select owner_id from organizations").await;
    let path = format!("/partner/colleagues/{owner_id}/suspend");
    assert_eq!(
        post(&app, &lead, &path, &[]).await.status(),
        StatusCode::CONFLICT
    );
    let path = format!("/partner/colleagues/{lead_id}/permissions");
    assert_eq!(
        post(&app, &lead, &path, &[("perm_audit", "on")])
            .await
            .status(),
        StatusCode::CONFLICT
    );
    // Another organization's member is not found.
    let (other, _) = app.signed_in_partner("other@elsewhere.test").await;
    let path = format!("/partner/colleagues/{member}/suspend");
    assert_eq!(
        post(&app, &other, &path, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.status_of(&other, &format!("/partner/colleagues/{member}"))
            .await,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_two_factor_policy_sends_a_member_to_set_it_up_before_anything_else() {
    let app = spawn_app().await;
    let owner = owner(&app).await;
    app.add_colleague(&owner, "member@org.test", &["customers"])
        .await;
    app.activate_from_email("member@org.test").await;
    let response = post(
        &app,
        &owner,
        "/partner/colleagues/policy",
        &[("require_two_factor", "on")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.audit_count("organization.two_factor_policy_changed")
            .await,
        1
    );

    let member = app.signed_in_as("member@org.test").await;
    let blocked = app.get(&member, "/partner/customers").await;
    assert_eq!(location(&blocked), "/partner/security/two-factor");
    assert_eq!(
        app.status_of(&member, "/partner/security").await,
        StatusCode::OK
    );
    app.enable_two_factor(&member, "/partner").await;
    assert_eq!(
        app.status_of(&member, "/partner/customers").await,
        StatusCode::OK
    );

    // It cannot be turned off while the policy holds.
    let csrf = app.csrf_for(&member, "/partner/security").await;
    let off = app
        .post_form(
            &member,
            "/partner/security/two-factor/disable",
            &[
                ("csrf_token", &csrf),
                ("password", PASSWORD),
                ("code", "000000"),
            ],
        )
        .await;
    assert_says(
        off,
        StatusCode::UNPROCESSABLE_ENTITY,
        "requires two-factor authentication for every member",
    )
    .await;
}

#[tokio::test]
async fn the_audit_names_the_member_who_acted_for_the_owner_and_the_manager() {
    let app = spawn_app().await;
    let owner = owner(&app).await;
    let (sales, id) = app
        .signed_in_colleague(&owner, "sales@org.test", &["customers"])
        .await;
    let csrf = app.csrf_for(&sales, "/partner/customers/new").await;
    let form = crate::helpers::add_customer_form(&csrf, "new.customer@client.test");
    let added = app
        .post_multipart(&sales, "/partner/customers/new", form)
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let customer_partner: uuid::Uuid = app
        .one("select partner_id from accounts where email = 'new.customer@client.test'")
        .await;
    let org: uuid::Uuid = app.one("select id from organizations").await;
    assert_eq!(
        customer_partner, org,
        "the customer belongs to the organization"
    );

    let (_, owner_list) = app.get_html(&owner, "/partner/customers").await;
    assert!(
        owner_list.contains("new.customer@client.test"),
        "the Owner sees it"
    );
    let (_, audit) = app
        .get_html(&owner, &format!("/partner/audit?member={id}"))
        .await;
    assert!(audit.contains("Colin League"), "filtered by the member");
    assert!(audit.contains("new.customer@client.test"));
    let (_, owner_only) = app.get_html(&owner, "/partner/audit?member=").await;
    assert!(owner_only.contains("Colin League"));

    let manager = app.signed_in_as("manager-of-owner@org.test").await;
    let (_, manager_audit) = app.get_html(&manager, "/manager/audit").await;
    assert!(manager_audit.contains("Colin League") && manager_audit.contains("owner@org.test Ltd"));
}

#[tokio::test]
async fn the_manager_sees_organizations_with_their_members_and_resends_a_colleagues_link() {
    let app = spawn_app().await;
    let owner = owner(&app).await;
    let id = app
        .add_colleague(&owner, "late@org.test", &["customers"])
        .await;
    let manager = app.signed_in_as("manager-of-owner@org.test").await;
    let (_, partners) = app.get_html(&manager, "/manager/partners").await;
    assert_eq!(
        partners.matches("data-label=\"Company\"").count(),
        1,
        "colleagues are not partners"
    );
    assert!(partners.contains("<td data-label=\"Members\" class=\"num\">2</td>"));
    let org: uuid::Uuid = app.one("select id from organizations").await;
    let (_, detail) = app
        .get_html(&manager, &format!("/manager/partners/{org}"))
        .await;
    assert!(detail.contains("late@org.test") && detail.contains("Pending activation"));

    let csrf = app.csrf_for(&manager, "/manager/activations").await;
    let sent = app
        .post_form(
            &manager,
            "/manager/activations/resend",
            &[("csrf_token", &csrf), ("account_id", &id.to_string())],
        )
        .await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("activation.resent").await, 1);
    // The Owner can resend it too, from the colleague's page.
    let response = post(
        &app,
        &owner,
        &format!("/partner/colleagues/{id}/resend-activation"),
        &[],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("activation.resent").await, 2);
}

#[tokio::test]
async fn a_colleagues_expired_link_names_the_owner_to_ask() {
    let app = spawn_app().await;
    let owner = owner(&app).await;
    app.add_colleague(&owner, "slow@org.test", &["customers"])
        .await;
    app.drain_outbox().await;
    let link = app.smtp.to("slow@org.test")[0].link("/activate/").unwrap();
    app.clock.advance(time::Duration::hours(49));
    let path = link.strip_prefix(&app.address).unwrap();
    let (status, page) = app.get_html(&client(), path).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(
        page.contains("Owner</strong>") || page.contains("Owner is"),
        "{page}"
    );
    assert!(page.contains("Test Partner") && page.contains("owner@org.test"));
    assert!(
        !page.contains("ask your account manager") && page.contains("ask your organization"),
        "a colleague asks its Owner: {page}"
    );
    assert!(csrf_token(&page).len() > 10, "it offers a new link");
}
