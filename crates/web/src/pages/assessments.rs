//! Baseline and assessment pages: versions with consultation and diff, campaigns with the
//! national roll-up (heat map as SVG), and an institution's assessment form with scores,
//! gaps and remediation plan. Handlers reuse the API's validation and store calls.

use crate::AppState;
use crate::api::assessments::{
    self as api, AnswerDraft, AssessmentView, CampaignDraft, CommentDraft, MeasureEdit, PlanDraft,
    PlanItemDraft, ReplyDraft, RollupView, StatusChange, VerdictDraft, VersionDiff, VersionDraft,
    VersionView, may_on,
};
use crate::api::scope;
use crate::auth::{Ctx, redirect};
use crate::error::ApiError;
use crate::extract::{ApiForm, ApiPath, ApiQuery};
use crate::i18n::Tr;
use crate::pages::{Nav, render, without_csrf};
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use centinela_core::access::{Action, ResourceKind};
use centinela_store::assessments::{self as store, CatalogVersion, Comment, VersionStatus};
use serde::Deserialize;
use uuid::Uuid;

pub(crate) fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.0} %", x * 100.0))
        .unwrap_or_else(|| "—".into())
}

pub(crate) fn one_decimal(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "—".into())
}

// ---- baselines ----

#[derive(Template)]
#[template(path = "baselines.html")]
struct BaselinesPage {
    t: Tr,
    nav: Nav,
    versions: Vec<CatalogVersion>,
    can_create: bool,
}

pub async fn baselines(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let page = BaselinesPage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(&ctx, "/baselines"),
        versions: store::list_versions(&state.db).await?,
        can_create: may_on(&ctx, ResourceKind::Baseline, Action::Create, None),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
struct VersionForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    from: String,
}

pub async fn create_version(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let f: VersionForm = without_csrf(pairs)?;
    let draft = VersionDraft {
        version: f.version,
        title: f.title,
        from: Uuid::try_parse(f.from.trim()).ok(),
        catalog_es: None,
        catalog_en: None,
    };
    let v = api::new_draft(&state.db, &ctx.actor(), &draft).await?;
    Ok(redirect(&format!("/baselines/{}", v.id)))
}

/// A measure as the version page shows it, in the reader's language.
struct MeasureRowView {
    id: String,
    group: String,
    title: String,
    statement: String,
    title_es: String,
    title_en: String,
    statement_es: String,
    statement_en: String,
    comments: Vec<Comment>,
}

#[derive(Template)]
#[template(path = "baseline.html")]
struct VersionPage {
    t: Tr,
    nav: Nav,
    v: CatalogVersion,
    status: &'static str,
    overlays: Vec<String>,
    measures: Vec<MeasureRowView>,
    can_manage: bool,
    can_comment: bool,
    is_draft: bool,
    in_consultation: bool,
    next: Option<&'static str>,
    open_comments: usize,
}

pub async fn version(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let t = Tr { lang: ctx.lang };
    let (view, _): (VersionView, _) = api::version_view(&state.db, id).await?;
    let comments = store::list_comments(&state.db, id).await?;
    let status = view.version.status();
    let en = !t.is_es();
    let measures = view
        .measures
        .into_iter()
        .map(|m| MeasureRowView {
            comments: comments
                .iter()
                .filter(|c| c.measure_id == m.id)
                .cloned()
                .collect(),
            title: if en { &m.title_en } else { &m.title_es }.clone(),
            statement: if en { &m.statement_en } else { &m.statement_es }.clone(),
            id: m.id,
            group: m.group,
            title_es: m.title_es,
            title_en: m.title_en,
            statement_es: m.statement_es,
            statement_en: m.statement_en,
        })
        .collect();
    let page = VersionPage {
        t,
        nav: Nav::new(&ctx, "/baselines"),
        status: status.as_str(),
        overlays: view.overlays,
        measures,
        can_manage: may_on(&ctx, ResourceKind::Baseline, Action::Update, None),
        can_comment: may_on(&ctx, ResourceKind::BaselineComment, Action::Create, None),
        is_draft: status == VersionStatus::Draft,
        in_consultation: status == VersionStatus::Consultation,
        next: VersionStatus::ALL
            .into_iter()
            .find(|n| status.may_become(*n))
            .map(VersionStatus::as_str),
        open_comments: comments.iter().filter(|c| c.reply.is_none()).count(),
        v: view.version,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Template)]
#[template(path = "baseline_diff.html")]
struct DiffPage {
    t: Tr,
    nav: Nav,
    d: VersionDiff,
}

pub async fn diff(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<api::DiffQuery>,
) -> Result<Response, ApiError> {
    let base = api::diff_base(&state.db, id, q.against.as_deref()).await?;
    let page = DiffPage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(&ctx, "/baselines"),
        d: api::diff(&state.db, base, id, ctx.lang.tag_short()).await?,
    };
    Ok(render(&page)?.into_response())
}

pub async fn set_status(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let f: StatusChange = without_csrf(pairs)?;
    let blank = |s: Option<String>| s.filter(|x| !x.trim().is_empty());
    let f = StatusChange {
        status: f.status,
        opens_on: blank(f.opens_on),
        closes_on: blank(f.closes_on),
        effective_on: blank(f.effective_on),
    };
    api::change_status(&state.db, &ctx.actor(), id, &f).await?;
    Ok(redirect(&format!("/baselines/{id}")))
}

pub async fn edit_measure(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, measure)): ApiPath<(Uuid, String)>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let f: MeasureEdit = without_csrf(pairs)?;
    api::edit_draft_measure(&state.db, &ctx.actor(), id, &measure, &f).await?;
    Ok(redirect(&format!("/baselines/{id}#m-{measure}")))
}

pub async fn add_comment(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let f: CommentDraft = without_csrf(pairs)?;
    api::add_comment_to(&state.db, &ctx.actor(), id, &f).await?;
    Ok(redirect(&format!(
        "/baselines/{id}#m-{}",
        f.measure_id.trim()
    )))
}

pub async fn reply(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, comment)): ApiPath<(Uuid, Uuid)>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let f: ReplyDraft = without_csrf(pairs)?;
    let c = api::reply_to(&state.db, &ctx.actor(), id, comment, &f).await?;
    Ok(redirect(&format!("/baselines/{id}#m-{}", c.measure_id)))
}

// ---- campaigns ----

#[derive(Template)]
#[template(path = "campaigns.html")]
struct CampaignsPage {
    t: Tr,
    nav: Nav,
    campaigns: Vec<store::Campaign>,
    mine: Vec<store::AssessmentSummary>,
    versions: Vec<CatalogVersion>,
    institutions: Vec<(Uuid, String)>,
    can_create: bool,
}

pub async fn campaigns(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let p = ctx.principal()?;
    let can_create = may_on(&ctx, ResourceKind::Campaign, Action::Create, None);
    let sees_assessments = may_on(&ctx, ResourceKind::Assessment, Action::List, None);
    let mine = if sees_assessments && p.visible_institutions().is_some() {
        store::list_assessments(&state.db, &scope(p), None, None).await?
    } else {
        vec![]
    };
    let institutions = if can_create {
        api::all_institutions(&state.db)
            .await?
            .into_iter()
            .map(|i| (i.id, i.acronym))
            .collect()
    } else {
        vec![]
    };
    let page = CampaignsPage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(&ctx, "/campaigns"),
        campaigns: store::list_campaigns(&state.db).await?,
        mine,
        versions: store::list_versions(&state.db)
            .await?
            .into_iter()
            .filter(|v| v.status().assessable())
            .collect(),
        institutions,
        can_create,
    };
    Ok(render(&page)?.into_response())
}

pub async fn create_campaign(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    // Repeated `institutions` fields: the selection (none = every institution).
    let mut draft = CampaignDraft::default();
    for (k, v) in pairs {
        match k.as_str() {
            "title" => draft.title = v,
            "version_id" => draft.version_id = v,
            "due_on" => draft.due_on = v,
            "institutions" if !v.trim().is_empty() => draft.institutions.push(v),
            _ => {}
        }
    }
    // No version chosen: the newest adopted or mandatory one.
    if draft.version_id.trim().is_empty()
        && let Some(v) = store::list_versions(&state.db)
            .await?
            .into_iter()
            .find(|v| v.status().assessable())
    {
        draft.version_id = v.id.to_string();
    }
    let c = api::start_campaign(&state.db, &ctx.actor(), &draft).await?;
    Ok(redirect(&format!("/campaigns/{}", c.id)))
}

/// One heat-map cell: position, fill and its text alternative.
struct HeatCell {
    x: i64,
    y: i64,
    fill: &'static str,
    label: String,
}

/// Red → amber → green by compliance; grey when nothing was assessed (blank, not red).
fn heat_fill(v: Option<f64>) -> &'static str {
    match v {
        None => "#d9d9d9",
        Some(x) if x < 0.25 => "#c0392b",
        Some(x) if x < 0.5 => "#e67e22",
        Some(x) if x < 0.75 => "#f1c40f",
        Some(x) if x < 0.9 => "#7fb069",
        Some(_) => "#2e7d32",
    }
}

const HEAT_ROWS: usize = 300;

struct AggregateRow {
    key: String,
    institutions: usize,
    progress: String,
    compliance: String,
    maturity: String,
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct CampaignPage {
    t: Tr,
    nav: Nav,
    r: RollupView,
    national: AggregateRow,
    tables: Vec<(String, Vec<AggregateRow>)>,
    cells: Vec<HeatCell>,
    row_labels: Vec<(i64, String)>,
    col_labels: Vec<(i64, String)>,
    heat_width: i64,
    heat_height: i64,
    truncated: bool,
    assessments: Vec<store::AssessmentSummary>,
}

fn aggregate_row(t: &Tr, key: String, a: &api::AggregateView, sector: bool) -> AggregateRow {
    AggregateRow {
        key: if sector { t.sector(&key) } else { key },
        institutions: a.institutions,
        progress: pct(Some(a.progress)),
        compliance: pct(a.compliance),
        maturity: one_decimal(a.maturity),
    }
}

pub async fn campaign(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let t = Tr { lang: ctx.lang };
    let s = scope(ctx.principal()?);
    let r = api::rollup(&state.db, id, &s).await?;
    let (cw, ch, left, top) = (48i64, 16i64, 110i64, 24i64);
    let mut cells = vec![];
    let mut row_labels = vec![];
    for (row, inst) in r.institutions.iter().take(HEAT_ROWS).enumerate() {
        let y = top + row as i64 * ch;
        row_labels.push((y + ch - 4, inst.acronym.clone()));
        for (col, v) in inst.by_group.iter().enumerate() {
            cells.push(HeatCell {
                x: left + col as i64 * cw,
                y,
                fill: heat_fill(*v),
                label: format!(
                    "{} · {}: {}",
                    inst.acronym,
                    r.groups[col].to_uppercase(),
                    pct(*v)
                ),
            });
        }
    }
    let col_labels = r
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| (left + i as i64 * cw + 4, g.to_uppercase()))
        .collect();
    let shown = r.institutions.len().min(HEAT_ROWS) as i64;
    let page = CampaignPage {
        national: aggregate_row(&t, String::new(), &r.national, false),
        tables: vec![
            (
                t.m("rollup-by-sector"),
                r.by_sector
                    .iter()
                    .map(|(k, a)| aggregate_row(&t, k.clone(), a, true))
                    .collect(),
            ),
            (
                t.m("rollup-by-level"),
                r.by_level
                    .iter()
                    .map(|(k, a)| aggregate_row(&t, t.label("level", k), a, false))
                    .collect(),
            ),
        ],
        heat_width: left + r.groups.len() as i64 * cw + 10,
        heat_height: top + shown * ch + 10,
        truncated: r.institutions.len() > HEAT_ROWS,
        cells,
        row_labels,
        col_labels,
        assessments: store::list_assessments(&state.db, &s, Some(id), None).await?,
        nav: Nav::new(&ctx, "/campaigns"),
        t,
        r,
    };
    Ok(render(&page)?.into_response())
}

// ---- an assessment ----

/// One bar of the per-group compliance chart.
pub struct GroupBar {
    pub y: i64,
    pub width: i64,
    pub label: String,
    pub value: String,
}

/// The per-group compliance chart: its bars and its height.
pub fn group_bars(
    groups: &std::collections::BTreeMap<String, api::ScoreView>,
) -> (Vec<GroupBar>, i64) {
    let bars: Vec<GroupBar> = groups
        .iter()
        .enumerate()
        .map(|(i, (g, s))| GroupBar {
            y: i as i64 * 26,
            width: (s.compliance.unwrap_or(0.0) * 300.0).round() as i64,
            label: g.to_uppercase(),
            value: pct(s.compliance),
        })
        .collect();
    let height = bars.len() as i64 * 26 + 4;
    (bars, height)
}

/// When a printable report was generated, as it says.
pub fn generated_now() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!("{} {:02}:{:02} UTC", now.date(), now.hour(), now.minute())
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct AssessmentPage {
    t: Tr,
    nav: Nav,
    a: AssessmentView,
    institution: String,
    statuses: [&'static str; 5],
    plan_statuses: [&'static str; 3],
    progress: String,
    compliance: String,
    maturity: String,
    bars: Vec<GroupBar>,
    bars_height: i64,
    can_answer: bool,
    can_judge: bool,
}

pub async fn assessment(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    Ok(render(&assessment_page(&state, &ctx, institution, id).await?)?.into_response())
}

/// The printable report of an assessment: scores, gaps by weight, the remediation plan and
/// every answer, on one page without the application's navigation (print it, or save it as
/// PDF from the browser).
#[derive(Template)]
#[template(path = "assessment_report.html")]
struct ReportPage {
    p: AssessmentPage,
    generated: String,
}

pub async fn report(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let p = assessment_page(&state, &ctx, institution, id).await?;
    let generated = generated_now();
    Ok(render(&ReportPage { p, generated })?.into_response())
}

async fn assessment_page(
    state: &AppState,
    ctx: &Ctx,
    institution: Uuid,
    id: Uuid,
) -> Result<AssessmentPage, ApiError> {
    let t = Tr { lang: ctx.lang };
    let a = api::assessment_view(&state.db, institution, id, ctx.lang.tag_short()).await?;
    let inst = centinela_store::constituency::get_institution(&state.db, institution).await?;
    let (bars, bars_height) = group_bars(&a.groups);
    let page = AssessmentPage {
        nav: Nav::new(ctx, &format!("/institutions/{institution}")),
        institution: format!("{} — {}", inst.acronym, inst.name(t.tag())),
        statuses: api::STATUSES,
        plan_statuses: store::PLAN_STATUSES,
        progress: pct(Some(a.overall.progress)),
        compliance: pct(a.overall.compliance),
        maturity: one_decimal(a.overall.maturity),
        bars_height,
        bars,
        can_answer: may_on(
            ctx,
            ResourceKind::Assessment,
            Action::Update,
            Some(institution),
        ),
        can_judge: may_on(
            ctx,
            ResourceKind::AssessmentVerdict,
            Action::Update,
            Some(institution),
        ),
        a,
        t,
    };
    Ok(page)
}

#[derive(Debug, Default, Deserialize)]
struct AnswerForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    maturity: String,
    #[serde(default)]
    comment: String,
    /// One link per line.
    #[serde(default)]
    evidence: String,
}

/// The answer form of one measure (campaigns and subject assessments share it).
pub(crate) fn answer_draft(pairs: Vec<(String, String)>) -> Result<AnswerDraft, ApiError> {
    let f: AnswerForm = without_csrf(pairs)?;
    let maturity = match f.maturity.trim() {
        "" => None,
        m => Some(m.parse::<i64>().map_err(|_| {
            ApiError::invalid(vec![centinela_core::validate::FieldError::new(
                "maturity",
                "err-maturity",
            )])
        })?),
    };
    Ok(AnswerDraft {
        status: f.status,
        reason: f.reason,
        maturity,
        comment: f.comment,
        evidence: f.evidence.lines().map(str::to_string).collect(),
    })
}

pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id, measure)): ApiPath<(Uuid, Uuid, String)>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    if !api::measure_id_ok(&measure) {
        return Err(ApiError::not_found());
    }
    let d = answer_draft(pairs)?;
    let n = d.check(&measure).map_err(ApiError::invalid)?;
    store::save_answer(&state.db, &ctx.actor(), institution, id, &n).await?;
    Ok(redirect(&format!(
        "/institutions/{institution}/assessments/{id}#m-{measure}"
    )))
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
        centinela_store::evidence::Subject::Assessment,
        institution,
        id,
        &measure,
        multipart,
    )
    .await?;
    Ok(redirect(&format!(
        "/institutions/{institution}/assessments/{id}#m-{measure}"
    )))
}

pub async fn verdict(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id, measure)): ApiPath<(Uuid, Uuid, String)>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let f: VerdictDraft = without_csrf(pairs)?;
    api::give_verdict(&state.db, &ctx.actor(), institution, id, &measure, &f).await?;
    Ok(redirect(&format!(
        "/institutions/{institution}/assessments/{id}#m-{measure}"
    )))
}

pub async fn plan(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let f: PlanDraft = without_csrf(pairs)?;
    let f = PlanDraft {
        due_on: f.due_on.filter(|d| !d.trim().is_empty()),
    };
    api::make_plan(
        &state.db,
        &ctx.actor(),
        institution,
        id,
        &f,
        ctx.lang.tag_short(),
    )
    .await?;
    Ok(redirect(&format!(
        "/institutions/{institution}/assessments/{id}#plan"
    )))
}

pub async fn plan_item(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id, item)): ApiPath<(Uuid, Uuid, Uuid)>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let f: PlanItemDraft = without_csrf(pairs)?;
    let f = PlanItemDraft {
        due_on: f.due_on.filter(|d| !d.trim().is_empty()),
        ..f
    };
    api::change_plan_item(&state.db, &ctx.actor(), institution, id, item, &f).await?;
    Ok(redirect(&format!(
        "/institutions/{institution}/assessments/{id}#plan"
    )))
}

/// The page's "infer answers" button: fills unanswered measures from the institution's other
/// assessments (see `api::answer_inference`).
pub async fn infer(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
    ApiForm(_): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    crate::api::answer_inference::infer_assessment(
        &state.db,
        &ctx.actor(),
        institution,
        id,
        &mut Default::default(),
    )
    .await?;
    Ok(redirect(&format!(
        "/institutions/{institution}/assessments/{id}#measures"
    )))
}
