//! Reference data and dashboard figures.

use crate::AppState;
use crate::api::scope;
use crate::auth::Ctx;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use centinela_core::sector::{self, Sector};
use centinela_store::stats::{self, Dashboard};

pub async fn sectors(_ctx: Ctx) -> Json<&'static [Sector]> {
    Json(sector::sectors())
}

pub async fn dashboard(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Dashboard>, ApiError> {
    Ok(Json(
        stats::dashboard(&state.db, &scope(ctx.principal()?)).await?,
    ))
}
