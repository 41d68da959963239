//! The core journey through nginx over `scripts/cluster.sh`: every page and form may be
//! answered by another instance, and the person notices nothing.

use super::Browser;
use crate::helpers::{spawn_app, PASSWORD};

#[tokio::test]
async fn a_partner_adds_a_customer_who_activates_and_signs_in_through_nginx_over_a_cluster() {
    let app = spawn_app().await;
    app.partner("sales@cluster-partner.test").await;
    let cluster = app.cluster(3, false).await;

    let mut browser = Browser::start("cluster-journey", 1280, &cluster.base).await;
    browser.goto("/").await;
    browser.fill("#email", "sales@cluster-partner.test").await;
    browser.fill("#password", PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.expect_path("/partner/customers").await;
    browser.step("partner-signed-in").await;

    browser.click(".page-header .button").await;
    browser.expect_path("/partner/customers/new").await;
    browser.fill("#email", "lena.berg@fjord-dental.test").await;
    browser.fill("#first_name", "Lena").await;
    browser.fill("#last_name", "Berg").await;
    browser.fill("#company", "Fjord Dental").await;
    browser.select("#country", "NO").await;
    browser.fill("#city", "Bergen").await;
    browser.click("form.stack button[type=submit]").await;
    let text = browser.text().await;
    assert!(
        text.contains("An activation email was sent to lena.berg@fjord-dental.test"),
        "{text}"
    );
    browser.step("customer-added").await;
    browser.sign_out().await;

    // One of the instances' outbox workers sends it; the link names nginx's address.
    let emails = app.smtp.wait_for(3).await;
    let link = emails
        .iter()
        .filter(|email| email.recipients.iter().any(|r| r.starts_with("lena.berg")))
        .find_map(|email| email.link("/activate/"))
        .expect("the customer's activation email arrived");
    assert!(link.starts_with(&cluster.base), "{link}");
    browser.goto(&link).await;
    browser.fill("#password", PASSWORD).await;
    browser.fill("#password_confirm", PASSWORD).await;
    browser.click("form.stack button[type=submit]").await;
    browser.expect_path("/login").await;
    assert!(browser.text().await.contains("Your account is active."));
    browser.step("activated").await;

    browser.fill("#email", "lena.berg@fjord-dental.test").await;
    browser.fill("#password", PASSWORD).await;
    browser.click("form.stack button[type=submit]").await;
    browser.expect_path("/customer").await;
    assert!(browser.text().await.contains("Welcome, Lena"));
    browser.step("customer-dashboard").await;
    browser.close().await;
    assert_eq!(
        app.smtp.to("lena.berg@fjord-dental.test").len(),
        1,
        "one email, whichever instances ran the outbox worker"
    );
}
