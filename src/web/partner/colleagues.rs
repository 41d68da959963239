//! Colleagues (`/partner/colleagues`): the organization's members, adding one, and the Owner's
//! security policy. Who may open these pages is checked before the handlers run (the
//! Colleagues permission, see `member_guard`); what only the Owner may do is checked in
//! `colleagues`, with the organization locked.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::accounts::model::{AccountInfoInput, Cursor, Email, FieldErrors};
use crate::accounts::organization::{self, Member, Organization};
use crate::accounts::permission::{codes, Permission, Template as RoleTemplate, TEMPLATES};
use crate::activation::invite::{self, NewAccount};
use crate::colleagues::{self, Request};
use crate::countries::COUNTRIES;
use crate::error::AppError;
use crate::format::{datetime, Zone};
use crate::paging::split_page;
use crate::web::extractors::{Chrome, ClientInfo, CurrentPartner};
use crate::web::form::{Form, Query};
use crate::web::paging::page_url;
use crate::web::partner::colleague::PermissionBoxes;
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

const PAGE_SIZE: i64 = 25;

/// One member as the list shows it.
pub struct MemberRow {
    pub member: Member,
    zone: Zone,
}

impl MemberRow {
    pub fn name(&self) -> String {
        format!("{} {}", self.member.first_name, self.member.last_name)
    }
    pub fn permissions(&self) -> String {
        permission_summary(self.member.is_owner, &self.member.permissions)
    }
    pub fn last_sign_in(&self) -> String {
        when(self.member.last_signed_in_at, &self.zone)
    }
    pub fn status_badge(&self) -> &'static str {
        self.member.status.badge_class()
    }
}

/// "Customers, Audit log", "Every permission (Owner)", "None".
pub fn permission_summary(is_owner: bool, stored: &[String]) -> String {
    if is_owner {
        return "Every permission (Owner)".into();
    }
    let labels: Vec<_> = crate::accounts::permission::parse_all(stored)
        .into_iter()
        .map(Permission::label)
        .collect();
    if labels.is_empty() {
        "None".into()
    } else {
        labels.join(", ")
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/colleagues.html")]
pub struct ColleaguesPage {
    chrome: Chrome,
    organization: Organization,
    is_owner: bool,
    query: String,
    rows: Vec<MemberRow>,
    first_page: String,
    next_page: Option<String>,
    is_first_page: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    q: String,
    after: String,
}

pub async fn get_colleagues(
    State(state): State<AppState>,
    partner: CurrentPartner,
    Query(query): Query<ListQuery>,
) -> Result<ColleaguesPage, AppError> {
    let org_id = partner.account.organization();
    let organization = organization::find(&state.db, org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let search = query.q.trim();
    let after = Cursor::decode(&query.after);
    let search_term = (!search.is_empty()).then_some(search);
    let mut members =
        organization::list_members(&state.db, org_id, search_term, after, PAGE_SIZE + 1).await?;
    let base = paths::PARTNER_COLLEAGUES;
    let next_page = split_page(&mut members, PAGE_SIZE, |m| Cursor::new(m.created_at, m.id))
        .map(|cursor| page_url(base, &[("q", search)], Some(&cursor.encode())));
    let zone = partner.zone.clone();
    Ok(ColleaguesPage {
        chrome: partner.chrome("Colleagues", "colleagues").await?,
        is_owner: organization.owner_id == partner.account.id,
        organization,
        query: search.to_owned(),
        rows: members
            .into_iter()
            .map(|member| MemberRow {
                member,
                zone: zone.clone(),
            })
            .collect(),
        first_page: page_url(base, &[("q", search)], None),
        next_page,
        is_first_page: after.is_none(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PolicyForm {
    require_two_factor: String,
}

/// The Owner's security policy (anyone else is refused by `colleagues`).
pub async fn post_policy(
    State(state): State<AppState>,
    partner: CurrentPartner,
    client: ClientInfo,
    Form(form): Form<PolicyForm>,
) -> Result<Response, AppError> {
    let required = form.require_two_factor == "on";
    let req = Request {
        by: &partner.account,
        client_ip: &client.ip,
        now: state.clock.now(),
    };
    colleagues::set_two_factor_policy(&state.db, req, required).await?;
    let message = if required {
        "Every member must now use two-factor authentication: members without it are asked to \
         turn it on when they next sign in."
    } else {
        "Two-factor authentication is no longer required of every member."
    };
    session::flash(&partner.session, FlashKind::Success, message).await?;
    Ok(Redirect::to(paths::PARTNER_COLLEAGUES).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/colleague_new.html")]
pub struct NewColleaguePage {
    chrome: Chrome,
    form: NewColleagueForm,
    boxes: PermissionBoxes,
    templates: &'static [RoleTemplate],
    errors: FieldErrors,
    countries: &'static [(&'static str, &'static str)],
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct NewColleagueForm {
    email: String,
    first_name: String,
    last_name: String,
    phone: String,
    country: String,
    #[serde(flatten)]
    permissions: PermissionBoxes,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewColleagueQuery {
    template: String,
}

/// The Add form, its boxes ticked from a role template when one was chosen.
pub async fn get_new_colleague(
    partner: CurrentPartner,
    Query(query): Query<NewColleagueQuery>,
) -> Result<NewColleaguePage, AppError> {
    let chosen = TEMPLATES.iter().find(|t| t.code == query.template);
    let form = NewColleagueForm {
        country: partner.account.country.clone().unwrap_or_default(),
        permissions: PermissionBoxes::of(chosen.map_or(&[][..], |t| t.permissions)),
        ..NewColleagueForm::default()
    };
    new_page(&partner, form, FieldErrors::default()).await
}

async fn new_page(
    partner: &CurrentPartner,
    form: NewColleagueForm,
    errors: FieldErrors,
) -> Result<NewColleaguePage, AppError> {
    Ok(NewColleaguePage {
        chrome: partner.chrome("Add colleague", "colleagues").await?,
        boxes: form.permissions.clone(),
        form,
        templates: TEMPLATES,
        errors,
        countries: COUNTRIES,
    })
}

pub async fn post_new_colleague(
    State(state): State<AppState>,
    partner: CurrentPartner,
    client: ClientInfo,
    Form(form): Form<NewColleagueForm>,
) -> Result<Response, AppError> {
    let mut errors = FieldErrors::default();
    let email = Email::parse(&form.email)
        .map_err(|msg| errors.add("email", msg))
        .ok();
    let input = AccountInfoInput {
        first_name: form.first_name.clone(),
        last_name: form.last_name.clone(),
        company: partner.account.company.clone(),
        phone: form.phone.clone(),
        country: form.country.clone(),
        ..AccountInfoInput::default()
    };
    let info = input.validate(&mut errors);
    let permissions = form.permissions.chosen();
    if !colleagues::is_owner(&state.db, &partner.account).await?
        && permissions.iter().any(|p| !partner.account.may(*p))
    {
        errors.add(
            "permissions",
            "You can only give permissions you have yourself.",
        );
    }
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        let page = new_page(&partner, form, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let new = NewAccount::colleague_of(
        &partner.account,
        email.clone(),
        info,
        codes(&permissions),
        &client.ip,
    );
    let base = state.config.public_base();
    match invite::create_pending_account(&state.db, new, base, state.clock.now()).await {
        Ok(created) => {
            let message = format!(
                "{} was added. An activation email was sent; the link is valid until {}.",
                email.as_str(),
                datetime(created.expires_at, &partner.zone)
            );
            session::flash(&partner.session, FlashKind::Success, message).await?;
            Ok(Redirect::to(&paths::partner_colleague(created.id)).into_response())
        }
        Err(err) => {
            let page = new_page(&partner, form, err.into_field_errors()?).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// When a member last signed in or joined, for the member page.
pub fn when(at: Option<OffsetDateTime>, zone: &Zone) -> String {
    at.map_or_else(|| "Never".to_owned(), |at| datetime(at, zone))
}
