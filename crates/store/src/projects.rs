//! ICT projects per institution and assessments of one subject (a digital service or an ICT
//! project) with a shipped questionnaire: answers in the campaign answer model, a review
//! (draft → submitted → approved or returned), and the rows the national oversight reads.
//!
//! Subject assessments have their own tables rather than rows of `assessments`, whose
//! `UNIQUE (campaign_id, institution_id)` and campaign measures belong to campaigns. The
//! rules (vocabularies, review steps, what is due) are `centinela_core::projects`.

use crate::assessments::{Answer, AnswerTable, MeasureRow, NewAnswer, upsert_answer};
use crate::audit::{self, Change};
use crate::{Actor, Db, Result, Scope, StoreError, args, now};
use centinela_core::projects::ReviewStatus;
use serde::Serialize;
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, FromRow, PartialEq)]
pub struct Project {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub name: String,
    pub description: String,
    pub kind: String,
    pub service_id: Option<Uuid>,
    pub planned_live_on: Option<Date>,
    pub status: String,
    pub went_live_on: Option<Date>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

const PROJECT_COLUMNS: &str = "id, institution_id, name, description, kind, service_id, planned_live_on, status, went_live_on, created_at, updated_at";

/// A project's fields (validated by the caller; the linked service is checked here).
#[derive(Debug, Clone, Default)]
pub struct ProjectFields {
    pub name: String,
    pub description: String,
    pub kind: String,
    pub service_id: Option<Uuid>,
    pub planned_live_on: Option<Date>,
    pub status: String,
    pub went_live_on: Option<Date>,
}

#[derive(FromRow)]
struct Count {
    n: i64,
}

pub async fn list_projects(db: &Db, institution: Uuid) -> Result<Vec<Project>> {
    db.fetch_all(
        &format!(
            "SELECT {PROJECT_COLUMNS} FROM ict_projects WHERE institution_id = $1 ORDER BY name, id"
        ),
        args![institution],
    )
    .await
}

/// One project of `institution` (404 when it belongs to another one).
pub async fn get_project(db: &Db, institution: Uuid, id: Uuid) -> Result<Project> {
    db.fetch_one(
        &format!(
            "SELECT {PROJECT_COLUMNS} FROM ict_projects WHERE id = $1 AND institution_id = $2"
        ),
        args![id, institution],
    )
    .await
}

/// A linked service must be one of the institution's own.
async fn check_service(tx: &mut crate::Tx, institution: Uuid, service: Option<Uuid>) -> Result<()> {
    if let Some(s) = service {
        let c: Count = tx
            .fetch_one(
                "SELECT COUNT(*) AS n FROM services WHERE id = $1 AND institution_id = $2",
                args![s, institution],
            )
            .await?;
        if c.n == 0 {
            return Err(StoreError::Invalid("service_id".into()));
        }
    }
    Ok(())
}

pub async fn create_project(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    f: &ProjectFields,
) -> Result<Project> {
    let mut tx = db.begin().await?;
    crate::constituency::ensure_institution(&mut tx, institution).await?;
    check_service(&mut tx, institution, f.service_id).await?;
    let at = now();
    let p = Project {
        id: Uuid::new_v4(),
        institution_id: institution,
        name: f.name.trim().to_string(),
        description: f.description.trim().to_string(),
        kind: f.kind.clone(),
        service_id: f.service_id,
        planned_live_on: f.planned_live_on,
        status: f.status.clone(),
        went_live_on: f.went_live_on,
        created_at: at,
        updated_at: at,
    };
    tx.execute(
        &format!("INSERT INTO ict_projects ({PROJECT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
        args![p.id, institution, &p.name, &p.description, &p.kind, p.service_id, p.planned_live_on, &p.status, p.went_live_on, at, at],
    )
    .await?;
    let change = Change::new("create", "ict-project", p.id, Some(institution), &p);
    audit::record(&mut tx, actor, &change).await?;
    crate::events::emit(&mut tx, "inventory.project", Some(institution), &change).await?;
    tx.commit().await?;
    Ok(p)
}

/// Replaces a project's fields (validated by the caller against the stored project).
pub async fn update_project(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    id: Uuid,
    f: &ProjectFields,
) -> Result<Project> {
    let mut tx = db.begin().await?;
    let mut p: Project = tx
        .fetch_one(
            &format!(
                "SELECT {PROJECT_COLUMNS} FROM ict_projects WHERE id = $1 AND institution_id = $2"
            ),
            args![id, institution],
        )
        .await?;
    check_service(&mut tx, institution, f.service_id).await?;
    p.name = f.name.trim().to_string();
    p.description = f.description.trim().to_string();
    p.kind = f.kind.clone();
    p.service_id = f.service_id;
    p.planned_live_on = f.planned_live_on;
    p.status = f.status.clone();
    p.went_live_on = f.went_live_on;
    p.updated_at = now();
    tx.execute(
        "UPDATE ict_projects SET name = $2, description = $3, kind = $4, service_id = $5, planned_live_on = $6, status = $7, went_live_on = $8, updated_at = $9 WHERE id = $1",
        args![id, &p.name, &p.description, &p.kind, p.service_id, p.planned_live_on, &p.status, p.went_live_on, p.updated_at],
    )
    .await?;
    let change = Change::new("update", "ict-project", id, Some(institution), &p);
    audit::record(&mut tx, actor, &change).await?;
    crate::events::emit(&mut tx, "inventory.project", Some(institution), &change).await?;
    tx.commit().await?;
    Ok(p)
}

// ---- subject assessments ----

#[derive(Debug, Clone, Serialize, FromRow, PartialEq)]
pub struct SubjectAssessment {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub questionnaire: String,
    pub status: String,
    pub return_reason: String,
    pub created_by: String,
    pub submitted_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<OffsetDateTime>,
    pub decided_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl SubjectAssessment {
    pub fn review(&self) -> ReviewStatus {
        ReviewStatus::parse(&self.status).unwrap_or(ReviewStatus::Draft)
    }
}

const SUBJECT_COLUMNS: &str = "id, institution_id, subject_kind, subject_id, questionnaire, status, return_reason, created_by, submitted_by, submitted_at, decided_by, decided_at, created_at, updated_at";

/// A subject assessment to start: the resolved questionnaire in both languages and its
/// measures (validated and resolved by the caller).
#[derive(Debug, Clone)]
pub struct NewSubjectAssessment {
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub questionnaire: String,
    pub catalog_es: String,
    pub catalog_en: String,
    pub measures: Vec<MeasureRow>,
}

/// Starts an assessment of one of `institution`'s services or projects. A subject that
/// belongs to another institution (or none) is invalid; a second assessment of the same
/// subject with the same questionnaire is a conflict.
pub async fn start(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    n: &NewSubjectAssessment,
) -> Result<SubjectAssessment> {
    let mut tx = db.begin().await?;
    crate::constituency::ensure_institution(&mut tx, institution).await?;
    let table = match n.subject_kind.as_str() {
        "service" => "services",
        "project" => "ict_projects",
        _ => return Err(StoreError::Invalid("subject_kind".into())),
    };
    let owned: Count = tx
        .fetch_one(
            &format!("SELECT COUNT(*) AS n FROM {table} WHERE id = $1 AND institution_id = $2"),
            args![n.subject_id, institution],
        )
        .await?;
    if owned.n == 0 {
        return Err(StoreError::Invalid("subject_id".into()));
    }
    let at = now();
    let a = SubjectAssessment {
        id: Uuid::new_v4(),
        institution_id: institution,
        subject_kind: n.subject_kind.clone(),
        subject_id: n.subject_id,
        questionnaire: n.questionnaire.clone(),
        status: ReviewStatus::Draft.as_str().into(),
        return_reason: String::new(),
        created_by: actor.email.clone(),
        submitted_by: None,
        submitted_at: None,
        decided_by: None,
        decided_at: None,
        created_at: at,
        updated_at: at,
    };
    tx.execute(
        "INSERT INTO subject_assessments (id, institution_id, subject_kind, subject_id, questionnaire, status, catalog_es, catalog_en, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        args![a.id, institution, &a.subject_kind, a.subject_id, &a.questionnaire, &a.status, &n.catalog_es, &n.catalog_en, &a.created_by, at, at],
    )
    .await
    .map_err(crate::db::conflict("assessment"))?;
    for m in &n.measures {
        tx.execute(
            "INSERT INTO subject_measures (assessment_id, measure_id, group_id, weight, position, title_es, title_en) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            args![a.id, &m.measure_id, &m.group_id, m.weight, m.position, &m.title_es, &m.title_en],
        )
        .await?;
    }
    let change = Change::new("start", "subject-assessment", a.id, Some(institution), &a);
    audit::record(&mut tx, actor, &change).await?;
    crate::events::emit(&mut tx, "assessment.subject", Some(institution), &change).await?;
    tx.commit().await?;
    Ok(a)
}

/// The institution's subject assessments, newest first.
pub async fn list(db: &Db, institution: Uuid) -> Result<Vec<SubjectAssessment>> {
    db.fetch_all(
        &format!("SELECT {SUBJECT_COLUMNS} FROM subject_assessments WHERE institution_id = $1 ORDER BY created_at DESC, id"),
        args![institution],
    )
    .await
}

/// One subject assessment of `institution` (404 when it belongs to another one).
pub async fn get(db: &Db, institution: Uuid, id: Uuid) -> Result<SubjectAssessment> {
    db.fetch_one(
        &format!("SELECT {SUBJECT_COLUMNS} FROM subject_assessments WHERE id = $1 AND institution_id = $2"),
        args![id, institution],
    )
    .await
}

pub async fn measures(db: &Db, assessment: Uuid) -> Result<Vec<MeasureRow>> {
    db.fetch_all(
        "SELECT measure_id, group_id, weight, position, title_es, title_en FROM subject_measures WHERE assessment_id = $1 ORDER BY position",
        args![assessment],
    )
    .await
}

const ANSWER_COLUMNS: &str = "measure_id, status, reason, maturity, comment, evidence, carried_over, inferred_from, verdict, verdict_comment, verdict_by, updated_by, updated_at";

pub async fn answers(db: &Db, assessment: Uuid) -> Result<Vec<Answer>> {
    db.fetch_all(
        &format!("SELECT {ANSWER_COLUMNS} FROM subject_answers WHERE assessment_id = $1 ORDER BY measure_id"),
        args![assessment],
    )
    .await
}

/// The resolved questionnaire the assessment answers, as stored when it started (`lang`
/// `en` or else `es`).
pub async fn catalog(db: &Db, institution: Uuid, id: Uuid, lang: &str) -> Result<String> {
    let column = if lang == "en" {
        "catalog_en"
    } else {
        "catalog_es"
    };
    #[derive(FromRow)]
    struct Text {
        text: String,
    }
    let row: Text = db
        .fetch_one(
            &format!("SELECT {column} AS text FROM subject_assessments WHERE id = $1 AND institution_id = $2"),
            args![id, institution],
        )
        .await?;
    Ok(row.text)
}

/// Records an evidence file for one measure of the assessment, while the institution holds
/// it (draft or returned): a submitted or approved assessment is what was reviewed.
pub async fn add_evidence(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    id: Uuid,
    measure: &str,
    new: &crate::evidence::NewEvidence,
) -> Result<crate::evidence::EvidenceFile> {
    let mut tx = db.begin().await?;
    let a = locked(&mut tx, institution, id).await?;
    let known: Count = tx
        .fetch_one(
            "SELECT COUNT(*) AS n FROM subject_measures WHERE assessment_id = $1 AND measure_id = $2",
            args![id, measure],
        )
        .await?;
    if known.n == 0 {
        return Err(StoreError::NotFound);
    }
    if !a.review().editable() {
        return Err(StoreError::State("subject-assessment-locked"));
    }
    let file = crate::evidence::insert(&mut tx, actor, new).await?;
    tx.commit().await?;
    Ok(file)
}

pub(crate) async fn locked(
    tx: &mut crate::Tx,
    institution: Uuid,
    id: Uuid,
) -> Result<SubjectAssessment> {
    // The row lock (PostgreSQL) or write lock (SQLite) serialises reviews of one assessment,
    // so two approvals cannot both see it submitted.
    tx.execute(
        "UPDATE subject_assessments SET updated_at = updated_at WHERE id = $1 AND institution_id = $2",
        args![id, institution],
    )
    .await?;
    tx.fetch_one(
        &format!("SELECT {SUBJECT_COLUMNS} FROM subject_assessments WHERE id = $1 AND institution_id = $2"),
        args![id, institution],
    )
    .await
}

/// Creates or replaces an answer while the institution holds the assessment (draft or
/// returned); an unknown measure is not found. As in a campaign, a changed answer loses its
/// verdict and its inferred mark: a reviewer must look at it again.
pub async fn save_answer(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    id: Uuid,
    n: &NewAnswer,
) -> Result<Answer> {
    let mut tx = db.begin().await?;
    let a = locked(&mut tx, institution, id).await?;
    if !a.review().editable() {
        return Err(StoreError::State("subject-assessment-locked"));
    }
    let known: Count = tx
        .fetch_one(
            "SELECT COUNT(*) AS n FROM subject_measures WHERE assessment_id = $1 AND measure_id = $2",
            args![id, &n.measure_id],
        )
        .await?;
    if known.n == 0 {
        return Err(StoreError::NotFound);
    }
    let answer = Answer::saved(n, actor);
    upsert_answer(&mut tx, AnswerTable::Subject, id, &answer).await?;
    tx.execute(
        "UPDATE subject_assessments SET updated_at = $2 WHERE id = $1",
        args![id, answer.updated_at],
    )
    .await?;
    let change = Change::new(
        "answer",
        "subject-answer",
        format!("{id}/{}", answer.measure_id),
        Some(institution),
        &answer,
    );
    audit::record(&mut tx, actor, &change).await?;
    crate::events::emit(&mut tx, "assessment.subject", Some(institution), &change).await?;
    tx.commit().await?;
    Ok(answer)
}

/// The institution hands the assessment in for review: every measure must be answered.
pub async fn submit(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    id: Uuid,
) -> Result<SubjectAssessment> {
    let mut tx = db.begin().await?;
    let mut a = locked(&mut tx, institution, id).await?;
    if !a.review().may_become(ReviewStatus::Submitted) {
        return Err(StoreError::State("subject-assessment-not-open"));
    }
    let open: Count = tx
        .fetch_one(
            "SELECT COUNT(*) AS n FROM subject_measures m WHERE m.assessment_id = $1 \
             AND NOT EXISTS (SELECT 1 FROM subject_answers x WHERE x.assessment_id = m.assessment_id AND x.measure_id = m.measure_id)",
            args![id],
        )
        .await?;
    if open.n > 0 {
        return Err(StoreError::State("subject-assessment-incomplete"));
    }
    let at = now();
    a.status = ReviewStatus::Submitted.as_str().into();
    a.submitted_by = Some(actor.email.clone());
    a.submitted_at = Some(at);
    a.updated_at = at;
    tx.execute(
        "UPDATE subject_assessments SET status = $2, submitted_by = $3, submitted_at = $4, updated_at = $4 WHERE id = $1",
        args![id, &a.status, a.submitted_by.clone(), at],
    )
    .await?;
    let change = Change::new("submit", "subject-assessment", id, Some(institution), &a);
    audit::record(&mut tx, actor, &change).await?;
    crate::events::emit(&mut tx, "assessment.subject", Some(institution), &change).await?;
    tx.commit().await?;
    Ok(a)
}

/// A reviewer approves a submitted assessment or returns it with a reason (then the
/// institution may change answers and submit again). Whoever submitted it does not review it.
pub async fn decide(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    id: Uuid,
    next: ReviewStatus,
    reason: &str,
) -> Result<SubjectAssessment> {
    let mut tx = db.begin().await?;
    let mut a = locked(&mut tx, institution, id).await?;
    if !matches!(next, ReviewStatus::Approved | ReviewStatus::Returned)
        || !a.review().may_become(next)
    {
        return Err(StoreError::State("subject-assessment-not-submitted"));
    }
    if a.submitted_by.as_deref() == Some(actor.email.as_str()) {
        return Err(StoreError::State("subject-assessment-own"));
    }
    let at = now();
    a.status = next.as_str().into();
    a.return_reason = if next == ReviewStatus::Returned {
        reason.trim().to_string()
    } else {
        String::new()
    };
    a.decided_by = Some(actor.email.clone());
    a.decided_at = Some(at);
    a.updated_at = at;
    tx.execute(
        "UPDATE subject_assessments SET status = $2, return_reason = $3, decided_by = $4, decided_at = $5, updated_at = $5 WHERE id = $1",
        args![id, &a.status, &a.return_reason, a.decided_by.clone(), at],
    )
    .await?;
    let change = Change::new(
        next.as_str(),
        "subject-assessment",
        id,
        Some(institution),
        &a,
    );
    audit::record(&mut tx, actor, &change).await?;
    crate::events::emit(&mut tx, "assessment.subject", Some(institution), &change).await?;
    tx.commit().await?;
    Ok(a)
}

// ---- national oversight ----

/// A project with its institution and its assessments packed as `questionnaire:status`
/// entries joined by `,` (the caller applies `centinela_core::projects::due` and `missing`).
#[derive(Debug, Clone, FromRow)]
pub struct OversightProject {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub acronym: String,
    pub sector: String,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub planned_live_on: Option<Date>,
    pub went_live_on: Option<Date>,
    pub reviews: String,
}

/// A digital service handling personal data, with its PIA's status if one was started.
#[derive(Debug, Clone, FromRow)]
pub struct OversightService {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub acronym: String,
    pub sector: String,
    pub name: String,
    pub url: String,
    pub pia_status: Option<String>,
}

fn sector_condition(scope: &Scope, sector: Option<&str>) -> (String, Vec<crate::Arg>) {
    let (mut cond, mut params) = scope.condition("i.id", 1);
    if let Some(s) = sector {
        params.push(s.into());
        cond = format!("{cond} AND i.sector = ${}", params.len());
    }
    (cond, params)
}

/// Projects not retired, of the institutions in scope (optionally of one sector).
pub async fn oversight_projects(
    db: &Db,
    scope: &Scope,
    sector: Option<&str>,
) -> Result<Vec<OversightProject>> {
    let (cond, params) = sector_condition(scope, sector);
    db.fetch_all(
        &format!(
            "SELECT p.id, p.institution_id, i.acronym, i.sector, p.name, p.kind, p.status, p.planned_live_on, p.went_live_on, \
             COALESCE((SELECT string_agg(s.questionnaire || ':' || s.status, ',') FROM subject_assessments s \
               WHERE s.subject_kind = 'project' AND s.subject_id = p.id), '') AS reviews \
             FROM ict_projects p JOIN institutions i ON i.id = p.institution_id \
             WHERE p.status <> 'retired' AND {cond} ORDER BY i.acronym, p.name, p.id"
        ),
        params,
    )
    .await
}

/// Services handling personal data whose PIA is not approved, of the institutions in scope.
pub async fn oversight_services(
    db: &Db,
    scope: &Scope,
    sector: Option<&str>,
) -> Result<Vec<OversightService>> {
    let (cond, params) = sector_condition(scope, sector);
    db.fetch_all(
        &format!(
            "SELECT v.id, v.institution_id, i.acronym, i.sector, v.name, v.url, \
             (SELECT s.status FROM subject_assessments s WHERE s.subject_kind = 'service' AND s.subject_id = v.id AND s.questionnaire = 'pia') AS pia_status \
             FROM services v JOIN institutions i ON i.id = v.institution_id \
             WHERE v.personal_data = TRUE AND {cond} \
             AND NOT EXISTS (SELECT 1 FROM subject_assessments s WHERE s.subject_kind = 'service' AND s.subject_id = v.id AND s.questionnaire = 'pia' AND s.status = 'approved') \
             ORDER BY i.acronym, v.name, v.id"
        ),
        params,
    )
    .await
}
