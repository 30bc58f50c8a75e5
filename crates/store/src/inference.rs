//! Answers inferred from an institution's other assessments: what the inference reads (the
//! institution's own answers, never another's) and how proposed answers are written (only
//! into measures still unanswered, marked with their provenance, without a verdict). The
//! rules themselves are `assess::infer`'s, applied by the web layer.

use crate::assessments::{Answer, AssessmentRow, refresh_totals};
use crate::audit::{self, Change};
use crate::{Actor, Db, Result, args, now};
use serde::Serialize;
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

/// An answer the institution gave in one of its assessments.
#[derive(Debug, Clone, FromRow)]
pub struct SourceAnswer {
    pub assessment_id: Uuid,
    pub campaign_id: Uuid,
    pub profile: String,
    pub measure_id: String,
    pub status: String,
    pub maturity: Option<i64>,
}

/// The answers of `institution`'s assessments other than `except`, newest assessment first.
/// Answers that were themselves inferred are left out (an inference never feeds another, so
/// provenance always names an answer someone gave), and so are answers an auditor rejected.
pub async fn source_answers(db: &Db, institution: Uuid, except: Uuid) -> Result<Vec<SourceAnswer>> {
    db.fetch_all(
        "SELECT a.id AS assessment_id, a.campaign_id, a.profile, x.measure_id, x.status, x.maturity \
         FROM assessment_answers x JOIN assessments a ON a.id = x.assessment_id \
         WHERE a.institution_id = $1 AND a.id <> $2 AND x.inferred_from IS NULL \
         AND (x.verdict IS NULL OR x.verdict <> 'rejected') \
         ORDER BY a.created_at DESC, a.id, x.measure_id",
        args![institution, except],
    )
    .await
}

/// An answer to write as inferred.
#[derive(Debug, Clone, Serialize)]
pub struct NewInferred {
    pub measure_id: String,
    pub status: String,
    pub maturity: Option<i64>,
    /// Provenance JSON (`assess::infer::InferredFrom`).
    pub inferred_from: String,
}

/// Which kind of assessment inferred answers are written into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A campaign assessment (`assessments`).
    Campaign,
    /// A subject assessment (`subject_assessments`), only while the institution holds it.
    Subject,
}

impl Target {
    /// Insert of one answer into a measure of the assessment, nothing when one exists.
    fn insert_sql(self) -> &'static str {
        match self {
            Target::Campaign => {
                "INSERT INTO assessment_answers (assessment_id, measure_id, status, reason, maturity, comment, evidence, carried_over, inferred_from, verdict, verdict_comment, verdict_by, updated_by, updated_at) \
                 SELECT a.id, m.measure_id, $3, '', $4, '', '[]', FALSE, $5, NULL, '', NULL, $6, $7 \
                 FROM assessments a JOIN campaign_measures m ON m.campaign_id = a.campaign_id AND m.profile = a.profile \
                 WHERE a.id = $1 AND m.measure_id = $2 \
                 ON CONFLICT (assessment_id, measure_id) DO NOTHING"
            }
            Target::Subject => {
                "INSERT INTO subject_answers (assessment_id, measure_id, status, reason, maturity, comment, evidence, carried_over, inferred_from, verdict, verdict_comment, verdict_by, updated_by, updated_at) \
                 SELECT m.assessment_id, m.measure_id, $3, '', $4, '', '[]', FALSE, $5, NULL, '', NULL, $6, $7 \
                 FROM subject_measures m WHERE m.assessment_id = $1 AND m.measure_id = $2 \
                 ON CONFLICT (assessment_id, measure_id) DO NOTHING"
            }
        }
    }
}

/// Writes `items` into the measures of `assessment` (of `institution`: another's is not
/// found) that are still unanswered when the transaction runs; an answer saved meanwhile is
/// kept. A subject assessment submitted or approved takes none (it is what was reviewed).
/// Returns the answers written, with one audit entry listing them.
pub async fn fill(
    db: &Db,
    actor: &Actor,
    target: Target,
    institution: Uuid,
    assessment: Uuid,
    items: &[NewInferred],
) -> Result<Vec<Answer>> {
    let mut tx = db.begin().await?;
    match target {
        Target::Campaign => {
            let _: AssessmentRow = tx
                .fetch_one(
                    "SELECT id, campaign_id, institution_id, profile, created_at, updated_at FROM assessments WHERE id = $1 AND institution_id = $2",
                    args![assessment, institution],
                )
                .await?;
        }
        Target::Subject => {
            let a = crate::projects::locked(&mut tx, institution, assessment).await?;
            if !a.review().editable() {
                return Err(crate::StoreError::State("subject-assessment-locked"));
            }
        }
    }
    let at: OffsetDateTime = now();
    let mut written = vec![];
    for n in items {
        // Only measures of the assessment's profile, and only where no answer exists.
        let inserted = tx
            .execute(
                target.insert_sql(),
                args![
                    assessment,
                    &n.measure_id,
                    &n.status,
                    n.maturity,
                    &n.inferred_from,
                    &actor.email,
                    at
                ],
            )
            .await?;
        if inserted == 1 {
            written.push(Answer {
                measure_id: n.measure_id.clone(),
                status: n.status.clone(),
                reason: String::new(),
                maturity: n.maturity,
                comment: String::new(),
                evidence: "[]".into(),
                carried_over: false,
                inferred_from: Some(n.inferred_from.clone()),
                verdict: None,
                verdict_comment: String::new(),
                verdict_by: None,
                updated_by: actor.email.clone(),
                updated_at: at,
            });
        }
    }
    if written.is_empty() {
        return Ok(written);
    }
    let (kind, event) = match target {
        Target::Campaign => {
            tx.execute(
                "UPDATE assessments SET updated_at = $2 WHERE id = $1",
                args![assessment, at],
            )
            .await?;
            refresh_totals(&mut tx, assessment).await?;
            ("assessment", "assessment.answer")
        }
        Target::Subject => {
            tx.execute(
                "UPDATE subject_assessments SET updated_at = $2 WHERE id = $1",
                args![assessment, at],
            )
            .await?;
            ("subject-assessment", "assessment.subject")
        }
    };
    let change = Change::new("infer", kind, assessment, Some(institution), &written);
    audit::record(&mut tx, actor, &change).await?;
    crate::events::emit(&mut tx, event, Some(institution), &change).await?;
    tx.commit().await?;
    Ok(written)
}
