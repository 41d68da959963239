//! The account manager's partners: a manager sees and acts on only their own partners (their
//! customers, removals and audit entries), and adds a partner who is assigned to them.

use reqwest::StatusCode;
use yeastar_portal::accounts::model::Role;

use crate::activation_resends::resend;
use crate::helpers::{client, location, spawn_app, PASSWORD};
use crate::removals::request_removal;

#[tokio::test]
async fn a_manager_cannot_see_or_act_on_another_managers_partners() {
    let app = spawn_app().await;
    let (_, theirs) = app.partner("p@theirs.test").await;
    let (their_customer, _) = app
        .create_account(Role::Customer, "c@theirs.test", None, Some(theirs))
        .await;
    app.partner("p@mine.test").await;
    let mine = app.signed_in_as("manager-of-p@mine.test").await;

    let (_, partners) = app.get_html(&mine, "/manager/partners").await;
    assert!(partners.contains("p@mine.test") && !partners.contains("p@theirs.test"));
    let (_, activations) = app.get_html(&mine, "/manager/activations").await;
    assert!(!activations.contains("c@theirs.test"));
    assert_eq!(
        resend(&app, &mine, their_customer).await.status(),
        StatusCode::NOT_FOUND
    );

    let their_partner = app.signed_in_as("p@theirs.test").await;
    request_removal(&app, &their_partner, their_customer, "Closed the account").await;
    let request_id: uuid::Uuid = app.one("select id from removal_requests").await;
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

#[tokio::test]
async fn a_manager_adds_a_partner_who_is_assigned_to_them_and_emailed() {
    let app = spawn_app().await;
    let manager_id = app
        .active_account(Role::Manager, "ada@yeastar.test", None, None)
        .await;
    let manager = app.signed_in_as("ada@yeastar.test").await;
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
    let assigned: uuid::Uuid = app
        .one("select manager_id from accounts where email = 'new@partner.test'")
        .await;
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
