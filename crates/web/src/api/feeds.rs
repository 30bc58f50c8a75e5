//! Third-party reports and exposure findings.

use crate::AppState;
use crate::api::{Paged, authorize, created, scope};
use crate::auth::Ctx;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::ingest;
use axum::Json;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::StatusCode;
use centinela_core::access::{Action, Resource, ResourceKind};
use centinela_core::exposure::{Cadence, SuppressionDraft, validate_suppression};
use centinela_core::validate::FieldError;
use centinela_store::Page;
use centinela_store::exposure::{
    self, DigestSetting, ExposureCount, ExposureEvent, ExposureFilter, ExposureOverview,
    FeedReport, Suppression,
};
use serde::Deserialize;
use uuid::Uuid;

pub async fn upload_report(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<FeedReport>), ApiError> {
    Ok(created(
        ingest::receive_upload(&state, &ctx, multipart).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportsQuery {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

pub async fn list_reports(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ReportsQuery>,
) -> Result<Json<Paged<FeedReport>>, ApiError> {
    let page = Page::new(q.limit, q.offset);
    let (items, total) = exposure::list_reports(&state.db, page).await?;
    Ok(Json(Paged::new(items, total, page)))
}

pub async fn get_report(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<FeedReport>, ApiError> {
    Ok(Json(exposure::get_report(&state.db, id).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExposureQuery {
    #[serde(rename = "type")]
    pub class_type: Option<String>,
    pub identifier: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

pub async fn institution_exposure(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<ExposureQuery>,
) -> Result<Json<Paged<ExposureEvent>>, ApiError> {
    centinela_store::constituency::get_institution(&state.db, id).await?;
    let page = Page::new(q.limit, q.offset);
    let filter = ExposureFilter {
        class_type: q.class_type,
        identifier: q.identifier,
    };
    let (items, total) = exposure::list_exposure(&state.db, id, &filter, page).await?;
    Ok(Json(Paged::new(items, total, page)))
}

pub async fn summary(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<ExposureCount>>, ApiError> {
    let p = ctx.principal()?;
    authorize(
        p,
        Action::List,
        &Resource::collection(ResourceKind::Exposure),
    )?;
    Ok(Json(exposure::summary(&state.db, &scope(p)).await?))
}

/// Findings by sector, by classification type and by both, with a weekly trend.
pub async fn overview(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<ExposureOverview>, ApiError> {
    let p = ctx.principal()?;
    authorize(
        p,
        Action::List,
        &Resource::collection(ResourceKind::Exposure),
    )?;
    Ok(Json(
        exposure::overview(&state.db, &scope(p), time::OffsetDateTime::now_utc()).await?,
    ))
}

pub async fn list_suppressions(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<Suppression>>, ApiError> {
    centinela_store::constituency::get_institution(&state.db, id).await?;
    Ok(Json(exposure::list_suppressions(&state.db, id).await?))
}

/// Validates a rule; a report type name (`scan_http`) stands for its classification
/// identifier.
pub fn checked_suppression(d: &SuppressionDraft) -> Result<SuppressionDraft, ApiError> {
    let mut d = d.clone();
    if let Some(kind) = feeds::ReportKind::from_name(d.identifier.trim()) {
        d.identifier = kind.definition().classification.identifier.clone();
    }
    validate_suppression(&d, &exposure::today()).map_err(ApiError::invalid)
}

pub async fn create_suppression(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(d): ApiJson<SuppressionDraft>,
) -> Result<(StatusCode, Json<Suppression>), ApiError> {
    let d = checked_suppression(&d)?;
    Ok(created(
        exposure::create_suppression(&state.db, &ctx.actor(), id, &d).await?,
    ))
}

pub async fn delete_suppression(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, suppression)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    exposure::delete_suppression(&state.db, &ctx.actor(), id, suppression).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn get_digest(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<DigestSetting>, ApiError> {
    centinela_store::constituency::get_institution(&state.db, id).await?;
    Ok(Json(exposure::digest_setting(&state.db, id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestRequest {
    pub cadence: String,
}

pub fn checked_cadence(cadence: &str) -> Result<Cadence, ApiError> {
    Cadence::parse(cadence.trim())
        .ok_or_else(|| ApiError::invalid(vec![FieldError::new("cadence", "err-cadence")]))
}

pub async fn set_digest(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(r): ApiJson<DigestRequest>,
) -> Result<Json<DigestSetting>, ApiError> {
    let cadence = checked_cadence(&r.cadence)?;
    Ok(Json(
        exposure::set_digest_cadence(&state.db, &ctx.actor(), id, cadence).await?,
    ))
}
