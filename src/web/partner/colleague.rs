//! One colleague (`/partner/colleagues/{id}`): its page, its permissions, suspending,
//! restoring, removing, resending its activation link and handing it the ownership.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::model::{Account, AccountId, AccountStatus};
use crate::accounts::organization::{self, Organization};
use crate::accounts::permission::Permission;
use crate::activation::resend::{self, ResendError};
use crate::auth::password_reset;
use crate::colleagues::{self, ColleagueError, Request};
use crate::error::AppError;
use crate::format::datetime;
use crate::web::extractors::{Chrome, ClientInfo, CurrentPartner, IdPath};
use crate::web::form::Form;
use crate::web::partner::colleagues::{permission_summary, when};
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;
use crate::web::step_up::{self, StepUp};

/// The permission checkboxes of a form, one field per feature (`perm_customers=on`).
#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct PermissionBoxes {
    perm_customers: Option<String>,
    perm_purchase: Option<String>,
    perm_products: Option<String>,
    perm_central: Option<String>,
    perm_audit: Option<String>,
    perm_colleagues: Option<String>,
}

impl PermissionBoxes {
    pub fn of(permissions: &[Permission]) -> Self {
        let on = |p| permissions.contains(&p).then(|| "on".to_owned());
        Self {
            perm_customers: on(Permission::Customers),
            perm_purchase: on(Permission::Purchase),
            perm_products: on(Permission::Products),
            perm_central: on(Permission::Central),
            perm_audit: on(Permission::Audit),
            perm_colleagues: on(Permission::Colleagues),
        }
    }

    fn ticked(&self, permission: Permission) -> bool {
        let field = match permission {
            Permission::Customers => &self.perm_customers,
            Permission::Purchase => &self.perm_purchase,
            Permission::Products => &self.perm_products,
            Permission::Central => &self.perm_central,
            Permission::Audit => &self.perm_audit,
            Permission::Colleagues => &self.perm_colleagues,
        };
        field.as_deref() == Some("on")
    }

    pub fn chosen(&self) -> Vec<Permission> {
        Permission::ALL
            .into_iter()
            .filter(|p| self.ticked(*p))
            .collect()
    }

    /// Each feature with whether its box is ticked, for the template.
    pub fn rows(&self) -> Vec<(Permission, bool)> {
        Permission::ALL
            .into_iter()
            .map(|p| (p, self.ticked(p)))
            .collect()
    }
}

/// A refused change is its own 4xx page (409 with the reason; "not found" for anyone else's
/// member), so handlers pass it on with `?`.
impl From<ColleagueError> for AppError {
    fn from(err: ColleagueError) -> Self {
        match err {
            ColleagueError::NotFound => AppError::NotFound,
            ColleagueError::Refused(message) => AppError::Conflict(message.into()),
            ColleagueError::Unexpected(err) => AppError::Unexpected(err),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/colleague_show.html")]
pub struct ColleaguePage {
    chrome: Chrome,
    colleague: Account,
    organization: Organization,
    /// The viewer is the Owner (may hand over ownership).
    viewer_is_owner: bool,
    /// The page shows the viewer itself or the Owner: nothing here may change them.
    fixed: bool,
    boxes: PermissionBoxes,
    last_sign_in: String,
}

impl ColleaguePage {
    fn status_badge(&self) -> &'static str {
        self.colleague.status.badge_class()
    }
    fn summary(&self) -> String {
        permission_summary(
            self.colleague.id == self.organization.owner_id,
            &self.colleague.permissions,
        )
    }
    fn is(&self, status: &str) -> bool {
        match status {
            "active" => self.colleague.status == AccountStatus::Active,
            "pending" => self.colleague.status == AccountStatus::PendingActivation,
            "suspended" => self.colleague.status == AccountStatus::Suspended,
            _ => self.colleague.status == AccountStatus::Removed,
        }
    }
}

/// The colleague and the organization, scoped: another organization's member is "not found".
async fn load(
    state: &AppState,
    partner: &CurrentPartner,
    id: AccountId,
) -> Result<(Account, Organization), AppError> {
    let org_id = partner.account.organization();
    let colleague = organization::find_member(&state.db, org_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let organization = organization::find(&state.db, org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((colleague, organization))
}

pub async fn get_colleague(
    State(state): State<AppState>,
    partner: CurrentPartner,
    IdPath(id): IdPath<AccountId>,
) -> Result<ColleaguePage, AppError> {
    let (colleague, organization) = load(&state, &partner, id).await?;
    let last_sign_in = last_sign_in(&state, &colleague, &partner).await?;
    Ok(ColleaguePage {
        chrome: partner.chrome(colleague.full_name(), "colleagues").await?,
        viewer_is_owner: organization.owner_id == partner.account.id,
        fixed: colleague.id == organization.owner_id || colleague.id == partner.account.id,
        boxes: PermissionBoxes::of(&crate::accounts::permission::parse_all(
            &colleague.permissions,
        )),
        colleague,
        organization,
        last_sign_in,
    })
}

async fn last_sign_in(
    state: &AppState,
    colleague: &Account,
    partner: &CurrentPartner,
) -> Result<String, AppError> {
    let at = organization::last_signed_in_at(&state.db, colleague.id).await?;
    Ok(when(at, &partner.zone))
}

pub async fn post_permissions(
    State(state): State<AppState>,
    partner: CurrentPartner,
    client: ClientInfo,
    IdPath(id): IdPath<AccountId>,
    Form(boxes): Form<PermissionBoxes>,
) -> Result<Response, AppError> {
    let req = request(&state, &partner, &client);
    let chosen = boxes.chosen();
    colleagues::change_permissions(&state.db, req, id, &chosen).await?;
    let message = "Permissions saved. They apply from the colleague's next page.";
    done(&partner, id, message).await
}

pub async fn post_suspend(
    State(state): State<AppState>,
    partner: CurrentPartner,
    client: ClientInfo,
    IdPath(id): IdPath<AccountId>,
) -> Result<Response, AppError> {
    let req = request(&state, &partner, &client);
    colleagues::suspend(&state.db, req, id).await?;
    let message = "Suspended: the colleague was signed out everywhere and cannot sign in.";
    done(&partner, id, message).await
}

pub async fn post_restore(
    State(state): State<AppState>,
    partner: CurrentPartner,
    client: ClientInfo,
    IdPath(id): IdPath<AccountId>,
) -> Result<Response, AppError> {
    let req = request(&state, &partner, &client);
    colleagues::restore(&state.db, req, id).await?;
    done(&partner, id, "Restored: the colleague can sign in again.").await
}

pub async fn post_resend(
    State(state): State<AppState>,
    partner: CurrentPartner,
    client: ClientInfo,
    IdPath(id): IdPath<AccountId>,
) -> Result<Response, AppError> {
    let base = state.config.public_base();
    let now = state.clock.now();
    let sent =
        resend::resend_to_colleague(&state.db, &partner.account, id, base, &client.ip, now).await;
    let message = match sent {
        Ok(expires_at) => format!(
            "A new activation email was sent. The link is valid until {}; earlier links no \
             longer work.",
            datetime(expires_at, &partner.zone)
        ),
        Err(ResendError::NotFound) => return Err(AppError::NotFound),
        Err(ResendError::LimitReached(email)) => {
            let message = ResendError::LimitReached(email).to_string();
            session::flash(&partner.session, FlashKind::Error, message).await?;
            return Ok(Redirect::to(&paths::partner_colleague(id)).into_response());
        }
        Err(ResendError::Unexpected(err)) => return Err(AppError::Unexpected(err)),
    };
    done(&partner, id, &message).await
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/colleague_confirm.html")]
pub struct ConfirmPage {
    chrome: Chrome,
    colleague: Account,
    /// "remove" or "transfer-ownership".
    action: &'static str,
    error: Option<String>,
}

/// The confirmation before removing a colleague or handing it the ownership.
async fn confirm_page(
    state: &AppState,
    partner: &CurrentPartner,
    id: AccountId,
    action: &'static str,
    error: Option<String>,
) -> Result<Response, AppError> {
    let (colleague, _) = load(state, partner, id).await?;
    let title = if action == "remove" {
        "Remove colleague"
    } else {
        "Transfer ownership"
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ConfirmPage {
        chrome: partner.chrome(title, "colleagues").await?,
        colleague,
        action,
        error,
    };
    Ok((status, page).into_response())
}

pub async fn get_remove(
    State(state): State<AppState>,
    partner: CurrentPartner,
    IdPath(id): IdPath<AccountId>,
) -> Result<Response, AppError> {
    confirm_page(&state, &partner, id, "remove", None).await
}

pub async fn post_remove(
    State(state): State<AppState>,
    partner: CurrentPartner,
    client: ClientInfo,
    IdPath(id): IdPath<AccountId>,
) -> Result<Response, AppError> {
    let req = request(&state, &partner, &client);
    colleagues::remove(&state.db, req, id).await?;
    let message = "Removed: the colleague was signed out and can no longer sign in. Its \
                   actions stay in the audit log.";
    done(&partner, id, message).await
}

pub async fn get_transfer(
    State(state): State<AppState>,
    partner: CurrentPartner,
    IdPath(id): IdPath<AccountId>,
) -> Result<Response, AppError> {
    confirm_page(&state, &partner, id, "transfer-ownership", None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TransferForm {
    current_password: String,
}

pub async fn post_transfer(
    State(state): State<AppState>,
    partner: CurrentPartner,
    client: ClientInfo,
    IdPath(id): IdPath<AccountId>,
    Form(form): Form<TransferForm>,
) -> Result<Response, AppError> {
    // Another organization's member is "not found" before any password is checked (a check
    // counts against the sign-in throttle and is audited).
    load(&state, &partner, id).await?;
    let password = form.current_password;
    let checked = step_up::check(&state, &partner.0, &client, "password", || async {
        let stored = password_reset::current_hash(&state.db, &partner.account).await?;
        Ok(state.hasher.verify(password, stored).await?)
    })
    .await?;
    match checked {
        StepUp::Passed => {}
        StepUp::SignedOut(response) => return Ok(response),
        StepUp::Failed => {
            let error = Some("The password is not correct.".to_owned());
            return confirm_page(&state, &partner, id, "transfer-ownership", error).await;
        }
    }
    let req = request(&state, &partner, &client);
    colleagues::transfer_ownership(&state.db, req, id).await?;
    let message = "Ownership transferred. You stay a member with every permission until the new \
                   Owner changes them.";
    done(&partner, id, message).await
}

fn request<'a>(
    state: &AppState,
    partner: &'a CurrentPartner,
    client: &'a ClientInfo,
) -> Request<'a> {
    Request {
        by: &partner.account,
        client_ip: &client.ip,
        now: state.clock.now(),
    }
}

async fn done(
    partner: &CurrentPartner,
    id: AccountId,
    message: &str,
) -> Result<Response, AppError> {
    session::flash(&partner.session, FlashKind::Success, message).await?;
    Ok(Redirect::to(&paths::partner_colleague(id)).into_response())
}
