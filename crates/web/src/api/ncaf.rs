//! The national capabilities self-assessment (ENISA NCAF shape): yearly assessments that the
//! coordinators answer indicator by indicator, scored with `assess::ncaf` (cumulative
//! maturity level and coverage per objective, means per cluster and overall) and compared
//! year over year.
//!
//! Access (`ResourceKind::NationalAssessment`): the assessment describes the country, not an
//! institution, so everyone signed in reads it; only coordinators open years and answer.
//!
//! Frameworks are the editions shipped in `assess/data/ncaf`, embedded at build time, and
//! those a coordinator uploads (`POST /api/v1/ncaf/editions`: the edition file as the body,
//! validated by `assess::ncaf`, stored whole and never edited). An assessment stores the
//! edition it answers, so a later edition never rescores a past year; years are compared only
//! within one edition (`assess::ncaf::compare`).

use crate::AppState;
use crate::api::created;
use crate::auth::Ctx;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use assess::ncaf::{
    Averages, Comparison, IndicatorAnswer, NcafAnswers, NcafFramework, NcafScores, compare, score,
};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use centinela_core::validate::{Checks, FieldError};
use centinela_store::Db;
use centinela_store::ncaf::{self as store, NcafAnswer, NcafAssessment};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock};
use uuid::Uuid;

/// Shipped editions, oldest first: (edition, document).
const SHIPPED: &[(&str, &str)] = &[(
    "2020",
    include_str!("../../../assess/data/ncaf/ncaf-2020.json"),
)];

static FRAMEWORKS: LazyLock<Vec<Arc<NcafFramework>>> = LazyLock::new(|| {
    SHIPPED
        .iter()
        .map(|(edition, text)| {
            Arc::new(
                NcafFramework::from_json_str(text, &format!("ncaf-{edition}.json"))
                    .expect("shipped NCAF framework is valid (tested)"),
            )
        })
        .collect()
});

/// The shipped edition `edition`, if any.
pub fn framework(edition: &str) -> Option<&'static NcafFramework> {
    FRAMEWORKS
        .iter()
        .find(|f| f.edition == edition)
        .map(|f| &**f)
}

/// The edition `edition`, shipped or uploaded. An uploaded document that no longer validates
/// (the rules grew stricter since) is reported as a conflict, not a 500.
pub async fn load(db: &Db, edition: &str) -> Result<Option<Arc<NcafFramework>>, ApiError> {
    if let Some(f) = FRAMEWORKS.iter().find(|f| f.edition == edition) {
        return Ok(Some(f.clone()));
    }
    let Some(doc) = store::edition_document(db, edition).await? else {
        return Ok(None);
    };
    NcafFramework::from_json_str(&doc, edition)
        .map(|f| Some(Arc::new(f)))
        .map_err(|e| {
            ApiError::new(StatusCode::CONFLICT, "unknown_edition", "err-ncaf-edition")
                .arg("edition", e.to_string())
        })
}

/// Largest edition file accepted (the shipped 2020 file is under 100 KiB).
pub const MAX_EDITION_LEN: usize = 1024 * 1024;

/// An edition a year can be opened against, shipped or uploaded.
#[derive(Debug, Clone, Serialize)]
pub struct EditionInfo {
    pub edition: String,
    pub year: i64,
    pub title_es: String,
    pub title_en: String,
    pub objectives: i64,
    pub indicators: i64,
    /// Shipped with the binary (not removable, not uploaded).
    pub shipped: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uploaded_by: Option<String>,
    #[serde(
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub uploaded_at: Option<time::OffsetDateTime>,
}

fn info_of(f: &NcafFramework) -> EditionInfo {
    EditionInfo {
        edition: f.edition.clone(),
        year: f.year.map(i64::from).unwrap_or_default(),
        title_es: f.title.es.clone(),
        title_en: f.title.en.clone(),
        objectives: f.objectives().count() as i64,
        indicators: f.indicator_count() as i64,
        shipped: true,
        uploaded_by: None,
        uploaded_at: None,
    }
}

/// Every edition: shipped newest first, then uploaded newest first.
pub async fn all_editions(db: &Db) -> Result<Vec<EditionInfo>, ApiError> {
    let mut out: Vec<EditionInfo> = FRAMEWORKS.iter().rev().map(|f| info_of(f)).collect();
    out.extend(store::editions(db).await?.into_iter().map(|e| EditionInfo {
        edition: e.edition,
        year: e.year,
        title_es: e.title_es,
        title_en: e.title_en,
        objectives: e.objectives,
        indicators: e.indicators,
        shipped: false,
        uploaded_by: Some(e.uploaded_by),
        uploaded_at: Some(e.uploaded_at),
    }));
    Ok(out)
}

pub async fn list_editions(
    State(state): State<AppState>,
) -> Result<Json<Vec<EditionInfo>>, ApiError> {
    Ok(Json(all_editions(&state.db).await?))
}

/// Validates and stores an uploaded edition file: 422 naming the JSON path when it is not a
/// valid edition, 409 when its edition id is shipped or already uploaded.
pub async fn upload_edition(
    db: &Db,
    actor: &centinela_store::Actor,
    bytes: &[u8],
    origin: &str,
) -> Result<EditionInfo, ApiError> {
    let invalid = |path: &str, detail: String| {
        ApiError::invalid(vec![
            FieldError::new(path, "err-ncaf-file")
                .arg("path", path)
                .arg("detail", detail),
        ])
    };
    let text =
        std::str::from_utf8(bytes).map_err(|_| invalid("(root)", "not UTF-8 text".into()))?;
    let f = NcafFramework::from_json_str(text, origin).map_err(|e| match e {
        assess::AssessError::Json { path, message, .. } => invalid(&path, message),
        other => invalid("(root)", other.to_string()),
    })?;
    if framework(&f.edition).is_some() {
        return Err(edition_exists(&f.edition));
    }
    let info = info_of(&f);
    let row = store::create_edition(
        db,
        actor,
        &store::NewEdition {
            edition: &info.edition,
            year: info.year,
            title_es: &info.title_es,
            title_en: &info.title_en,
            objectives: info.objectives,
            indicators: info.indicators,
            document: text,
        },
    )
    .await
    .map_err(|e| match e {
        centinela_store::StoreError::Conflict(_) => edition_exists(&f.edition),
        other => other.into(),
    })?;
    Ok(EditionInfo {
        shipped: false,
        uploaded_by: Some(row.uploaded_by),
        uploaded_at: Some(row.uploaded_at),
        ..info
    })
}

fn edition_exists(edition: &str) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, "conflict", "err-ncaf-edition-exists")
        .arg("edition", edition)
}

/// Reads a request body whole up to [`MAX_EDITION_LEN`]: 413 beyond it. The route is in
/// `security::UPLOAD_PATHS`, so this is its only limit.
pub async fn read_body(body: axum::body::Body) -> Result<Vec<u8>, ApiError> {
    axum::body::to_bytes(body, MAX_EDITION_LEN)
        .await
        .map(|b| b.to_vec())
        .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "err-too-large"))
}

/// `POST /api/v1/ncaf/editions`: the body is the edition file itself (`{"ncaf": {...}}`).
pub async fn create_edition(
    State(state): State<AppState>,
    ctx: Ctx,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<EditionInfo>), ApiError> {
    let bytes = read_body(body).await?;
    Ok(created(
        upload_edition(&state.db, &ctx.actor(), &bytes, "upload").await?,
    ))
}

/// Shipped edition names, newest first (the first is the default for a new year).
pub fn editions() -> Vec<&'static str> {
    FRAMEWORKS
        .iter()
        .rev()
        .map(|f| f.edition.as_str())
        .collect()
}

pub const ANSWERS: [&str; 3] = ["yes", "no", "not-applicable"];
/// Years a national assessment may describe.
pub const YEARS: std::ops::RangeInclusive<i64> = 2000..=2999;

fn answer_of(s: &str) -> Option<IndicatorAnswer> {
    match s {
        "yes" => Some(IndicatorAnswer::Yes),
        "no" => Some(IndicatorAnswer::No),
        "not-applicable" => Some(IndicatorAnswer::NotApplicable),
        _ => None,
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NcafDraft {
    pub year: i64,
    /// The framework edition; the newest shipped one when absent.
    #[serde(default)]
    pub edition: Option<String>,
}

impl NcafDraft {
    async fn check(&self, db: &Db) -> Result<(i64, Arc<NcafFramework>), ApiError> {
        let mut c = Checks::default();
        if !YEARS.contains(&self.year) {
            c.push(
                FieldError::new("year", "err-range")
                    .arg("min", YEARS.start())
                    .arg("max", YEARS.end()),
            );
        }
        let edition = self
            .edition
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .unwrap_or(editions()[0]);
        let f = load(db, edition).await?;
        if f.is_none() {
            c.push(FieldError::new("edition", "err-choice"));
        }
        c.finish().map_err(ApiError::invalid)?;
        Ok((self.year, f.expect("checked")))
    }
}

/// A year's assessment with its answers (indicator → answer) and figures.
#[derive(Debug, Serialize)]
pub struct NcafView {
    #[serde(flatten)]
    pub assessment: NcafAssessment,
    pub answers: BTreeMap<String, String>,
    /// Indicators whose answer was carried over from the previous year and not answered since.
    pub carried_over: Vec<String>,
    pub answered: usize,
    pub indicators: usize,
    pub scores: NcafScores,
}

/// A year in the list: its overall figures.
#[derive(Debug, Serialize)]
pub struct NcafSummary {
    #[serde(flatten)]
    pub assessment: NcafAssessment,
    pub answered: usize,
    pub indicators: usize,
    pub overall: Averages,
}

/// The edition an assessment answers.
pub async fn framework_of(db: &Db, a: &NcafAssessment) -> Result<Arc<NcafFramework>, ApiError> {
    // A stored edition neither shipped nor uploaded cannot be scored: say so rather than 500.
    load(db, &a.edition).await?.ok_or_else(|| {
        ApiError::new(StatusCode::CONFLICT, "unknown_edition", "err-ncaf-edition")
            .arg("edition", &a.edition)
    })
}

/// Scores one assessment from its stored answers.
fn scored(
    f: &NcafFramework,
    assessment: NcafAssessment,
    rows: Vec<NcafAnswer>,
) -> Result<NcafView, ApiError> {
    let parsed: NcafAnswers = rows
        .iter()
        .filter_map(|r| answer_of(&r.answer).map(|a| (r.indicator_id.clone(), a)))
        .collect();
    let scores = score(f, &parsed).map_err(|e| {
        ApiError::new(StatusCode::CONFLICT, "unknown_edition", "err-ncaf-edition")
            .arg("edition", e.to_string())
    })?;
    Ok(NcafView {
        answered: parsed.len(),
        indicators: f.indicator_count(),
        carried_over: rows
            .iter()
            .filter(|r| r.carried_over)
            .map(|r| r.indicator_id.clone())
            .collect(),
        answers: rows
            .into_iter()
            .map(|r| (r.indicator_id, r.answer))
            .collect(),
        assessment,
        scores,
    })
}

/// Loads and scores one assessment.
pub async fn view(db: &Db, id: Uuid) -> Result<NcafView, ApiError> {
    let assessment = store::get(db, id).await?;
    let f = framework_of(db, &assessment).await?;
    let rows = store::answers(db, id).await?;
    scored(&f, assessment, rows)
}

/// Every year with its overall figures, in two queries.
pub async fn summaries(db: &Db) -> Result<Vec<NcafSummary>, ApiError> {
    let mut answers: HashMap<Uuid, Vec<NcafAnswer>> = HashMap::new();
    for (id, a) in store::all_answers(db).await? {
        answers.entry(id).or_default().push(a);
    }
    let mut out = vec![];
    let mut frameworks: HashMap<String, Arc<NcafFramework>> = HashMap::new();
    for a in store::list(db).await? {
        let rows = answers.remove(&a.id).unwrap_or_default();
        let f = match frameworks.get(&a.edition) {
            Some(f) => f.clone(),
            None => {
                let f = framework_of(db, &a).await?;
                frameworks.insert(a.edition.clone(), f.clone());
                f
            }
        };
        let v = scored(&f, a, rows)?;
        out.push(NcafSummary {
            assessment: v.assessment,
            answered: v.answered,
            indicators: v.indicators,
            overall: v.scores.overall,
        });
    }
    Ok(out)
}

pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<NcafSummary>>, ApiError> {
    Ok(Json(summaries(&state.db).await?))
}

pub async fn open_year(
    db: &Db,
    actor: &centinela_store::Actor,
    d: &NcafDraft,
) -> Result<NcafAssessment, ApiError> {
    let (year, f) = d.check(db).await?;
    // Last year's answers to this edition's indicators come along, marked as carried over.
    let indicators: Vec<String> = f
        .objectives()
        .flat_map(|(_, o)| o.indicators.iter().map(|i| i.id.clone()))
        .collect();
    Ok(store::create(db, actor, year, &f.edition, &indicators).await?)
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(d): ApiJson<NcafDraft>,
) -> Result<(StatusCode, Json<NcafAssessment>), ApiError> {
    Ok(created(open_year(&state.db, &ctx.actor(), &d).await?))
}

pub async fn get(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<NcafView>, ApiError> {
    Ok(Json(view(&state.db, id).await?))
}

/// The answers to one objective's indicators: `yes`, `no`, `not-applicable`, or null to
/// clear. Indicators left out keep their answer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveDraft {
    pub answers: BTreeMap<String, Option<String>>,
}

/// Checks and saves an objective's answers, and returns the assessment rescored.
pub async fn answer_objective(
    db: &Db,
    actor: &centinela_store::Actor,
    id: Uuid,
    objective: &str,
    d: &ObjectiveDraft,
) -> Result<NcafView, ApiError> {
    let a = store::get(db, id).await?;
    let f = framework_of(db, &a).await?;
    let Some((_, o)) = f.objectives().find(|(_, o)| o.id == objective) else {
        return Err(ApiError::not_found());
    };
    let mut c = Checks::default();
    let mut rows = vec![];
    for (indicator, answer) in &d.answers {
        let field = format!("answers.{indicator}");
        if !o.indicators.iter().any(|i| &i.id == indicator) {
            c.push(FieldError::new(&field, "err-ncaf-indicator"));
            continue;
        }
        match answer.as_deref().map(str::trim) {
            None | Some("") => rows.push((indicator.clone(), None)),
            Some(s) if answer_of(s).is_some() => {
                rows.push((indicator.clone(), Some(s.to_string())))
            }
            Some(_) => c.push(FieldError::new(&field, "err-choice")),
        }
    }
    c.finish().map_err(ApiError::invalid)?;
    store::save_objective(db, actor, id, objective, &rows).await?;
    view(db, id).await
}

pub async fn save_objective(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, objective)): ApiPath<(Uuid, String)>,
    ApiJson(d): ApiJson<ObjectiveDraft>,
) -> Result<Json<NcafView>, ApiError> {
    Ok(Json(
        answer_objective(&state.db, &ctx.actor(), id, &objective, &d).await?,
    ))
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CompareQuery {
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CompareView {
    pub before: NcafView,
    pub after: NcafView,
    pub comparison: Comparison,
}

fn id_param(field: &str, v: &Option<String>) -> Result<Uuid, FieldError> {
    v.as_deref()
        .and_then(|s| Uuid::try_parse(s.trim()).ok())
        .ok_or_else(|| FieldError::new(field, "err-invalid-value"))
}

/// Two years side by side: `before` and `after` are assessment ids.
pub async fn comparison(db: &Db, q: &CompareQuery) -> Result<CompareView, ApiError> {
    let before = id_param("before", &q.before);
    let after = id_param("after", &q.after);
    let (before, after) = match (before, after) {
        (Ok(b), Ok(a)) => (b, a),
        (b, a) => {
            return Err(ApiError::invalid(
                [b.err(), a.err()].into_iter().flatten().collect(),
            ));
        }
    };
    let before = view(db, before).await?;
    let after = view(db, after).await?;
    let comparison = compare(&before.scores, &after.scores).map_err(|_| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "edition_mismatch",
            "err-ncaf-compare-editions",
        )
        .arg("before", &before.assessment.edition)
        .arg("after", &after.assessment.edition)
    })?;
    Ok(CompareView {
        before,
        after,
        comparison,
    })
}

pub async fn get_comparison(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<CompareQuery>,
) -> Result<Json<CompareView>, ApiError> {
    Ok(Json(comparison(&state.db, &q).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_editions_load() {
        assert_eq!(editions(), vec!["2020"]);
        let f = framework("2020").unwrap();
        assert_eq!(f.clusters.len(), 4);
        assert_eq!(f.objectives().count(), 17);
    }
}
