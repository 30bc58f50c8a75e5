//! The national capabilities self-assessment (NCAF): one record per year naming the framework
//! edition it answers, and yes/no/not-applicable answers per indicator. Scoring is
//! `assess::ncaf`'s, done by the web layer from these answers; nothing derived is stored.
//! Campaign reminders (who was reminded of what) live here too: they are claimed with an
//! insert so that one worker replica sends each.

use crate::audit::{self, Change};
use crate::{Actor, Db, Result, StoreError, args, now};
use serde::Serialize;
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, FromRow, PartialEq)]
pub struct NcafAssessment {
    pub id: Uuid,
    pub year: i64,
    pub edition: String,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

const COLUMNS: &str = "id, year, edition, created_by, created_at, updated_at";

#[derive(Debug, Clone, Serialize, FromRow, PartialEq)]
pub struct NcafAnswer {
    pub indicator_id: String,
    /// `yes`, `no` or `not-applicable`.
    pub answer: String,
    /// Copied from the previous year when this year was opened, not answered again since.
    pub carried_over: bool,
    pub updated_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Every yearly assessment, newest year first.
pub async fn list(db: &Db) -> Result<Vec<NcafAssessment>> {
    db.fetch_all(
        &format!("SELECT {COLUMNS} FROM ncaf_assessments ORDER BY year DESC"),
        args![],
    )
    .await
}

pub async fn get(db: &Db, id: Uuid) -> Result<NcafAssessment> {
    db.fetch_one(
        &format!("SELECT {COLUMNS} FROM ncaf_assessments WHERE id = $1"),
        args![id],
    )
    .await
}

/// Opens the assessment of `year` (one per year: a second is a conflict). The answers of the
/// latest earlier year to the indicators in `carry` (those of this year's edition) are
/// copied, marked as carried over until answered again: capabilities rarely change in a
/// year, and the coordinator confirms rather than retypes them. The earlier year is the latest
/// of the same edition: another edition's indicator ids may coincide without meaning the same.
pub async fn create(
    db: &Db,
    actor: &Actor,
    year: i64,
    edition: &str,
    carry: &[String],
) -> Result<NcafAssessment> {
    let mut tx = db.begin().await?;
    let at = now();
    let a = NcafAssessment {
        id: Uuid::new_v4(),
        year,
        edition: edition.to_string(),
        created_by: actor.email.clone(),
        created_at: at,
        updated_at: at,
    };
    tx.execute(
        &format!("INSERT INTO ncaf_assessments ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"),
        args![a.id, a.year, &a.edition, &a.created_by, at, at],
    )
    .await
    .map_err(crate::db::conflict("assessment of this year"))?;
    let previous: Option<NcafAssessment> = tx
        .fetch_optional(
            &format!(
                "SELECT {COLUMNS} FROM ncaf_assessments WHERE year < $1 AND edition = $2 ORDER BY year DESC LIMIT 1"
            ),
            args![year, edition],
        )
        .await?;
    if let Some(p) = previous {
        let rows: Vec<NcafAnswer> = tx
            .fetch_all(
                "SELECT indicator_id, answer, carried_over, updated_by, updated_at FROM ncaf_answers WHERE assessment_id = $1 ORDER BY indicator_id",
                args![p.id],
            )
            .await?;
        for r in rows.iter().filter(|r| carry.contains(&r.indicator_id)) {
            tx.execute(
                "INSERT INTO ncaf_answers (assessment_id, indicator_id, answer, carried_over, updated_by, updated_at) VALUES ($1, $2, $3, TRUE, $4, $5)",
                args![a.id, &r.indicator_id, &r.answer, &r.updated_by, r.updated_at],
            )
            .await?;
        }
    }
    let change = Change::new("create", "ncaf-assessment", a.id, None, &a);
    audit::record(&mut tx, actor, &change).await?;
    crate::events::emit(&mut tx, "ncaf.assessment", None, &change).await?;
    tx.commit().await?;
    Ok(a)
}

pub async fn answers(db: &Db, id: Uuid) -> Result<Vec<NcafAnswer>> {
    db.fetch_all(
        "SELECT indicator_id, answer, carried_over, updated_by, updated_at FROM ncaf_answers WHERE assessment_id = $1 ORDER BY indicator_id",
        args![id],
    )
    .await
}

/// Every assessment's answers at once (for the list of years): (assessment, answer).
pub async fn all_answers(db: &Db) -> Result<Vec<(Uuid, NcafAnswer)>> {
    #[derive(FromRow)]
    struct Row {
        assessment_id: Uuid,
        #[sqlx(flatten)]
        answer: NcafAnswer,
    }
    let rows: Vec<Row> = db
        .fetch_all(
            "SELECT assessment_id, indicator_id, answer, carried_over, updated_by, updated_at FROM ncaf_answers ORDER BY assessment_id, indicator_id",
            args![],
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.assessment_id, r.answer))
        .collect())
}

/// The answers to one objective's indicators (validated by the caller against the edition):
/// `answers` holds (indicator, `Some(answer)`) to set or (indicator, `None`) to clear, in one
/// transaction with one audit entry for the objective.
pub async fn save_objective(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    objective: &str,
    answers: &[(String, Option<String>)],
) -> Result<Vec<NcafAnswer>> {
    let mut tx = db.begin().await?;
    let found: Option<NcafAssessment> = tx
        .fetch_optional(
            &format!("SELECT {COLUMNS} FROM ncaf_assessments WHERE id = $1"),
            args![id],
        )
        .await?;
    if found.is_none() {
        return Err(StoreError::NotFound);
    }
    let at = now();
    let mut saved = vec![];
    for (indicator, answer) in answers {
        match answer {
            Some(answer) => {
                tx.execute(
                    "INSERT INTO ncaf_answers (assessment_id, indicator_id, answer, carried_over, updated_by, updated_at) VALUES ($1, $2, $3, FALSE, $4, $5) \
                     ON CONFLICT (assessment_id, indicator_id) DO UPDATE SET answer = excluded.answer, carried_over = FALSE, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                    args![id, indicator, answer, &actor.email, at],
                )
                .await?;
                saved.push(NcafAnswer {
                    indicator_id: indicator.clone(),
                    answer: answer.clone(),
                    carried_over: false,
                    updated_by: actor.email.clone(),
                    updated_at: at,
                });
            }
            None => {
                tx.execute(
                    "DELETE FROM ncaf_answers WHERE assessment_id = $1 AND indicator_id = $2",
                    args![id, indicator],
                )
                .await?;
            }
        }
    }
    tx.execute(
        "UPDATE ncaf_assessments SET updated_at = $2 WHERE id = $1",
        args![id, at],
    )
    .await?;
    #[derive(Serialize)]
    struct State<'a> {
        objective: &'a str,
        answers: &'a [(String, Option<String>)],
    }
    let change = Change::new(
        "answer",
        "ncaf-objective",
        format!("{id}/{objective}"),
        None,
        &State { objective, answers },
    );
    audit::record(&mut tx, actor, &change).await?;
    crate::events::emit(&mut tx, "ncaf.answer", None, &change).await?;
    tx.commit().await?;
    Ok(saved)
}

// ---- uploaded framework editions ----

/// An uploaded framework edition (the shipped ones live in the binary, not here).
#[derive(Debug, Clone, Serialize, FromRow, PartialEq)]
pub struct NcafEdition {
    pub edition: String,
    pub year: i64,
    pub title_es: String,
    pub title_en: String,
    pub objectives: i64,
    pub indicators: i64,
    pub uploaded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub uploaded_at: OffsetDateTime,
}

const EDITION_COLUMNS: &str =
    "edition, year, title_es, title_en, objectives, indicators, uploaded_by, uploaded_at";

/// What the caller validated: the listing fields and the document as uploaded.
#[derive(Debug, Clone)]
pub struct NewEdition<'a> {
    pub edition: &'a str,
    pub year: i64,
    pub title_es: &'a str,
    pub title_en: &'a str,
    pub objectives: i64,
    pub indicators: i64,
    pub document: &'a str,
}

/// Stores an uploaded edition; an edition id already stored is a conflict. The audit entry
/// names the edition and its counts, not the document (it can be read back whole).
pub async fn create_edition(db: &Db, actor: &Actor, e: &NewEdition<'_>) -> Result<NcafEdition> {
    let mut tx = db.begin().await?;
    let row = NcafEdition {
        edition: e.edition.to_string(),
        year: e.year,
        title_es: e.title_es.to_string(),
        title_en: e.title_en.to_string(),
        objectives: e.objectives,
        indicators: e.indicators,
        uploaded_by: actor.email.clone(),
        uploaded_at: now(),
    };
    tx.execute(
        &format!(
            "INSERT INTO ncaf_editions ({EDITION_COLUMNS}, document) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        ),
        args![
            &row.edition,
            row.year,
            &row.title_es,
            &row.title_en,
            row.objectives,
            row.indicators,
            &row.uploaded_by,
            row.uploaded_at,
            e.document
        ],
    )
    .await
    .map_err(crate::db::conflict("NCAF edition"))?;
    let change = Change::new("upload", "ncaf-edition", &row.edition, None, &row);
    audit::record(&mut tx, actor, &change).await?;
    tx.commit().await?;
    Ok(row)
}

/// Uploaded editions, newest publication year first.
pub async fn editions(db: &Db) -> Result<Vec<NcafEdition>> {
    db.fetch_all(
        &format!("SELECT {EDITION_COLUMNS} FROM ncaf_editions ORDER BY year DESC, edition"),
        args![],
    )
    .await
}

/// The stored document of an uploaded edition, if any.
pub async fn edition_document(db: &Db, edition: &str) -> Result<Option<String>> {
    #[derive(FromRow)]
    struct Row {
        document: String,
    }
    let row: Option<Row> = db
        .fetch_optional(
            "SELECT document FROM ncaf_editions WHERE edition = $1",
            args![edition],
        )
        .await?;
    Ok(row.map(|r| r.document))
}

// ---- campaign reminders ----

/// An assessment of a campaign still open at `due_on`, with how far it got.
#[derive(Debug, Clone, FromRow)]
pub struct PendingAssessment {
    pub campaign_id: Uuid,
    pub campaign_title: String,
    pub due_on: Date,
    pub institution_id: Uuid,
    pub assessment_id: Uuid,
    pub answered: i64,
    pub measures: i64,
}

/// Assessments of campaigns due between `from` and `to` (inclusive) with at least one measure
/// unanswered: an assessment is complete when every measure of its profile has an answer.
pub async fn incomplete_assessments(
    db: &Db,
    from: Date,
    to: Date,
) -> Result<Vec<PendingAssessment>> {
    db.fetch_all(
        "SELECT * FROM (SELECT c.id AS campaign_id, c.title AS campaign_title, c.due_on, a.institution_id, a.id AS assessment_id, \
         (SELECT COUNT(*) FROM assessment_answers x WHERE x.assessment_id = a.id) AS answered, \
         (SELECT COUNT(*) FROM campaign_measures m WHERE m.campaign_id = a.campaign_id AND m.profile = a.profile) AS measures \
         FROM assessments a JOIN campaigns c ON c.id = a.campaign_id WHERE c.due_on BETWEEN $1 AND $2) t \
         WHERE answered < measures ORDER BY due_on, campaign_id, institution_id",
        args![from, to],
    )
    .await
}

/// Claims the reminder `kind` of (campaign, institution); true for the one caller that
/// inserted it.
pub async fn claim_reminder(
    db: &Db,
    campaign: Uuid,
    institution: Uuid,
    kind: &str,
) -> Result<bool> {
    let n = db
        .execute(
            "INSERT INTO campaign_reminders (campaign_id, institution_id, kind, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            args![campaign, institution, kind, now()],
        )
        .await?;
    Ok(n == 1)
}
