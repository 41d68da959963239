//! What a person does across pages: signing in and out, turning two-factor on, following the
//! portal navigation.

use fantoccini::Locator;

use super::Browser;

impl Browser {
    /// Fills the sign-in form with `email` and `password` and submits it.
    pub async fn submit_sign_in(&self, email: &str, password: &str) {
        self.goto("/login").await;
        self.fill("#email", email).await;
        self.fill("#password", password).await;
        self.click("form.stack button[type=submit]").await;
    }

    /// Signs in with `PASSWORD` and expects to land on `home`.
    pub async fn sign_in(&self, email: &str, home: &str) {
        self.submit_sign_in(email, crate::helpers::PASSWORD).await;
        self.expect_path(home).await;
    }

    /// Opens the user menu in the header.
    pub async fn open_user_menu(&self) {
        let summary = self
            .client()
            .find(Locator::Css(".user-menu summary"))
            .await
            .unwrap();
        summary.click().await.unwrap();
    }

    /// Signs out from the user menu.
    pub async fn sign_out(&self) {
        self.open_user_menu().await;
        self.click(".user-menu button").await;
        self.expect_path("/login").await;
    }

    /// Turns two-factor authentication on from the setup page, as a person does: reads the key
    /// shown, types the code an authenticator app gives for it at `now` and the password, and
    /// submits. Returns the secret, for the codes of later sign-ins.
    pub async fn confirm_two_factor_setup(
        &self,
        now: time::OffsetDateTime,
        password: &str,
    ) -> Vec<u8> {
        let key = self.text_of("#totp-key").await;
        let secret = totp_rs::Secret::Encoded(key.replace(' ', ""))
            .to_bytes()
            .unwrap();
        let code = yeastar_portal::auth::totp::code_at(&secret, now.unix_timestamp() as u64);
        self.fill("#code", &code).await;
        self.fill("#setup_password", password).await;
        self.click("form.stack button[type=submit]").await;
        secret
    }

    /// Follows the portal navigation's link to `href` as a person would: in the main row on a
    /// desktop, through the compact menu (opened, and saved as a step) on a phone.
    pub async fn follow_nav(&mut self, href: &str) {
        let main_row = self
            .client()
            .find(Locator::Css("nav.portal-nav"))
            .await
            .unwrap();
        let phone = self.width < 600;
        assert_eq!(
            main_row.is_displayed().await.unwrap(),
            !phone,
            "the main row shows on a desktop only ({} px)",
            self.width
        );
        let link = if phone {
            self.press(".nav-menu summary").await;
            format!(".nav-menu a[href='{href}']")
        } else {
            format!("nav.portal-nav a[href='{href}']")
        };
        let element = self.client().find(Locator::Css(&link)).await.unwrap();
        assert!(
            element.is_displayed().await.unwrap(),
            "the navigation shows {href}"
        );
        if phone {
            self.step("compact-menu-open").await;
        }
        self.click(&link).await;
        self.expect_path(href).await;
    }
}
