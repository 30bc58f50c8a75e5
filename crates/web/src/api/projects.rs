//! ICT projects and subject assessments: an institution registers its ICT projects and
//! assesses a digital service (privacy impact questionnaire) or a project (that one and the
//! cloud security gap analysis) with the campaign answer model and scoring; a coordinator or
//! auditor approves or returns each; the national oversight lists what went live without.
//!
//! Evidence files, exports (CSV, XLSX, OSCAL assessment-results) and inferred answers work as
//! for campaign assessments, through the same functions (`api::evidence`,
//! `api::assessment_exports`, `api::answer_inference`).
//!
//! The questionnaires are the shipped OSCAL profiles, resolved with `assess` against the
//! shipped catalogs when an assessment starts; the resolved catalog is stored with it.

use crate::AppState;
use crate::api::assessment_exports as exports;
use crate::api::assessments::{
    AnswerDraft, AnswerView, GapView, MeasureItem, ScoreView, files_by_measure, measure_id_ok,
    measure_rows, parse_date, score, today,
};
use crate::api::{created, scope};
use crate::auth::Ctx;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use assess::{AssessError, Catalog, Document, Loaded, Profile, ResolveOptions, resolve_profile};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use centinela_core::projects::{
    self as rules, ProjectKind, ProjectStatus, Questionnaire, ReviewStatus, SubjectKind,
};
use centinela_core::validate::{Checks, FieldError};
use centinela_store::evidence::Subject;
use centinela_store::projects::{self as store, Project, ProjectFields, SubjectAssessment};
use centinela_store::{Actor, Db, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::Date;
use uuid::Uuid;

// ---- shipped questionnaires ----

const BASELINE_ES: &str = include_str!("../../../assess/data/baseline/baseline.es.json");
const BASELINE_EN: &str = include_str!("../../../assess/data/baseline/baseline.en.json");

/// `(questionnaire, [catalog es, catalog en], [profile es, profile en])`.
const QUESTIONNAIRES: [(Questionnaire, [&str; 2], [&str; 2]); 2] = [
    (
        Questionnaire::Pia,
        [
            include_str!("../../../assess/data/questionnaires/pia.catalog.es.json"),
            include_str!("../../../assess/data/questionnaires/pia.catalog.en.json"),
        ],
        [
            include_str!("../../../assess/data/questionnaires/pia.profile.es.json"),
            include_str!("../../../assess/data/questionnaires/pia.profile.en.json"),
        ],
    ),
    (
        Questionnaire::Cloud,
        [
            include_str!("../../../assess/data/questionnaires/cloud.catalog.es.json"),
            include_str!("../../../assess/data/questionnaires/cloud.catalog.en.json"),
        ],
        [
            include_str!("../../../assess/data/questionnaires/cloud.profile.es.json"),
            include_str!("../../../assess/data/questionnaires/cloud.profile.en.json"),
        ],
    ),
];

/// Resolves a shipped questionnaire profile in `lang` (0 = es, 1 = en): its questions plus
/// the baseline measures it imports, read from the shipped files its imports name.
pub fn resolve_questionnaire(q: Questionnaire, lang: usize) -> Result<Catalog, AssessError> {
    let (_, catalogs, profiles) = QUESTIONNAIRES
        .iter()
        .find(|(k, _, _)| *k == q)
        .expect("every questionnaire is shipped");
    let tag = ["es", "en"][lang];
    let location = format!("questionnaires/{}.profile.{tag}.json", q.as_str());
    let profile = Profile::from_json_str(profiles[lang], &location)?;
    let own = format!("{}.catalog.{tag}.json", q.as_str());
    let baseline = format!("baseline.{tag}.json");
    let loader = |base: &str, href: &str| -> Result<Loaded, AssessError> {
        let name = href.rsplit('/').next().unwrap_or(href);
        let (text, at) = if name == own {
            (catalogs[lang], format!("questionnaires/{own}"))
        } else if name == baseline {
            (
                [BASELINE_ES, BASELINE_EN][lang],
                format!("baseline/{baseline}"),
            )
        } else {
            return Err(AssessError::Import {
                from: base.to_string(),
                href: href.to_string(),
                reason: "not a shipped document".into(),
            });
        };
        Ok(Loaded {
            document: Document::Catalog(Box::new(Catalog::from_json_str(text, &at)?)),
            location: at,
        })
    };
    resolve_profile(
        &profile,
        &location,
        &loader,
        ResolveOptions { strict: true },
    )
    .map(|r| r.catalog)
}

// ---- projects ----

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectDraft {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub kind: String,
    /// One of the institution's digital services.
    #[serde(default)]
    pub service_id: Option<String>,
    #[serde(default)]
    pub planned_live_on: Option<String>,
    /// `planned` when absent.
    #[serde(default)]
    pub status: Option<String>,
    /// Required when live; today when a project goes live without one.
    #[serde(default)]
    pub went_live_on: Option<String>,
}

fn optional_date(c: &mut Checks, field: &str, value: Option<&str>) -> Option<Date> {
    match value.map(str::trim) {
        None | Some("") => None,
        Some(v) => parse_date(field, v).map_err(|e| c.push(e)).ok(),
    }
}

impl ProjectDraft {
    /// Checks the fields; `registered` is the day the project was registered (today for a
    /// new one), which the went-live date may not precede.
    pub fn check(&self, registered: Date, today: Date) -> Result<ProjectFields, Vec<FieldError>> {
        let mut c = Checks::default();
        c.text("name", &self.name, 200);
        c.optional_text("description", &self.description, 5000);
        let kind = ProjectKind::parse(self.kind.trim());
        if kind.is_none() {
            c.push(FieldError::new("kind", "err-choice"));
        }
        let status = match self.status.as_deref().map(str::trim) {
            None | Some("") => Some(ProjectStatus::Planned),
            Some(s) => ProjectStatus::parse(s),
        };
        if status.is_none() {
            c.push(FieldError::new("status", "err-choice"));
        }
        let service_id = match self.service_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => match Uuid::try_parse(s) {
                Ok(u) => Some(u),
                Err(_) => {
                    c.push(FieldError::new("service_id", "err-invalid-value"));
                    None
                }
            },
        };
        let planned = optional_date(&mut c, "planned_live_on", self.planned_live_on.as_deref());
        let given = self
            .went_live_on
            .as_deref()
            .is_some_and(|d| !d.trim().is_empty());
        let mut went = optional_date(&mut c, "went_live_on", self.went_live_on.as_deref());
        if let Some(s) = status {
            // Going live without a date means today.
            if s == ProjectStatus::Live && !given {
                went = Some(today);
            }
            // A date that did not parse is already reported.
            if (!given || went.is_some())
                && let Err(key) = rules::check_went_live(s, went.as_ref(), &registered, &today)
            {
                c.push(FieldError::new("went_live_on", key));
            }
        }
        c.finish()?;
        Ok(ProjectFields {
            name: self.name.trim().to_string(),
            description: self.description.trim().to_string(),
            kind: kind.expect("checked").as_str().into(),
            service_id,
            planned_live_on: planned,
            status: status.expect("checked").as_str().into(),
            went_live_on: went,
        })
    }
}

pub async fn list_projects(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<Project>>, ApiError> {
    centinela_store::constituency::get_institution(&state.db, id).await?;
    Ok(Json(store::list_projects(&state.db, id).await?))
}

pub async fn register_project(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    d: &ProjectDraft,
) -> Result<Project, ApiError> {
    centinela_store::constituency::get_institution(db, institution).await?;
    let day = today();
    let f = d.check(day, day).map_err(ApiError::invalid)?;
    store::create_project(db, actor, institution, &f)
        .await
        .map_err(service_error)
}

pub async fn change_project(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    id: Uuid,
    d: &ProjectDraft,
) -> Result<Project, ApiError> {
    let p = store::get_project(db, institution, id).await?;
    // Registration day as the platform's calendar counts it (UTC−6).
    let registered = (p.created_at - time::Duration::hours(6)).date();
    let f = d.check(registered, today()).map_err(ApiError::invalid)?;
    store::update_project(db, actor, institution, id, &f)
        .await
        .map_err(service_error)
}

/// A linked service that is not the institution's names the field.
fn service_error(e: StoreError) -> ApiError {
    match e {
        StoreError::Invalid(field) => {
            ApiError::invalid(vec![FieldError::new(&field, "err-project-service")])
        }
        other => other.into(),
    }
}

pub async fn create_project(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(d): ApiJson<ProjectDraft>,
) -> Result<(StatusCode, Json<Project>), ApiError> {
    Ok(created(
        register_project(&state.db, &ctx.actor(), id, &d).await?,
    ))
}

pub async fn update_project(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(d): ApiJson<ProjectDraft>,
) -> Result<Json<Project>, ApiError> {
    Ok(Json(
        change_project(&state.db, &ctx.actor(), institution, id, &d).await?,
    ))
}

// ---- subject assessments ----

/// The message for a review rule the store refused (409).
pub fn review_error(e: StoreError) -> ApiError {
    match e {
        StoreError::State(rule) => ApiError::new(
            StatusCode::CONFLICT,
            "not_allowed_now",
            match rule {
                "subject-assessment-locked" => "err-subject-locked",
                "subject-assessment-not-open" => "err-subject-not-open",
                "subject-assessment-incomplete" => "err-subject-incomplete",
                "subject-assessment-not-submitted" => "err-subject-not-submitted",
                "subject-assessment-own" => "err-subject-own",
                _ => "err-state",
            },
        ),
        StoreError::Invalid(field) => {
            ApiError::invalid(vec![FieldError::new(&field, "err-subject-unknown")])
        }
        other => other.into(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubjectDraft {
    /// `service` or `project`.
    pub subject_kind: String,
    pub subject_id: String,
    /// `pia` or `cloud` (a service takes `pia` only).
    pub questionnaire: String,
}

/// Starts an assessment of one of the institution's services or projects with a shipped
/// questionnaire, resolved now and kept with the assessment.
pub async fn start_subject(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    d: &SubjectDraft,
) -> Result<SubjectAssessment, ApiError> {
    centinela_store::constituency::get_institution(db, institution).await?;
    let mut c = Checks::default();
    let kind = SubjectKind::parse(d.subject_kind.trim());
    if kind.is_none() {
        c.push(FieldError::new("subject_kind", "err-choice"));
    }
    let subject = Uuid::try_parse(d.subject_id.trim());
    if subject.is_err() {
        c.push(FieldError::new("subject_id", "err-invalid-value"));
    }
    let q = Questionnaire::parse(d.questionnaire.trim());
    match (kind, q) {
        (_, None) => c.push(FieldError::new("questionnaire", "err-choice")),
        (Some(k), Some(q)) if !k.questionnaires().contains(&q) => c.push(FieldError::new(
            "questionnaire",
            "err-questionnaire-subject",
        )),
        _ => {}
    }
    c.finish().map_err(ApiError::invalid)?;
    let (kind, q) = (kind.expect("checked"), q.expect("checked"));
    let resolved = |lang| {
        resolve_questionnaire(q, lang).map_err(|e| {
            tracing::error!(error = %e, questionnaire = q.as_str(), "shipped questionnaire does not resolve");
            ApiError::internal()
        })
    };
    let (es, en) = (resolved(0)?, resolved(1)?);
    let n = store::NewSubjectAssessment {
        subject_kind: kind.as_str().into(),
        subject_id: subject.expect("checked"),
        questionnaire: q.as_str().into(),
        measures: measure_rows(&es, &en),
        catalog_es: es.to_json_pretty(),
        catalog_en: en.to_json_pretty(),
    };
    let a = store::start(db, actor, institution, &n)
        .await
        .map_err(review_error)?;
    // What the institution already answered in its campaigns fills what it can; a failure
    // leaves the assessment as started (the officer can ask again).
    let mut catalogs = crate::api::answer_inference::Catalogs::default();
    if let Err(e) =
        crate::api::answer_inference::infer_subject(db, actor, institution, a.id, &mut catalogs)
            .await
    {
        tracing::warn!(assessment = %a.id, error = ?e, "inference on start failed");
    }
    Ok(a)
}

pub async fn list_subjects(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<SubjectAssessment>>, ApiError> {
    centinela_store::constituency::get_institution(&state.db, id).await?;
    Ok(Json(store::list(&state.db, id).await?))
}

pub async fn create_subject(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(d): ApiJson<SubjectDraft>,
) -> Result<(StatusCode, Json<SubjectAssessment>), ApiError> {
    Ok(created(
        start_subject(&state.db, &ctx.actor(), id, &d).await?,
    ))
}

/// A subject assessment with its measures and answers (with their evidence files and any
/// inference provenance), scores and gaps: the campaign assessment's shapes.
#[derive(Debug, Serialize)]
pub struct SubjectView {
    #[serde(flatten)]
    pub assessment: SubjectAssessment,
    /// The service's or project's name.
    pub subject_name: String,
    pub measures: Vec<MeasureItem>,
    pub overall: ScoreView,
    pub groups: BTreeMap<String, ScoreView>,
    /// Unmet measures, heaviest first.
    pub gaps: Vec<GapView>,
}

async fn subject_name(db: &Db, a: &SubjectAssessment) -> Result<String, ApiError> {
    Ok(match a.subject_kind.as_str() {
        "project" => {
            store::get_project(db, a.institution_id, a.subject_id)
                .await?
                .name
        }
        _ => centinela_store::inventory::list_services(db, a.institution_id)
            .await?
            .into_iter()
            .find(|s| s.id == a.subject_id)
            .map(|s| s.name)
            .unwrap_or_default(),
    })
}

pub async fn subject_view(
    db: &Db,
    institution: Uuid,
    id: Uuid,
    lang: &str,
) -> Result<SubjectView, ApiError> {
    let a = store::get(db, institution, id).await?;
    let files = files_by_measure(
        centinela_store::evidence::list_of_assessment(db, Subject::SubjectAssessment, id).await?,
    );
    let scored = score(
        &store::measures(db, id).await?,
        store::answers(db, id).await?,
        files,
        lang,
    )?;
    Ok(SubjectView {
        subject_name: subject_name(db, &a).await?,
        overall: scored.overall,
        groups: scored.groups,
        assessment: a,
        measures: scored.measures,
        gaps: scored.gaps,
    })
}

pub async fn get_subject(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Json<SubjectView>, ApiError> {
    Ok(Json(
        subject_view(&state.db, institution, id, ctx.lang.tag_short()).await?,
    ))
}

/// Downloads are named after the subject assessment.
fn export_name(id: Uuid, ext: &str) -> String {
    format!("subject-assessment-{id}.{ext}")
}

pub async fn export_subject_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let view = subject_view(&state.db, institution, id, ctx.lang.tag_short()).await?;
    Ok(exports::csv_response(
        &export_name(id, "csv"),
        exports::csv_body(&view.measures)?,
    ))
}

/// The answers and scores sheets (a subject assessment has no remediation plan).
pub async fn export_subject_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let view = subject_view(&state.db, institution, id, ctx.lang.tag_short()).await?;
    let body = exports::xlsx_body(&view.measures, &view.overall, &view.groups, None)?;
    Ok(exports::xlsx_response(&export_name(id, "xlsx"), body))
}

/// OSCAL assessment-results against the questionnaire the assessment stored when it started.
pub async fn export_subject_results(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let lang = ctx.lang.tag_short();
    let view = subject_view(&state.db, institution, id, lang).await?;
    let text = store::catalog(&state.db, institution, id, lang).await?;
    let catalog = Catalog::from_json_str(&text, "subject-questionnaire").map_err(|e| {
        tracing::error!(error = %e, "stored questionnaire does not parse");
        ApiError::internal()
    })?;
    let a = &view.assessment;
    let meta = exports::ResultsMeta {
        title: format!("{} — {}", view.subject_name, a.questionnaire),
        description: format!(
            "{} ({}) — {}",
            view.subject_name, a.subject_kind, a.questionnaire
        ),
        last_modified: a.updated_at,
        start: a.created_at,
        institution,
        profile_href: format!("urn:centinela:questionnaire:{}", a.questionnaire),
    };
    exports::results_document(meta, &catalog, &view.measures, &view.overall).map(Json)
}

pub async fn answer_subject(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    id: Uuid,
    measure: &str,
    d: &AnswerDraft,
) -> Result<centinela_store::assessments::Answer, ApiError> {
    if !measure_id_ok(measure) {
        return Err(ApiError::not_found());
    }
    let n = d.check(measure).map_err(ApiError::invalid)?;
    store::save_answer(db, actor, institution, id, &n)
        .await
        .map_err(review_error)
}

pub async fn save_subject_answer(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id, measure)): ApiPath<(Uuid, Uuid, String)>,
    ApiJson(d): ApiJson<AnswerDraft>,
) -> Result<Json<AnswerView>, ApiError> {
    let a = answer_subject(&state.db, &ctx.actor(), institution, id, &measure, &d).await?;
    Ok(Json(a.into()))
}

pub async fn submit_subject(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Json<SubjectAssessment>, ApiError> {
    Ok(Json(
        store::submit(&state.db, &ctx.actor(), institution, id)
            .await
            .map_err(review_error)?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionDraft {
    /// `approved` or `returned`.
    pub decision: String,
    /// Why it is returned (required then).
    #[serde(default)]
    pub reason: String,
}

pub async fn decide_subject(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    id: Uuid,
    d: &DecisionDraft,
) -> Result<SubjectAssessment, ApiError> {
    let mut c = Checks::default();
    let next = match ReviewStatus::parse(d.decision.trim()) {
        Some(s @ (ReviewStatus::Approved | ReviewStatus::Returned)) => Some(s),
        _ => {
            c.push(FieldError::new("decision", "err-choice"));
            None
        }
    };
    if next == Some(ReviewStatus::Returned) {
        c.text("reason", &d.reason, 2000);
    } else {
        c.optional_text("reason", &d.reason, 2000);
    }
    c.finish().map_err(ApiError::invalid)?;
    store::decide(
        db,
        actor,
        institution,
        id,
        next.expect("checked"),
        &d.reason,
    )
    .await
    .map_err(review_error)
}

pub async fn review_subject(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(d): ApiJson<DecisionDraft>,
) -> Result<Json<SubjectAssessment>, ApiError> {
    Ok(Json(
        decide_subject(&state.db, &ctx.actor(), institution, id, &d).await?,
    ))
}

// ---- national oversight ----

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OversightQuery {
    pub sector: Option<String>,
}

/// A project that is live (or past its planned go-live date) without both assessments
/// approved.
#[derive(Debug, Serialize, PartialEq)]
pub struct ProjectGap {
    pub project_id: Uuid,
    pub institution_id: Uuid,
    pub acronym: String,
    pub sector: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub planned_live_on: Option<Date>,
    pub went_live_on: Option<Date>,
    /// Questionnaires not approved yet, in order (`pia`, `cloud`).
    pub missing: Vec<String>,
    /// The review status of each questionnaire started, by questionnaire.
    pub reviews: BTreeMap<String, String>,
}

/// A digital service handling personal data without an approved PIA.
#[derive(Debug, Serialize, PartialEq)]
pub struct ServiceGap {
    pub service_id: Uuid,
    pub institution_id: Uuid,
    pub acronym: String,
    pub sector: String,
    pub name: String,
    pub url: String,
    /// The PIA's review status when one was started.
    pub pia_status: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Oversight {
    /// The day the list was computed for (platform calendar).
    pub today: Date,
    pub sector: Option<String>,
    pub projects: Vec<ProjectGap>,
    pub services: Vec<ServiceGap>,
}

pub async fn oversight_for(
    db: &Db,
    scope: &centinela_store::Scope,
    sector: Option<&str>,
    today: Date,
) -> Result<Oversight, ApiError> {
    let sector = sector.map(str::trim).filter(|s| !s.is_empty());
    if let Some(s) = sector
        && centinela_core::sector::sector(s).is_none()
    {
        return Err(ApiError::invalid(vec![FieldError::new(
            "sector",
            "err-sector",
        )]));
    }
    let mut projects = vec![];
    for p in store::oversight_projects(db, scope, sector).await? {
        let status = ProjectStatus::parse(&p.status).unwrap_or(ProjectStatus::Planned);
        if !rules::due(status, p.planned_live_on.as_ref(), &today) {
            continue;
        }
        let reviews: BTreeMap<String, String> = p
            .reviews
            .split(',')
            .filter_map(|e| e.split_once(':'))
            .map(|(q, s)| (q.to_string(), s.to_string()))
            .collect();
        let approved: Vec<Questionnaire> = reviews
            .iter()
            .filter(|(_, s)| s.as_str() == ReviewStatus::Approved.as_str())
            .filter_map(|(q, _)| Questionnaire::parse(q))
            .collect();
        let missing = rules::missing(SubjectKind::Project, &approved);
        if missing.is_empty() {
            continue;
        }
        projects.push(ProjectGap {
            project_id: p.id,
            institution_id: p.institution_id,
            acronym: p.acronym,
            sector: p.sector,
            name: p.name,
            kind: p.kind,
            status: p.status,
            planned_live_on: p.planned_live_on,
            went_live_on: p.went_live_on,
            missing: missing.iter().map(|q| q.as_str().to_string()).collect(),
            reviews,
        });
    }
    let services = store::oversight_services(db, scope, sector)
        .await?
        .into_iter()
        .map(|s| ServiceGap {
            service_id: s.id,
            institution_id: s.institution_id,
            acronym: s.acronym,
            sector: s.sector,
            name: s.name,
            url: s.url,
            pia_status: s.pia_status,
        })
        .collect();
    Ok(Oversight {
        today,
        sector: sector.map(str::to_string),
        projects,
        services,
    })
}

pub async fn oversight(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<OversightQuery>,
) -> Result<Json<Oversight>, ApiError> {
    Ok(Json(
        oversight_for(
            &state.db,
            &scope(ctx.principal()?),
            q.sector.as_deref(),
            today(),
        )
        .await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_questionnaires_resolve_in_both_languages() {
        // (questionnaire, questions plus imported baseline measures)
        for (q, measures) in [(Questionnaire::Pia, 16), (Questionnaire::Cloud, 16)] {
            let es = resolve_questionnaire(q, 0).unwrap();
            let en = resolve_questionnaire(q, 1).unwrap();
            let rows = measure_rows(&es, &en);
            assert_eq!(rows.len(), measures, "{q:?}");
            assert!(rows.iter().all(|m| !m.title_en.is_empty() && m.weight > 0));
        }
    }

    #[test]
    fn project_drafts() {
        let day = |d: u8| Date::from_calendar_date(2026, time::Month::December, d).unwrap();
        let draft = |kind: &str, status: Option<&str>, went: Option<&str>| ProjectDraft {
            name: "Portal".into(),
            kind: kind.into(),
            status: status.map(str::to_string),
            went_live_on: went.map(str::to_string),
            ..Default::default()
        };
        // (draft, registered, today, error field or None)
        let cases = [
            (draft("cloud_migration", None, None), 1, 1, None),
            (draft("blockchain", None, None), 1, 1, Some("kind")),
            (draft("other", Some("paused"), None), 1, 1, Some("status")),
            (draft("other", Some("live"), None), 1, 1, None),
            (
                draft("other", Some("live"), Some("2026-12-01")),
                2,
                3,
                Some("went_live_on"),
            ),
            (draft("other", Some("live"), Some("2026-12-02")), 2, 3, None),
            (
                draft("other", Some("live"), Some("2026-12-04")),
                2,
                3,
                Some("went_live_on"),
            ),
            (
                draft("other", Some("planned"), Some("2026-12-02")),
                2,
                3,
                Some("went_live_on"),
            ),
            (
                draft("other", Some("live"), Some("02/12/2026")),
                2,
                3,
                Some("went_live_on"),
            ),
        ];
        for (d, registered, today, field) in cases {
            let got = d.check(day(registered), day(today));
            match field {
                None => {
                    let f = got.unwrap_or_else(|e| panic!("{d:?}: {e:?}"));
                    if f.status == "live" {
                        assert!(f.went_live_on.is_some());
                    }
                }
                Some(field) => {
                    let Err(errs) = got else {
                        panic!("{d:?} accepted")
                    };
                    assert!(errs.iter().any(|e| e.field == field), "{d:?}: {errs:?}");
                }
            }
        }
    }
}
