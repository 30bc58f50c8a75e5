//! Incidents under the national protocol: report, list, read, stage submissions, and
//! exchange (STIX 2.1, MISP). Every read applies the access policy with the incident's TLP
//! label; exports also leave out observables labelled above what the caller may see.

use crate::AppState;
use crate::api::{Paged, authorize, created, scope};
use crate::auth::Ctx;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use centinela_core::access::{Action, Decision, Resource, ResourceKind, may};
use centinela_core::principal::{Principal, Role};
use centinela_core::tlp::Tlp;
use centinela_core::validate::FieldError;
use centinela_store::incident_stats::{self, StatsView};
use centinela_store::incidents::{
    self as store, IncidentFilter, IncidentRow, NewIncident, SubmissionRow, TlpView,
};
use centinela_store::{Page, constituency};
use incidents::clock::{StageState, Submission, stage_clocks};
use incidents::incident::{Incident, IncidentDraft};
use incidents::protocol::{Protocol, ProtocolKey, ProtocolRegistry};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use time::OffsetDateTime;
use uuid::Uuid;

/// Prefix of incident references (`CEN-2026-000123`).
pub const REFERENCE_PREFIX: &str = "CEN";

/// The protocols this deployment knows (the shipped ones).
pub fn registry() -> &'static ProtocolRegistry {
    static REGISTRY: OnceLock<ProtocolRegistry> = OnceLock::new();
    REGISTRY.get_or_init(ProtocolRegistry::builtin)
}

/// The protocol new reports are made under: the deployment's choice (`--protocol`), else the
/// registry's default (`mx-apf-2025`).
pub fn default_protocol(state: &AppState) -> Result<&'static Protocol, ApiError> {
    match &state.settings.protocol {
        Some(id) => registry().latest(id),
        None => registry().default_protocol(),
    }
    .ok_or_else(ApiError::internal)
}

/// The incident as the access policy sees it: owned by the reporting institution, labelled,
/// shared with its recipients, with its reporter named (TLP:RED reaches only them).
pub fn labelled(row: &IncidentRow, recipients: Vec<Uuid>) -> Resource {
    let tlp = row.tlp.parse::<Tlp>().unwrap_or(Tlp::Red);
    Resource::owned(ResourceKind::Incident, row.institution_id).labelled(
        tlp,
        recipients,
        vec![row.reported_by],
    )
}

/// [`labelled`], with the incident's recipients read from the database.
pub async fn resource(state: &AppState, row: &IncidentRow) -> Result<Resource, ApiError> {
    let recipients = centinela_store::incident_work::recipients(&state.db, row.id)
        .await?
        .into_iter()
        .map(|r| r.institution_id)
        .collect();
    Ok(labelled(row, recipients))
}

pub fn tlp_view(p: &Principal) -> TlpView {
    TlpView {
        open: vec!["TLP:CLEAR", "TLP:GREEN", "TLP:AMBER"],
        strict_institution: match p.role {
            Role::Officer | Role::Coordinator => p.institution,
            Role::Auditor | Role::Admin | Role::CrisisMember => None,
        },
        user: p.user,
        shared_with: match p.role {
            Role::Officer => p.institution,
            _ => None,
        },
    }
}

#[derive(Debug, Serialize)]
pub struct ClockView {
    pub stage: String,
    pub name: String,
    pub state: StageState,
    #[serde(with = "time::serde::rfc3339::option")]
    pub deadline: Option<OffsetDateTime>,
    /// Seconds left (negative: overdue by), while not submitted.
    pub remaining_seconds: Option<i64>,
    pub immediate: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    pub notify_on_late: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct IncidentView {
    #[serde(flatten)]
    pub row: IncidentRow,
    pub draft: serde_json::Value,
    /// The severity computed from the impact factors, with each factor's contribution.
    pub assessment: serde_json::Value,
    pub clocks: Vec<ClockView>,
    pub late: bool,
    pub submissions: Vec<SubmissionRow>,
}

pub fn protocol_of(row: &IncidentRow) -> Option<&'static Protocol> {
    registry().get(&row.protocol_id, &row.protocol_version)
}

/// Each stage's clock for a stored incident, now.
pub fn clocks(row: &IncidentRow, submitted: &[SubmissionRow], lang: &str) -> Vec<ClockView> {
    clocks_at(row, submitted, lang, OffsetDateTime::now_utc())
}

/// Each stage's clock for a stored incident at `now`.
pub fn clocks_at(
    row: &IncidentRow,
    submitted: &[SubmissionRow],
    lang: &str,
    now: OffsetDateTime,
) -> Vec<ClockView> {
    let Some(protocol) = protocol_of(row) else {
        return vec![];
    };
    let subs: Vec<Submission> = submitted
        .iter()
        .map(|s| Submission {
            stage: s.stage.clone(),
            at: s.at,
        })
        .collect();
    let input = incidents::clock::ClockInput {
        detected_at: row.detected_at,
        aware_at: row.aware_at,
        level: &row.level,
        significant_since: None,
        sector: None,
        closed_at: row.closed_at,
        submissions: &subs,
        requests: &[],
    };
    stage_clocks(protocol, &input, now)
        .into_iter()
        .map(|c| ClockView {
            name: protocol
                .stage(&c.stage)
                .map(|s| s.name.get(lang).to_string())
                .unwrap_or_else(|| c.stage.clone()),
            stage: c.stage,
            state: c.state,
            deadline: c.deadline,
            remaining_seconds: c.remaining.map(|d| d.whole_seconds()),
            immediate: c.immediate,
            submitted_at: c.submitted_at,
            notify_on_late: c.notify_on_late,
        })
        .collect()
}

pub async fn view(
    state: &AppState,
    row: IncidentRow,
    lang: &str,
) -> Result<IncidentView, ApiError> {
    let submissions = store::submissions(&state.db, row.id).await?;
    Ok(view_of(row, submissions, lang))
}

/// The view of a row whose submissions are known (none yet for a new report).
fn view_of(row: IncidentRow, submissions: Vec<SubmissionRow>, lang: &str) -> IncidentView {
    let clocks = clocks(&row, &submissions, lang);
    IncidentView {
        draft: serde_json::from_str(&row.draft).unwrap_or_default(),
        assessment: serde_json::from_str(&row.assessment).unwrap_or_default(),
        late: clocks.iter().any(|c| c.state == StageState::Late),
        clocks,
        submissions,
        row,
    }
}

/// Validates, assesses and records a report; shared by the API and the report form.
pub async fn report(
    state: &AppState,
    ctx: &Ctx,
    draft: IncidentDraft,
) -> Result<IncidentRow, ApiError> {
    let new = prepare(state, ctx, draft).await?;
    Ok(state
        .reports
        .create(&ctx.actor(), REFERENCE_PREFIX, new)
        .await?)
}

/// Linked inventory entries must be the reporting institution's own.
async fn linked_inventory(state: &AppState, draft: &IncidentDraft) -> Result<(), ApiError> {
    use centinela_store::inventory;
    let mut errors = vec![];
    if !draft.affected_asset_ids.is_empty() {
        let own = inventory::list_assets(&state.db, draft.reporter_institution).await?;
        if let Some(missing) = draft
            .affected_asset_ids
            .iter()
            .find(|id| !own.iter().any(|a| a.id == **id))
        {
            errors.push(
                FieldError::new("affected_asset_ids", "err-unknown-asset")
                    .arg("id", missing.to_string()),
            );
        }
    }
    if !draft.affected_service_ids.is_empty() {
        let own = inventory::list_services(&state.db, draft.reporter_institution).await?;
        if let Some(missing) = draft
            .affected_service_ids
            .iter()
            .find(|id| !own.iter().any(|a| a.id == **id))
        {
            errors.push(
                FieldError::new("affected_service_ids", "err-unknown-service")
                    .arg("id", missing.to_string()),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(errors))
    }
}

/// Validates and assesses a report: what `report` stores (bulk import stores many at once).
pub async fn prepare(
    state: &AppState,
    ctx: &Ctx,
    draft: IncidentDraft,
) -> Result<NewIncident, ApiError> {
    let p = ctx.principal()?;
    if draft.reporter_institution.is_nil() {
        return Err(ApiError::invalid(vec![FieldError::new(
            "reporter_institution",
            "err-required",
        )]));
    }
    authorize(
        p,
        Action::Create,
        &Resource::owned(ResourceKind::Incident, draft.reporter_institution),
    )?;
    let protocol = default_protocol(state)?;
    draft
        .validate(protocol, OffsetDateTime::now_utc())
        .map_err(ApiError::invalid)?;
    constituency::get_institution(&state.db, draft.reporter_institution)
        .await
        .map_err(|_| {
            ApiError::invalid(vec![FieldError::new(
                "reporter_institution",
                "err-no-institution",
            )])
        })?;
    linked_inventory(state, &draft).await?;
    let assessment = protocol.severity.assess(&draft.impact);
    let first = draft.classifications.first().cloned().ok_or_else(|| {
        ApiError::invalid(vec![FieldError::new(
            "classifications",
            "err-incident-classification-required",
        )])
    })?;
    let key = protocol.key();
    let new = NewIncident {
        institution_id: draft.reporter_institution,
        protocol_id: key.id.clone(),
        protocol_version: key.version.clone(),
        title: draft.title.trim().to_string(),
        tlp: draft.tlp.as_str().to_string(),
        level: assessment.level.clone(),
        significant: assessment.significant,
        class: first.class,
        kind: first.kind,
        detected_at: draft.detected_at,
        aware_at: draft.aware_at,
        draft: serde_json::to_string(&draft).map_err(|_| ApiError::internal())?,
        assessment: serde_json::to_string(&assessment).map_err(|_| ApiError::internal())?,
        reported_at: None,
    };
    Ok(new)
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(draft): ApiJson<IncidentDraft>,
) -> Result<(StatusCode, Json<IncidentView>), ApiError> {
    let row = report(&state, &ctx, draft).await?;
    Ok(created(view_of(row, vec![], ctx.lang.tag())))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentQuery {
    pub q: Option<String>,
    pub institution: Option<Uuid>,
    pub class: Option<String>,
    pub level: Option<String>,
    pub state: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub from: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub to: Option<OffsetDateTime>,
    pub sector: Option<String>,
    pub late: Option<bool>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// Keyset pagination: the `next` of the previous page (deep pages stay fast).
    pub cursor: Option<String>,
}

/// The longest text search accepted: longer than any title, so nothing findable is refused.
const SEARCH_MAX_CHARS: usize = 200;

/// The incidents the caller may see, with their clocks, and the cursor of the next page when
/// this one is full.
pub async fn visible(
    state: &AppState,
    ctx: &Ctx,
    q: IncidentQuery,
) -> Result<(Vec<IncidentView>, i64, Page, Option<String>), ApiError> {
    let p = ctx.principal()?;
    let page = Page::new(q.limit, q.offset);
    let after = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(c.parse::<store::Cursor>().map_err(|_| {
            ApiError::invalid(vec![FieldError::new("cursor", "err-invalid-value")])
        })?),
    };
    if q.q
        .as_deref()
        .is_some_and(|t| t.chars().count() > SEARCH_MAX_CHARS)
    {
        return Err(ApiError::invalid(vec![
            FieldError::new("q", "err-too-long").arg("max", SEARCH_MAX_CHARS),
        ]));
    }
    let filter = IncidentFilter {
        after,
        q: q.q,
        institution: q.institution,
        class: q.class,
        level: q.level,
        state: q.state,
        from: q.from,
        to: q.to,
        sector: q.sector,
        late: q.late,
    };
    let (rows, total) = store::list(&state.db, &scope(p), &tlp_view(p), &filter, page).await?;
    let next = (rows.len() as i64 == page.limit)
        .then(|| rows.last().map(|r| store::Cursor::of(r).to_string()))
        .flatten();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut shared = centinela_store::incident_work::recipients_of(&state.db, &ids).await?;
    // The list query applies the same rule; this keeps one decision authoritative.
    let rows: Vec<IncidentRow> = rows
        .into_iter()
        .filter(|row| {
            let recipients = shared.remove(&row.id).unwrap_or_default();
            may(p, Action::Read, &labelled(row, recipients)) == Decision::Allow
        })
        .collect();
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut submissions = store::submissions_of(&state.db, &ids).await?;
    let items = rows
        .into_iter()
        .map(|row| {
            let subs = submissions.remove(&row.id).unwrap_or_default();
            view_of(row, subs, ctx.lang.tag())
        })
        .collect();
    Ok((items, total, page, next))
}

/// A page of incidents: `next` continues after its last row (absent on the last page).
#[derive(Debug, Serialize)]
pub struct IncidentPage {
    #[serde(flatten)]
    pub page: Paged<IncidentView>,
    /// False when `total` is a lower bound: counting stops a thousand matches past the page.
    pub total_exact: bool,
    pub next: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<IncidentQuery>,
) -> Result<Json<IncidentPage>, ApiError> {
    let searched = store::search_term(q.q.as_deref()).is_some();
    let (items, total, page, next) = visible(&state, &ctx, q).await?;
    Ok(Json(IncidentPage {
        page: Paged::new(items, total, page),
        total_exact: store::total_is_exact(total, page, searched),
        next,
    }))
}

/// The incident if the caller may do `action` to it; hidden ones answer as missing.
pub async fn load(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    action: Action,
) -> Result<IncidentRow, ApiError> {
    let row = store::get(&state.db, id).await?;
    authorize(ctx.principal()?, action, &resource(state, &row).await?)?;
    Ok(row)
}

pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<IncidentView>, ApiError> {
    let row = load(&state, &ctx, id, Action::Read).await?;
    Ok(Json(view(&state, row, ctx.lang.tag()).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSubmission {
    pub stage: String,
}

pub async fn submit_stage(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(s): ApiJson<StageSubmission>,
) -> Result<Json<IncidentView>, ApiError> {
    let row = load(&state, &ctx, id, Action::Update).await?;
    if protocol_of(&row).and_then(|p| p.stage(&s.stage)).is_none() {
        return Err(ApiError::invalid(vec![FieldError::new(
            "stage",
            "err-choice",
        )]));
    }
    store::submit_stage(&state.db, &ctx.actor(), &row, &s.stage).await?;
    let row = store::get(&state.db, id).await?;
    Ok(Json(view(&state, row, ctx.lang.tag()).await?))
}

fn as_incident(row: &IncidentRow) -> Result<Incident, ApiError> {
    Ok(Incident {
        id: row.id,
        reference: row.reference.clone(),
        protocol: ProtocolKey::new(&row.protocol_id, &row.protocol_version),
        reported_at: row.reported_at,
        updated_at: row.updated_at,
        level: row.level.clone(),
        sector: None,
        closed_at: row.closed_at,
        draft: serde_json::from_str(&row.draft).map_err(|_| ApiError::internal())?,
    })
}

fn export_response(json: &serde_json::Value, filename: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        json.to_string(),
    )
        .into_response()
}

/// The caller may see an observable with this label on this incident.
fn observable_filter<'a>(p: &'a Principal, row: &'a IncidentRow) -> impl Fn(Tlp) -> bool + 'a {
    move |tlp| {
        let r = Resource::owned(ResourceKind::Incident, row.institution_id).labelled(
            tlp,
            vec![],
            vec![row.reported_by],
        );
        may(p, Action::Read, &r) == Decision::Allow
    }
}

pub async fn stix(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let row = load(&state, &ctx, id, Action::Read).await?;
    let inst = constituency::get_institution(&state.db, row.institution_id).await?;
    let incident = as_incident(&row)?;
    let p = ctx.principal()?;
    let export = incidents::stix::export_bundle(
        &incident,
        incidents::stix::Reporter {
            id: inst.id,
            name: &inst.name_es,
        },
        observable_filter(p, &row),
    );
    Ok(export_response(
        &export.json,
        format!("{}.stix.json", row.reference),
    ))
}

pub async fn misp(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let row = load(&state, &ctx, id, Action::Read).await?;
    let protocol = protocol_of(&row).ok_or_else(ApiError::internal)?;
    let incident = as_incident(&row)?;
    let p = ctx.principal()?;
    let export = incidents::misp::export_event(&incident, protocol, observable_filter(p, &row));
    Ok(export_response(
        &export.json,
        format!("{}.misp.json", row.reference),
    ))
}

/// The national picture over the incidents the caller may see.
#[derive(Debug, Default, Serialize)]
pub struct Stats {
    pub total: usize,
    /// `YYYY-MM` → incidents detected that month.
    pub by_month: Vec<KeyCount>,
    pub by_class: Vec<KeyCount>,
    pub by_level: Vec<KeyCount>,
    pub by_sector: Vec<KeyCount>,
    /// Median hours from detection to the first stage submitted.
    pub median_hours_to_report: Option<f64>,
    /// Share (0–1) of incidents whose first report reached the CSIRT within 24 h of detection.
    pub reported_within_24h: Option<f64>,
    /// The newest severe incidents (at most `TIMELINE_LIMIT`), oldest first.
    pub timeline: Vec<TimelineItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyCount {
    pub key: String,
    pub n: i64,
}

#[derive(Debug, Serialize)]
pub struct TimelineItem {
    pub id: Uuid,
    pub date: String,
    pub reference: String,
    pub title: String,
    pub institution_id: Uuid,
    pub level: String,
}

fn counted(m: std::collections::BTreeMap<String, i64>, by_count: bool) -> Vec<KeyCount> {
    let mut v: Vec<KeyCount> = m.into_iter().map(|(key, n)| KeyCount { key, n }).collect();
    if by_count {
        v.sort_by(|a, b| b.n.cmp(&a.n).then(a.key.cmp(&b.key)));
    }
    v
}

pub async fn compute_stats(state: &AppState, ctx: &Ctx) -> Result<Stats, ApiError> {
    let p = ctx.principal()?;
    let scope = scope(p);
    // The list's visibility lets through what the policy may still hide (AMBER from a crisis
    // member, another institution's AMBER+STRICT); RED ones the caller reported count.
    let labels = [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict].map(|t| t.as_str());
    // Incidents shared with the caller's institution never counted (the policy hides another
    // institution's records from its statistics), and the counts do not know recipients.
    let tlp = TlpView {
        shared_with: None,
        ..tlp_view(p)
    };
    let view = StatsView::new(&state.db, &scope, tlp, &labels, |label, inst| {
        let tlp = label.parse::<Tlp>().unwrap_or(Tlp::Red);
        let res = Resource::owned(ResourceKind::Incident, inst).labelled(tlp, vec![], vec![]);
        may(p, Action::Read, &res) == Decision::Allow
    })
    .await?;
    let f = incident_stats::figures(&state.db, &scope, &view).await?;
    let mut dims: std::collections::BTreeMap<&str, std::collections::BTreeMap<String, i64>> =
        Default::default();
    for c in &f.counts {
        *dims
            .entry(c.dim.as_str())
            .or_default()
            .entry(c.key.clone())
            .or_insert(0) += c.n;
    }
    let mut dim =
        |name: &str, by_count: bool| counted(dims.remove(name).unwrap_or_default(), by_count);
    let by_month = dim("month", false);
    let total = by_month.iter().map(|k| k.n).sum::<i64>() as usize;
    let timeline = f
        .timeline
        .into_iter()
        .map(|r| TimelineItem {
            id: r.id,
            date: r.detected_at.date().to_string(),
            reference: r.reference,
            title: r.title,
            institution_id: r.institution_id,
            level: r.level,
        })
        .collect();
    Ok(Stats {
        total,
        by_month,
        by_class: dim("class", true),
        by_level: dim("level", true),
        by_sector: dim("sector", true),
        median_hours_to_report: f.median_hours,
        reported_within_24h: (f.reported > 0).then(|| f.within_24h as f64 / f.reported as f64),
        timeline,
    })
}

pub async fn stats(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Stats>, ApiError> {
    Ok(Json(compute_stats(&state, &ctx).await?))
}

/// The same figures as CSV: one line per (dimension, key, count).
pub async fn stats_csv(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let s = compute_stats(&state, &ctx).await?;
    let mut out = String::from("dimension,key,incidents\n");
    for (dimension, rows) in [
        ("month", &s.by_month),
        ("class", &s.by_class),
        ("level", &s.by_level),
        ("sector", &s.by_sector),
    ] {
        for KeyCount { key, n } in rows {
            // Keys are taxonomy ids and dates: no commas or quotes to escape.
            out.push_str(&format!("{dimension},{key},{n}\n"));
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"incident-statistics.csv\"".to_string(),
            ),
        ],
        out,
    )
        .into_response())
}

/// `GET /api/v1/incidents/{id}/receipt`: the transparency-log receipt of the incident's latest
/// version (its newest audit entry: the report, a stage, triage, an override…), for anyone who
/// may read the incident. 409 until the entry is anchored (within a second or so).
pub async fn receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<crate::transparency::AuditReceipt>, ApiError> {
    load(&state, &ctx, id, Action::Read).await?;
    Ok(Json(
        crate::transparency::record_receipt(&state, "incident", &id.to_string()).await?,
    ))
}
