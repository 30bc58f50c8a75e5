//! One institution's exposure: its findings (silenced ones marked), its suppression rules and
//! its digest cadence.

use crate::AppState;
use crate::api::feeds::{checked_cadence, checked_suppression};
use crate::auth::{Ctx, redirect};
use crate::error::ApiError;
use crate::extract::{ApiForm, ApiPath};
use crate::i18n::Tr;
use crate::pages::{FormErrors, Nav, render, without_csrf};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use centinela_core::access::{Action, Decision, Resource, ResourceKind, may};
use centinela_core::exposure::{Cadence, SuppressionDraft};
use centinela_core::validate::FieldError;
use centinela_store::constituency::{self as repo, Institution};
use centinela_store::exposure::{self, ExposureEvent, Suppression};
use centinela_store::{Page, constituency::Network};
use serde::Deserialize;
use uuid::Uuid;

/// The rule form as typed (the port is text until checked).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SuppressionForm {
    #[serde(default)]
    pub identifier: String,
    #[serde(default)]
    pub cidr: String,
    #[serde(default)]
    pub port: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub expires_on: String,
}

#[derive(Template)]
#[template(path = "institution_exposure.html")]
struct ExposurePage {
    t: Tr,
    nav: Nav,
    i: Institution,
    events: Vec<ExposureEvent>,
    total: i64,
    suppressions: Vec<Suppression>,
    cadence: String,
    cadences: [Cadence; 3],
    can_edit: bool,
    draft: SuppressionForm,
    errors: FormErrors,
    identifiers: Vec<String>,
    /// Registered prefixes, offered as suggestions for a rule's prefix.
    networks: Vec<Network>,
}

async fn page_of(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<ExposurePage, ApiError> {
    let p = ctx.principal()?;
    let i = repo::get_institution(&state.db, id).await?;
    let (events, total) = exposure::list_exposure(
        &state.db,
        id,
        &Default::default(),
        Page::new(Some(100), None),
    )
    .await?;
    let mut identifiers: Vec<String> = feeds::ReportKind::all()
        .map(|k| k.definition().classification.identifier.clone())
        .collect();
    identifiers.sort();
    identifiers.dedup();
    let networks = repo::list_networks(&state.db, id, Page::new(Some(200), None))
        .await?
        .0
        .into_iter()
        .filter(|n| n.kind == "cidr")
        .collect();
    Ok(ExposurePage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(ctx, "/institutions"),
        events,
        total,
        suppressions: exposure::list_suppressions(&state.db, id).await?,
        cadence: exposure::digest_setting(&state.db, id).await?.cadence,
        cadences: Cadence::ALL,
        can_edit: may(
            p,
            Action::Create,
            &Resource::owned(ResourceKind::Exposure, id),
        ) == Decision::Allow,
        draft: SuppressionForm::default(),
        errors: FormErrors::default(),
        identifiers,
        networks,
        i,
    })
}

pub async fn institution(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    Ok(render(&page_of(&state, &ctx, id).await?)?.into_response())
}

fn back(id: Uuid, section: &str) -> Response {
    redirect(&format!("/institutions/{id}/exposure#{section}"))
}

async fn with_errors(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    draft: SuppressionForm,
    errors: &[FieldError],
) -> Result<Response, ApiError> {
    let mut page = page_of(state, ctx, id).await?;
    page.errors = FormErrors::new(ctx.lang, errors);
    page.draft = draft;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

pub async fn add_suppression(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let form: SuppressionForm = without_csrf(pairs)?;
    let port = match form.port.trim() {
        "" => None,
        p => match p.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                let errors = [FieldError::new("port", "err-port")];
                return with_errors(&state, &ctx, id, form, &errors).await;
            }
        },
    };
    let draft = SuppressionDraft {
        identifier: form.identifier.clone(),
        cidr: Some(form.cidr.clone()),
        port,
        reason: form.reason.clone(),
        expires_on: Some(form.expires_on.clone()),
    };
    match checked_suppression(&draft) {
        Ok(d) => {
            exposure::create_suppression(&state.db, &ctx.actor(), id, &d).await?;
            Ok(back(id, "suppressions"))
        }
        Err(e) => with_errors(&state, &ctx, id, form, &e.fields).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(rename = "_csrf")]
    _csrf: Option<String>,
}

pub async fn delete_suppression(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, suppression)): ApiPath<(Uuid, Uuid)>,
    ApiForm(_): ApiForm<CsrfOnly>,
) -> Result<Response, ApiError> {
    exposure::delete_suppression(&state.db, &ctx.actor(), id, suppression).await?;
    Ok(back(id, "suppressions"))
}

#[derive(Debug, Deserialize)]
pub struct DigestForm {
    #[serde(rename = "_csrf")]
    _csrf: Option<String>,
    #[serde(default)]
    cadence: String,
}

pub async fn set_digest(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiForm(f): ApiForm<DigestForm>,
) -> Result<Response, ApiError> {
    let cadence = checked_cadence(&f.cadence)?;
    exposure::set_digest_cadence(&state.db, &ctx.actor(), id, cadence).await?;
    Ok(back(id, "digest"))
}
