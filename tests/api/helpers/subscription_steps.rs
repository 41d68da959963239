//! Arrange steps for changes to a subscription: the change form posted to its review, and
//! the review confirmed.

use reqwest::{Client, Response, StatusCode};

use super::{hidden_fields, TestApp};

impl TestApp {
    /// Posts the change form of the subscription page `sub` (e.g. `/customer/subscriptions/…`)
    /// and returns the response: the review, or the form again with errors.
    pub async fn review_change(
        &self,
        browser: &Client,
        sub: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let csrf = self.csrf_for(browser, sub).await;
        let mut form = vec![("csrf_token", csrf.as_str())];
        form.extend_from_slice(fields);
        self.post_form(browser, &format!("{sub}/change"), &form)
            .await
    }

    /// The hidden fields of a change review page, ready to post to its confirm action.
    pub fn change_confirmation(sub: &str, review_html: &str) -> Vec<(String, String)> {
        hidden_fields(review_html, &format!("{sub}/change/confirm"))
    }

    /// Posts the change form and reads the confirmation fields off the review it answers.
    pub async fn reviewed_change(
        &self,
        browser: &Client,
        sub: &str,
        fields: &[(&str, &str)],
    ) -> Vec<(String, String)> {
        let review = self.review_change(browser, sub, fields).await;
        Self::change_confirmation(sub, &review.text().await.unwrap())
    }

    /// Posts a review's confirmation form.
    pub async fn confirm_change(
        &self,
        browser: &Client,
        sub: &str,
        confirmation: &[(String, String)],
    ) -> Response {
        browser
            .post(self.url(&format!("{sub}/change/confirm")))
            .form(confirmation)
            .send()
            .await
            .unwrap()
    }

    /// Changes a subscription through review and confirm; returns the confirm response.
    pub async fn change_subscription(
        &self,
        browser: &Client,
        sub: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let review = self.review_change(browser, sub, fields).await;
        assert_eq!(review.status(), StatusCode::OK, "{fields:?}");
        let html = review.text().await.unwrap();
        let confirmation = Self::change_confirmation(sub, &html);
        self.confirm_change(browser, sub, &confirmation).await
    }
}
