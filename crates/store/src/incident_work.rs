//! Working an incident after the report: triage (phase and playbook tasks), lifecycle phases
//! and closing, the coordinator's severity override, a timeline of entries (comments, dated
//! events, and what the platform did), tasks, and links between incidents.
//!
//! Each change writes its audit entry, a timeline entry where people would look for it, and an
//! event, in one transaction.

use crate::audit::{self, Change};
use crate::incidents::IncidentRow;
use crate::{Actor, Db, Result, StoreError, Tx, args, now};
use serde::Serialize;
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct TimelineEntry {
    pub id: Uuid,
    pub incident_id: Uuid,
    /// `comment`, `event` (something that happened, dated by the author) or `system` (what
    /// the platform recorded: triage, phase, severity, closing).
    pub kind: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub author: String,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Task {
    pub id: Uuid,
    pub incident_id: Uuid,
    pub title: String,
    pub phase: String,
    /// The playbook it came from (empty when added by hand).
    pub playbook: String,
    pub owner: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    /// `open`, `done` or `cancelled`.
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub done_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Default)]
pub struct NewTask {
    pub title: String,
    pub phase: String,
    pub playbook: String,
    pub owner: String,
    pub due_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Link {
    pub incident_id: Uuid,
    pub related_id: Uuid,
    pub relation: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

const ENTRY_COLUMNS: &str = "id, incident_id, kind, body, at, author";
const TASK_COLUMNS: &str =
    "id, incident_id, title, phase, playbook, owner, due_at, status, created_at, done_at";

async fn insert_entry(
    tx: &mut Tx,
    actor: &Actor,
    incident: Uuid,
    kind: &str,
    body: &str,
    at: OffsetDateTime,
) -> Result<TimelineEntry> {
    let e = TimelineEntry {
        id: Uuid::new_v4(),
        incident_id: incident,
        kind: kind.to_string(),
        body: body.to_string(),
        at,
        author: actor.email.clone(),
    };
    tx.execute(
        &format!("INSERT INTO incident_entries ({ENTRY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"),
        args![e.id, incident, &e.kind, &e.body, e.at, &e.author],
    )
    .await?;
    Ok(e)
}

async fn finish(
    mut tx: Tx,
    actor: &Actor,
    incident: &IncidentRow,
    action: &'static str,
    topic: &str,
    state: &impl Serialize,
) -> Result<()> {
    let change = Change::new(
        action,
        "incident",
        incident.id,
        Some(incident.institution_id),
        state,
    );
    audit::record(&mut tx, actor, &change).await?;
    crate::events::emit(&mut tx, topic, Some(incident.institution_id), &change).await?;
    tx.commit().await
}

/// A comment or a dated event on the timeline.
pub async fn add_entry(
    db: &Db,
    actor: &Actor,
    incident: &IncidentRow,
    kind: &str,
    body: &str,
    at: Option<OffsetDateTime>,
) -> Result<TimelineEntry> {
    let mut tx = db.begin().await?;
    let e = insert_entry(
        &mut tx,
        actor,
        incident.id,
        kind,
        body,
        at.unwrap_or_else(now),
    )
    .await?;
    finish(tx, actor, incident, "add-entry", "incident.updated", &e).await?;
    Ok(e)
}

pub async fn entries(db: &Db, incident: Uuid) -> Result<Vec<TimelineEntry>> {
    db.fetch_all(
        &format!(
            "SELECT {ENTRY_COLUMNS} FROM incident_entries WHERE incident_id = $1 ORDER BY at, id"
        ),
        args![incident],
    )
    .await
}

async fn insert_tasks(tx: &mut Tx, incident: Uuid, tasks: &[NewTask]) -> Result<Vec<Task>> {
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        let task = Task {
            id: Uuid::new_v4(),
            incident_id: incident,
            title: t.title.clone(),
            phase: t.phase.clone(),
            playbook: t.playbook.clone(),
            owner: t.owner.clone(),
            due_at: t.due_at,
            status: "open".into(),
            created_at: now(),
            done_at: None,
        };
        tx.execute(
            &format!("INSERT INTO incident_tasks ({TASK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"),
            args![task.id, incident, &task.title, &task.phase, &task.playbook, &task.owner, task.due_at, &task.status, task.created_at, task.done_at],
        )
        .await?;
        out.push(task);
    }
    Ok(out)
}

pub async fn add_task(db: &Db, actor: &Actor, incident: &IncidentRow, t: &NewTask) -> Result<Task> {
    let mut tx = db.begin().await?;
    let task = insert_tasks(&mut tx, incident.id, std::slice::from_ref(t))
        .await?
        .remove(0);
    finish(tx, actor, incident, "add-task", "incident.updated", &task).await?;
    Ok(task)
}

pub async fn tasks(db: &Db, incident: Uuid) -> Result<Vec<Task>> {
    db.fetch_all(
        &format!("SELECT {TASK_COLUMNS} FROM incident_tasks WHERE incident_id = $1 ORDER BY due_at IS NULL, due_at, created_at, id"),
        args![incident],
    )
    .await
}

/// Marks a task `open`, `done` or `cancelled`.
pub async fn set_task_status(
    db: &Db,
    actor: &Actor,
    incident: &IncidentRow,
    task: Uuid,
    status: &str,
) -> Result<Task> {
    let mut tx = db.begin().await?;
    let done_at = (status == "done").then(now);
    let n = tx
        .execute(
            "UPDATE incident_tasks SET status = $3, done_at = $4 WHERE id = $1 AND incident_id = $2",
            args![task, incident.id, status, done_at],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let t: Task = tx
        .fetch_one(
            &format!("SELECT {TASK_COLUMNS} FROM incident_tasks WHERE id = $1"),
            args![task],
        )
        .await?;
    finish(tx, actor, incident, "update-task", "incident.updated", &t).await?;
    Ok(t)
}

/// Triage, once: the incident enters `phase`, the playbook tasks are created, and the timeline
/// says so. A second triage is a conflict.
pub async fn triage(
    db: &Db,
    actor: &Actor,
    incident: &IncidentRow,
    phase: &str,
    tasks: &[NewTask],
    note: &str,
) -> Result<Vec<Task>> {
    let mut tx = db.begin().await?;
    let at = now();
    let n = tx
        .execute(
            "UPDATE incidents SET triaged_at = $2, phase = $3, updated_at = $2 WHERE id = $1 AND triaged_at IS NULL",
            args![incident.id, at, phase],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Conflict("triage of this incident"));
    }
    let created = insert_tasks(&mut tx, incident.id, tasks).await?;
    insert_entry(&mut tx, actor, incident.id, "system", note, at).await?;
    finish(
        tx,
        actor,
        incident,
        "triage",
        "incident.triaged",
        &serde_json::json!({"phase": phase, "tasks": created}),
    )
    .await?;
    Ok(created)
}

/// Moves the incident to another lifecycle phase.
pub async fn set_phase(
    db: &Db,
    actor: &Actor,
    incident: &IncidentRow,
    phase: &str,
    note: &str,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let at = now();
    tx.execute(
        "UPDATE incidents SET phase = $2, updated_at = $3 WHERE id = $1",
        args![incident.id, phase, at],
    )
    .await?;
    insert_entry(&mut tx, actor, incident.id, "system", note, at).await?;
    finish(
        tx,
        actor,
        incident,
        "set-phase",
        "incident.updated",
        &serde_json::json!({"phase": phase}),
    )
    .await
}

/// Closes the incident with a resolution (once).
pub async fn close(db: &Db, actor: &Actor, incident: &IncidentRow, resolution: &str) -> Result<()> {
    let mut tx = db.begin().await?;
    let at = now();
    let n = tx
        .execute(
            "UPDATE incidents SET state = 'closed', closed_at = $2, updated_at = $2 WHERE id = $1 AND closed_at IS NULL",
            args![incident.id, at],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Conflict("closing of this incident"));
    }
    insert_entry(&mut tx, actor, incident.id, "system", resolution, at).await?;
    finish(
        tx,
        actor,
        incident,
        "close",
        "incident.closed",
        &serde_json::json!({"resolution": resolution}),
    )
    .await
}

/// A coordinator's override of the severity: the new level and assessment (with the override
/// record and reason inside) replace the stored ones.
pub async fn override_severity(
    db: &Db,
    actor: &Actor,
    incident: &IncidentRow,
    level: &str,
    significant: bool,
    assessment: &str,
    note: &str,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let at = now();
    tx.execute(
        "UPDATE incidents SET level = $2, significant = $3, assessment = $4, updated_at = $5 WHERE id = $1",
        args![incident.id, level, significant, assessment, at],
    )
    .await?;
    insert_entry(&mut tx, actor, incident.id, "system", note, at).await?;
    finish(
        tx,
        actor,
        incident,
        "override-severity",
        "incident.severity_changed",
        &serde_json::json!({"level": level, "assessment": assessment}),
    )
    .await
}

/// Links two incidents (both must exist; the caller checks it may see both).
pub async fn link(
    db: &Db,
    actor: &Actor,
    incident: &IncidentRow,
    related: Uuid,
    relation: &str,
) -> Result<Link> {
    let mut tx = db.begin().await?;
    let l = Link {
        incident_id: incident.id,
        related_id: related,
        relation: relation.to_string(),
        created_at: now(),
    };
    let n = tx
        .execute(
            "INSERT INTO incident_links (incident_id, related_id, relation, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            args![l.incident_id, l.related_id, &l.relation, l.created_at],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Conflict("a link between these incidents"));
    }
    finish(tx, actor, incident, "link", "incident.updated", &l).await?;
    Ok(l)
}

/// Links from or to the incident.
pub async fn links(db: &Db, incident: Uuid) -> Result<Vec<Link>> {
    db.fetch_all(
        "SELECT incident_id, related_id, relation, created_at FROM incident_links WHERE incident_id = $1 OR related_id = $1 ORDER BY created_at",
        args![incident],
    )
    .await
}

/// Attaches an evidence file (already stored under its digest) to the incident; the timeline
/// names it with its SHA-256.
pub async fn add_evidence(
    db: &Db,
    actor: &Actor,
    incident: &IncidentRow,
    new: &crate::evidence::NewEvidence,
) -> Result<crate::evidence::EvidenceFile> {
    let mut tx = db.begin().await?;
    let file = crate::evidence::insert(&mut tx, actor, new).await?;
    let note = format!(
        "evidence: {} ({} bytes, SHA-256 {})",
        file.file_name, file.size, file.sha256
    );
    insert_entry(
        &mut tx,
        actor,
        incident.id,
        "system",
        &note,
        file.uploaded_at,
    )
    .await?;
    tx.execute(
        "UPDATE incidents SET updated_at = $2 WHERE id = $1",
        args![incident.id, file.uploaded_at],
    )
    .await?;
    tx.commit().await?;
    Ok(file)
}

/// An institution the incident is shared with (TLP AMBER recipients, beyond the reporter).
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Recipient {
    pub incident_id: Uuid,
    pub institution_id: Uuid,
    pub shared_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub shared_at: OffsetDateTime,
}

/// Shares the incident with another institution; sharing twice is a conflict.
pub async fn share(
    db: &Db,
    actor: &Actor,
    incident: &IncidentRow,
    institution: Uuid,
) -> Result<Recipient> {
    let mut tx = db.begin().await?;
    crate::constituency::ensure_institution(&mut tx, institution).await?;
    let r = Recipient {
        incident_id: incident.id,
        institution_id: institution,
        shared_by: actor.email.clone(),
        shared_at: now(),
    };
    let n = tx
        .execute(
            "INSERT INTO incident_recipients (incident_id, institution_id, shared_by, shared_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            args![r.incident_id, r.institution_id, &r.shared_by, r.shared_at],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::Conflict("sharing with this institution"));
    }
    let note = format!("shared with institution {institution}");
    insert_entry(&mut tx, actor, incident.id, "system", &note, r.shared_at).await?;
    finish(tx, actor, incident, "share", "incident.shared", &r).await?;
    Ok(r)
}

/// Stops sharing the incident with an institution.
pub async fn unshare(
    db: &Db,
    actor: &Actor,
    incident: &IncidentRow,
    institution: Uuid,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let n = tx
        .execute(
            "DELETE FROM incident_recipients WHERE incident_id = $1 AND institution_id = $2",
            args![incident.id, institution],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let note = format!("no longer shared with institution {institution}");
    insert_entry(&mut tx, actor, incident.id, "system", &note, now()).await?;
    finish(
        tx,
        actor,
        incident,
        "unshare",
        "incident.updated",
        &serde_json::json!({"incident_id": incident.id, "institution_id": institution}),
    )
    .await
}

pub async fn recipients(db: &Db, incident: Uuid) -> Result<Vec<Recipient>> {
    db.fetch_all(
        "SELECT incident_id, institution_id, shared_by, shared_at FROM incident_recipients WHERE incident_id = $1 ORDER BY shared_at, institution_id",
        args![incident],
    )
    .await
}

/// The recipients of several incidents at once (a list page), by incident.
pub async fn recipients_of(
    db: &Db,
    incidents: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<Uuid>>> {
    let mut out: std::collections::HashMap<Uuid, Vec<Uuid>> = Default::default();
    if incidents.is_empty() {
        return Ok(out);
    }
    let marks: Vec<String> = (1..=incidents.len()).map(|i| format!("${i}")).collect();
    let rows: Vec<Recipient> = db
        .fetch_all(
            &format!(
                "SELECT incident_id, institution_id, shared_by, shared_at FROM incident_recipients WHERE incident_id IN ({}) ORDER BY shared_at",
                marks.join(", ")
            ),
            incidents.iter().map(|id| crate::Arg::from(*id)).collect(),
        )
        .await?;
    for r in rows {
        out.entry(r.incident_id).or_default().push(r.institution_id);
    }
    Ok(out)
}
