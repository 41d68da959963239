//! The core journeys a person walks in the browser.

use yeastar_portal::accounts::model::Role;

use super::{Browser, WIDTHS};
use crate::helpers::{png, spawn_app, PASSWORD};

#[tokio::test]
async fn a_partner_signs_in_and_adds_a_customer_with_a_profile_image() {
    for width in WIDTHS {
        let app = spawn_app().await;
        app.partner("sales@northwind.test").await;
        let photo = std::env::temp_dir().join(format!("yp-photo-{}.png", uuid::Uuid::new_v4()));
        std::fs::write(&photo, png(640, 480)).unwrap();

        let mut browser = Browser::start("partner-adds-customer", width, &app.address).await;
        browser.goto("/").await;
        browser.step("sign-in").await;
        browser.fill("#email", "sales@northwind.test").await;
        browser.fill("#password", PASSWORD).await;
        browser.click("button[type=submit]").await;
        browser.expect_path("/partner/customers").await;
        assert!(browser.text().await.contains("You have no customers yet."));
        browser.step("empty-customer-list").await;

        browser.click(".page-header .button").await;
        browser.expect_path("/partner/customers/new").await;
        browser.step("add-partner-form").await;
        let file_input = browser
            .client()
            .find(fantoccini::Locator::Css("#profile_image"))
            .await
            .unwrap();
        file_input.send_keys(photo.to_str().unwrap()).await.unwrap();
        browser.fill("#email", "wei.zhang@harbour.test").await;
        browser.fill("#first_name", "Wei").await;
        browser.fill("#last_name", "Zhang").await;
        browser.fill("#company", "Harbour Logistics").await;
        browser.fill("#phone", "+86 592 5503301").await;
        browser.select("#country", "CN").await;
        browser.fill("#city", "Xiamen").await;
        browser.step("add-partner-filled").await;
        browser.click("form.stack button[type=submit]").await;

        let text = browser.text().await;
        assert!(
            text.contains("An activation email was sent to wei.zhang@harbour.test"),
            "{text}"
        );
        assert!(text.contains("Pending activation"));
        let avatar = browser
            .client()
            .find(fantoccini::Locator::Css("img.avatar"))
            .await
            .expect("the profile image is shown");
        let loaded = browser
            .client()
            .execute(
                "return arguments[0].naturalWidth",
                vec![serde_json::to_value(&avatar).unwrap()],
            )
            .await
            .unwrap();
        assert_eq!(
            loaded.as_u64(),
            Some(256),
            "the re-encoded 256 px image loaded"
        );
        browser.step("customer-added").await;

        browser.goto("/partner/customers").await;
        let row = browser.text_of("tbody tr").await;
        assert!(
            row.contains("Wei Zhang") && row.contains("Pending activation"),
            "{row}"
        );
        browser.step("customer-listed-pending").await;
        browser.close().await;
        std::fs::remove_file(photo).unwrap();
    }
}

#[tokio::test]
async fn a_customer_activates_from_the_email_signs_in_and_sees_dashboard_and_account() {
    for width in WIDTHS {
        let app = spawn_app().await;
        let (_, partner) = app.partner("sales@harbour-partner.test").await;
        app.create_account(Role::Customer, "mia@wong-dental.test", None, Some(partner))
            .await;
        app.drain_outbox().await;
        let link = app.smtp.to("mia@wong-dental.test")[0]
            .link("/activate/")
            .expect("the email carries the link");

        let mut browser = Browser::start("customer-activates", width, &app.address).await;
        browser.goto(&link).await;
        assert!(browser
            .text()
            .await
            .contains("Set a password for your Yeastar ID mia@wong-dental.test"));
        browser.step("activation-form").await;
        browser.fill("#password", PASSWORD).await;
        browser.fill("#password_confirm", PASSWORD).await;
        browser.click("form.stack button[type=submit]").await;
        browser.expect_path("/login").await;
        assert!(browser.text().await.contains("Your account is active."));
        browser.step("activated-sign-in").await;

        browser.fill("#email", "mia@wong-dental.test").await;
        browser.fill("#password", PASSWORD).await;
        browser.click("form.stack button[type=submit]").await;
        browser.expect_path("/customer").await;
        assert!(browser.text().await.contains("Welcome, Test"));
        browser.step("dashboard").await;
        browser.follow_nav("/customer/products").await;
        browser.step("products-from-menu").await;

        browser.goto("/customer/account").await;
        let email_field = browser
            .client()
            .find(fantoccini::Locator::Css("#email"))
            .await
            .unwrap();
        assert_eq!(
            email_field.attr("readonly").await.unwrap().as_deref(),
            Some("true")
        );
        browser.fill("#city", "Singapore").await;
        browser.select("#country", "SG").await;
        browser.click("form.stack button[type=submit]").await;
        assert!(browser
            .text()
            .await
            .contains("Your account information was saved."));
        browser.step("account-information").await;

        // Sign out through the user menu.
        browser.open_user_menu().await;
        for href in [
            "/customer/account",
            "/customer/security",
            "/customer/partnership",
        ] {
            let link = browser
                .client()
                .find(fantoccini::Locator::Css(&format!(
                    ".user-menu a[href='{href}']"
                )))
                .await
                .unwrap();
            assert!(
                link.is_displayed().await.unwrap(),
                "the user menu lists {href}"
            );
        }
        browser.step("user-menu-open").await;
        browser.click(".user-menu button").await;
        browser.expect_path("/login").await;
        let text = browser.text().await;
        assert!(text.contains("You have signed out."), "{text}");
        browser.close().await;
    }
}
