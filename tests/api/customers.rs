//! The Partner Portal's customer list and Add Partner form, and the customer's account page.

use reqwest::multipart::Form;
use reqwest::StatusCode;
use yeastar_portal::accounts::model::Role;

use crate::helpers::{add_customer_form, client, file_part, location, png, spawn_app, PASSWORD};

async fn post_add(
    app: &crate::helpers::TestApp,
    partner: &reqwest::Client,
    form: Form,
) -> (StatusCode, String) {
    let response = app
        .post_multipart(partner, "/partner/customers/new", form)
        .await;
    let status = response.status();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn an_email_already_in_use_in_another_case_is_refused_on_the_email_field() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("p@dup.test").await;
    let csrf = app.csrf_for(&partner, "/partner/customers/new").await;
    let (status, _) = post_add(
        &app,
        &partner,
        add_customer_form(&csrf, "ann@dup-customer.test"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "the first add succeeds");
    let before = app.count("select count(*) from accounts").await;

    let (status, html) = post_add(
        &app,
        &partner,
        add_customer_form(&csrf, "ANN@Dup-Customer.TEST"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("already used by another Yeastar account"));
    // The rest of the input is kept.
    assert!(html.contains("value=\"ANN@Dup-Customer.TEST\""));
    assert!(html.contains("value=\"Harbour Logistics\""));
    assert!(html.contains("<option value=\"CN\" selected>"));
    assert_eq!(
        app.count("select count(*) from accounts").await,
        before,
        "nothing was written"
    );
    assert_eq!(
        app.count(
            "select count(*) from email_outbox where recipient ilike 'ann@dup-customer.test'"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn missing_required_fields_are_reported_next_to_each_field_with_the_input_kept() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("p@missing.test").await;
    let csrf = app.csrf_for(&partner, "/partner/customers/new").await;
    let emails_before = app.count("select count(*) from email_outbox").await;
    let form = Form::new()
        .text("csrf_token", csrf)
        .text("user_type", "customer")
        .text("email", "")
        .text("first_name", "Wei")
        .text("last_name", "")
        .text("company", "")
        .text("city", "Xiamen")
        .text("country", "");
    let (status, html) = post_add(&app, &partner, form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "Enter the email address (Yeastar ID).",
        "Enter the last name.",
        "Enter the company name.",
        "Choose the country.",
    ] {
        assert!(html.contains(message), "missing message {message:?}");
    }
    assert!(html.contains("value=\"Wei\"") && html.contains("value=\"Xiamen\""));
    assert_eq!(
        app.count("select count(*) from accounts where role = 'customer'")
            .await,
        0
    );
    assert_eq!(
        app.count("select count(*) from email_outbox").await,
        emails_before,
        "no email queued"
    );
}

#[tokio::test]
async fn a_file_that_is_not_an_image_and_one_over_2_mib_are_refused() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("p@upload.test").await;
    let csrf = app.csrf_for(&partner, "/partner/customers/new").await;

    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    let form = add_customer_form(&csrf, "pdf@c.test")
        .part("profile_image", file_part(pdf, "photo.png", "image/png"));
    let (status, html) = post_add(&app, &partner, form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("This file is not a PNG, JPEG or WebP image."));
    assert!(html.contains("value=\"pdf@c.test\""));

    let mut big = png(64, 64);
    big.resize(2 * 1024 * 1024 + 1, 0);
    let form = add_customer_form(&csrf, "big@c.test")
        .part("profile_image", file_part(big, "big.png", "image/png"));
    let (status, html) = post_add(&app, &partner, form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("The image is larger than 2 MiB."));
    assert_eq!(
        app.count("select count(*) from accounts where role = 'customer'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_profile_image_is_stored_reencoded_as_a_square_and_served_to_the_partner() {
    let app = spawn_app().await;
    let (partner, _) = app.signed_in_partner("p@image.test").await;
    let csrf = app.csrf_for(&partner, "/partner/customers/new").await;
    let form = add_customer_form(&csrf, "face@c.test").part(
        "profile_image",
        file_part(png(800, 600), "me.png", "image/png"),
    );
    let response = app
        .post_multipart(&partner, "/partner/customers/new", form)
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = app.get_html(&partner, &location(&response)).await;
    let src_start = page
        .find("/media/profile/")
        .expect("the page shows the image");
    let src: String = page[src_start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let image = app.get(&partner, &src).await;
    assert_eq!(image.headers()["content-type"], "image/png");
    let decoded = image::load_from_memory(&image.bytes().await.unwrap()).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (256, 256));
    // Someone else's browser cannot fetch it.
    let (stranger, _) = app.signed_in_partner("p@stranger.test").await;
    assert_eq!(app.status_of(&stranger, &src).await, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_list_is_newest_first_searchable_and_paginated_by_keyset() {
    let app = spawn_app().await;
    let (partner, partner_id) = app.signed_in_partner("p@list.test").await;
    for i in 0..30 {
        app.create_account(
            Role::Customer,
            &format!("c{i:02}@list-customer.test"),
            None,
            Some(partner_id),
        )
        .await;
        app.clock.advance(time::Duration::seconds(1));
    }
    app.create_account(
        Role::Customer,
        "zed@acme-widgets.test",
        None,
        Some(partner_id),
    )
    .await;

    let (status, first) = app.get_html(&partner, "/partner/customers").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first.matches("<td data-label=\"Email\">").count(), 25);
    assert!(
        first.find("zed@acme-widgets.test").unwrap()
            < first.find("c29@list-customer.test").unwrap()
    );
    assert!(first.contains("<span class=\"badge badge-pending\">Pending activation</span>"));
    let next_start = first
        .find("/partner/customers?after=")
        .expect("a next page link");
    let next: String = first[next_start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let (_, second) = app.get_html(&partner, &next.replace("&amp;", "&")).await;
    assert_eq!(second.matches("<td data-label=\"Email\">").count(), 6);
    assert!(
        second.contains("c00@list-customer.test") && !second.contains("c29@list-customer.test")
    );
    assert!(!second.contains("Next page"));

    let (_, found) = app.get_html(&partner, "/partner/customers?q=ACME").await;
    assert_eq!(found.matches("<td data-label=\"Email\">").count(), 1);
    assert!(found.contains("zed@acme-widgets.test"));
    let (_, none) = app
        .get_html(&partner, "/partner/customers?q=nobody%25")
        .await;
    assert!(none.contains("No customer matches"));
}

#[tokio::test]
async fn a_customer_sees_and_edits_their_account_information_but_not_the_email() {
    let app = spawn_app().await;
    let (_, partner) = app.partner("p@acct.test").await;
    app.customer_of(partner, "me@acct-customer.test").await;
    let customer = client();
    app.login(&customer, "me@acct-customer.test", PASSWORD)
        .await;
    let (status, page) = app.get_html(&customer, "/customer/account").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("value=\"me@acct-customer.test\" readonly"));
    let csrf = crate::helpers::csrf_token(&page);

    let fields = [
        ("csrf_token", csrf.as_str()),
        ("first_name", "Mia"),
        ("last_name", "Wong"),
        ("company", "Wong Dental"),
        ("phone", "not a phone"),
        ("country", "SG"),
        ("email", "hijack@evil.test"),
    ];
    let response = app.post_form(&customer, "/customer/account", &fields).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("Enter a phone number"));
    assert!(html.contains("value=\"Wong Dental\""));

    let mut fields = fields;
    fields[4] = ("phone", "+65 6123 4567");
    let response = app.post_form(&customer, "/customer/account", &fields).await;
    assert_eq!(location(&response), "/customer/account");
    let (_, page) = app.get_html(&customer, "/customer/account").await;
    assert!(page.contains("Your account information was saved."));
    assert!(
        page.contains("value=\"Wong Dental\"") && page.contains("<option value=\"SG\" selected>")
    );
    assert_eq!(
        app.count("select count(*) from accounts where email = 'me@acct-customer.test'")
            .await,
        1,
        "the email did not change"
    );
}
