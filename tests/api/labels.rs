//! Pages show codes in words: statuses, terms, add-ons, plans with their product, PBX states
//! and events, countries (all through `yeastar_portal::labels`).

use time::Duration;

use crate::central::{beat, customer_with_pbx, issue_token, REPORT};
use crate::helpers::buy;
use crate::helpers::{client, location, spawn_app, PASSWORD};

#[tokio::test]
async fn a_subscription_names_its_add_ons_term_and_plan_in_words() {
    let app = spawn_app().await;
    let (browser, customer) = app.signed_in_customer("words@labels.test").await;
    let csrf = app.csrf_for(&browser, "/customer/subscribe").await;
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("plan", "cloud_pbx_enterprise"),
        ("units", "10"),
        ("term", "1y"),
        ("addon.concurrent_calls", "2"),
    ];
    let review = app
        .post_form(&browser, "/customer/subscribe/review", &fields)
        .await
        .text()
        .await
        .unwrap();
    assert!(review.contains("<strong>Cloud PBX Enterprise Plan (EP)</strong>"));
    assert!(review.contains("<caption>Price for 1 year ("), "{review}");

    let sub = location(
        &app.subscribe(
            &browser,
            &[
                ("plan", "cloud_pbx_enterprise"),
                ("units", "10"),
                ("term", "1y"),
                ("addon.concurrent_calls", "2"),
            ],
        )
        .await,
    );
    let (_, page) = app.get_html(&browser, &sub).await;
    assert!(page.contains("<h1>Cloud PBX Enterprise Plan (EP)</h1>"));
    assert!(
        page.contains("<dd>Concurrent calls: 2 extra calls</dd>"),
        "{page}"
    );
    assert!(!page.contains("concurrent_calls ×"), "no add-on code");
    assert!(page.contains("(1 year)") && !page.contains("(1y)"));
    assert!(page.contains(">Active</span>"));
    // Its PBX has not reported yet: one state, not "running" beside "offline".
    assert!(page.contains("Offline, no heartbeat yet · <a href=\"/customer/central-management/"));
    assert!(!page.contains(">running<") && !page.contains("running ·"));

    // The partner reads the same subscription in the same words.
    let partner = client();
    app.login(&partner, "partner-of-words@labels.test", PASSWORD)
        .await;
    let (_, html) = app
        .get_html(&partner, &format!("/partner/customers/{customer}"))
        .await;
    assert!(html.contains(">Cloud PBX Enterprise Plan (EP)</td>"));
    assert!(html.contains(">Active</span>") && html.contains(">1 year, until "));
    assert!(!html.contains("1y ·"), "no term code");
}

#[tokio::test]
async fn a_monthly_quote_is_headed_price_per_month() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in_customer("monthly@labels.test").await;
    let csrf = app.csrf_for(&browser, "/customer/subscribe").await;
    let review = app
        .post_form(
            &browser,
            "/customer/subscribe/review",
            &[
                ("csrf_token", csrf.as_str()),
                ("plan", "workplace_standard"),
                ("units", "5"),
                ("term", "monthly"),
            ],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(review.contains("<caption>Price per month ("), "{review}");
    assert!(!review.contains("Price for Monthly"));
    assert!(review.contains("<strong>Workplace SaaS Standard</strong>"));
}

#[tokio::test]
async fn a_pbx_says_its_state_and_history_in_words_that_agree() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@pbx-words.test").await;
    let (browser, path) = customer_with_pbx(&app, "it@pbx-words.test", partner).await;
    let (_, page) = app.get_html(&browser, &path).await;
    assert!(page.contains(">Offline</span> <span class=\"muted\">no heartbeat yet</span>"));
    assert!(
        !page.contains("running"),
        "no lifecycle code beside the badge"
    );

    let token = issue_token(&app, &browser, &path).await;
    beat(&app, Some(&token), REPORT).await;
    app.clock.advance(Duration::minutes(2));
    let (_, page) = app.get_html(&browser, &path).await;
    assert!(page.contains(">Online</span> <span class=\"muted\">last heartbeat 2 min ago</span>"));
    assert!(page.contains("Connection token issued, by it@pbx-words.test"));
    assert!(!page.contains("token_issued") && !page.contains("running ·"));
    let (_, list) = app.get_html(&browser, "/customer/central-management").await;
    assert!(list.contains(">Online</span><br><small class=\"muted\">last heartbeat 2 min ago"));

    let csrf = app.csrf_for(&browser, &path).await;
    app.post_form(
        &browser,
        &format!("{path}/restart"),
        &[("csrf_token", &csrf), ("confirm", "yes")],
    )
    .await;
    let (_, page) = app.get_html(&browser, &path).await;
    assert!(page.contains(">Restart requested</span>"), "{page}");
    assert!(page.contains("Restart requested, by it@pbx-words.test"));
    assert!(!page.contains("restart_queued"));
    beat(&app, Some(&token), REPORT).await;
    let (_, page) = app.get_html(&browser, &path).await;
    assert!(page.contains(">Online</span>") && page.contains("Restart delivered to the PBX"));

    // Silent for longer than three minutes: offline, since its last heartbeat.
    app.clock.advance(Duration::minutes(4));
    let (_, page) = app.get_html(&browser, &path).await;
    assert!(page.contains(">Offline</span> <span class=\"muted\">since "));
    assert!(!page.contains(">Online</span>"));
    let (_, dashboard) = app.get_html(&browser, "/customer").await;
    assert!(dashboard.contains("0 of 1 online") && dashboard.contains(">Offline</span>"));
}

#[tokio::test]
async fn an_application_shows_its_country_by_name_and_its_status_in_words() {
    let app = spawn_app().await;
    let (browser, _) = app.signed_in_customer("boss@apply-words.test").await;
    let csrf = app.csrf_for(&browser, "/customer/partnership").await;
    let response = app
        .post_form(
            &browser,
            "/customer/partnership",
            &[
                ("csrf_token", csrf.as_str()),
                ("company", "Words GmbH"),
                ("website", ""),
                ("country", "DE"),
                ("business_type", "Reseller"),
                ("yearly_volume", "50 to 500 extensions"),
                ("message", ""),
            ],
        )
        .await;
    assert_eq!(location(&response), "/customer/partnership");
    let (_, page) = app.get_html(&browser, "/customer/partnership").await;
    assert!(page.contains("badge badge-pending\">Under review</span>"));
    assert!(!page.contains(">pending<"));

    let manager = client();
    app.login(
        &manager,
        "manager-of-partner-of-boss@apply-words.test",
        PASSWORD,
    )
    .await;
    let (_, queue) = app.get_html(&manager, "/manager/applications").await;
    assert!(queue.contains("Words GmbH"));
    assert!(queue.contains("<dd>Germany</dd>") && !queue.contains("<dd>DE</dd>"));
}

#[tokio::test]
async fn licences_and_orders_name_the_plan_with_its_product_and_a_capitalised_status() {
    let app = spawn_app().await;
    let (partner, partner_id) = app.signed_in_partner("seller@licence-words.test").await;
    let customer_id = app.customer_of(partner_id, "user@licence-words.test").await;
    buy(
        &app,
        &partner,
        &[
            ("plan", "workplace_standard"),
            ("units", "5"),
            ("addon.high_availability", ""),
            ("customer_email", "user@licence-words.test"),
        ],
    )
    .await;
    let (_, orders) = app.get_html(&partner, "/partner/orders").await;
    assert!(orders.contains(">Workplace SaaS Standard</td>"), "{orders}");
    let (_, list) = app
        .get_html(&partner, "/partner/products/workplace_saas")
        .await;
    assert!(list.contains("badge badge-active\">Active</span>") && !list.contains(">active<"));
    // The list is one product's: the plan's own name, found by it too.
    assert!(
        list.contains("<td data-label=\"Plan\">Standard</td>"),
        "{list}"
    );
    let (_, found) = app
        .get_html(&partner, "/partner/products/workplace_saas?q=standard")
        .await;
    assert!(
        found.contains("<td data-label=\"Plan\">Standard</td>"),
        "{found}"
    );
    // A customer's licences are of any product: the plan with its product.
    let (_, page) = app
        .get_html(&partner, &format!("/partner/customers/{customer_id}"))
        .await;
    assert!(
        page.contains("<td data-label=\"Plan\">Workplace SaaS Standard</td>"),
        "{page}"
    );

    let customer = client();
    app.login(&customer, "user@licence-words.test", PASSWORD)
        .await;
    let (_, products) = app.get_html(&customer, "/customer/products").await;
    assert!(
        products.contains(">Workplace SaaS Standard</td>"),
        "{products}"
    );
    assert!(products.contains(">Active</span>") && !products.contains(">active<"));
    let (_, dashboard) = app.get_html(&customer, "/customer").await;
    assert!(dashboard.contains("<span>Workplace SaaS Standard</span>"));
}
