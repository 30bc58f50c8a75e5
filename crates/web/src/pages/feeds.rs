//! Reports (upload and status) for the national CSIRT, and the exposure picture.

use crate::AppState;
use crate::api::scope;
use crate::auth::{Ctx, redirect};
use crate::error::ApiError;
use crate::i18n::Tr;
use crate::ingest;
use crate::pages::{Nav, render};
use askama::Template;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::response::{IntoResponse, Response};
use centinela_store::Page;
use centinela_store::exposure::{self, ExposureCount, ExposureGroup, ExposureWeek, FeedReport};
use time::OffsetDateTime;

#[derive(Template)]
#[template(path = "feeds.html")]
struct FeedsPage {
    t: Tr,
    nav: Nav,
    reports: Vec<FeedReport>,
    kinds: Vec<&'static str>,
    error: String,
}

async fn feeds_page(state: &AppState, ctx: &Ctx, error: String) -> Result<FeedsPage, ApiError> {
    let (reports, _) = exposure::list_reports(&state.db, Page::new(Some(100), None)).await?;
    Ok(FeedsPage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(ctx, "/feeds"),
        reports,
        kinds: feeds::ReportKind::all().map(|k| k.name()).collect(),
        error,
    })
}

pub async fn page(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    Ok(render(&feeds_page(&state, &ctx, String::new()).await?)?.into_response())
}

pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    match ingest::receive_upload(&state, &ctx, multipart).await {
        Ok(_) => Ok(redirect("/feeds")),
        Err(e) if e.status.is_client_error() && e.code != "csrf" => {
            let msg = e.message(ctx.lang);
            let view = feeds_page(&state, &ctx, msg).await?;
            Ok((e.status, render(&view)?).into_response())
        }
        Err(e) => Err(e),
    }
}

/// One bar of the exposure chart.
pub struct Bar {
    pub label: String,
    pub n: i64,
    pub width: i64,
    pub y: i64,
}

/// Horizontal bars for `(label, n)` totals, longest 300 units.
fn bars(totals: Vec<(String, i64)>) -> Vec<Bar> {
    let max = totals.iter().map(|t| t.1).max().unwrap_or(1).max(1);
    totals
        .into_iter()
        .enumerate()
        .map(|(i, (label, n))| Bar {
            label,
            n,
            width: n * 300 / max,
            y: i as i64 * 26,
        })
        .collect()
}

/// One week of the trend chart: a bar of active findings with the new ones inside it.
pub struct WeekBar {
    pub label: String,
    pub x: i64,
    pub active: i64,
    pub active_y: i64,
    pub active_h: i64,
    pub fresh: i64,
    pub fresh_y: i64,
    pub fresh_h: i64,
}

/// Plot height of the trend chart (its baseline sits at this y).
const TREND_HEIGHT: i64 = 140;

fn week_bars(weeks: &[ExposureWeek]) -> Vec<WeekBar> {
    let max = weeks
        .iter()
        .map(|w| w.active_findings.max(w.new_findings))
        .max()
        .unwrap_or(1)
        .max(1);
    let h = |n: i64| n * TREND_HEIGHT / max;
    weeks
        .iter()
        .enumerate()
        .map(|(i, w)| WeekBar {
            label: w.week.get(5..).unwrap_or(&w.week).to_string(),
            x: 10 + i as i64 * 42,
            active: w.active_findings,
            active_y: TREND_HEIGHT - h(w.active_findings),
            active_h: h(w.active_findings),
            fresh: w.new_findings,
            fresh_y: TREND_HEIGHT - h(w.new_findings),
            fresh_h: h(w.new_findings),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "exposure.html")]
struct ExposurePage {
    t: Tr,
    nav: Nav,
    rows: Vec<ExposureCount>,
    by_identifier: Vec<Bar>,
    chart_height: i64,
    by_sector: Vec<Bar>,
    by_type: Vec<Bar>,
    by_sector_type: Vec<ExposureGroup>,
    weeks: Vec<WeekBar>,
}

pub async fn national(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let scope = scope(ctx.principal()?);
    let rows = exposure::summary(&state.db, &scope).await?;
    let overview = exposure::overview(&state.db, &scope, OffsetDateTime::now_utc()).await?;
    let mut totals: Vec<(String, i64)> = vec![];
    for r in &rows {
        match totals.iter_mut().find(|(k, _)| *k == r.identifier) {
            Some((_, n)) => *n += r.findings,
            None => totals.push((r.identifier.clone(), r.findings)),
        }
    }
    totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let by_identifier = bars(totals);
    let t = Tr { lang: ctx.lang };
    let view = ExposurePage {
        nav: Nav::new(&ctx, "/exposure"),
        chart_height: by_identifier.len() as i64 * 26,
        by_identifier,
        rows,
        by_sector: bars(
            overview
                .by_sector
                .iter()
                .map(|g| (t.sector(&g.sector), g.findings))
                .collect(),
        ),
        by_type: bars(
            overview
                .by_type
                .iter()
                .map(|g| (g.class_type.clone(), g.findings))
                .collect(),
        ),
        by_sector_type: overview.by_sector_type,
        weeks: week_bars(&overview.weekly),
        t,
    };
    Ok(render(&view)?.into_response())
}
