//! `/manager/attention`: scheduled work that failed for my partners' customers and waits for
//! its next attempt (a renewal that cannot be priced, a trial that cannot expire, ...).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::error::AppError;
use crate::format::datetime;
use crate::jobs::{self, FailureView};
use crate::web::extractors::{Chrome, CurrentManager};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "manager/attention.html")]
pub struct AttentionPage {
    chrome: Chrome,
    rows: Vec<FailureView>,
}

impl AttentionPage {
    fn label(row: &FailureView) -> &'static str {
        crate::labels::job(&row.job)
    }
    fn at(&self, at: &time::OffsetDateTime) -> String {
        datetime(*at, &self.chrome.zone)
    }
    fn customer(row: &FailureView) -> &str {
        row.customer_name
            .as_deref()
            .or(row.customer_email.as_deref())
            .unwrap_or("Unknown customer")
    }
}

pub async fn get_attention(
    State(state): State<AppState>,
    manager: CurrentManager,
) -> Result<AttentionPage, AppError> {
    Ok(AttentionPage {
        chrome: manager.chrome("Needs attention", "attention").await?,
        rows: jobs::store::list_for_manager(&state.db, manager.account.id).await?,
    })
}
