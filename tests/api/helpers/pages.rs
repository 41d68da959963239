//! Reading what a page or a redirect says, as a person (or a browser) would: where it leads,
//! the hidden fields a form sends back, its CSRF token, and the message it shows.

use reqwest::{Response, StatusCode};

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// Every hidden input of the form posting to `action` (what a browser would send back).
pub fn hidden_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("the page has a form posting to {action}"));
    let form = &html[start
        ..html[start..]
            .find("</form>")
            .map_or(html.len(), |end| start + end)];
    form.split("<input type=\"hidden\" name=\"")
        .skip(1)
        .map(|part| {
            let name = part.split('"').next().unwrap_or_default().to_owned();
            let value = part
                .split("value=\"")
                .nth(1)
                .and_then(|v| v.split('"').next())
                .unwrap_or_default();
            (name, value.to_owned())
        })
        .collect()
}

/// A response of `status` whose page says `text`.
pub async fn assert_says(response: Response, status: StatusCode, text: &str) {
    assert_eq!(response.status(), status);
    let page = response.text().await.unwrap();
    assert!(page.contains(text), "{text} in {page}");
}

/// A 422 whose page says `text`.
pub async fn assert_refused_with(response: Response, text: &str) {
    assert_says(response, StatusCode::UNPROCESSABLE_ENTITY, text).await;
}

/// The value of the page's hidden `csrf_token` input.
pub fn csrf_token(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("the page has a CSRF token") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}
