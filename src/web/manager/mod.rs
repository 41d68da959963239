//! The Account Manager console.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::accounts::model::{Account, AccountStatus};
use crate::accounts::store as account_store;
use crate::error::AppError;
use crate::web::extractors::{Chrome, CurrentManager};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "manager/home.html")]
pub struct HomePage {
    chrome: Chrome,
    partners: Vec<Account>,
}

impl HomePage {
    fn is_active(account: &Account) -> bool {
        account.status == AccountStatus::Active
    }
}

/// The partners assigned to this account manager.
pub async fn get_home(
    State(state): State<AppState>,
    manager: CurrentManager,
) -> Result<HomePage, AppError> {
    let partners =
        account_store::list_partners_of_manager(&state.db, manager.account.id, 200).await?;
    Ok(HomePage {
        chrome: manager.chrome("Partners", "partners").await?,
        partners,
    })
}
