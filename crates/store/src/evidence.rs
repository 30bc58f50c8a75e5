//! Evidence files: what a file is evidence of, who added it, its digest and its TLP label.
//!
//! The bytes are not here: the web layer keeps them under the files directory, addressed by
//! SHA-256. Each file's audit entry carries that SHA-256 (not a hash of the row), so the
//! transparency log vouches for the exact bytes and anyone holding the file can check it
//! against its receipt.

use crate::audit::{self, Change};
use crate::{Actor, Db, Result, Tx, args, now};
use serde::Serialize;
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// What a file is evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Incident,
    /// An answer to one measure of an assessment (`<assessment>/<measure>`).
    Assessment,
    /// An answer to one measure of a subject assessment (`<assessment>/<measure>`).
    SubjectAssessment,
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Incident => "incident",
            Subject::Assessment => "assessment",
            Subject::SubjectAssessment => "subject-assessment",
        }
    }
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct EvidenceFile {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub subject_kind: String,
    pub subject_id: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub tlp: String,
    pub description: String,
    /// From when the evidence holds (a policy's approval date, a test's date).
    pub effective_on: Option<Date>,
    /// Until when it holds (a certificate's or a contract's end); past it, it is stale.
    pub expires_on: Option<Date>,
    pub uploaded_by: Uuid,
    pub uploaded_by_email: String,
    #[serde(with = "time::serde::rfc3339")]
    pub uploaded_at: OffsetDateTime,
}

/// A file already stored under its digest, to be recorded.
#[derive(Debug, Clone)]
pub struct NewEvidence {
    pub institution_id: Uuid,
    pub subject: Subject,
    pub subject_id: String,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    pub sha256: String,
    pub tlp: String,
    pub description: String,
    pub effective_on: Option<Date>,
    pub expires_on: Option<Date>,
}

const COLUMNS: &str = "id, institution_id, subject_kind, subject_id, file_name, media_type, size, sha256, tlp, description, effective_on, expires_on, uploaded_by, uploaded_by_email, uploaded_at";

/// Records a file inside the caller's transaction, with its audit entry (the file's SHA-256)
/// and an `evidence.added` event.
pub async fn insert(tx: &mut Tx, actor: &Actor, n: &NewEvidence) -> Result<EvidenceFile> {
    let e = EvidenceFile {
        id: Uuid::new_v4(),
        institution_id: n.institution_id,
        subject_kind: n.subject.as_str().to_string(),
        subject_id: n.subject_id.clone(),
        file_name: n.file_name.clone(),
        media_type: n.media_type.clone(),
        size: n.size,
        sha256: n.sha256.clone(),
        tlp: n.tlp.clone(),
        description: n.description.clone(),
        effective_on: n.effective_on,
        expires_on: n.expires_on,
        uploaded_by: actor.user_id.unwrap_or(Uuid::nil()),
        uploaded_by_email: actor.email.clone(),
        uploaded_at: now(),
    };
    tx.execute(
        &format!(
            "INSERT INTO evidence_files ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        ),
        args![
            e.id,
            e.institution_id,
            &e.subject_kind,
            &e.subject_id,
            &e.file_name,
            &e.media_type,
            e.size,
            &e.sha256,
            &e.tlp,
            &e.description,
            e.effective_on,
            e.expires_on,
            e.uploaded_by,
            &e.uploaded_by_email,
            e.uploaded_at
        ],
    )
    .await?;
    let change = Change::of_document(
        "add-evidence",
        "evidence",
        e.id,
        Some(e.institution_id),
        e.sha256.clone(),
    );
    audit::record(tx, actor, &change).await?;
    crate::events::emit(tx, "evidence.added", Some(e.institution_id), &change).await?;
    Ok(e)
}

/// The files of one subject, oldest first.
pub async fn list(db: &Db, subject: Subject, subject_id: &str) -> Result<Vec<EvidenceFile>> {
    db.fetch_all(
        &format!(
            "SELECT {COLUMNS} FROM evidence_files WHERE subject_kind = $1 AND subject_id = $2 ORDER BY uploaded_at, id"
        ),
        args![subject.as_str(), subject_id],
    )
    .await
}

/// The files of every answer of one assessment (subject ids `<assessment>/<measure>`), a
/// campaign's (`Subject::Assessment`) or a subject's (`Subject::SubjectAssessment`).
pub async fn list_of_assessment(
    db: &Db,
    kind: Subject,
    assessment: Uuid,
) -> Result<Vec<EvidenceFile>> {
    // A UUID has no LIKE wildcards, so the prefix matches literally.
    db.fetch_all(
        &format!(
            "SELECT {COLUMNS} FROM evidence_files WHERE subject_kind = $1 AND subject_id LIKE $2 ORDER BY uploaded_at, id"
        ),
        args![kind.as_str(), format!("{assessment}/%")],
    )
    .await
}

pub async fn get(db: &Db, id: Uuid) -> Result<EvidenceFile> {
    db.fetch_one(
        &format!("SELECT {COLUMNS} FROM evidence_files WHERE id = $1"),
        args![id],
    )
    .await
}
