//! Institutions, officers, contacts and networks.

use crate::AppState;
use crate::api::{PageQuery, Paged, created, scope};
use crate::auth::Ctx;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use centinela_core::constituency::{
    ContactDraft, InstitutionDraft, NetworkDraft, OfficerDraft, OfficerRole,
};
use centinela_core::principal::Role;
use centinela_core::validate::FieldError;
use centinela_store::constituency::{
    self as repo, Contact, Institution, InstitutionFilter, Network, Officer,
};
use serde::Deserialize;
use uuid::Uuid;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstitutionQuery {
    pub q: Option<String>,
    pub sector: Option<String>,
    pub criticality: Option<String>,
    pub level: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

pub async fn list_institutions(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<InstitutionQuery>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    let page = centinela_store::Page::new(q.limit, q.offset);
    let filter = InstitutionFilter {
        q: q.q,
        sector: q.sector,
        criticality: q.criticality,
        level: q.level,
    };
    let scope = scope(ctx.principal()?);
    let key = format!("{scope:?}|{filter:?}|{}|{}", page.limit, page.offset);
    let body = match state.caches.list(&key) {
        Some(body) => body,
        None => {
            let (items, total) = repo::list_institutions(&state.db, &scope, &filter, page).await?;
            let body = serde_json::to_string(&Paged::new(items, total, page))
                .map_err(|_| ApiError::internal())?;
            state.caches.put_list(key, body.clone());
            body
        }
    };
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

pub async fn create_institution(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(d): ApiJson<InstitutionDraft>,
) -> Result<(StatusCode, Json<Institution>), ApiError> {
    d.validate().map_err(ApiError::invalid)?;
    Ok(created({
        let row = repo::create_institution(&state.db, &ctx.actor(), &d).await?;
        state.caches.forget_lists();
        row
    }))
}

pub async fn get_institution(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Institution>, ApiError> {
    Ok(Json(repo::get_institution(&state.db, id).await?))
}

/// Officers keep their institution's details; its classification (slug, sector, level,
/// criticality) is the national coordinator's decision.
pub async fn update_institution(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(d): ApiJson<InstitutionDraft>,
) -> Result<Json<Institution>, ApiError> {
    d.validate().map_err(ApiError::invalid)?;
    let current = repo::get_institution(&state.db, id).await?;
    if ctx.principal()?.role != Role::Coordinator {
        let locked = [
            ("slug", current.slug == d.slug),
            (
                "sector",
                current.sector == d.sector && current.subsector == d.subsector,
            ),
            ("level", current.level == d.level),
            ("criticality", current.criticality == d.criticality),
        ];
        let changed: Vec<FieldError> = locked
            .iter()
            .filter(|(_, same)| !same)
            .map(|(f, _)| FieldError::new(f, "err-classification-locked"))
            .collect();
        if !changed.is_empty() {
            return Err(ApiError {
                fields: changed,
                ..ApiError::forbidden()
            });
        }
    }
    Ok(Json({
        let row = repo::update_institution(&state.db, &ctx.actor(), id, &d).await?;
        state.caches.forget_lists();
        row
    }))
}

pub async fn list_officers(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<Officer>>, ApiError> {
    repo::get_institution(&state.db, id).await?;
    Ok(Json(repo::list_officers(&state.db, id).await?))
}

pub async fn set_officer(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, role)): ApiPath<(Uuid, String)>,
    ApiJson(d): ApiJson<OfficerDraft>,
) -> Result<Json<Officer>, ApiError> {
    let role = OfficerRole::parse(&role).ok_or_else(ApiError::not_found)?;
    d.validate().map_err(ApiError::invalid)?;
    Ok(Json(
        repo::set_officer(&state.db, &ctx.actor(), id, role, &d).await?,
    ))
}

pub async fn list_contacts(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Paged<Contact>>, ApiError> {
    repo::get_institution(&state.db, id).await?;
    let (items, total) = repo::list_contacts(&state.db, id, q.page()).await?;
    Ok(Json(Paged::new(items, total, q.page())))
}

pub async fn add_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(d): ApiJson<ContactDraft>,
) -> Result<(StatusCode, Json<Contact>), ApiError> {
    d.validate().map_err(ApiError::invalid)?;
    Ok(created(
        repo::add_contact(&state.db, &ctx.actor(), id, &d).await?,
    ))
}

pub async fn delete_contact(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, contact)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    repo::delete_contact(&state.db, &ctx.actor(), id, contact).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_networks(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Paged<Network>>, ApiError> {
    repo::get_institution(&state.db, id).await?;
    let (items, total) = repo::list_networks(&state.db, id, q.page()).await?;
    Ok(Json(Paged::new(items, total, q.page())))
}

pub async fn add_network(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(d): ApiJson<NetworkDraft>,
) -> Result<(StatusCode, Json<Network>), ApiError> {
    let (kind, value) = d.validate().map_err(ApiError::invalid)?;
    Ok(created(
        repo::add_network(&state.db, &ctx.actor(), id, kind, &value, "manual").await?,
    ))
}

pub async fn delete_network(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, network)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    repo::delete_network(&state.db, &ctx.actor(), id, network).await?;
    Ok(StatusCode::NO_CONTENT)
}
