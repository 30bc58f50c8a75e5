//! Incident pages: the list with reporting clocks, the report form, and an incident with its
//! severity explanation, clocks and exports.

use crate::AppState;
use crate::api::incidents::{self as api, IncidentQuery, IncidentView};
use crate::auth::{Ctx, redirect};
use crate::error::ApiError;
use crate::extract::{ApiForm, ApiPath, ApiQuery};
use crate::i18n::Tr;
use crate::pages::{FormErrors, Nav, render};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use centinela_core::access::{Action, Decision, Resource, ResourceKind, may};
use centinela_core::principal::Role;
use centinela_core::tlp::Tlp;
use centinela_core::validate::FieldError;
use centinela_store::constituency::{self as repo, Institution};
use centinela_store::incident_stats::{SEVERE, TIMELINE_LIMIT};
use centinela_store::{Page, Scope};
use incidents::incident::{IncidentDraft, Pap};
use incidents::observable::{Observable, ObservableKind};
use incidents::severity::{FunctionalImpact, ImpactFactors, InformationImpact, Recoverability};
use incidents::taxonomy::Classification;
use serde::Deserialize;
use std::collections::HashMap;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};
use uuid::Uuid;

/// Times in the form are Mexico City time, which has been UTC−6 all year since Mexico ended
/// daylight saving time in 2022.
const FORM_OFFSET_HOURS: i8 = -6;

/// One row of the list.
pub struct Row {
    pub id: Uuid,
    pub reference: String,
    pub title: String,
    pub institution: String,
    pub level: String,
    pub tlp: String,
    pub reported: String,
    pub next: String,
    pub late: bool,
}

fn human_remaining(t: &Tr, seconds: i64) -> String {
    let (sign, s) = if seconds < 0 {
        (true, -seconds)
    } else {
        (false, seconds)
    };
    let text = if s >= 86_400 {
        format!("{} d {} h", s / 86_400, (s % 86_400) / 3600)
    } else {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    };
    if sign {
        t.m1("clock-overdue", "time", text)
    } else {
        t.m1("clock-left", "time", text)
    }
}

fn level_name(v: &IncidentView, lang: &str) -> String {
    api::protocol_of(&v.row)
        .and_then(|p| {
            p.severity
                .levels
                .iter()
                .find(|l| l.id == v.row.level)
                .map(|l| l.name.get(lang).to_string())
        })
        .unwrap_or_else(|| v.row.level.clone())
}

fn next_deadline(t: &Tr, v: &IncidentView) -> String {
    v.clocks
        .iter()
        .filter(|c| c.submitted_at.is_none())
        .filter_map(|c| c.remaining_seconds.map(|r| (r, c)))
        .min_by_key(|(r, _)| *r)
        .map(|(r, c)| format!("{}: {}", c.name, human_remaining(t, r)))
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "incidents.html")]
struct ListPage {
    t: Tr,
    nav: Nav,
    rows: Vec<Row>,
    total: i64,
    total_exact: bool,
    q: String,
    can_report: bool,
    sector: String,
    late: bool,
    sectors: Vec<(String, String)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    sector: Option<String>,
    /// `true` (the checkbox) for incidents with a late reporting stage.
    late: Option<String>,
    offset: Option<i64>,
    /// A severity level (the statistics' timeline links here for the older severe ones).
    level: Option<String>,
}

async fn acronyms(state: &AppState) -> Result<HashMap<Uuid, String>, ApiError> {
    let (all, _) = repo::list_institutions(
        &state.db,
        &Scope::All,
        &Default::default(),
        Page::new(Some(Page::MAX_LIMIT), None),
    )
    .await?;
    Ok(all.into_iter().map(|i| (i.id, i.acronym)).collect())
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Response, ApiError> {
    let t = Tr { lang: ctx.lang };
    let (views, total, page_asked, _) = api::visible(
        &state,
        &ctx,
        IncidentQuery {
            q: q.q.clone(),
            sector: q.sector.clone().filter(|s| !s.is_empty()),
            late: q.late.as_deref().map(|l| l == "true"),
            offset: q.offset,
            level: q.level.clone(),
            limit: Some(50),
            ..Default::default()
        },
    )
    .await?;
    let names = acronyms(&state).await?;
    let rows = views
        .iter()
        .map(|v| Row {
            id: v.row.id,
            reference: v.row.reference.clone(),
            title: v.row.title.clone(),
            institution: names
                .get(&v.row.institution_id)
                .cloned()
                .unwrap_or_default(),
            level: level_name(v, t.tag()),
            tlp: v.row.tlp.clone(),
            reported: v.row.reported_at.date().to_string(),
            next: next_deadline(&t, v),
            late: v.late,
        })
        .collect();
    let p = ctx.principal()?;
    let page = ListPage {
        t,
        nav: Nav::new(&ctx, "/incidents"),
        rows,
        total,
        total_exact: centinela_store::incidents::total_is_exact(
            total,
            page_asked,
            centinela_store::incidents::search_term(q.q.as_deref()).is_some(),
        ),
        q: q.q.unwrap_or_default(),
        sector: q.sector.unwrap_or_default(),
        late: q.late.as_deref() == Some("true"),
        sectors: centinela_core::sector::sectors()
            .iter()
            .map(|s| (s.id.clone(), t.sector(&s.id)))
            .collect(),
        can_report: may(
            p,
            Action::Create,
            &Resource::collection(ResourceKind::Incident),
        ) == Decision::Allow,
    };
    Ok(render(&page)?.into_response())
}

/// The report form's fields, as submitted (strings, so a rejected form shows what was typed).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    pub institution: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub detected_at: String,
    #[serde(default)]
    pub aware_at: String,
    #[serde(default)]
    pub classification: String,
    #[serde(default)]
    pub tlp: String,
    #[serde(default)]
    pub pap: String,
    #[serde(default)]
    pub functional_impact: String,
    #[serde(default)]
    pub information_impact: String,
    #[serde(default)]
    pub recoverability: String,
    #[serde(default)]
    pub people_affected: String,
    #[serde(default)]
    pub essential_service: Option<String>,
    #[serde(default)]
    pub institutions_affected: String,
    #[serde(default)]
    pub cross_border: Option<String>,
    #[serde(default)]
    pub affected_services: String,
    #[serde(default)]
    pub observables: String,
}

#[derive(Template)]
#[template(path = "incident_new.html")]
struct NewPage {
    t: Tr,
    nav: Nav,
    f: ReportForm,
    errors: FormErrors,
    institutions: Vec<Institution>,
    classes: Vec<(String, String)>,
    tlps: &'static [Tlp],
    functional: &'static [FunctionalImpact],
    information: &'static [InformationImpact],
    recoverability: &'static [Recoverability],
}

fn classification_options() -> Vec<(String, String)> {
    incidents::taxonomy::rsit()
        .predicates
        .iter()
        .flat_map(|p| {
            p.values.iter().map(move |v| {
                (
                    format!("{}|{}", p.value, v.value),
                    format!("{} — {}", p.expanded, v.expanded),
                )
            })
        })
        .collect()
}

async fn new_page(
    state: &AppState,
    ctx: &Ctx,
    f: ReportForm,
    errors: &[FieldError],
) -> Result<NewPage, ApiError> {
    let p = ctx.principal()?;
    let scope = match p.role {
        Role::Coordinator => Scope::All,
        _ => Scope::Only(p.institution.into_iter().collect()),
    };
    let (institutions, _) = repo::list_institutions(
        &state.db,
        &scope,
        &Default::default(),
        Page::new(Some(Page::MAX_LIMIT), None),
    )
    .await?;
    Ok(NewPage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(ctx, "/incidents"),
        f,
        errors: FormErrors::new(ctx.lang, errors),
        institutions,
        classes: classification_options(),
        tlps: &Tlp::ALL,
        functional: FunctionalImpact::ALL,
        information: InformationImpact::ALL,
        recoverability: Recoverability::ALL,
    })
}

pub async fn new_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let now = OffsetDateTime::now_utc()
        .to_offset(UtcOffset::from_hms(FORM_OFFSET_HOURS, 0, 0).expect("valid offset"));
    let stamp = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute()
    );
    let f = ReportForm {
        institution: ctx
            .principal()?
            .institution
            .map(|i| i.to_string())
            .unwrap_or_default(),
        detected_at: stamp.clone(),
        aware_at: stamp,
        tlp: "TLP:AMBER".into(),
        pap: "PAP:AMBER".into(),
        ..Default::default()
    };
    Ok(render(&new_page(&state, &ctx, f, &[]).await?)?.into_response())
}

fn parse_local(field: &str, s: &str, errors: &mut Vec<FieldError>) -> OffsetDateTime {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    match PrimitiveDateTime::parse(s.trim(), format) {
        Ok(t) => t
            .assume_offset(UtcOffset::from_hms(FORM_OFFSET_HOURS, 0, 0).expect("valid offset"))
            .to_offset(UtcOffset::UTC),
        Err(_) => {
            errors.push(FieldError::new(field, "err-datetime"));
            OffsetDateTime::UNIX_EPOCH
        }
    }
}

/// The form as a draft; fields the form itself got wrong are reported beside the draft's own
/// validation.
fn draft_of(f: &ReportForm) -> (IncidentDraft, Vec<FieldError>) {
    let mut errors = vec![];
    let reporter = Uuid::try_parse(f.institution.trim()).unwrap_or_else(|_| {
        errors.push(FieldError::new("institution", "err-required"));
        Uuid::nil()
    });
    let detected_at = parse_local("detected_at", &f.detected_at, &mut errors);
    let aware_at = parse_local("aware_at", &f.aware_at, &mut errors);
    let classifications = match f.classification.split_once('|') {
        Some((class, kind)) => vec![Classification {
            class: class.into(),
            kind: kind.into(),
        }],
        None => vec![],
    };
    let number = |field: &str, s: &str, errors: &mut Vec<FieldError>| -> u64 {
        if s.trim().is_empty() {
            return 0;
        }
        s.trim().parse().unwrap_or_else(|_| {
            errors.push(FieldError::new(field, "err-number"));
            0
        })
    };
    let impact = ImpactFactors {
        functional_impact: FunctionalImpact::parse(&f.functional_impact).unwrap_or_default(),
        information_impact: InformationImpact::parse(&f.information_impact).unwrap_or_default(),
        recoverability: Recoverability::parse(&f.recoverability).unwrap_or_default(),
        people_affected: number("people_affected", &f.people_affected, &mut errors),
        essential_service: f.essential_service.is_some(),
        institutions_affected: number(
            "institutions_affected",
            &f.institutions_affected,
            &mut errors,
        )
        .min(u32::MAX as u64) as u32,
        cross_border: f.cross_border.is_some(),
    };
    let mut observables = vec![];
    for (n, line) in f
        .observables
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .take(500)
    {
        let mut parts = line.split_whitespace();
        let (kind, value) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let tlp = parts
            .next()
            .and_then(|t| t.parse::<Tlp>().ok())
            .unwrap_or(Tlp::Amber);
        match serde_json::from_value::<ObservableKind>(serde_json::json!(kind.to_lowercase())) {
            Ok(kind) if !value.is_empty() => observables.push(Observable {
                kind,
                value: value.into(),
                tlp,
                comment: String::new(),
            }),
            _ => errors
                .push(FieldError::new("observables", "err-observable-line").arg("line", n + 1)),
        }
    }
    let draft = IncidentDraft {
        reporter_institution: reporter,
        title: f.title.clone(),
        description: f.description.clone(),
        detected_at,
        aware_at,
        classifications,
        tlp: f.tlp.parse().unwrap_or(Tlp::Amber),
        pap: serde_json::from_value::<Pap>(serde_json::json!(f.pap)).unwrap_or(Pap::Amber),
        affected_assets: String::new(),
        affected_services: f.affected_services.clone(),
        affected_asset_ids: vec![],
        affected_service_ids: vec![],
        impact,
        observables,
    };
    (draft, errors)
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let f: ReportForm = crate::pages::without_csrf(pairs)?;
    let (draft, mut errors) = draft_of(&f);
    if errors.is_empty() {
        match api::report(&state, &ctx, draft).await {
            Ok(row) => return Ok(redirect(&format!("/incidents/{}?receipt=1", row.id))),
            Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => errors = e.fields,
            Err(e) => return Err(e),
        }
    }
    let page = new_page(&state, &ctx, f, &errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// A factor's line in the severity explanation.
pub struct Part {
    pub factor: String,
    pub input: String,
    pub points: String,
    pub weight: String,
    pub share: i64,
    pub width: i64,
}

/// A clock as shown.
pub struct Clock {
    pub name: String,
    pub state: String,
    pub deadline: String,
    pub remaining: String,
    pub late: bool,
}

#[derive(Template)]
#[template(path = "incident.html")]
struct ShowPage {
    t: Tr,
    nav: Nav,
    v: IncidentView,
    institution: String,
    level: String,
    score: String,
    parts: Vec<Part>,
    clocks: Vec<Clock>,
    stages: Vec<(String, String)>,
    can_update: bool,
    receipt: bool,
    description: String,
    work: crate::api::incident_work::Work,
    is_coordinator: bool,
    levels: Vec<(String, String)>,
    error: String,
    /// Institutions the incident is shared with (id, name).
    shared: Vec<(Uuid, String)>,
    /// Institutions it could be shared with, for the sharing form.
    institutions: Vec<(Uuid, String)>,
    evidence_limit_mib: u64,
    /// What the report names as affected: free text and linked inventory entries.
    affected_assets: String,
    affected_services: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    receipt: Option<String>,
}

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    receipt: bool,
) -> Result<ShowPage, ApiError> {
    show_page_with(state, ctx, id, receipt, String::new()).await
}

async fn show_page_with(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    receipt: bool,
    error: String,
) -> Result<ShowPage, ApiError> {
    let row = api::load(state, ctx, id, Action::Read).await?;
    let work = crate::api::incident_work::work_of(state, ctx, &row).await?;
    let p = ctx.principal()?;
    let can_update = may(p, Action::Update, &api::resource(state, &row).await?) == Decision::Allow;
    let t = Tr { lang: ctx.lang };
    let v = api::view(state, row, t.tag()).await?;
    let institution = repo::get_institution(&state.db, v.row.institution_id)
        .await
        .map(|i| i.name(t.tag()).to_string())
        .unwrap_or_default();
    let parts = v.assessment["contributions"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    let share = (c["share"].as_f64().unwrap_or(0.0) * 100.0).round() as i64;
                    Part {
                        factor: t.m(&format!("factor-{}", c["factor"].as_str().unwrap_or(""))),
                        input: c["input"].as_str().unwrap_or("").to_string(),
                        points: c["points"].to_string(),
                        weight: c["weight"].to_string(),
                        share,
                        width: share * 2,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let clocks = v
        .clocks
        .iter()
        .map(|c| Clock {
            name: c.name.clone(),
            state: t.m(&format!(
                "clock-{}",
                serde_json::to_value(c.state)
                    .ok()
                    .and_then(|s| s.as_str().map(String::from))
                    .unwrap_or_default()
            )),
            deadline: c.deadline.map(|d| d.to_string()).unwrap_or_default(),
            remaining: match (c.submitted_at, c.remaining_seconds) {
                (Some(at), _) => t.m1("clock-submitted", "time", at.to_string()),
                (None, Some(r)) => human_remaining(&t, r),
                _ => String::new(),
            },
            late: c.state == incidents::clock::StageState::Late,
        })
        .collect();
    let stages = api::protocol_of(&v.row)
        .map(|p| {
            p.stages
                .iter()
                .map(|s| (s.id.clone(), s.name.get(t.tag()).to_string()))
                .collect()
        })
        .unwrap_or_default();
    let levels = api::protocol_of(&v.row)
        .map(|p| {
            p.severity
                .levels
                .iter()
                .map(|l| (l.id.clone(), l.name.get(t.tag()).to_string()))
                .collect()
        })
        .unwrap_or_default();
    let mut shared = vec![];
    for r in &work.recipients {
        if let Ok(i) = repo::get_institution(&state.db, r.institution_id).await {
            shared.push((i.id, i.name(t.tag()).to_string()));
        }
    }
    let institutions = if can_update {
        repo::list_institutions(
            &state.db,
            &Scope::All,
            &Default::default(),
            Page::new(Some(Page::MAX_LIMIT), None),
        )
        .await?
        .0
        .into_iter()
        .filter(|i| i.id != v.row.institution_id && !shared.iter().any(|(s, _)| *s == i.id))
        .map(|i| (i.id, i.name(t.tag()).to_string()))
        .collect()
    } else {
        vec![]
    };
    let (affected_assets, affected_services) = affected(state, &v, &t).await?;
    Ok(ShowPage {
        affected_assets,
        affected_services,
        shared,
        institutions,
        evidence_limit_mib: state.settings.evidence_limit / (1024 * 1024),
        level: level_name(&v, t.tag()),
        score: format!("{:.1}", v.assessment["score"].as_f64().unwrap_or(0.0)),
        description: v.draft["description"].as_str().unwrap_or("").to_string(),
        t,
        nav: Nav::new(ctx, "/incidents"),
        institution,
        parts,
        clocks,
        stages,
        can_update,
        receipt,
        is_coordinator: p.role == Role::Coordinator,
        levels,
        work,
        error,
        v,
    })
}

/// The affected assets and services as shown: the report's free text, then the names of the
/// linked inventory entries.
async fn affected(
    state: &AppState,
    v: &IncidentView,
    t: &Tr,
) -> Result<(String, String), ApiError> {
    let ids = |key: &str| -> Vec<Uuid> {
        v.draft[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().and_then(|s| Uuid::try_parse(s).ok()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let join = |free: &str, linked: Vec<String>| {
        let mut parts: Vec<String> = vec![];
        if !free.trim().is_empty() {
            parts.push(free.trim().to_string());
        }
        if !linked.is_empty() {
            parts.push(format!(
                "{}: {}",
                t.m("incident-linked-inventory"),
                linked.join(", ")
            ));
        }
        parts.join(" · ")
    };
    let (asset_ids, service_ids) = (ids("affected_asset_ids"), ids("affected_service_ids"));
    let mut assets = vec![];
    if !asset_ids.is_empty() {
        for a in centinela_store::inventory::list_assets(&state.db, v.row.institution_id).await? {
            if asset_ids.contains(&a.id) {
                assets.push(a.name);
            }
        }
    }
    let mut services = vec![];
    if !service_ids.is_empty() {
        for s in centinela_store::inventory::list_services(&state.db, v.row.institution_id).await? {
            if service_ids.contains(&s.id) {
                services.push(s.name);
            }
        }
    }
    Ok((
        join(v.draft["affected_assets"].as_str().unwrap_or(""), assets),
        join(
            v.draft["affected_services"].as_str().unwrap_or(""),
            services,
        ),
    ))
}

/// One form on the incident page for all its work: `action` says which.
#[derive(Debug, Default, Deserialize)]
pub struct WorkForm {
    action: String,
    #[serde(default)]
    phase: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    task: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    related: String,
    #[serde(default)]
    relation: String,
}

pub async fn work(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    use crate::api::incident_work as w;
    let f: WorkForm = crate::pages::without_csrf(pairs)?;
    let done: Result<(), ApiError> = match f.action.as_str() {
        "triage" => w::triage(&state, &ctx, id, f.text.trim()).await.map(|_| ()),
        "phase" => w::set_phase(&state, &ctx, id, &f.phase).await,
        "close" => w::close_incident(&state, &ctx, id, &f.text).await,
        "severity" => w::override_severity(
            &state,
            &ctx,
            id,
            &w::SeverityRequest {
                level: f.level.clone(),
                reason: f.text.clone(),
            },
        )
        .await
        .map(|_| ()),
        "comment" | "event" => w::add_entry(
            &state,
            &ctx,
            id,
            &w::EntryRequest {
                kind: f.action.clone(),
                body: f.text.clone(),
                at: None,
            },
        )
        .await
        .map(|_| ()),
        "task" => w::add_task(
            &state,
            &ctx,
            id,
            &w::TaskRequest {
                title: f.text.clone(),
                owner: f.owner.clone(),
                due_at: None,
            },
        )
        .await
        .map(|_| ()),
        "task-status" => match Uuid::try_parse(&f.task) {
            Ok(task) => w::set_task_status(&state, &ctx, id, task, &f.status)
                .await
                .map(|_| ()),
            Err(_) => Err(ApiError::not_found()),
        },
        "link" => {
            // The form takes a reference (CEN-2026-000123) or an id.
            let related = match Uuid::try_parse(f.related.trim()) {
                Ok(u) => Some(u),
                Err(_) => {
                    centinela_store::incidents::find_by_reference(&state.db, f.related.trim())
                        .await?
                        .map(|r| r.id)
                }
            };
            match related {
                Some(related_id) => w::link_incident(
                    &state,
                    &ctx,
                    id,
                    &w::LinkRequest {
                        related_id,
                        relation: if f.relation.is_empty() {
                            "related".into()
                        } else {
                            f.relation.clone()
                        },
                    },
                )
                .await
                .map(|_| ()),
                None => Err(ApiError::invalid(vec![FieldError::new(
                    "related_id",
                    "err-unknown-incident",
                )])),
            }
        }
        "share" | "unshare" => match Uuid::try_parse(f.related.trim()) {
            Ok(inst) if f.action == "share" => {
                w::share_incident(&state, &ctx, id, inst).await.map(|_| ())
            }
            Ok(inst) => w::unshare_incident(&state, &ctx, id, inst).await,
            Err(_) => Err(ApiError::invalid(vec![FieldError::new(
                "institution_id",
                "err-unknown-institution",
            )])),
        },
        _ => Err(ApiError::bad_request("err-form").arg("detail", "action")),
    };
    match done {
        Ok(()) => Ok(redirect(&format!("/incidents/{id}#work"))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let msg = e.message(ctx.lang);
            let status = e.status;
            let view = show_page_with(&state, &ctx, id, false, msg).await?;
            Ok((status, render(&view)?).into_response())
        }
        Err(e) => Err(e),
    }
}

/// The evidence upload form (multipart): the file is kept, then the page shows it; a refused
/// upload shows the page again with the reason.
pub async fn add_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    multipart: Result<
        axum::extract::multipart::Multipart,
        axum::extract::multipart::MultipartRejection,
    >,
) -> Result<Response, ApiError> {
    match crate::api::evidence::attach(&state, &ctx, id, multipart).await {
        Ok(_) => Ok(redirect(&format!("/incidents/{id}#evidence"))),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::NOT_FOUND => {
            let msg = e.message(ctx.lang);
            let status = e.status;
            let view = show_page_with(&state, &ctx, id, false, msg).await?;
            Ok((status, render(&view)?).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<ShowQuery>,
) -> Result<Response, ApiError> {
    Ok(render(&show_page(&state, &ctx, id, q.receipt.is_some()).await?)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct StageForm {
    stage: String,
}

pub async fn submit_stage(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let f: StageForm = crate::pages::without_csrf(pairs)?;
    let row = api::load(&state, &ctx, id, Action::Update).await?;
    if api::protocol_of(&row)
        .and_then(|p| p.stage(&f.stage))
        .is_none()
    {
        return Err(ApiError::invalid(vec![FieldError::new(
            "stage",
            "err-choice",
        )]));
    }
    centinela_store::incidents::submit_stage(&state.db, &ctx.actor(), &row, &f.stage).await?;
    Ok(redirect(&format!("/incidents/{id}#clocks")))
}

/// One bar of a chart.
pub struct Bar {
    pub label: String,
    pub n: i64,
    pub width: i64,
    pub x: i64,
    pub y: i64,
    pub height: i64,
}

fn horizontal(rows: &[api::KeyCount], label: impl Fn(&str) -> String) -> Vec<Bar> {
    let max = rows.iter().map(|r| r.n).max().unwrap_or(1).max(1);
    rows.iter()
        .map(|r| (&r.key, &r.n))
        .enumerate()
        .map(|(i, (k, n))| Bar {
            label: label(k),
            n: *n,
            width: n * 300 / max,
            x: 0,
            y: i as i64 * 26,
            height: 18,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "statistics.html")]
struct StatsPage {
    t: Tr,
    nav: Nav,
    total: usize,
    median: String,
    within: String,
    months: Vec<Bar>,
    months_width: i64,
    charts: Vec<(String, i64, Vec<Bar>)>,
    timeline: Vec<(String, String, String, String, String)>,
    /// Shown when the timeline is cut at its limit: the list filtered by each severe level.
    timeline_more: Option<(String, Vec<(String, String)>)>,
}

pub async fn statistics(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let t = Tr { lang: ctx.lang };
    let s = api::compute_stats(&state, &ctx).await?;
    let names = acronyms(&state).await?;
    // Monthly columns for the last 24 months with reports.
    let recent: Vec<&api::KeyCount> = s
        .by_month
        .iter()
        .rev()
        .take(24)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let max = recent.iter().map(|m| m.n).max().unwrap_or(1).max(1);
    let months: Vec<Bar> = recent
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let height = m.n * 120 / max;
            Bar {
                label: m.key.clone(),
                n: m.n,
                width: 18,
                x: i as i64 * 24,
                y: 130 - height,
                height,
            }
        })
        .collect();
    let protocol = api::default_protocol(&state).ok();
    let level_label = |id: &str| {
        protocol
            .and_then(|p| {
                p.severity
                    .levels
                    .iter()
                    .find(|l| l.id == id)
                    .map(|l| l.name.get(t.tag()).to_string())
            })
            .unwrap_or_else(|| id.to_string())
    };
    let page = StatsPage {
        total: s.total,
        median: s
            .median_hours_to_report
            .map(|h| format!("{h:.1} h"))
            .unwrap_or_else(|| "—".into()),
        within: s
            .reported_within_24h
            .map(|w| format!("{:.0} %", w * 100.0))
            .unwrap_or_else(|| "—".into()),
        months_width: months.len() as i64 * 24 + 10,
        months,
        charts: [
            (
                t.m("stats-by-class"),
                horizontal(&s.by_class, |k| k.to_string()),
            ),
            (t.m("stats-by-level"), horizontal(&s.by_level, level_label)),
            (
                t.m("stats-by-sector"),
                horizontal(&s.by_sector, |k| t.sector(k)),
            ),
        ]
        .into_iter()
        .map(|(caption, bars)| (caption, bars.len() as i64 * 26, bars))
        .collect(),
        timeline_more: (s.timeline.len() as i64 >= TIMELINE_LIMIT).then(|| {
            (
                t.m1("stats-timeline-more", "n", TIMELINE_LIMIT),
                SEVERE
                    .iter()
                    .map(|l| (format!("/incidents?level={l}"), level_label(l)))
                    .collect(),
            )
        }),
        timeline: s
            .timeline
            .iter()
            .map(|i| {
                (
                    i.date.clone(),
                    i.reference.clone(),
                    i.title.clone(),
                    names.get(&i.institution_id).cloned().unwrap_or_default(),
                    level_label(&i.level),
                )
            })
            .collect(),
        t,
        nav: Nav::new(&ctx, "/incidents"),
    };
    Ok(render(&page)?.into_response())
}
