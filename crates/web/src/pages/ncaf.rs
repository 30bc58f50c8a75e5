//! Pages of the national capabilities self-assessment (list of years, the answer form per
//! objective with radar charts, the year-over-year comparison) and the campaigns' trend chart
//! (a fragment the campaigns page loads). Handlers reuse `api::ncaf` and
//! `api::campaign_trend`.

use crate::AppState;
use crate::api::campaign_trend::trend;
use crate::api::ncaf::{
    self as api, CompareQuery, EditionInfo, NcafDraft, NcafSummary, NcafView, ObjectiveDraft,
};
use crate::api::scope;
use crate::auth::{Ctx, redirect};
use crate::error::ApiError;
use crate::extract::{ApiForm, ApiPath, ApiQuery};
use crate::i18n::Tr;
use crate::pages::assessments::{one_decimal, pct};
use crate::pages::charts::{LineChart, Radar, line_chart, radar};
use crate::pages::{Nav, read_upload, render, without_csrf};
use askama::Template;
use assess::ncaf::{AveragesDelta, NcafFramework};
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::response::{IntoResponse, Response};
use centinela_core::access::{Action, ResourceKind};
use centinela_store::ncaf::NcafAssessment;
use serde::Deserialize;
use std::collections::BTreeSet;
use uuid::Uuid;

use crate::api::assessments::may_on;

fn lang(t: &Tr) -> &'static str {
    if t.is_es() { "es" } else { "en" }
}

fn signed(v: Option<f64>, digits: usize) -> String {
    v.map(|x| format!("{x:+.digits$}"))
        .unwrap_or_else(|| "—".into())
}

// ---- list ----

#[derive(Template)]
#[template(path = "ncaf_list.html")]
struct ListPage {
    t: Tr,
    nav: Nav,
    rows: Vec<(NcafSummary, String, String)>,
    /// (edition, title in the page's language, summary).
    editions: Vec<(EditionInfo, String)>,
    next_year: i64,
    can_create: bool,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let summaries = api::summaries(&state.db).await?;
    let next_year = summaries
        .first()
        .map(|s| s.assessment.year + 1)
        .unwrap_or_else(|| i64::from(crate::api::assessments::today().year()));
    let page = ListPage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(&ctx, "/ncaf"),
        rows: summaries
            .into_iter()
            .map(|s| {
                let level = one_decimal(Some(s.overall.level));
                let coverage = pct(s.overall.coverage);
                (s, level, coverage)
            })
            .collect(),
        editions: api::all_editions(&state.db)
            .await?
            .into_iter()
            .map(|e| {
                let title = if (Tr { lang: ctx.lang }).is_es() {
                    e.title_es.clone()
                } else {
                    e.title_en.clone()
                };
                (e, title)
            })
            .collect(),
        next_year,
        can_create: may_on(&ctx, ResourceKind::NationalAssessment, Action::Create, None),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
struct YearForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    edition: String,
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let f: YearForm = without_csrf(pairs)?;
    let year = f.year.trim().parse::<i64>().map_err(|_| {
        ApiError::invalid(vec![centinela_core::validate::FieldError::new(
            "year",
            "err-number",
        )])
    })?;
    let d = NcafDraft {
        year,
        edition: Some(f.edition),
    };
    let a = api::open_year(&state.db, &ctx.actor(), &d).await?;
    Ok(redirect(&format!("/ncaf/{}", a.id)))
}

/// The edition upload form (multipart: `_csrf`, `file`); back to the list on success.
pub async fn upload_edition(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let upload = read_upload(
        &state,
        &ctx,
        multipart,
        &[],
        &["file"],
        api::MAX_EDITION_LEN,
    )
    .await?;
    let Some((_, bytes)) = upload.kept.into_iter().next() else {
        return Err(ApiError::invalid(vec![
            centinela_core::validate::FieldError::new("file", "err-required"),
        ]));
    };
    api::upload_edition(&state.db, &ctx.actor(), &bytes, "upload").await?;
    Ok(redirect("/ncaf#ncaf-editions"))
}

// ---- one year ----

struct IndicatorRow {
    id: String,
    level: u8,
    text: String,
    answer: String,
    /// Carried over from the previous year, not answered since.
    carried: bool,
}

struct ObjectiveRow {
    id: String,
    title: String,
    description: String,
    level: u8,
    coverage: String,
    met: usize,
    applicable: usize,
    indicators: Vec<IndicatorRow>,
}

struct ClusterRow {
    title: String,
    level: String,
    coverage: String,
    objectives: Vec<ObjectiveRow>,
}

#[derive(Template)]
#[template(path = "ncaf.html")]
struct YearPage {
    t: Tr,
    nav: Nav,
    a: NcafAssessment,
    title: String,
    answered: usize,
    indicators: usize,
    level: String,
    coverage: String,
    clusters: Vec<ClusterRow>,
    levels: Vec<(u8, String)>,
    objective_radar: Radar,
    cluster_radar: Radar,
    others: Vec<(Uuid, i64)>,
    can_write: bool,
    answers: [&'static str; 3],
}

fn objective_labels(f: &NcafFramework) -> Vec<String> {
    f.objectives().map(|(_, o)| o.id.to_uppercase()).collect()
}

fn cluster_labels(f: &NcafFramework) -> Vec<String> {
    f.clusters.iter().map(|c| c.id.to_uppercase()).collect()
}

fn top_level(f: &NcafFramework) -> u32 {
    f.levels
        .iter()
        .map(|l| u32::from(l.level))
        .max()
        .unwrap_or(5)
}

fn objective_levels(f: &NcafFramework, v: &NcafView) -> Vec<f64> {
    f.objectives()
        .map(|(_, o)| {
            v.scores
                .objectives
                .iter()
                .find(|s| s.objective_id == o.id)
                .map(|s| f64::from(s.level))
                .unwrap_or(0.0)
        })
        .collect()
}

fn cluster_levels(f: &NcafFramework, v: &NcafView) -> Vec<f64> {
    f.clusters
        .iter()
        .map(|c| {
            v.scores
                .clusters
                .iter()
                .find(|s| s.cluster_id == c.id)
                .map(|s| s.averages.level)
                .unwrap_or(0.0)
        })
        .collect()
}

pub async fn year(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let t = Tr { lang: ctx.lang };
    let l = lang(&t);
    let v = api::view(&state.db, id).await?;
    let f = &*api::framework_of(&state.db, &v.assessment).await?;
    let clusters = f
        .clusters
        .iter()
        .map(|c| {
            let avg = v.scores.clusters.iter().find(|s| s.cluster_id == c.id);
            ClusterRow {
                title: format!("{} — {}", c.id.to_uppercase(), c.title.get(l)),
                level: one_decimal(avg.map(|a| a.averages.level)),
                coverage: pct(avg.and_then(|a| a.averages.coverage)),
                objectives: c
                    .objectives
                    .iter()
                    .map(|o| {
                        let s = v.scores.objectives.iter().find(|s| s.objective_id == o.id);
                        let mut indicators: Vec<IndicatorRow> = o
                            .indicators
                            .iter()
                            .map(|i| IndicatorRow {
                                id: i.id.clone(),
                                level: i.level,
                                text: i.text.get(l).to_string(),
                                answer: v.answers.get(&i.id).cloned().unwrap_or_default(),
                                carried: v.carried_over.contains(&i.id),
                            })
                            .collect();
                        indicators.sort_by_key(|i| i.level);
                        ObjectiveRow {
                            id: o.id.clone(),
                            title: format!("{} — {}", o.id.to_uppercase(), o.title.get(l)),
                            description: o
                                .description
                                .as_ref()
                                .map(|d| d.get(l).to_string())
                                .unwrap_or_default(),
                            level: s.map(|s| s.level).unwrap_or(0),
                            coverage: pct(s.and_then(|s| s.coverage)),
                            met: s.map(|s| s.met).unwrap_or(0),
                            applicable: s.map(|s| s.applicable).unwrap_or(0),
                            indicators,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let name = v.assessment.year.to_string();
    let max = top_level(f);
    let others = api::summaries(&state.db)
        .await?
        .into_iter()
        // Years are compared only within one edition (`assess::ncaf::compare`).
        .filter(|s| s.assessment.id != id && s.assessment.edition == v.assessment.edition)
        .map(|s| (s.assessment.id, s.assessment.year))
        .collect();
    let page = YearPage {
        nav: Nav::new(&ctx, "/ncaf"),
        title: f.title.get(l).to_string(),
        answered: v.answered,
        indicators: v.indicators,
        level: one_decimal(Some(v.scores.overall.level)),
        coverage: pct(v.scores.overall.coverage),
        clusters,
        levels: f
            .levels
            .iter()
            .map(|x| (x.level, x.title.get(l).to_string()))
            .collect(),
        objective_radar: radar(
            &objective_labels(f),
            max,
            &[(name.clone(), objective_levels(f, &v))],
        ),
        cluster_radar: radar(&cluster_labels(f), max, &[(name, cluster_levels(f, &v))]),
        others,
        can_write: may_on(&ctx, ResourceKind::NationalAssessment, Action::Update, None),
        answers: api::ANSWERS,
        a: v.assessment,
        t,
    };
    Ok(render(&page)?.into_response())
}

pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, objective)): ApiPath<(Uuid, String)>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let answers = pairs
        .into_iter()
        .filter(|(k, _)| k != "_csrf")
        .map(|(k, v)| {
            let v = v.trim().to_string();
            (k, (!v.is_empty()).then_some(v))
        })
        .collect();
    let d = ObjectiveDraft { answers };
    api::answer_objective(&state.db, &ctx.actor(), id, &objective, &d).await?;
    Ok(redirect(&format!("/ncaf/{id}#obj-{objective}")))
}

// ---- comparison ----

struct DeltaRow {
    title: String,
    before_level: String,
    after_level: String,
    level_delta: String,
    before_coverage: String,
    after_coverage: String,
    coverage_delta: String,
}

#[derive(Template)]
#[template(path = "ncaf_compare.html")]
struct ComparePage {
    t: Tr,
    nav: Nav,
    before: NcafAssessment,
    after: NcafAssessment,
    objectives: Vec<DeltaRow>,
    clusters: Vec<(String, String, String)>,
    overall: (String, String),
    objective_radar: Radar,
    cluster_radar: Radar,
}

fn averages_delta(d: &AveragesDelta) -> (String, String) {
    (
        signed(d.level_delta, 1),
        signed(d.coverage_delta.map(|c| c * 100.0), 0),
    )
}

pub async fn compare(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<CompareQuery>,
) -> Result<Response, ApiError> {
    let t = Tr { lang: ctx.lang };
    let l = lang(&t);
    let c = api::comparison(&state.db, &q).await?;
    let fb = &*api::framework_of(&state.db, &c.before.assessment).await?;
    let fa = &*api::framework_of(&state.db, &c.after.assessment).await?;
    let title_of = |id: &str| {
        fa.objectives()
            .chain(fb.objectives())
            .find(|(_, o)| o.id == id)
            .map(|(_, o)| format!("{} — {}", id.to_uppercase(), o.title.get(l)))
            .unwrap_or_else(|| id.to_string())
    };
    let objectives = c
        .comparison
        .objectives
        .iter()
        .map(|d| DeltaRow {
            title: title_of(&d.objective_id),
            before_level: d.before_level.map(|x| x.to_string()).unwrap_or("—".into()),
            after_level: d.after_level.map(|x| x.to_string()).unwrap_or("—".into()),
            level_delta: signed(d.level_delta.map(f64::from), 0),
            before_coverage: pct(d.before_coverage),
            after_coverage: pct(d.after_coverage),
            coverage_delta: signed(d.coverage_delta.map(|x| x * 100.0), 0),
        })
        .collect();
    let clusters = c
        .comparison
        .clusters
        .iter()
        .map(|d| {
            let (level, coverage) = averages_delta(d);
            let title = fa
                .clusters
                .iter()
                .chain(&fb.clusters)
                .find(|x| x.id == d.id)
                .map(|x| format!("{} — {}", d.id.to_uppercase(), x.title.get(l)))
                .unwrap_or_else(|| d.id.clone());
            (title, level, coverage)
        })
        .collect();
    // Both series on the `after` edition's axes (objectives it dropped are in the table).
    let max = top_level(fa);
    let before_name = c.before.assessment.year.to_string();
    let after_name = c.after.assessment.year.to_string();
    let page = ComparePage {
        nav: Nav::new(&ctx, "/ncaf"),
        objectives,
        clusters,
        overall: averages_delta(&c.comparison.overall),
        objective_radar: radar(
            &objective_labels(fa),
            max,
            &[
                (before_name.clone(), objective_levels(fa, &c.before)),
                (after_name.clone(), objective_levels(fa, &c.after)),
            ],
        ),
        cluster_radar: radar(
            &cluster_labels(fa),
            max,
            &[
                (before_name, cluster_levels(fa, &c.before)),
                (after_name, cluster_levels(fa, &c.after)),
            ],
        ),
        before: c.before.assessment,
        after: c.after.assessment,
        t,
    };
    Ok(render(&page)?.into_response())
}

// ---- campaigns trend (fragment of the campaigns page) ----

#[derive(Template)]
#[template(path = "campaign_trend.html")]
struct TrendFragment {
    t: Tr,
    national: LineChart,
    sectors: LineChart,
    empty: bool,
}

pub async fn campaign_trend(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let t = Tr { lang: ctx.lang };
    let tr = trend(&state.db, &scope(ctx.principal()?)).await?;
    let labels: Vec<String> = tr.points.iter().map(|p| p.due_on.to_string()).collect();
    let percent = |v: f64| format!("{:.0} %", v * 100.0);
    let national = line_chart(
        &labels,
        &[
            (
                t.m("trend-progress"),
                tr.points
                    .iter()
                    .map(|p| Some(p.national.progress))
                    .collect(),
            ),
            (
                t.m("trend-compliance"),
                tr.points.iter().map(|p| p.national.compliance).collect(),
            ),
            (
                t.m("trend-maturity"),
                // Maturity is 0–5; on the same 0–100 % axis as a share of level 5.
                tr.points
                    .iter()
                    .map(|p| p.national.maturity.map(|m| m / 5.0))
                    .collect(),
            ),
        ],
        1.0,
        percent,
    );
    let sectors: BTreeSet<&String> = tr.points.iter().flat_map(|p| p.by_sector.keys()).collect();
    let by_sector: Vec<(String, Vec<Option<f64>>)> = sectors
        .into_iter()
        .map(|s| {
            (
                t.sector(s),
                tr.points
                    .iter()
                    .map(|p| p.by_sector.get(s).and_then(|a| a.compliance))
                    .collect(),
            )
        })
        .collect();
    let fragment = TrendFragment {
        national,
        sectors: line_chart(&labels, &by_sector, 1.0, percent),
        empty: tr.points.is_empty(),
        t,
    };
    Ok(render(&fragment)?.into_response())
}
