//! The national posture across campaigns: for each campaign, by due date, the roll-up's
//! progress, compliance and maturity, nationally and by sector, over the institutions the
//! caller sees (the same scope and rules as one campaign's roll-up, `api::assessments::rollup`).

use crate::AppState;
use crate::api::assessments::{AggregateView, rollup};
use crate::api::scope;
use crate::auth::Ctx;
use crate::error::ApiError;
use axum::Json;
use axum::extract::State;
use centinela_store::assessments as store;
use centinela_store::{Db, Scope};
use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;
use uuid::Uuid;

#[derive(Debug, Serialize)]
pub struct TrendPoint {
    pub campaign_id: Uuid,
    pub title: String,
    pub due_on: Date,
    pub national: AggregateView,
    pub by_sector: BTreeMap<String, AggregateView>,
}

#[derive(Debug, Serialize)]
pub struct Trend {
    /// Campaigns by due date, oldest first (then by creation).
    pub points: Vec<TrendPoint>,
}

pub async fn trend(db: &Db, scope: &Scope) -> Result<Trend, ApiError> {
    let mut campaigns = store::list_campaigns(db).await?;
    campaigns.sort_by_key(|c| (c.due_on, c.created_at, c.id));
    let mut points = Vec::with_capacity(campaigns.len());
    for c in campaigns {
        let r = rollup(db, c.id, scope).await?;
        points.push(TrendPoint {
            campaign_id: c.id,
            title: c.title,
            due_on: c.due_on,
            national: r.national,
            by_sector: r.by_sector,
        });
    }
    Ok(Trend { points })
}

pub async fn get_trend(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Trend>, ApiError> {
    Ok(Json(trend(&state.db, &scope(ctx.principal()?)).await?))
}
