//! Baselines and assessments: versions of the national baseline catalog (with their public
//! consultation), campaigns that assign a resolved profile to institutions, answers per
//! measure with auditor verdicts, remediation plans, and the roll-up figures in SQL.
//!
//! Catalog and profile documents are stored as OSCAL JSON text; parsing, resolution and
//! scoring belong to the `assess` crate, which the web layer calls. Every change writes its
//! audit entry in the same transaction.

use crate::audit::{self, Change};
use crate::db::Tx;
use crate::{Actor, Db, Result, Scope, StoreError, args, now};
use serde::Serialize;
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The life of a baseline version: draft → consultation → adopted → mandatory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    Draft,
    Consultation,
    Adopted,
    Mandatory,
}

impl VersionStatus {
    pub const ALL: [VersionStatus; 4] = [
        VersionStatus::Draft,
        VersionStatus::Consultation,
        VersionStatus::Adopted,
        VersionStatus::Mandatory,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            VersionStatus::Draft => "draft",
            VersionStatus::Consultation => "consultation",
            VersionStatus::Adopted => "adopted",
            VersionStatus::Mandatory => "mandatory",
        }
    }

    pub fn parse(s: &str) -> Option<VersionStatus> {
        VersionStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Only forward, one step at a time: a version that went to consultation is never edited
    /// again (a new draft is made instead), so comments always refer to the text they read.
    pub fn may_become(self, next: VersionStatus) -> bool {
        matches!(
            (self, next),
            (VersionStatus::Draft, VersionStatus::Consultation)
                | (VersionStatus::Consultation, VersionStatus::Adopted)
                | (VersionStatus::Adopted, VersionStatus::Mandatory)
        )
    }

    /// Campaigns assess adopted or mandatory versions only.
    pub fn assessable(self) -> bool {
        matches!(self, VersionStatus::Adopted | VersionStatus::Mandatory)
    }
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct CatalogVersion {
    pub id: Uuid,
    pub version: String,
    pub title: String,
    pub status: String,
    pub based_on: Option<Uuid>,
    pub consultation_opens: Option<Date>,
    pub consultation_closes: Option<Date>,
    pub effective_on: Option<Date>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl CatalogVersion {
    pub fn status(&self) -> VersionStatus {
        VersionStatus::parse(&self.status).unwrap_or(VersionStatus::Draft)
    }
}

/// The documents of a version: the baseline catalog in both languages and the overlays as a
/// JSON object `sector → {"es": profile, "en": profile}`.
#[derive(Debug, Clone, Serialize, FromRow, PartialEq)]
pub struct CatalogContent {
    pub baseline_es: String,
    pub baseline_en: String,
    pub overlays: String,
}

const VERSION_COLUMNS: &str = "id, version, title, status, based_on, consultation_opens, consultation_closes, effective_on, created_at, updated_at";

/// A summary hashed into the audit entry (the documents are hashed, not copied).
#[derive(Serialize)]
struct VersionState<'a> {
    version: &'a CatalogVersion,
    content_sha256: String,
}

fn version_state<'a>(v: &'a CatalogVersion, c: &CatalogContent) -> VersionState<'a> {
    VersionState {
        version: v,
        content_sha256: centinela_core::audit::state_hash(c),
    }
}

pub async fn list_versions(db: &Db) -> Result<Vec<CatalogVersion>> {
    db.fetch_all(
        &format!(
            "SELECT {VERSION_COLUMNS} FROM catalog_versions ORDER BY created_at DESC, version DESC"
        ),
        args![],
    )
    .await
}

pub async fn get_version(db: &Db, id: Uuid) -> Result<CatalogVersion> {
    db.fetch_one(
        &format!("SELECT {VERSION_COLUMNS} FROM catalog_versions WHERE id = $1"),
        args![id],
    )
    .await
}

pub async fn version_content(db: &Db, id: Uuid) -> Result<CatalogContent> {
    db.fetch_one(
        "SELECT baseline_es, baseline_en, overlays FROM catalog_versions WHERE id = $1",
        args![id],
    )
    .await
}

/// A new version (already validated by the caller).
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub version: String,
    pub title: String,
    pub status: VersionStatus,
    pub based_on: Option<Uuid>,
    pub effective_on: Option<Date>,
    pub content: CatalogContent,
}

async fn insert_version(tx: &mut Tx, actor: &Actor, n: &NewVersion) -> Result<CatalogVersion> {
    let at = now();
    let v = CatalogVersion {
        id: Uuid::new_v4(),
        version: n.version.trim().to_string(),
        title: n.title.trim().to_string(),
        status: n.status.as_str().to_string(),
        based_on: n.based_on,
        consultation_opens: None,
        consultation_closes: None,
        effective_on: n.effective_on,
        created_at: at,
        updated_at: at,
    };
    tx.execute(
        "INSERT INTO catalog_versions (id, version, title, status, based_on, baseline_es, baseline_en, overlays, effective_on, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        args![v.id, &v.version, &v.title, &v.status, v.based_on, &n.content.baseline_es, &n.content.baseline_en, &n.content.overlays, v.effective_on, at, at],
    )
    .await
    .map_err(crate::db::conflict("version"))?;
    let change = Change::new(
        "create",
        "catalog-version",
        v.id,
        None,
        &version_state(&v, &n.content),
    );
    audit::record(tx, actor, &change).await?;
    crate::events::emit(tx, "baseline.version", None, &change).await?;
    Ok(v)
}

pub async fn create_version(db: &Db, actor: &Actor, n: &NewVersion) -> Result<CatalogVersion> {
    let mut tx = db.begin().await?;
    if let Some(base) = n.based_on {
        let found: Option<Count> = tx
            .fetch_optional(
                "SELECT COUNT(*) AS n FROM catalog_versions WHERE id = $1",
                args![base],
            )
            .await?;
        if found.is_none_or(|c| c.n == 0) {
            return Err(StoreError::Invalid("from".into()));
        }
    }
    let v = insert_version(&mut tx, actor, n).await?;
    tx.commit().await?;
    Ok(v)
}

/// Loads the shipped baseline once, on an empty table (idempotent; replicas racing on a
/// fresh database conflict on the version and keep the first).
pub async fn ensure_shipped(db: &Db, n: &NewVersion) -> Result<()> {
    let count: Count = db
        .fetch_one("SELECT COUNT(*) AS n FROM catalog_versions", args![])
        .await?;
    if count.n > 0 {
        return Ok(());
    }
    match create_version(db, &Actor::system(), n).await {
        Ok(_) | Err(StoreError::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Replaces a draft's documents (only drafts change).
pub async fn update_draft(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    content: &CatalogContent,
) -> Result<CatalogVersion> {
    let mut tx = db.begin().await?;
    let mut v: CatalogVersion = tx
        .fetch_one(
            &format!("SELECT {VERSION_COLUMNS} FROM catalog_versions WHERE id = $1"),
            args![id],
        )
        .await?;
    if v.status() != VersionStatus::Draft {
        return Err(StoreError::State("version-not-draft"));
    }
    v.updated_at = now();
    tx.execute(
        "UPDATE catalog_versions SET baseline_es = $2, baseline_en = $3, overlays = $4, updated_at = $5 WHERE id = $1",
        args![id, &content.baseline_es, &content.baseline_en, &content.overlays, v.updated_at],
    )
    .await?;
    let change = Change::new(
        "edit",
        "catalog-version",
        id,
        None,
        &version_state(&v, content),
    );
    audit::record(&mut tx, actor, &change).await?;
    tx.commit().await?;
    Ok(v)
}

/// The dates a status change brings.
#[derive(Debug, Clone, Default)]
pub struct StatusDates {
    pub opens: Option<Date>,
    pub closes: Option<Date>,
    pub effective: Option<Date>,
}

/// Moves a version one step forward. Consultation needs a closing date after the opening
/// (today by default); adoption needs an effective date and every comment answered.
pub async fn set_status(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    next: VersionStatus,
    dates: &StatusDates,
    today: Date,
) -> Result<CatalogVersion> {
    let mut tx = db.begin().await?;
    let mut v: CatalogVersion = tx
        .fetch_one(
            &format!("SELECT {VERSION_COLUMNS} FROM catalog_versions WHERE id = $1"),
            args![id],
        )
        .await?;
    if !v.status().may_become(next) {
        return Err(StoreError::State("status-transition"));
    }
    match next {
        VersionStatus::Consultation => {
            let opens = dates.opens.unwrap_or(today);
            let closes = dates
                .closes
                .ok_or_else(|| StoreError::Invalid("closes_on".into()))?;
            if closes <= opens {
                return Err(StoreError::Invalid("closes_on".into()));
            }
            v.consultation_opens = Some(opens);
            v.consultation_closes = Some(closes);
        }
        VersionStatus::Adopted => {
            let effective = dates
                .effective
                .ok_or_else(|| StoreError::Invalid("effective_on".into()))?;
            let open: Count = tx
                .fetch_one(
                    "SELECT COUNT(*) AS n FROM catalog_comments WHERE version_id = $1 AND reply IS NULL",
                    args![id],
                )
                .await?;
            if open.n > 0 {
                return Err(StoreError::State("comments-unanswered"));
            }
            v.effective_on = Some(effective);
        }
        VersionStatus::Mandatory => {
            if let Some(effective) = dates.effective {
                v.effective_on = Some(effective);
            }
        }
        VersionStatus::Draft => {}
    }
    v.status = next.as_str().to_string();
    v.updated_at = now();
    tx.execute(
        "UPDATE catalog_versions SET status = $2, consultation_opens = $3, consultation_closes = $4, effective_on = $5, updated_at = $6 WHERE id = $1",
        args![id, &v.status, v.consultation_opens, v.consultation_closes, v.effective_on, v.updated_at],
    )
    .await?;
    let change = Change::new(next.as_str(), "catalog-version", id, None, &v);
    audit::record(&mut tx, actor, &change).await?;
    crate::events::emit(&mut tx, "baseline.version", None, &change).await?;
    tx.commit().await?;
    Ok(v)
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Comment {
    pub id: Uuid,
    pub version_id: Uuid,
    pub measure_id: String,
    pub author_email: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub reply: Option<String>,
    pub replied_by: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub replied_at: Option<OffsetDateTime>,
}

const COMMENT_COLUMNS: &str =
    "id, version_id, measure_id, author_email, body, created_at, reply, replied_by, replied_at";

pub async fn list_comments(db: &Db, version: Uuid) -> Result<Vec<Comment>> {
    db.fetch_all(
        &format!("SELECT {COMMENT_COLUMNS} FROM catalog_comments WHERE version_id = $1 ORDER BY measure_id, created_at, id"),
        args![version],
    )
    .await
}

/// A comment on one measure, accepted only while the consultation is open on `today`.
pub async fn add_comment(
    db: &Db,
    actor: &Actor,
    version: Uuid,
    measure_id: &str,
    body: &str,
    today: Date,
) -> Result<Comment> {
    let mut tx = db.begin().await?;
    let v: CatalogVersion = tx
        .fetch_one(
            &format!("SELECT {VERSION_COLUMNS} FROM catalog_versions WHERE id = $1"),
            args![version],
        )
        .await?;
    let open = v.status() == VersionStatus::Consultation
        && v.consultation_opens.is_none_or(|o| o <= today)
        && v.consultation_closes.is_none_or(|c| today <= c);
    if !open {
        return Err(StoreError::State("consultation-closed"));
    }
    let c = Comment {
        id: Uuid::new_v4(),
        version_id: version,
        measure_id: measure_id.to_string(),
        author_email: actor.email.clone(),
        body: body.trim().to_string(),
        created_at: now(),
        reply: None,
        replied_by: None,
        replied_at: None,
    };
    tx.execute(
        &format!("INSERT INTO catalog_comments ({COMMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, NULL)"),
        args![c.id, version, &c.measure_id, &c.author_email, &c.body, c.created_at],
    )
    .await?;
    let change = Change::new("comment", "catalog-comment", c.id, None, &c);
    audit::record(&mut tx, actor, &change).await?;
    crate::events::emit(&mut tx, "baseline.comment", None, &change).await?;
    tx.commit().await?;
    Ok(c)
}

/// The coordinator's answer to a comment (it may be revised until the version is adopted).
pub async fn reply_comment(
    db: &Db,
    actor: &Actor,
    version: Uuid,
    comment: Uuid,
    reply: &str,
) -> Result<Comment> {
    let mut tx = db.begin().await?;
    let mut c: Comment = tx
        .fetch_one(
            &format!(
                "SELECT {COMMENT_COLUMNS} FROM catalog_comments WHERE id = $1 AND version_id = $2"
            ),
            args![comment, version],
        )
        .await?;
    let v: CatalogVersion = tx
        .fetch_one(
            &format!("SELECT {VERSION_COLUMNS} FROM catalog_versions WHERE id = $1"),
            args![version],
        )
        .await?;
    if v.status() != VersionStatus::Consultation {
        return Err(StoreError::State("consultation-over"));
    }
    c.reply = Some(reply.trim().to_string());
    c.replied_by = Some(actor.email.clone());
    c.replied_at = Some(now());
    tx.execute(
        "UPDATE catalog_comments SET reply = $2, replied_by = $3, replied_at = $4 WHERE id = $1",
        args![comment, c.reply.clone(), c.replied_by.clone(), c.replied_at],
    )
    .await?;
    let change = Change::new("reply", "catalog-comment", c.id, None, &c);
    audit::record(&mut tx, actor, &change).await?;
    tx.commit().await?;
    Ok(c)
}

// ---- campaigns ----

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Campaign {
    pub id: Uuid,
    pub title: String,
    pub version_id: Uuid,
    pub due_on: Date,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

const CAMPAIGN_COLUMNS: &str = "id, title, version_id, due_on, created_by, created_at";

/// One measure of a campaign profile, flattened from the resolved catalog.
#[derive(Debug, Clone, Serialize, FromRow, PartialEq)]
pub struct MeasureRow {
    pub measure_id: String,
    pub group_id: String,
    /// Thousandths (1000 = weight 1).
    pub weight: i64,
    pub position: i64,
    pub title_es: String,
    pub title_en: String,
}

/// A resolved profile of a campaign: `baseline` or a sector overlay.
#[derive(Debug, Clone)]
pub struct NewProfile {
    pub key: String,
    pub catalog_es: String,
    pub catalog_en: String,
    pub measures: Vec<MeasureRow>,
}

#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub title: String,
    pub version_id: Uuid,
    pub due_on: Date,
    pub profiles: Vec<NewProfile>,
    /// Institution → profile key.
    pub assignments: Vec<(Uuid, String)>,
}

#[derive(FromRow)]
struct Count {
    n: i64,
}

#[derive(FromRow)]
struct IdRow {
    id: Uuid,
}

/// Creates the campaign with one assessment per assigned institution. Each assessment starts
/// with the answers of the institution's previous assessment for the measures both share,
/// marked as carried over and without their verdicts (an auditor must look again); answers
/// that were only inferred there are left for inference to propose afresh.
pub async fn create_campaign(db: &Db, actor: &Actor, n: &NewCampaign) -> Result<Campaign> {
    let mut tx = db.begin().await?;
    let v: CatalogVersion = tx
        .fetch_optional(
            &format!("SELECT {VERSION_COLUMNS} FROM catalog_versions WHERE id = $1"),
            args![n.version_id],
        )
        .await?
        .ok_or_else(|| StoreError::Invalid("version_id".into()))?;
    if !v.status().assessable() {
        return Err(StoreError::State("version-not-adopted"));
    }
    let at = now();
    let c = Campaign {
        id: Uuid::new_v4(),
        title: n.title.trim().to_string(),
        version_id: n.version_id,
        due_on: n.due_on,
        created_by: actor.email.clone(),
        created_at: at,
    };
    tx.execute(
        &format!("INSERT INTO campaigns ({CAMPAIGN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"),
        args![c.id, &c.title, c.version_id, c.due_on, &c.created_by, at],
    )
    .await?;
    for p in &n.profiles {
        tx.execute(
            "INSERT INTO campaign_profiles (campaign_id, profile, catalog_es, catalog_en) VALUES ($1, $2, $3, $4)",
            args![c.id, &p.key, &p.catalog_es, &p.catalog_en],
        )
        .await?;
        for m in &p.measures {
            tx.execute(
                "INSERT INTO campaign_measures (campaign_id, profile, measure_id, group_id, weight, position, title_es, title_en) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                args![c.id, &p.key, &m.measure_id, &m.group_id, m.weight, m.position, &m.title_es, &m.title_en],
            )
            .await?;
        }
    }
    let change = Change::new("create", "campaign", c.id, None, &c);
    audit::record(&mut tx, actor, &change).await?;
    for (institution, profile) in &n.assignments {
        crate::constituency::ensure_institution(&mut tx, *institution)
            .await
            .map_err(|_| StoreError::Invalid("institutions".into()))?;
        let previous: Option<IdRow> = tx
            .fetch_optional(
                "SELECT id FROM assessments WHERE institution_id = $1 ORDER BY created_at DESC, id LIMIT 1",
                args![*institution],
            )
            .await?;
        let a = AssessmentRow {
            id: Uuid::new_v4(),
            campaign_id: c.id,
            institution_id: *institution,
            profile: profile.clone(),
            created_at: at,
            updated_at: at,
        };
        tx.execute(
            "INSERT INTO assessments (id, campaign_id, institution_id, profile, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
            args![a.id, c.id, *institution, profile, at, at],
        )
        .await?;
        if let Some(prev) = previous {
            tx.execute(
                "INSERT INTO assessment_answers (assessment_id, measure_id, status, reason, maturity, comment, evidence, carried_over, verdict, verdict_comment, verdict_by, updated_by, updated_at) \
                 SELECT $1, p.measure_id, p.status, p.reason, p.maturity, p.comment, p.evidence, TRUE, NULL, '', NULL, p.updated_by, p.updated_at \
                 FROM assessment_answers p WHERE p.assessment_id = $2 AND p.inferred_from IS NULL \
                 AND p.measure_id IN (SELECT measure_id FROM campaign_measures WHERE campaign_id = $3 AND profile = $4)",
                args![a.id, prev.id, c.id, profile],
            )
            .await?;
            refresh_totals(&mut tx, a.id).await?;
        }
        let change = Change::new("assign", "assessment", a.id, Some(*institution), &a);
        audit::record(&mut tx, actor, &change).await?;
        crate::events::emit(&mut tx, "assessment.assigned", Some(*institution), &change).await?;
    }
    tx.commit().await?;
    Ok(c)
}

pub async fn list_campaigns(db: &Db) -> Result<Vec<Campaign>> {
    db.fetch_all(
        &format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns ORDER BY created_at DESC, id"),
        args![],
    )
    .await
}

pub async fn get_campaign(db: &Db, id: Uuid) -> Result<Campaign> {
    db.fetch_one(
        &format!("SELECT {CAMPAIGN_COLUMNS} FROM campaigns WHERE id = $1"),
        args![id],
    )
    .await
}

pub async fn measures(db: &Db, campaign: Uuid, profile: &str) -> Result<Vec<MeasureRow>> {
    db.fetch_all(
        "SELECT measure_id, group_id, weight, position, title_es, title_en FROM campaign_measures WHERE campaign_id = $1 AND profile = $2 ORDER BY position",
        args![campaign, profile],
    )
    .await
}

#[derive(FromRow)]
struct CatalogText {
    text: String,
}

/// The resolved catalog of a campaign profile, in `lang` ("es" or "en").
pub async fn profile_catalog(db: &Db, campaign: Uuid, profile: &str, lang: &str) -> Result<String> {
    let column = if lang == "en" {
        "catalog_en"
    } else {
        "catalog_es"
    };
    let row: CatalogText = db
        .fetch_one(
            &format!("SELECT {column} AS text FROM campaign_profiles WHERE campaign_id = $1 AND profile = $2"),
            args![campaign, profile],
        )
        .await?;
    Ok(row.text)
}

// ---- assessments and answers ----

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct AssessmentRow {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub institution_id: Uuid,
    pub profile: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// An assessment as lists show it, with its campaign and institution names and answer count.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct AssessmentSummary {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub campaign_title: String,
    pub due_on: Date,
    pub institution_id: Uuid,
    pub acronym: String,
    pub profile: String,
    pub answered: i64,
    pub measures: i64,
}

/// Assessments in scope, newest campaign first; optionally of one campaign or institution.
pub async fn list_assessments(
    db: &Db,
    scope: &Scope,
    campaign: Option<Uuid>,
    institution: Option<Uuid>,
) -> Result<Vec<AssessmentSummary>> {
    let (mut cond, mut params) = scope.condition("a.institution_id", 1);
    if let Some(c) = campaign {
        params.push(c.into());
        cond = format!("{cond} AND a.campaign_id = ${}", params.len());
    }
    if let Some(i) = institution {
        params.push(i.into());
        cond = format!("{cond} AND a.institution_id = ${}", params.len());
    }
    db.fetch_all(
        &format!(
            "SELECT a.id, a.campaign_id, c.title AS campaign_title, c.due_on, a.institution_id, i.acronym, a.profile, \
             (SELECT COUNT(*) FROM assessment_answers x WHERE x.assessment_id = a.id) AS answered, \
             (SELECT COUNT(*) FROM campaign_measures m WHERE m.campaign_id = a.campaign_id AND m.profile = a.profile) AS measures \
             FROM assessments a JOIN campaigns c ON c.id = a.campaign_id JOIN institutions i ON i.id = a.institution_id \
             WHERE {cond} ORDER BY c.created_at DESC, i.acronym, a.id"
        ),
        params,
    )
    .await
}

/// One assessment of `institution` (404 when it belongs to another one).
pub async fn get_assessment(db: &Db, institution: Uuid, id: Uuid) -> Result<AssessmentRow> {
    db.fetch_one(
        "SELECT id, campaign_id, institution_id, profile, created_at, updated_at FROM assessments WHERE id = $1 AND institution_id = $2",
        args![id, institution],
    )
    .await
}

#[derive(Debug, Clone, Serialize, FromRow, PartialEq)]
pub struct Answer {
    pub measure_id: String,
    pub status: String,
    pub reason: String,
    pub maturity: Option<i64>,
    pub comment: String,
    /// JSON array of evidence links.
    pub evidence: String,
    pub carried_over: bool,
    /// Provenance JSON of an answer inferred from another assessment (`assess::infer`);
    /// `None` once the officer saves it, or for answers never inferred.
    pub inferred_from: Option<String>,
    pub verdict: Option<String>,
    pub verdict_comment: String,
    pub verdict_by: Option<String>,
    pub updated_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

const ANSWER_COLUMNS: &str = "measure_id, status, reason, maturity, comment, evidence, carried_over, inferred_from, verdict, verdict_comment, verdict_by, updated_by, updated_at";

pub async fn answers(db: &Db, assessment: Uuid) -> Result<Vec<Answer>> {
    db.fetch_all(
        &format!("SELECT {ANSWER_COLUMNS} FROM assessment_answers WHERE assessment_id = $1 ORDER BY measure_id"),
        args![assessment],
    )
    .await
}

/// An answer to save (validated by the caller against the campaign's measures).
#[derive(Debug, Clone)]
pub struct NewAnswer {
    pub measure_id: String,
    pub status: String,
    pub reason: String,
    pub maturity: Option<i64>,
    pub comment: String,
    pub evidence: String,
}

/// Which table holds an assessment's answers: a campaign's or a subject's (project,
/// service). Both have the same columns.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AnswerTable {
    Campaign,
    Subject,
}

impl Answer {
    /// An answer as the officer saves it: theirs now, with no verdict, carried-over or
    /// inferred mark.
    pub(crate) fn saved(n: &NewAnswer, actor: &Actor) -> Answer {
        Answer {
            measure_id: n.measure_id.clone(),
            status: n.status.clone(),
            reason: n.reason.clone(),
            maturity: n.maturity,
            comment: n.comment.clone(),
            evidence: n.evidence.clone(),
            carried_over: false,
            inferred_from: None,
            verdict: None,
            verdict_comment: String::new(),
            verdict_by: None,
            updated_by: actor.email.clone(),
            updated_at: now(),
        }
    }
}

/// Creates or replaces a saved answer (see [`Answer::saved`]) of an assessment.
pub(crate) async fn upsert_answer(
    tx: &mut crate::Tx,
    table: AnswerTable,
    assessment: Uuid,
    answer: &Answer,
) -> Result<()> {
    let table = match table {
        AnswerTable::Campaign => "assessment_answers",
        AnswerTable::Subject => "subject_answers",
    };
    tx.execute(
        &format!("INSERT INTO {table} (assessment_id, measure_id, status, reason, maturity, comment, evidence, carried_over, verdict, verdict_comment, verdict_by, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, NULL, '', NULL, $8, $9) \
         ON CONFLICT (assessment_id, measure_id) DO UPDATE SET status = excluded.status, reason = excluded.reason, \
         maturity = excluded.maturity, comment = excluded.comment, evidence = excluded.evidence, carried_over = FALSE, \
         inferred_from = NULL, verdict = NULL, verdict_comment = '', verdict_by = NULL, updated_by = excluded.updated_by, updated_at = excluded.updated_at"),
        args![assessment, &answer.measure_id, &answer.status, &answer.reason, answer.maturity, &answer.comment, &answer.evidence, &answer.updated_by, answer.updated_at],
    )
    .await?;
    Ok(())
}

/// Creates or replaces an answer. A changed answer loses its verdict and its carried-over
/// and inferred marks: it is now this campaign's answer, and an auditor must look at it again.
pub async fn save_answer(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    assessment: Uuid,
    n: &NewAnswer,
) -> Result<Answer> {
    let mut tx = db.begin().await?;
    let a: AssessmentRow = tx
        .fetch_one(
            "SELECT id, campaign_id, institution_id, profile, created_at, updated_at FROM assessments WHERE id = $1 AND institution_id = $2",
            args![assessment, institution],
        )
        .await?;
    let known: Count = tx
        .fetch_one(
            "SELECT COUNT(*) AS n FROM campaign_measures WHERE campaign_id = $1 AND profile = $2 AND measure_id = $3",
            args![a.campaign_id, &a.profile, &n.measure_id],
        )
        .await?;
    if known.n == 0 {
        return Err(StoreError::NotFound);
    }
    let answer = Answer::saved(n, actor);
    upsert_answer(&mut tx, AnswerTable::Campaign, assessment, &answer).await?;
    tx.execute(
        "UPDATE assessments SET updated_at = $2 WHERE id = $1",
        args![assessment, answer.updated_at],
    )
    .await?;
    refresh_totals(&mut tx, assessment).await?;
    let change = Change::new(
        "answer",
        "assessment-answer",
        format!("{assessment}/{}", answer.measure_id),
        Some(institution),
        &answer,
    );
    audit::record(&mut tx, actor, &change).await?;
    crate::events::emit(&mut tx, "assessment.answer", Some(institution), &change).await?;
    tx.commit().await?;
    Ok(answer)
}

/// An auditor's verdict on an existing answer.
pub async fn set_verdict(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    assessment: Uuid,
    measure_id: &str,
    verdict: &str,
    comment: &str,
) -> Result<Answer> {
    let mut tx = db.begin().await?;
    let mut answer: Answer = tx
        .fetch_one(
            &format!(
                "SELECT {ANSWER_COLUMNS} FROM assessment_answers x WHERE x.assessment_id = $1 AND x.measure_id = $2 \
                 AND EXISTS (SELECT 1 FROM assessments a WHERE a.id = x.assessment_id AND a.institution_id = $3)"
            ),
            args![assessment, measure_id, institution],
        )
        .await?;
    answer.verdict = Some(verdict.to_string());
    answer.verdict_comment = comment.trim().to_string();
    answer.verdict_by = Some(actor.email.clone());
    tx.execute(
        "UPDATE assessment_answers SET verdict = $3, verdict_comment = $4, verdict_by = $5 WHERE assessment_id = $1 AND measure_id = $2",
        args![assessment, measure_id, answer.verdict.clone(), &answer.verdict_comment, answer.verdict_by.clone()],
    )
    .await?;
    let change = Change::new(
        "verdict",
        "assessment-answer",
        format!("{assessment}/{measure_id}"),
        Some(institution),
        &answer,
    );
    audit::record(&mut tx, actor, &change).await?;
    crate::events::emit(&mut tx, "assessment.verdict", Some(institution), &change).await?;
    tx.commit().await?;
    Ok(answer)
}

// ---- remediation plan ----

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct PlanItem {
    pub id: Uuid,
    pub assessment_id: Uuid,
    pub measure_id: String,
    pub title: String,
    pub weight: i64,
    pub owner: String,
    pub due_on: Option<Date>,
    pub status: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

pub const PLAN_STATUSES: [&str; 3] = ["open", "in_progress", "done"];

const PLAN_COLUMNS: &str =
    "id, assessment_id, measure_id, title, weight, owner, due_on, status, created_at, updated_at";

/// Heaviest first: the order of the gap analysis it came from.
pub async fn plan(db: &Db, assessment: Uuid) -> Result<Vec<PlanItem>> {
    db.fetch_all(
        &format!("SELECT {PLAN_COLUMNS} FROM remediation_items WHERE assessment_id = $1 ORDER BY weight DESC, measure_id"),
        args![assessment],
    )
    .await
}

/// Adds plan items for gaps that have none yet: `(measure id, title, weight)`.
pub async fn add_plan_items(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    assessment: Uuid,
    gaps: &[(String, String, i64)],
    due_on: Option<Date>,
) -> Result<Vec<PlanItem>> {
    let mut tx = db.begin().await?;
    tx.fetch_one::<AssessmentRow>(
        "SELECT id, campaign_id, institution_id, profile, created_at, updated_at FROM assessments WHERE id = $1 AND institution_id = $2",
        args![assessment, institution],
    )
    .await?;
    let mut added = vec![];
    for (measure, title, weight) in gaps {
        let at = now();
        let item = PlanItem {
            id: Uuid::new_v4(),
            assessment_id: assessment,
            measure_id: measure.clone(),
            title: title.clone(),
            weight: *weight,
            owner: String::new(),
            due_on,
            status: "open".into(),
            created_at: at,
            updated_at: at,
        };
        let n = tx
            .execute(
                &format!("INSERT INTO remediation_items ({PLAN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (assessment_id, measure_id) DO NOTHING"),
                args![item.id, assessment, &item.measure_id, &item.title, item.weight, &item.owner, item.due_on, &item.status, at, at],
            )
            .await?;
        if n > 0 {
            added.push(item);
        }
    }
    let change = Change::new(
        "plan",
        "remediation-plan",
        assessment,
        Some(institution),
        &added,
    );
    audit::record(&mut tx, actor, &change).await?;
    tx.commit().await?;
    Ok(added)
}

/// What a plan item's owner may change (validated by the caller).
#[derive(Debug, Clone)]
pub struct PlanChange {
    pub owner: String,
    pub due_on: Option<Date>,
    pub status: String,
}

pub async fn update_plan_item(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    assessment: Uuid,
    item: Uuid,
    change: &PlanChange,
) -> Result<PlanItem> {
    let mut tx = db.begin().await?;
    let mut row: PlanItem = tx
        .fetch_one(
            &format!(
                "SELECT {PLAN_COLUMNS} FROM remediation_items r WHERE r.id = $1 AND r.assessment_id = $2 \
                 AND EXISTS (SELECT 1 FROM assessments a WHERE a.id = r.assessment_id AND a.institution_id = $3)"
            ),
            args![item, assessment, institution],
        )
        .await?;
    row.owner = change.owner.trim().to_string();
    row.due_on = change.due_on;
    row.status = change.status.clone();
    row.updated_at = now();
    tx.execute(
        "UPDATE remediation_items SET owner = $2, due_on = $3, status = $4, updated_at = $5 WHERE id = $1",
        args![item, &row.owner, row.due_on, &row.status, row.updated_at],
    )
    .await?;
    let change = Change::new("update", "remediation-item", item, Some(institution), &row);
    audit::record(&mut tx, actor, &change).await?;
    tx.commit().await?;
    Ok(row)
}

// ---- roll-up ----

/// One institution of a campaign with its per-group totals packed as text:
/// `group|earned2|possible|maturity_sum|maturity_weight|implemented|partial|planned|not_implemented|not_applicable`
/// entries joined by `;` (earned counts partial as half, so it is doubled; weights in
/// thousandths). One row per institution keeps the read to 2,000 rows for 2,000 institutions
/// rather than one per institution × group.
#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct RollupRow {
    pub institution_id: Uuid,
    pub acronym: String,
    pub sector: String,
    pub level: String,
    pub profile: String,
    pub totals: String,
}

/// One group's totals of one assessment.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GroupTotals {
    pub earned2: i64,
    pub possible: i64,
    pub maturity_sum: i64,
    pub maturity_weight: i64,
    /// implemented, partial, planned, not implemented, not applicable.
    pub counts: [i64; 5],
}

impl RollupRow {
    /// The packed totals, `(group, totals)`; malformed entries (none are written) are skipped.
    pub fn groups(&self) -> Vec<(&str, GroupTotals)> {
        self.totals
            .split(';')
            .filter_map(|entry| {
                let mut f = entry.split('|');
                let group = f.next()?;
                let mut n = [0i64; 9];
                for slot in &mut n {
                    *slot = f.next()?.parse().ok()?;
                }
                Some((
                    group,
                    GroupTotals {
                        earned2: n[0],
                        possible: n[1],
                        maturity_sum: n[2],
                        maturity_weight: n[3],
                        counts: [n[4], n[5], n[6], n[7], n[8]],
                    },
                ))
            })
            .collect()
    }
}

const TOTALS_SELECT: &str = "SELECT x.assessment_id, m.group_id, \
     CAST(COALESCE(SUM(CASE x.status WHEN 'implemented' THEN 2 * m.weight WHEN 'partial' THEN m.weight ELSE 0 END), 0) AS BIGINT), \
     CAST(COALESCE(SUM(CASE WHEN x.status <> 'not_applicable' THEN m.weight ELSE 0 END), 0) AS BIGINT), \
     CAST(COALESCE(SUM(CASE WHEN x.status <> 'not_applicable' AND x.maturity IS NOT NULL THEN m.weight * x.maturity ELSE 0 END), 0) AS BIGINT), \
     CAST(COALESCE(SUM(CASE WHEN x.status <> 'not_applicable' AND x.maturity IS NOT NULL THEN m.weight ELSE 0 END), 0) AS BIGINT), \
     CAST(COALESCE(SUM(CASE WHEN x.status = 'implemented' THEN 1 ELSE 0 END), 0) AS BIGINT), \
     CAST(COALESCE(SUM(CASE WHEN x.status = 'partial' THEN 1 ELSE 0 END), 0) AS BIGINT), \
     CAST(COALESCE(SUM(CASE WHEN x.status = 'planned' THEN 1 ELSE 0 END), 0) AS BIGINT), \
     CAST(COALESCE(SUM(CASE WHEN x.status = 'not_implemented' THEN 1 ELSE 0 END), 0) AS BIGINT), \
     CAST(COALESCE(SUM(CASE WHEN x.status = 'not_applicable' THEN 1 ELSE 0 END), 0) AS BIGINT) \
     FROM assessment_answers x JOIN assessments a ON a.id = x.assessment_id \
     JOIN campaign_measures m ON m.campaign_id = a.campaign_id AND m.profile = a.profile AND m.measure_id = x.measure_id";

const TOTALS_INSERT: &str = "INSERT INTO assessment_group_totals (assessment_id, group_id, earned2, possible, maturity_sum, maturity_weight, implemented, partial, planned, not_implemented, not_applicable) ";

/// Rewrites one assessment's per-group totals from its answers (inside the answer's
/// transaction: the totals never disagree with the answers).
pub(crate) async fn refresh_totals(tx: &mut Tx, assessment: Uuid) -> Result<()> {
    tx.execute(
        "DELETE FROM assessment_group_totals WHERE assessment_id = $1",
        args![assessment],
    )
    .await?;
    tx.execute(
        &format!("{TOTALS_INSERT}{TOTALS_SELECT} WHERE x.assessment_id = $1 GROUP BY x.assessment_id, m.group_id"),
        args![assessment],
    )
    .await?;
    Ok(())
}

/// Rewrites the totals of every assessment of a campaign, for answers written in bulk
/// outside [`save_answer`] (imports, benchmarks).
pub async fn refresh_campaign_totals(db: &Db, campaign: Uuid) -> Result<()> {
    let mut tx = db.begin().await?;
    tx.execute(
        "DELETE FROM assessment_group_totals WHERE assessment_id IN (SELECT id FROM assessments WHERE campaign_id = $1)",
        args![campaign],
    )
    .await?;
    tx.execute(
        &format!("{TOTALS_INSERT}{TOTALS_SELECT} WHERE a.campaign_id = $1 GROUP BY x.assessment_id, m.group_id"),
        args![campaign],
    )
    .await?;
    tx.commit().await
}

/// The campaign's institutions in scope with their per-group totals, read from the totals
/// kept beside the answers (an assessment with no answers has empty totals).
pub async fn rollup_rows(db: &Db, campaign: Uuid, scope: &Scope) -> Result<Vec<RollupRow>> {
    let (cond, mut params) = scope.condition("a.institution_id", 2);
    let mut all = vec![crate::Arg::from(campaign)];
    all.append(&mut params);
    let text = |c: &str| format!("CAST(t.{c} AS TEXT)");
    let entry = [
        "t.group_id".to_string(),
        text("earned2"),
        text("possible"),
        text("maturity_sum"),
        text("maturity_weight"),
        text("implemented"),
        text("partial"),
        text("planned"),
        text("not_implemented"),
        text("not_applicable"),
    ]
    .join(" || '|' || ");
    db.fetch_all(
        &format!(
            "SELECT a.institution_id, i.acronym, i.sector, i.level, a.profile, \
             COALESCE(string_agg({entry}, ';'), '') AS totals \
             FROM assessments a JOIN institutions i ON i.id = a.institution_id \
             LEFT JOIN assessment_group_totals t ON t.assessment_id = a.id \
             WHERE a.campaign_id = $1 AND {cond} \
             GROUP BY a.institution_id, i.acronym, i.sector, i.level, a.profile \
             ORDER BY i.acronym, a.institution_id"
        ),
        all,
    )
    .await
}

/// Groups and measure counts per profile of a campaign: `(profile, group, measures)`.
#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct ProfileGroup {
    pub profile: String,
    pub group_id: String,
    pub measures: i64,
    pub first: i64,
}

pub async fn profile_groups(db: &Db, campaign: Uuid) -> Result<Vec<ProfileGroup>> {
    db.fetch_all(
        "SELECT profile, group_id, COUNT(*) AS measures, MIN(position) AS first FROM campaign_measures WHERE campaign_id = $1 GROUP BY profile, group_id ORDER BY profile, first",
        args![campaign],
    )
    .await
}

/// Attaches an evidence file (already stored under its digest) to one measure's answer of an
/// assessment of `institution`; unknown assessments or measures are not found.
pub async fn add_evidence(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    assessment: Uuid,
    measure: &str,
    new: &crate::evidence::NewEvidence,
) -> Result<crate::evidence::EvidenceFile> {
    let mut tx = db.begin().await?;
    let a: AssessmentRow = tx
        .fetch_one(
            "SELECT id, campaign_id, institution_id, profile, created_at, updated_at FROM assessments WHERE id = $1 AND institution_id = $2",
            args![assessment, institution],
        )
        .await?;
    let known: Count = tx
        .fetch_one(
            "SELECT COUNT(*) AS n FROM campaign_measures WHERE campaign_id = $1 AND profile = $2 AND measure_id = $3",
            args![a.campaign_id, &a.profile, measure],
        )
        .await?;
    if known.n == 0 {
        return Err(StoreError::NotFound);
    }
    let file = crate::evidence::insert(&mut tx, actor, new).await?;
    tx.commit().await?;
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::VersionStatus::{self, *};

    #[test]
    fn versions_move_forward_one_step() {
        // (from, to, allowed)
        let cases = [
            (Draft, Consultation, true),
            (Draft, Adopted, false),
            (Draft, Mandatory, false),
            (Consultation, Adopted, true),
            (Consultation, Draft, false),
            (Adopted, Mandatory, true),
            (Adopted, Consultation, false),
            (Mandatory, Adopted, false),
            (Mandatory, Mandatory, false),
        ];
        for (from, to, allowed) in cases {
            assert_eq!(from.may_become(to), allowed, "{from:?} -> {to:?}");
        }
    }

    #[test]
    fn packed_totals_read_back() {
        let row = super::RollupRow {
            institution_id: uuid::Uuid::nil(),
            acronym: "SAT".into(),
            sector: "public-administration".into(),
            level: "federal".into(),
            profile: "baseline".into(),
            totals: "gob|4000|3000|6000|2000|1|1|0|0|1;pro|0|1000|0|0|0|0|0|1|0;bad|1".into(),
        };
        let groups = row.groups();
        assert_eq!(groups.len(), 2, "the malformed entry is skipped");
        assert_eq!(groups[0].0, "gob");
        assert_eq!(groups[0].1.earned2, 4000);
        assert_eq!(groups[0].1.counts, [1, 1, 0, 0, 1]);
        assert_eq!(groups[1].1.possible, 1000);
        let empty = super::RollupRow {
            totals: String::new(),
            ..row
        };
        assert!(empty.groups().is_empty());
    }

    #[test]
    fn only_adopted_versions_are_assessed() {
        let assessable: Vec<VersionStatus> = VersionStatus::ALL
            .into_iter()
            .filter(|s| s.assessable())
            .collect();
        assert_eq!(assessable, vec![Adopted, Mandatory]);
        for s in VersionStatus::ALL {
            assert_eq!(VersionStatus::parse(s.as_str()), Some(s));
        }
    }
}
