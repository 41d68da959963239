//! `/manager/partners`: the partners assigned to me, and adding one.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::model::{AccountInfoInput, AccountStatus, Cursor, Email, FieldErrors, Role};
use crate::accounts::store::{self as account_store, PartnerRow};
use crate::countries::COUNTRIES;
use crate::error::AppError;
use crate::format::datetime;
use crate::paging::split_page;
use crate::web::extractors::{Chrome, ClientInfo, CurrentManager};
use crate::web::form::{Form, Query};
use crate::web::paging::page_url;
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

const PAGE_SIZE: i64 = 25;

#[derive(Template, WebTemplate)]
#[template(path = "manager/partners.html")]
pub struct PartnersPage {
    chrome: Chrome,
    query: String,
    rows: Vec<PartnerRow>,
    next_page: Option<String>,
    is_first_page: bool,
}

impl PartnersPage {
    fn is_active(row: &PartnerRow) -> bool {
        row.account.status == AccountStatus::Active
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    after: String,
}

pub async fn get_partners(
    State(state): State<AppState>,
    manager: CurrentManager,
    Query(query): Query<ListQuery>,
) -> Result<PartnersPage, AppError> {
    let search = query.q.trim();
    let after = Cursor::decode(&query.after);
    let mut rows = account_store::list_partners_of_manager(
        &state.db,
        manager.account.id,
        (!search.is_empty()).then_some(search),
        after,
        PAGE_SIZE + 1,
    )
    .await?;
    let next_page = split_page(&mut rows, PAGE_SIZE, |r| {
        Cursor::new(r.account.created_at, r.account.id)
    })
    .map(|cursor| {
        page_url(
            paths::MANAGER_PARTNERS,
            &[("q", search)],
            Some(&cursor.encode()),
        )
    });
    Ok(PartnersPage {
        chrome: manager.chrome("My partners", "partners").await?,
        query: search.to_owned(),
        rows,
        next_page,
        is_first_page: after.is_none(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "manager/partner_new.html")]
pub struct NewPartnerPage {
    chrome: Chrome,
    email: String,
    info: AccountInfoInput,
    errors: FieldErrors,
    countries: &'static [(&'static str, &'static str)],
}

pub async fn get_new_partner(manager: CurrentManager) -> Result<NewPartnerPage, AppError> {
    Ok(NewPartnerPage {
        chrome: manager.chrome("Add a partner", "partners").await?,
        email: String::new(),
        info: AccountInfoInput::default(),
        errors: FieldErrors::default(),
        countries: COUNTRIES,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewPartnerForm {
    email: String,
    #[serde(flatten)]
    info: AccountInfoInput,
}

/// Adds a partner assigned to the manager who adds it; it activates like a customer does.
pub async fn post_new_partner(
    State(state): State<AppState>,
    manager: CurrentManager,
    client: ClientInfo,
    Form(form): Form<NewPartnerForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let email = Email::parse(&form.email)
        .map_err(|m| errors.add("email", m))
        .ok();
    let info = form.info.validate(&mut errors);
    let rerender = |errors: FieldErrors| async {
        let page = NewPartnerPage {
            chrome: manager.chrome("Add a partner", "partners").await?,
            email: form.email.clone(),
            info: form.info.clone(),
            errors,
            countries: COUNTRIES,
        };
        Ok::<Response, AppError>((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return rerender(errors).await;
    };
    let added = manager
        .add_account(&state, &client, Role::Partner, email.clone(), info, None)
        .await?;
    let created = match added {
        Ok(created) => created,
        Err(errors) => return rerender(errors).await,
    };
    session::flash(
        &manager.session,
        FlashKind::Success,
        format!(
            "Partner added. An activation email was sent to {}; the link is valid until {}.",
            email.as_str(),
            datetime(created.expires_at, &manager.zone)
        ),
    )
    .await?;
    Ok(Redirect::to(paths::MANAGER_PARTNERS).into_response())
}
