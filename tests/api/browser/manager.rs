//! The account manager console in the browser: resending an activation email; a removal from
//! the partner's request to the manager's confirmed approval (past a failed renewal on the
//! Needs attention page), which then shows among the decisions; and one partner's page.

use time::Duration;
use yeastar_portal::accounts::model::Role;

use super::{Browser, WIDTHS};
use crate::fixtures::{self, partnership_application, purchase, removal_requests};
use crate::helpers::{spawn_app, PASSWORD};

#[tokio::test]
async fn a_manager_resends_an_expired_activation_email_and_the_customer_activates() {
    for width in WIDTHS {
        let app = spawn_app().await;
        let (_, partner) = app.partner("sales@resend-partner.test").await;
        app.create_account(
            Role::Customer,
            "late@resend-customer.test",
            None,
            Some(partner),
        )
        .await;
        app.clock.advance(Duration::hours(49));
        let mut browser = Browser::start("manager-resends-activation", width, &app.address).await;

        browser
            .sign_in("manager-of-sales@resend-partner.test", "/manager/partners")
            .await;
        browser.step("partners").await;
        browser.goto("/manager/activations").await;
        assert!(browser.text().await.contains("late@resend-customer.test"));
        browser.step("activations-expired").await;
        browser
            .click("button[formaction$='/resend-activation']")
            .await;
        browser.expect_path("/manager/activations").await;
        assert!(browser
            .text()
            .await
            .contains("A new activation link was sent"));
        browser.step("resent").await;

        app.drain_outbox().await;
        let link = app
            .smtp
            .to("late@resend-customer.test")
            .last()
            .unwrap()
            .link("/activate/")
            .unwrap();
        browser.sign_out().await;
        browser.goto(&link).await;
        assert!(browser
            .text()
            .await
            .contains("Set a password for your Yeastar ID late@resend-customer.test"));
        browser.step("new-link-opens").await;
        browser.close().await;
    }
}

#[tokio::test]
async fn a_partner_asks_for_a_removal_and_the_manager_approves_it() {
    for width in WIDTHS {
        let app = spawn_app().await;
        let (_, partner) = app.partner("sales@removal-partner.test").await;
        let customer = app
            .customer_of(partner, "leaving@removal-customer.test")
            .await;
        // A renewal that cannot be priced (High Availability is not offered on Enterprise)
        // fails in the scheduled jobs and waits on the manager's Needs attention page.
        let today = app.now().date();
        sqlx::query(
            "insert into subscriptions (id, customer_id, partner_id, product_type, plan_code, units, \
             addons, term, status, current_period_start, current_period_end, created_at, updated_at) \
             values ($1, $2, $3, 'cloud_pbx', 'cloud_pbx_enterprise', 10, \
             '[{\"code\": \"high_availability\", \"quantity\": 1}]', 'monthly', 'active', $4, $5, $6, $6)",
        )
        .bind(uuid::Uuid::now_v7())
        .bind(customer)
        .bind(partner)
        .bind(today - Duration::days(30))
        .bind(today)
        .bind(app.now())
        .execute(&app.db)
        .await
        .unwrap();
        assert_eq!(app.run_jobs().await.failed, 1);
        let mut browser = Browser::start("removal", width, &app.address).await;

        browser
            .sign_in("sales@removal-partner.test", "/partner/customers")
            .await;
        browser
            .goto(&format!("/partner/customers/{customer}"))
            .await;
        browser.click("a.button-danger").await;
        browser
            .expect_path(&format!("/partner/customers/{customer}/removal-request"))
            .await;
        browser.step("confirm-removal-request").await;
        browser
            .fill("#reason", "The customer closed their office.")
            .await;
        browser.click("form.stack button[type=submit]").await;
        browser
            .expect_path(&format!("/partner/customers/{customer}"))
            .await;
        assert!(browser.text().await.contains("Removal requested"));
        browser.step("removal-pending").await;
        browser.sign_out().await;

        browser
            .sign_in("manager-of-sales@removal-partner.test", "/manager/partners")
            .await;
        let nav = browser.text_of("header.topbar").await;
        assert!(
            nav.contains("Removals 1") || width < 600,
            "the count in the row: {nav}"
        );
        browser.follow_nav("/manager/attention").await;
        let attention = browser.text().await;
        assert!(attention.contains("Renewal at the end of the term"));
        assert!(attention.contains("High Availability is not available"));
        browser.step("needs-attention").await;
        browser.goto("/manager/removals").await;
        assert!(browser
            .text()
            .await
            .contains("The customer closed their office."));
        browser.step("manager-removal-queue").await;
        browser.click("a[href$='/approve']").await;
        let confirm = browser.text().await;
        assert!(confirm.contains("can no longer sign in"), "{confirm}");
        browser.step("confirm-removal").await;
        browser.fill("#note", "Done.").await;
        browser.click("form[action$='/approve'] button").await;
        browser.expect_path("/manager/removals").await;
        let decided = browser.text().await;
        assert!(decided.contains("The customer was removed"));
        assert!(decided.contains("Approved") && decided.contains("Done."));
        browser.step("removal-approved").await;
        browser.scroll_to("#decided").await;
        browser.step("removal-decided").await;
        browser.goto("/manager/audit").await;
        assert!(browser
            .text()
            .await
            .contains("Test Manager approved the removal of Test Customer"));
        browser.step("audit-log").await;
        browser.sign_out().await;

        browser
            .fill("#email", "leaving@removal-customer.test")
            .await;
        browser.fill("#password", PASSWORD).await;
        browser.click("form.stack button[type=submit]").await;
        assert!(browser
            .text()
            .await
            .contains("This account is no longer available."));
        browser.step("removed-customer-cannot-sign-in").await;
        browser.close().await;
    }
}

#[tokio::test]
async fn a_manager_opens_a_partners_page_with_its_members_customers_orders_and_requests() {
    for width in WIDTHS {
        let app = spawn_app().await;
        let (_, partner) = app.partner("sales@detail-partner.test").await;
        let leaving = app
            .customer_of(partner, "leaving@detail-customer.test")
            .await;
        app.customer_of(partner, "boss@detail-customer.test").await;
        app.create_account(
            Role::Customer,
            "new@detail-customer.test",
            None,
            Some(partner),
        )
        .await;
        let partner_http =
            fixtures::sign_in(&app, "sales@detail-partner.test", "/partner/customers").await;
        purchase(&app, &partner_http).await;
        removal_requests(&app, &partner_http, &[leaving]).await;
        let applicant = fixtures::sign_in(&app, "boss@detail-customer.test", "/customer").await;
        partnership_application(&app, &applicant).await;
        let mut browser = Browser::start("manager-partner-detail", width, &app.address).await;

        browser
            .sign_in("manager-of-sales@detail-partner.test", "/manager/partners")
            .await;
        if width >= 600 {
            let nav = browser.text_of("nav.portal-nav").await;
            assert!(
                nav.contains("Removals 1") && nav.contains("Applications 1"),
                "{nav}"
            );
        }
        browser.step("partners-with-counts").await;
        browser
            .click(&format!("a[href='/manager/partners/{partner}']"))
            .await;
        let detail = browser.text().await;
        assert!(detail.contains("sales@detail-partner.test"), "{detail}");
        assert!(detail.contains("Removal of Test Customer"));
        assert!(detail.contains("Partnership application from Dental Voice"));
        assert!(detail.contains("YP-"), "the order is listed: {detail}");
        browser.step("partner-detail").await;
        browser.scroll_to("#open-requests").await;
        browser.step("partner-detail-requests-and-orders").await;
        browser.click("a[href^='/manager/applications#']").await;
        assert!(browser.text().await.contains("Dental Voice"));
        browser.step("application-from-partner-page").await;
        browser.close().await;
    }
}
