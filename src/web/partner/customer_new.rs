//! Add Partner (User Type = Customer): the form, with its optional profile image, and the new
//! customer's pending account.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::accounts::model::{AccountInfoInput, Email, FieldErrors, Role};
use crate::countries::COUNTRIES;
use crate::error::AppError;
use crate::format::datetime;
use crate::images::{self, ImageError};
use crate::web::extractors::{Chrome, ClientInfo, CurrentPartner};
use crate::web::form::{Multipart, MultipartError};
use crate::web::paths;
use crate::web::session::{self, FlashKind};
use crate::web::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "partner/customer_new.html")]
pub struct NewCustomerPage {
    chrome: Chrome,
    email: String,
    info: AccountInfoInput,
    errors: FieldErrors,
    countries: &'static [(&'static str, &'static str)],
}

pub async fn get_new_customer(partner: CurrentPartner) -> Result<NewCustomerPage, AppError> {
    form_page(
        &partner,
        String::new(),
        AccountInfoInput::default(),
        FieldErrors::default(),
    )
    .await
}

async fn form_page(
    partner: &CurrentPartner,
    email: String,
    info: AccountInfoInput,
    errors: FieldErrors,
) -> Result<NewCustomerPage, AppError> {
    Ok(NewCustomerPage {
        chrome: partner.chrome("Add Partner", "customers").await?,
        email,
        info,
        errors,
        countries: COUNTRIES,
    })
}

/// The Add form as submitted (multipart, because of the optional profile image).
#[derive(Default)]
struct AddForm {
    user_type: String,
    email: String,
    info: AccountInfoInput,
    image: Option<Vec<u8>>,
    image_too_large: bool,
    /// Fields that held control characters (see `web::form`), with their messages.
    refused: FieldErrors,
}

async fn read_add_form(mut multipart: Multipart) -> Result<AddForm, AppError> {
    let mut form = AddForm::default();
    let bad_form = |_: MultipartError| {
        AppError::BadRequest("The form could not be read. Reload the page and try again.".into())
    };
    while let Some(mut field) = multipart.next_field().await.map_err(bad_form)? {
        let name = field.name().to_owned();
        if name == "profile_image" {
            // Read in chunks so an oversized file is noticed without keeping all of it.
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(bad_form)? {
                if bytes.len() + chunk.len() > images::MAX_UPLOAD_BYTES {
                    form.image_too_large = true;
                    bytes.clear();
                    continue;
                }
                if !form.image_too_large {
                    bytes.extend_from_slice(&chunk);
                }
            }
            // A file input left empty still sends an empty part.
            if !bytes.is_empty() {
                form.image = Some(bytes);
            }
            continue;
        }
        let (value, refused) = match field.text().await.map_err(bad_form)? {
            Ok(value) => (value, None),
            // Kept without the refused characters; the message goes next to the field.
            Err(refused) => (refused.kept, Some(refused.message)),
        };
        let info = &mut form.info;
        let (field, slot): (&'static str, &mut String) = match name.as_str() {
            "user_type" => ("user_type", &mut form.user_type),
            "email" => ("email", &mut form.email),
            "first_name" => ("first_name", &mut info.first_name),
            "last_name" => ("last_name", &mut info.last_name),
            "company" => ("company", &mut info.company),
            "phone" => ("phone", &mut info.phone),
            "country" => ("country", &mut info.country),
            "address" => ("address", &mut info.address),
            "city" => ("city", &mut info.city),
            "state" => ("state", &mut info.state),
            "postcode" => ("postcode", &mut info.postcode),
            _ => continue,
        };
        *slot = value;
        if let Some(message) = refused {
            form.refused.add(field, message);
        }
    }
    Ok(form)
}

pub async fn post_new_customer(
    State(state): State<AppState>,
    partner: CurrentPartner,
    client: ClientInfo,
    multipart: Multipart,
) -> Result<Response, AppError> {
    let form = read_add_form(multipart).await?;
    // First, so these messages win over the field's ordinary validation.
    let mut errors = form.refused.clone();
    if form.user_type != "customer" {
        errors.add("user_type", "Choose the user type Customer.");
    }
    let email = Email::parse(&form.email)
        .map_err(|msg| errors.add("email", msg))
        .ok();
    let info = form.info.validate(&mut errors);
    let image = profile_image(&form, &mut errors).await?;
    let rerender = |errors: FieldErrors| async {
        let page = form_page(&partner, form.email.clone(), form.info.clone(), errors).await?;
        Ok::<Response, AppError>((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    let Some(email) = email.filter(|_| errors.is_empty()) else {
        return rerender(errors).await;
    };
    let added = partner
        .add_account(&state, &client, Role::Customer, email.clone(), info, image)
        .await?;
    let created = match added {
        Ok(created) => created,
        Err(errors) => return rerender(errors).await,
    };
    let me = &partner.account;
    tracing::info!(partner = %me.id, customer = %created.id, "customer account created");
    session::flash(
        &partner.session,
        FlashKind::Success,
        format!(
            "Customer added. An activation email was sent to {}; the link is valid until {}.",
            email.as_str(),
            datetime(created.expires_at, &partner.zone)
        ),
    )
    .await?;
    Ok(Redirect::to(&paths::partner_customer(created.id)).into_response())
}

/// The uploaded profile image, made a PNG; none if no file was chosen or it was refused (the
/// reason noted in `errors`).
async fn profile_image(
    form: &AddForm,
    errors: &mut FieldErrors,
) -> Result<Option<Vec<u8>>, AppError> {
    let image = match (form.image_too_large, form.image.clone()) {
        (true, _) => Err(ImageError::TooLarge),
        (false, None) => Ok(None),
        (false, Some(bytes)) => images::process_upload(bytes).await?.map(Some),
    };
    Ok(image
        .map_err(|err| errors.add("profile_image", err.to_string()))
        .ok()
        .flatten())
}
