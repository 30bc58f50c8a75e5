//! Working an incident over the API: triage (coordinators; applies the playbooks of its
//! classification as tasks), lifecycle phases and closing, the coordinator's severity
//! override with a recorded reason, the timeline (comments and dated events), tasks, and
//! links to related incidents.

use crate::AppState;
use crate::api::incidents::{load, protocol_of};
use crate::auth::Ctx;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use centinela_core::access::Action;
use centinela_core::principal::Role;
use centinela_core::validate::FieldError;
use centinela_store::incident_work::{
    self as store, Link, NewTask, Recipient, Task, TimelineEntry,
};
use centinela_store::incidents::IncidentRow;
use incidents::incident::IncidentDraft;
use incidents::playbook::Playbooks;
use incidents::severity::SeverityOverride;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use time::OffsetDateTime;
use uuid::Uuid;

/// The playbooks this deployment applies at triage (the shipped ones).
pub fn playbooks() -> &'static Playbooks {
    static PLAYBOOKS: OnceLock<Playbooks> = OnceLock::new();
    PLAYBOOKS.get_or_init(Playbooks::builtin)
}

fn invalid(field: &str, key: &'static str) -> ApiError {
    ApiError::invalid(vec![FieldError::new(field, key)])
}

fn text(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(invalid(field, "err-required"));
    }
    if v.chars().count() > max {
        return Err(ApiError::invalid(vec![
            FieldError::new(field, "err-too-long").arg("max", max),
        ]));
    }
    Ok(v.to_string())
}

fn coordinator_only(ctx: &Ctx) -> Result<(), ApiError> {
    match ctx.principal()?.role {
        Role::Coordinator => Ok(()),
        _ => Err(ApiError::forbidden()),
    }
}

pub(crate) fn open(row: &IncidentRow) -> Result<(), ApiError> {
    if row.closed_at.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "closed",
            "err-incident-closed",
        ));
    }
    Ok(())
}

/// Everything about the work on an incident.
#[derive(Debug, Serialize)]
pub struct Work {
    pub phase: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub triaged_at: Option<OffsetDateTime>,
    pub state: String,
    /// The protocol's phases, in order (id and name in the caller's language).
    pub phases: Vec<(String, String)>,
    pub tasks: Vec<Task>,
    pub timeline: Vec<TimelineEntry>,
    pub links: Vec<Link>,
    /// Institutions the incident is shared with (TLP AMBER recipients).
    pub recipients: Vec<Recipient>,
    /// Evidence files the caller may see.
    pub evidence: Vec<centinela_store::evidence::EvidenceFile>,
}

pub async fn work_of(state: &AppState, ctx: &Ctx, row: &IncidentRow) -> Result<Work, ApiError> {
    let lang = ctx.lang.tag();
    Ok(Work {
        phase: row.phase.clone(),
        triaged_at: row.triaged_at,
        state: row.state.clone(),
        phases: protocol_of(row)
            .map(|p| {
                p.phases
                    .iter()
                    .map(|ph| (ph.id.clone(), ph.name.get(lang).to_string()))
                    .collect()
            })
            .unwrap_or_default(),
        tasks: store::tasks(&state.db, row.id).await?,
        timeline: store::entries(&state.db, row.id).await?,
        links: store::links(&state.db, row.id).await?,
        recipients: store::recipients(&state.db, row.id).await?,
        evidence: crate::api::evidence::files_of(state, ctx, row).await?,
    })
}

pub async fn get_work(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Work>, ApiError> {
    let row = load(&state, &ctx, id, Action::Read).await?;
    Ok(Json(work_of(&state, &ctx, &row).await?))
}

async fn reload(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<Json<Work>, ApiError> {
    let row = load(state, ctx, id, Action::Read).await?;
    Ok(Json(work_of(state, ctx, &row).await?))
}

#[derive(Debug, Default, Deserialize)]
pub struct TriageRequest {
    #[serde(default)]
    pub note: String,
}

/// Triage: the protocol's response phase (or its second phase), and the tasks of every
/// playbook that applies to the incident's classifications, due from now.
pub async fn triage(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    note: &str,
) -> Result<Vec<Task>, ApiError> {
    coordinator_only(ctx)?;
    let row = load(state, ctx, id, Action::Update).await?;
    open(&row)?;
    if note.chars().count() > 2000 {
        return Err(ApiError::invalid(vec![
            FieldError::new("note", "err-too-long").arg("max", 2000),
        ]));
    }
    let protocol = protocol_of(&row).ok_or_else(ApiError::internal)?;
    let phase = protocol
        .phases
        .iter()
        .find(|p| p.nist_sp800_61r2.as_deref() == Some("Containment, Eradication & Recovery"))
        .or_else(|| protocol.phases.get(1))
        .or_else(|| protocol.phases.first())
        .map(|p| p.id.clone())
        .unwrap_or_default();
    let draft: Option<IncidentDraft> = serde_json::from_str(&row.draft).ok();
    let classes = draft.map(|d| d.classifications).unwrap_or_else(|| {
        vec![incidents::taxonomy::Classification {
            class: row.class.clone(),
            kind: row.kind.clone(),
        }]
    });
    let now = OffsetDateTime::now_utc();
    let lang = ctx.lang.tag();
    let mut tasks = vec![];
    let mut names = vec![];
    for p in playbooks().for_classifications(&classes) {
        names.push(p.name.get(lang).to_string());
        for t in p.tasks_from(now) {
            tasks.push(NewTask {
                title: t.title.get(lang).to_string(),
                phase: serde_json::to_value(t.phase)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                playbook: t.playbook,
                owner: String::new(),
                due_at: Some(t.due_at),
            });
        }
    }
    let summary = if names.is_empty() {
        format!("Triage → {phase}. {note}")
    } else {
        format!("Triage → {phase}; playbooks: {}. {note}", names.join(", "))
    };
    Ok(store::triage(
        &state.db,
        &ctx.actor(),
        &row,
        &phase,
        &tasks,
        summary.trim(),
    )
    .await?)
}

pub async fn triage_incident(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<TriageRequest>,
) -> Result<Json<Work>, ApiError> {
    triage(&state, &ctx, id, req.note.trim()).await?;
    reload(&state, &ctx, id).await
}

#[derive(Debug, Deserialize)]
pub struct PhaseRequest {
    pub phase: String,
}

pub async fn set_phase(state: &AppState, ctx: &Ctx, id: Uuid, phase: &str) -> Result<(), ApiError> {
    let row = load(state, ctx, id, Action::Update).await?;
    open(&row)?;
    let protocol = protocol_of(&row).ok_or_else(ApiError::internal)?;
    let Some(p) = protocol.phases.iter().find(|p| p.id == phase) else {
        return Err(invalid("phase", "err-choice"));
    };
    let note = format!("→ {} ({})", p.name.get("es"), p.name.get("en"));
    Ok(store::set_phase(&state.db, &ctx.actor(), &row, &p.id, &note).await?)
}

pub async fn phase(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<PhaseRequest>,
) -> Result<Json<Work>, ApiError> {
    set_phase(&state, &ctx, id, &req.phase).await?;
    reload(&state, &ctx, id).await
}

#[derive(Debug, Deserialize)]
pub struct CloseRequest {
    pub resolution: String,
}

pub async fn close_incident(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    resolution: &str,
) -> Result<(), ApiError> {
    let row = load(state, ctx, id, Action::Update).await?;
    open(&row)?;
    let resolution = text("resolution", resolution, 2000)?;
    Ok(store::close(&state.db, &ctx.actor(), &row, &resolution).await?)
}

pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<CloseRequest>,
) -> Result<Json<Work>, ApiError> {
    close_incident(&state, &ctx, id, &req.resolution).await?;
    reload(&state, &ctx, id).await
}

#[derive(Debug, Deserialize)]
pub struct SeverityRequest {
    pub level: String,
    pub reason: String,
}

/// The coordinator's override: the level and the reason are kept with the computed figures,
/// so the explanation still shows what the model said.
pub async fn override_severity(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    req: &SeverityRequest,
) -> Result<IncidentRow, ApiError> {
    coordinator_only(ctx)?;
    let row = load(state, ctx, id, Action::Update).await?;
    let protocol = protocol_of(&row).ok_or_else(ApiError::internal)?;
    let draft: IncidentDraft = serde_json::from_str(&row.draft)
        .map_err(|_| ApiError::new(StatusCode::CONFLICT, "no_draft", "err-incident-no-draft"))?;
    let computed = protocol.severity.assess(&draft.impact);
    let o = SeverityOverride {
        level: req.level.trim().to_string(),
        reason: req.reason.trim().to_string(),
        by: ctx.principal()?.user,
        at: OffsetDateTime::now_utc(),
    };
    let assessed = protocol
        .severity
        .apply_override(computed, o)
        .map_err(ApiError::invalid)?;
    let note = format!("{} → {}: {}", row.level, assessed.level, req.reason.trim());
    let json = serde_json::to_string(&assessed).map_err(|_| ApiError::internal())?;
    store::override_severity(
        &state.db,
        &ctx.actor(),
        &row,
        &assessed.level,
        assessed.significant,
        &json,
        &note,
    )
    .await?;
    Ok(centinela_store::incidents::get(&state.db, id).await?)
}

pub async fn severity(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<SeverityRequest>,
) -> Result<Json<crate::api::incidents::IncidentView>, ApiError> {
    let row = override_severity(&state, &ctx, id, &req).await?;
    Ok(Json(
        crate::api::incidents::view(&state, row, ctx.lang.tag()).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct EntryRequest {
    /// `comment` or `event`.
    pub kind: String,
    pub body: String,
    /// When the event happened (default: now); not in the future.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub at: Option<OffsetDateTime>,
}

pub async fn add_entry(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    req: &EntryRequest,
) -> Result<TimelineEntry, ApiError> {
    let row = load(state, ctx, id, Action::Update).await?;
    if !matches!(req.kind.as_str(), "comment" | "event") {
        return Err(invalid("kind", "err-choice"));
    }
    let body = text("body", &req.body, 10_000)?;
    if req
        .at
        .is_some_and(|at| at > OffsetDateTime::now_utc() + time::Duration::minutes(5))
    {
        return Err(invalid("at", "err-incident-time-future"));
    }
    Ok(store::add_entry(&state.db, &ctx.actor(), &row, &req.kind, &body, req.at).await?)
}

pub async fn entry(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<EntryRequest>,
) -> Result<(StatusCode, Json<TimelineEntry>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(add_entry(&state, &ctx, id, &req).await?),
    ))
}

#[derive(Debug, Deserialize)]
pub struct TaskRequest {
    pub title: String,
    #[serde(default)]
    pub owner: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
}

pub async fn add_task(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    req: &TaskRequest,
) -> Result<Task, ApiError> {
    let row = load(state, ctx, id, Action::Update).await?;
    open(&row)?;
    let title = text("title", &req.title, 300)?;
    if req.owner.chars().count() > 200 {
        return Err(ApiError::invalid(vec![
            FieldError::new("owner", "err-too-long").arg("max", 200),
        ]));
    }
    let t = NewTask {
        title,
        phase: row.phase.clone(),
        playbook: String::new(),
        owner: req.owner.trim().to_string(),
        due_at: req.due_at,
    };
    Ok(store::add_task(&state.db, &ctx.actor(), &row, &t).await?)
}

pub async fn task(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<TaskRequest>,
) -> Result<(StatusCode, Json<Task>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(add_task(&state, &ctx, id, &req).await?),
    ))
}

#[derive(Debug, Deserialize)]
pub struct TaskStatusRequest {
    pub status: String,
}

pub async fn set_task_status(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    task: Uuid,
    status: &str,
) -> Result<Task, ApiError> {
    let row = load(state, ctx, id, Action::Update).await?;
    if !matches!(status, "open" | "done" | "cancelled") {
        return Err(invalid("status", "err-choice"));
    }
    Ok(store::set_task_status(&state.db, &ctx.actor(), &row, task, status).await?)
}

pub async fn task_status(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, task)): ApiPath<(Uuid, Uuid)>,
    ApiJson(req): ApiJson<TaskStatusRequest>,
) -> Result<Json<Task>, ApiError> {
    Ok(Json(
        set_task_status(&state, &ctx, id, task, &req.status).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct LinkRequest {
    pub related_id: Uuid,
    /// `related`, `duplicate`, `parent` or `child`.
    pub relation: String,
}

pub async fn link_incident(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    req: &LinkRequest,
) -> Result<Link, ApiError> {
    let row = load(state, ctx, id, Action::Update).await?;
    if !matches!(
        req.relation.as_str(),
        "related" | "duplicate" | "parent" | "child"
    ) {
        return Err(invalid("relation", "err-choice"));
    }
    if req.related_id == id {
        return Err(invalid("related_id", "err-link-self"));
    }
    // The caller must see the other incident too; one it cannot see does not exist for it.
    load(state, ctx, req.related_id, Action::Read)
        .await
        .map_err(|e| {
            if e.status == StatusCode::NOT_FOUND {
                invalid("related_id", "err-unknown-incident")
            } else {
                e
            }
        })?;
    Ok(store::link(&state.db, &ctx.actor(), &row, req.related_id, &req.relation).await?)
}

pub async fn link(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<LinkRequest>,
) -> Result<(StatusCode, Json<Link>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(link_incident(&state, &ctx, id, &req).await?),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    pub institution_id: Uuid,
}

/// Shares the incident with another institution, whose staff then read it (AMBER and
/// AMBER+STRICT included) but never change it. TLP:RED is for named people only, so a RED
/// incident is never shared with an institution.
pub async fn share_incident(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    institution: Uuid,
) -> Result<Recipient, ApiError> {
    let row = load(state, ctx, id, Action::Update).await?;
    if row.tlp == "TLP:RED" {
        return Err(invalid("institution_id", "err-share-red"));
    }
    if institution == row.institution_id {
        return Err(invalid("institution_id", "err-share-own"));
    }
    store::share(&state.db, &ctx.actor(), &row, institution)
        .await
        .map_err(|e| match e {
            centinela_store::StoreError::NotFound => {
                invalid("institution_id", "err-unknown-institution")
            }
            e => e.into(),
        })
}

pub async fn share(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<ShareRequest>,
) -> Result<(StatusCode, Json<Recipient>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(share_incident(&state, &ctx, id, req.institution_id).await?),
    ))
}

pub async fn unshare_incident(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    institution: Uuid,
) -> Result<(), ApiError> {
    let row = load(state, ctx, id, Action::Update).await?;
    Ok(store::unshare(&state.db, &ctx.actor(), &row, institution).await?)
}

pub async fn unshare(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, institution)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    unshare_incident(&state, &ctx, id, institution).await?;
    Ok(StatusCode::NO_CONTENT)
}
