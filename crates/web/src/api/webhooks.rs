//! Managing signed webhooks: an institution's (its own incidents) and the national ones
//! (coordinators). The signing secret is returned once, when the subscription is made.

use crate::AppState;
use crate::auth::Ctx;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use crate::webhooks::{EVENTS, check_url};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use centinela_core::validate::FieldError;
use centinela_store::webhooks::{self as store, Delivery, NewWebhook, Webhook};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    pub url: String,
    /// Event names; all of them when absent.
    #[serde(default)]
    pub events: Option<Vec<String>>,
}

#[derive(Debug, Serialize)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: Webhook,
    /// The HMAC-SHA256 key for `X-Centinela-Signature`; not shown again.
    pub secret: String,
}

async fn create(
    state: &AppState,
    ctx: &Ctx,
    institution: Option<Uuid>,
    req: WebhookRequest,
) -> Result<WebhookCreated, ApiError> {
    let mut errors = vec![];
    if let Err(key) = check_url(req.url.trim()) {
        errors.push(FieldError::new("url", key).arg("max", 500));
    }
    let events = req
        .events
        .unwrap_or_else(|| EVENTS.iter().map(|e| e.to_string()).collect());
    if events.is_empty() || events.iter().any(|e| !EVENTS.contains(&e.as_str())) {
        errors.push(FieldError::new("events", "err-choice"));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    let secret = hex::encode(key);
    let webhook = store::create(
        &state.db,
        &ctx.actor(),
        &NewWebhook {
            institution_id: institution,
            url: req.url.trim().to_string(),
            secret: secret.clone(),
            events,
        },
    )
    .await?;
    Ok(WebhookCreated { webhook, secret })
}

/// The subscription if it belongs where the path says (an institution, or national).
async fn load(state: &AppState, institution: Option<Uuid>, id: Uuid) -> Result<Webhook, ApiError> {
    let w = store::get(&state.db, id).await?;
    if w.institution_id != institution {
        return Err(ApiError::not_found());
    }
    Ok(w)
}

pub async fn list_institution(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<Webhook>>, ApiError> {
    centinela_store::constituency::get_institution(&state.db, id).await?;
    Ok(Json(store::list(&state.db, Some(id)).await?))
}

pub async fn list_national(State(state): State<AppState>) -> Result<Json<Vec<Webhook>>, ApiError> {
    Ok(Json(store::list(&state.db, None).await?))
}

pub async fn create_institution(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<WebhookRequest>,
) -> Result<(StatusCode, Json<WebhookCreated>), ApiError> {
    centinela_store::constituency::get_institution(&state.db, id).await?;
    Ok((
        StatusCode::CREATED,
        Json(create(&state, &ctx, Some(id), req).await?),
    ))
}

pub async fn create_national(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(req): ApiJson<WebhookRequest>,
) -> Result<(StatusCode, Json<WebhookCreated>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(create(&state, &ctx, None, req).await?),
    ))
}

pub async fn delete_institution(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, webhook)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    let w = load(&state, Some(id), webhook).await?;
    store::delete(&state.db, &ctx.actor(), &w).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_national(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(webhook): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    let w = load(&state, None, webhook).await?;
    store::delete(&state.db, &ctx.actor(), &w).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The latest deliveries of a subscription (newest first), with each attempt's outcome.
pub async fn deliveries_institution(
    State(state): State<AppState>,
    ApiPath((id, webhook)): ApiPath<(Uuid, Uuid)>,
) -> Result<Json<Vec<Delivery>>, ApiError> {
    let w = load(&state, Some(id), webhook).await?;
    Ok(Json(store::deliveries(&state.db, w.id, 100).await?))
}

pub async fn deliveries_national(
    State(state): State<AppState>,
    ApiPath(webhook): ApiPath<Uuid>,
) -> Result<Json<Vec<Delivery>>, ApiError> {
    let w = load(&state, None, webhook).await?;
    Ok(Json(store::deliveries(&state.db, w.id, 100).await?))
}
