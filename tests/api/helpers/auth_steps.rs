//! Arrange steps for sign-in security: two-factor setup, signed-in customers, sessions,
//! bursts of parallel form posts and the forgot-password queue.

use reqwest::{Client, Response, StatusCode};
use yeastar_portal::accounts::model::{AccountId, Role};
use yeastar_portal::auth::totp;

use super::{client, csrf_token, location, FormPost, TestApp, PASSWORD};

impl TestApp {
    /// Opens the 2FA setup page and reads the key off it the way a person types it into an
    /// authenticator app. Returns the secret and the page's CSRF token.
    pub async fn start_two_factor_setup(
        &self,
        browser: &Client,
        portal: &str,
    ) -> (Vec<u8>, String) {
        let (status, page) = self
            .get_html(browser, &format!("{portal}/security/two-factor"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.contains("src=\"data:image/png;base64,"),
            "a server-rendered QR code"
        );
        let key_start = page.find("id=\"totp-key\">").unwrap() + "id=\"totp-key\">".len();
        let key: String = page[key_start..]
            .chars()
            .take_while(|c| *c != '<')
            .collect();
        let secret = totp_rs::Secret::Encoded(key.replace(' ', ""))
            .to_bytes()
            .unwrap();
        assert_eq!(secret.len(), 20, "a 160-bit secret");
        (secret, csrf_token(&page))
    }

    /// Submits the setup form: the app's current code and the password, and the "sign out
    /// every other session" box when `end_others`.
    pub async fn confirm_two_factor_setup(
        &self,
        browser: &Client,
        portal: &str,
        (secret, csrf): (&[u8], &str),
        password: &str,
        end_others: bool,
    ) -> Response {
        let code = self.current_code(secret);
        let mut fields = vec![
            ("csrf_token", csrf),
            ("code", &code),
            ("password", password),
        ];
        if end_others {
            fields.push(("end_other_sessions", "on"));
        }
        self.post_form(browser, &format!("{portal}/security/two-factor"), &fields)
            .await
    }

    /// Turns 2FA on the way a person does: read the key off the page, type the app's code and
    /// the password. Returns the secret and the recovery codes shown.
    pub async fn enable_two_factor(
        &self,
        browser: &Client,
        portal: &str,
    ) -> (Vec<u8>, Vec<String>) {
        let (secret, csrf) = self.start_two_factor_setup(browser, portal).await;
        let response = self
            .confirm_two_factor_setup(browser, portal, (&secret, &csrf), PASSWORD, false)
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let html = response.text().await.unwrap();
        assert!(html.contains("Two-factor authentication is on."));
        let codes: Vec<String> = html
            .split("<li><code>")
            .skip(1)
            .map(|part| part.split('<').next().unwrap().to_owned())
            .collect();
        assert_eq!(codes.len(), 10, "ten recovery codes are shown once");
        (secret, codes)
    }

    /// The authenticator app's code for `secret` at the test clock's now.
    pub fn current_code(&self, secret: &[u8]) -> String {
        totp::code_at(secret, self.now().unix_timestamp() as u64)
    }

    /// Password, then the second factor; returns the response to the code form.
    pub async fn sign_in_with_code(&self, browser: &Client, email: &str, code: &str) -> Response {
        let response = self.login(browser, email, PASSWORD).await;
        assert_eq!(location(&response), "/login/two-factor");
        let csrf = self.csrf_for(browser, "/login/two-factor").await;
        self.post_form(
            browser,
            "/login/two-factor",
            &[("csrf_token", &csrf), ("code", code)],
        )
        .await
    }

    /// Asks for a reset link through the forgot-password form; returns the newest link mailed
    /// to `email` (empty when none was).
    pub async fn request_reset(&self, email: &str) -> String {
        let browser = client();
        let csrf = self.csrf_for(&browser, "/forgot-password").await;
        let response = self
            .post_form(
                &browser,
                "/forgot-password",
                &[("csrf_token", &csrf), ("email", email)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let html = response.text().await.unwrap();
        assert!(html.contains("If an active account uses"));
        self.reset_requests_handled().await;
        self.drain_outbox().await;
        self.smtp
            .to(email)
            .iter()
            .rev()
            .find_map(|m| m.link("/reset-password/"))
            .unwrap_or_default()
    }

    /// Sets a new password through the reset link's form, with a second-factor code if given.
    pub async fn submit_reset(&self, link: &str, password: &str, code: Option<&str>) -> Response {
        let browser = client();
        let path = link.strip_prefix(&self.address).unwrap().to_owned();
        let (_, page) = self.get_html(&browser, "/login").await;
        let csrf = csrf_token(&page);
        let mut fields = vec![
            ("csrf_token", csrf.as_str()),
            ("password", password),
            ("password_confirm", password),
        ];
        if let Some(code) = code {
            fields.push(("code", code));
        }
        self.post_form(&browser, &path, &fields).await
    }

    /// Changes the customer's password from `PASSWORD` to `new` on the security page.
    pub async fn change_password(&self, browser: &Client, csrf: &str, new: &str) -> Response {
        self.post_form(
            browser,
            "/customer/security/password",
            &[
                ("csrf_token", csrf),
                ("current_password", PASSWORD),
                ("password", new),
                ("password_confirm", new),
            ],
        )
        .await
    }

    /// An active customer (of a new partner) signed in with `PASSWORD`.
    pub async fn signed_in_customer(&self, email: &str) -> (Client, AccountId) {
        let (_, partner) = self.partner(&format!("partner-of-{email}")).await;
        let id = self
            .active_account(Role::Customer, email, None, Some(partner))
            .await;
        let browser = client();
        assert_eq!(
            location(&self.login(&browser, email, PASSWORD).await),
            "/customer"
        );
        (browser, id)
    }

    /// How many signed-in sessions (rows in `account_sessions`) the account has.
    pub async fn sessions_of(&self, account: AccountId) -> i64 {
        sqlx::query_scalar("select count(*) from account_sessions where account_id = $1")
            .bind(account)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// Posts every form at the same moment (one task each, released together) and returns each
    /// response's status and body.
    pub async fn post_all_at_once(&self, forms: Vec<FormPost>) -> Vec<(StatusCode, String)> {
        let start = std::sync::Arc::new(tokio::sync::Barrier::new(forms.len()));
        let mut tasks = tokio::task::JoinSet::new();
        for (client, path, fields) in forms {
            let (url, start) = (self.url(&path), start.clone());
            tasks.spawn(async move {
                start.wait().await;
                let response = client.post(url).form(&fields).send().await.unwrap();
                (response.status(), response.text().await.unwrap())
            });
        }
        tasks.join_all().await
    }

    /// Waits until every queued forgot-password request was handled: the form answers first
    /// and the work happens right after, off the request path.
    pub async fn reset_requests_handled(&self) {
        for _ in 0..200 {
            if self
                .count("select count(*) from password_reset_requests")
                .await
                == 0
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("queued reset requests were not handled within 10 s");
    }
}
