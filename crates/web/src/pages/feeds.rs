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
use centinela_store::exposure::{self, ExposureCount, FeedReport};

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

#[derive(Template)]
#[template(path = "exposure.html")]
struct ExposurePage {
    t: Tr,
    nav: Nav,
    rows: Vec<ExposureCount>,
    by_identifier: Vec<Bar>,
    chart_height: i64,
}

pub async fn national(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let rows = exposure::summary(&state.db, &scope(ctx.principal()?)).await?;
    let mut totals: Vec<(String, i64)> = vec![];
    for r in &rows {
        match totals.iter_mut().find(|(k, _)| *k == r.identifier) {
            Some((_, n)) => *n += r.findings,
            None => totals.push((r.identifier.clone(), r.findings)),
        }
    }
    totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let max = totals.iter().map(|t| t.1).max().unwrap_or(1).max(1);
    let by_identifier: Vec<Bar> = totals
        .iter()
        .enumerate()
        .map(|(i, (k, n))| Bar {
            label: k.clone(),
            n: *n,
            width: n * 300 / max,
            y: i as i64 * 26,
        })
        .collect();
    let view = ExposurePage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(&ctx, "/exposure"),
        chart_height: by_identifier.len() as i64 * 26,
        by_identifier,
        rows,
    };
    Ok(render(&view)?.into_response())
}
