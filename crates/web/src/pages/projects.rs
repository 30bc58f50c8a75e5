//! ICT project pages: an institution's projects and the assessments of its projects and
//! digital services, one subject assessment with its answers and review, and the national
//! oversight of what went live without approved assessments. Handlers reuse the API's
//! validation and store calls.

use crate::AppState;
use crate::api::assessments::{STATUSES, may_on};
use crate::api::projects::{
    self as api, DecisionDraft, Oversight, ProjectDraft, SubjectDraft, SubjectView,
};
use crate::api::scope;
use crate::auth::{Ctx, redirect};
use crate::error::ApiError;
use crate::extract::{ApiForm, ApiPath, ApiQuery};
use crate::i18n::Tr;
use crate::pages::assessments::{
    GroupBar, answer_draft, generated_now, group_bars, one_decimal, pct,
};
use crate::pages::{Nav, render, without_csrf};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use centinela_core::access::{Action, ResourceKind};
use centinela_core::projects::{ProjectKind, ProjectStatus, ReviewStatus, SubjectKind};
use centinela_store::inventory::Service;
use centinela_store::projects::{self as store, Project, SubjectAssessment};
use serde::Deserialize;
use uuid::Uuid;

/// One questionnaire a subject needs: its assessment when started.
struct Needed {
    subject_kind: &'static str,
    subject_id: Uuid,
    questionnaire: &'static str,
    assessment: Option<SubjectAssessment>,
}

struct ProjectRow {
    p: Project,
    needed: Vec<Needed>,
}

struct ServiceRow {
    s: Service,
    needed: Vec<Needed>,
}

fn needed(kind: SubjectKind, id: Uuid, all: &[SubjectAssessment]) -> Vec<Needed> {
    kind.questionnaires()
        .iter()
        .map(|q| Needed {
            subject_kind: kind.as_str(),
            subject_id: id,
            questionnaire: q.as_str(),
            assessment: all
                .iter()
                .find(|a| {
                    a.subject_kind == kind.as_str()
                        && a.subject_id == id
                        && a.questionnaire == q.as_str()
                })
                .cloned(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ProjectsPage {
    t: Tr,
    nav: Nav,
    institution_id: Uuid,
    institution: String,
    projects: Vec<ProjectRow>,
    services: Vec<ServiceRow>,
    kinds: Vec<&'static str>,
    statuses: Vec<&'static str>,
    can_edit: bool,
    can_assess: bool,
}

pub async fn institution(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let t = Tr { lang: ctx.lang };
    let inst = centinela_store::constituency::get_institution(&state.db, id).await?;
    let all = store::list(&state.db, id).await?;
    let projects = store::list_projects(&state.db, id)
        .await?
        .into_iter()
        .map(|p| ProjectRow {
            needed: needed(SubjectKind::Project, p.id, &all),
            p,
        })
        .collect();
    let services = centinela_store::inventory::list_services(&state.db, id)
        .await?
        .into_iter()
        .map(|s| ServiceRow {
            needed: needed(SubjectKind::Service, s.id, &all),
            s,
        })
        .collect();
    let page = ProjectsPage {
        nav: Nav::new(&ctx, &format!("/institutions/{id}")),
        institution_id: id,
        institution: format!("{} — {}", inst.acronym, inst.name(t.tag())),
        projects,
        services,
        kinds: ProjectKind::ALL.iter().map(|k| k.as_str()).collect(),
        statuses: ProjectStatus::ALL.iter().map(|s| s.as_str()).collect(),
        can_edit: may_on(&ctx, ResourceKind::Inventory, Action::Create, Some(id)),
        can_assess: may_on(&ctx, ResourceKind::Assessment, Action::Create, Some(id)),
        t,
    };
    Ok(render(&page)?.into_response())
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let d: ProjectDraft = without_csrf(pairs)?;
    let p = api::register_project(&state.db, &ctx.actor(), id, &d).await?;
    Ok(redirect(&format!("/institutions/{id}/projects#p-{}", p.id)))
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, project)): ApiPath<(Uuid, Uuid)>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let d: ProjectDraft = without_csrf(pairs)?;
    api::change_project(&state.db, &ctx.actor(), id, project, &d).await?;
    Ok(redirect(&format!(
        "/institutions/{id}/projects#p-{project}"
    )))
}

pub async fn start(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let d: SubjectDraft = without_csrf(pairs)?;
    let a = api::start_subject(&state.db, &ctx.actor(), id, &d).await?;
    Ok(redirect(&format!(
        "/institutions/{id}/subject-assessments/{}",
        a.id
    )))
}

/// A subject assessment with its institution's name and its overall scores, as the page and
/// the printable report head them.
struct Summary {
    a: SubjectView,
    institution: String,
    progress: String,
    compliance: String,
    maturity: String,
}

async fn summary(
    state: &AppState,
    t: &Tr,
    institution: Uuid,
    id: Uuid,
) -> Result<Summary, ApiError> {
    let a = api::subject_view(&state.db, institution, id, t.lang.tag_short()).await?;
    let inst = centinela_store::constituency::get_institution(&state.db, institution).await?;
    Ok(Summary {
        institution: format!("{} — {}", inst.acronym, inst.name(t.tag())),
        progress: pct(Some(a.overall.progress)),
        compliance: pct(a.overall.compliance),
        maturity: one_decimal(a.overall.maturity),
        a,
    })
}

#[derive(Template)]
#[template(path = "subject_assessment.html")]
struct SubjectPage {
    t: Tr,
    nav: Nav,
    a: SubjectView,
    institution: String,
    statuses: [&'static str; 5],
    progress: String,
    compliance: String,
    maturity: String,
    can_answer: bool,
    can_submit: bool,
    can_review: bool,
}

pub async fn assessment(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let t = Tr { lang: ctx.lang };
    let Summary {
        a,
        institution: name,
        progress,
        compliance,
        maturity,
    } = summary(&state, &t, institution, id).await?;
    let review = a.assessment.review();
    let may_answer = may_on(
        &ctx,
        ResourceKind::Assessment,
        Action::Update,
        Some(institution),
    );
    let page = SubjectPage {
        nav: Nav::new(&ctx, &format!("/institutions/{institution}")),
        institution: name,
        statuses: STATUSES,
        progress,
        compliance,
        maturity,
        can_answer: may_answer && review.editable(),
        can_submit: may_answer && review.may_become(ReviewStatus::Submitted),
        can_review: review == ReviewStatus::Submitted
            && may_on(
                &ctx,
                ResourceKind::AssessmentVerdict,
                Action::Update,
                Some(institution),
            ),
        a,
        t,
    };
    Ok(render(&page)?.into_response())
}

pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id, measure)): ApiPath<(Uuid, Uuid, String)>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let d = answer_draft(pairs)?;
    api::answer_subject(&state.db, &ctx.actor(), institution, id, &measure, &d).await?;
    Ok(redirect(&format!(
        "/institutions/{institution}/subject-assessments/{id}#m-{measure}"
    )))
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    store::submit(&state.db, &ctx.actor(), institution, id)
        .await
        .map_err(api::review_error)?;
    Ok(redirect(&format!(
        "/institutions/{institution}/subject-assessments/{id}"
    )))
}

pub async fn decision(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let d: DecisionDraft = without_csrf(pairs)?;
    api::decide_subject(&state.db, &ctx.actor(), institution, id, &d).await?;
    Ok(redirect(&format!(
        "/institutions/{institution}/subject-assessments/{id}"
    )))
}

#[derive(Template)]
#[template(path = "subject_report.html")]
struct SubjectReport {
    t: Tr,
    a: SubjectView,
    institution: String,
    progress: String,
    compliance: String,
    maturity: String,
    bars: Vec<GroupBar>,
    bars_height: i64,
    generated: String,
}

/// The printable report: scores, chart, gaps and answers, without navigation.
pub async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let t = Tr { lang: ctx.lang };
    let Summary {
        a,
        institution,
        progress,
        compliance,
        maturity,
    } = summary(&state, &t, institution, id).await?;
    let (bars, bars_height) = group_bars(&a.groups);
    let page = SubjectReport {
        institution,
        progress,
        compliance,
        maturity,
        bars,
        bars_height,
        generated: generated_now(),
        a,
        t,
    };
    Ok(render(&page)?.into_response())
}

/// The evidence upload form of one measure (multipart); back to the measure when kept.
pub async fn add_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id, measure)): ApiPath<(Uuid, Uuid, String)>,
    multipart: Result<
        axum::extract::multipart::Multipart,
        axum::extract::multipart::MultipartRejection,
    >,
) -> Result<Response, ApiError> {
    crate::api::evidence::attach_to_answer(
        &state,
        &ctx,
        centinela_store::evidence::Subject::SubjectAssessment,
        institution,
        id,
        &measure,
        multipart,
    )
    .await?;
    Ok(redirect(&format!(
        "/institutions/{institution}/subject-assessments/{id}#m-{measure}"
    )))
}

/// The page's "infer answers" button (see `api::answer_inference::infer_subject`).
pub async fn infer(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
    ApiForm(_): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    crate::api::answer_inference::infer_subject(
        &state.db,
        &ctx.actor(),
        institution,
        id,
        &mut Default::default(),
    )
    .await?;
    Ok(redirect(&format!(
        "/institutions/{institution}/subject-assessments/{id}#measures"
    )))
}

#[derive(Template)]
#[template(path = "project_oversight.html")]
struct OversightPage {
    t: Tr,
    nav: Nav,
    o: Oversight,
    /// `(id, name)` of every sector, for the filter.
    sectors: Vec<(String, String)>,
    selected: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OversightForm {
    #[serde(default)]
    sector: String,
}

pub async fn oversight(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<OversightForm>,
) -> Result<Response, ApiError> {
    let t = Tr { lang: ctx.lang };
    let o = api::oversight_for(
        &state.db,
        &scope(ctx.principal()?),
        Some(q.sector.as_str()),
        crate::api::assessments::today(),
    )
    .await?;
    let page = OversightPage {
        nav: Nav::new(&ctx, "/projects/oversight"),
        sectors: centinela_core::sector::sectors()
            .iter()
            .map(|s| (s.id.clone(), t.sector(&s.id)))
            .collect(),
        selected: o.sector.clone().unwrap_or_default(),
        o,
        t,
    };
    Ok(render(&page)?.into_response())
}
