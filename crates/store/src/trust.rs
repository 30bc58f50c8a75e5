//! Trust-service records: e-seals made for institutions, official notices, and the
//! registered-delivery evidence of each notice (ETSI EN 319 522 events).
//!
//! Sealing happens before these functions are called (it needs keys the store does not hold);
//! here each sealed document is stored with its audit entry in one transaction. The audit
//! entry's state digest is the SHA-256 of the sealed bytes themselves, so the transparency
//! log, which anchors every audit entry, vouches for the exact document both parties hold.

use crate::audit::{self, Change};
use crate::{Actor, Db, Page, Result, Scope, StoreError, args};
use serde::Serialize;
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

/// A detached e-seal made for an institution over a document it holds.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Seal {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub document_name: String,
    pub document_sha256: String,
    /// DER CAdES-B-T signature, base64.
    pub seal: String,
    pub signer: String,
    pub sealed_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

const SEAL_COLUMNS: &str =
    "id, institution_id, document_name, document_sha256, seal, signer, sealed_by, created_at";

/// Stores a seal; `seal_sha256_hex` is the SHA-256 of its DER bytes (what the audit entry,
/// and so the log, commits to).
pub async fn add_seal(db: &Db, actor: &Actor, s: &Seal, seal_sha256_hex: String) -> Result<()> {
    let mut tx = db.begin().await?;
    crate::constituency::ensure_institution(&mut tx, s.institution_id).await?;
    tx.execute(
        &format!("INSERT INTO seals ({SEAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"),
        args![
            s.id,
            s.institution_id,
            &s.document_name,
            &s.document_sha256,
            &s.seal,
            &s.signer,
            &s.sealed_by,
            s.created_at
        ],
    )
    .await?;
    let change = Change::of_document(
        "seal-document",
        "seal",
        s.id,
        Some(s.institution_id),
        seal_sha256_hex,
    );
    audit::record(&mut tx, actor, &change).await?;
    tx.commit().await
}

pub async fn list_seals(db: &Db, institution: Uuid, page: Page) -> Result<Vec<Seal>> {
    db.fetch_all(
        &format!("SELECT {SEAL_COLUMNS} FROM seals WHERE institution_id = $1 ORDER BY created_at DESC, id LIMIT $2 OFFSET $3"),
        args![institution, page.limit, page.offset],
    )
    .await
}

pub async fn get_seal(db: &Db, id: Uuid) -> Result<Seal> {
    db.fetch_one(
        &format!("SELECT {SEAL_COLUMNS} FROM seals WHERE id = $1"),
        args![id],
    )
    .await
}

/// An official notification from the national authority (or an institution) to an
/// institution.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Notice {
    pub id: Uuid,
    /// `incident_notice`, `advisory`, `campaign_assignment` or `late_stage`.
    pub kind: String,
    /// Who sent it, as the evidence names the sender.
    pub sender: String,
    pub sender_institution_id: Option<Uuid>,
    pub recipient_institution_id: Uuid,
    pub subject: String,
    pub body: String,
    pub incident_id: Option<Uuid>,
    /// SHA-256 of the notice's content (subject and body), as the evidence states it.
    pub content_sha256: String,
    /// `delivered`, `accepted` or `rejected`.
    pub state: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
    pub answer_reason: String,
}

const NOTICE_COLUMNS: &str = "id, kind, sender, sender_institution_id, recipient_institution_id, subject, body, incident_id, content_sha256, state, created_at, answered_at, answer_reason";

/// One sealed piece of registered-delivery evidence.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Evidence {
    pub id: String,
    pub notice_id: Uuid,
    /// EN 319 522 event name, e.g. `SubmissionAcceptance`.
    pub event: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The canonical evidence text (what is sealed).
    pub canonical: String,
    /// Detached CAdES-B-T seal over `canonical`, DER in base64.
    pub seal: String,
}

/// Evidence ready to store: the row and the SHA-256 (hex) of its canonical text.
#[derive(Debug, Clone)]
pub struct SealedEvidence {
    pub row: Evidence,
    pub canonical_sha256_hex: String,
}

const EVIDENCE_COLUMNS: &str = "id, notice_id, event, at, canonical, seal";

async fn insert_evidence(
    tx: &mut crate::Tx,
    actor: &Actor,
    recipient: Uuid,
    e: &SealedEvidence,
) -> Result<bool> {
    let inserted = tx
        .execute(
            &format!("INSERT INTO delivery_evidence ({EVIDENCE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING"),
            args![&e.row.id, e.row.notice_id, &e.row.event, e.row.at, &e.row.canonical, &e.row.seal],
        )
        .await?;
    if inserted == 0 {
        return Ok(false);
    }
    let change = Change::of_document(
        "delivery-evidence",
        "delivery_evidence",
        &e.row.id,
        Some(recipient),
        e.canonical_sha256_hex.clone(),
    );
    audit::record(tx, actor, &change).await?;
    Ok(true)
}

/// Stores a new notice with its first evidence (submission and consignment), all or nothing.
pub async fn create_notice(
    db: &Db,
    actor: &Actor,
    n: &Notice,
    evidence: &[SealedEvidence],
) -> Result<()> {
    let mut tx = db.begin().await?;
    crate::constituency::ensure_institution(&mut tx, n.recipient_institution_id).await?;
    tx.execute(
        &format!("INSERT INTO notices ({NOTICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"),
        args![
            n.id, &n.kind, &n.sender, n.sender_institution_id, n.recipient_institution_id,
            &n.subject, &n.body, n.incident_id, &n.content_sha256, &n.state, n.created_at,
            n.answered_at, &n.answer_reason
        ],
    )
    .await?;
    let change = Change::new(
        "send-notice",
        "notice",
        n.id,
        Some(n.recipient_institution_id),
        n,
    );
    audit::record(&mut tx, actor, &change).await?;
    for e in evidence {
        insert_evidence(&mut tx, actor, n.recipient_institution_id, e).await?;
    }
    crate::events::emit(
        &mut tx,
        "notice.sent",
        Some(n.recipient_institution_id),
        &change,
    )
    .await?;
    tx.commit().await
}

/// Adds evidence to a notice unless evidence with the same id exists (each event happens
/// once per notice). Returns whether it was added.
pub async fn add_evidence(
    db: &Db,
    actor: &Actor,
    notice: &Notice,
    e: &SealedEvidence,
) -> Result<bool> {
    let mut tx = db.begin().await?;
    let added = insert_evidence(&mut tx, actor, notice.recipient_institution_id, e).await?;
    tx.commit().await?;
    Ok(added)
}

/// Whether evidence with this id exists.
pub async fn has_evidence(db: &Db, id: &str) -> Result<bool> {
    #[derive(FromRow)]
    struct N {
        n: i64,
    }
    let n: N = db
        .fetch_one(
            "SELECT COUNT(*) AS n FROM delivery_evidence WHERE id = $1",
            args![id],
        )
        .await?;
    Ok(n.n > 0)
}

/// The recipient accepts or rejects a delivered notice, once: a second answer is a conflict.
pub async fn answer_notice(
    db: &Db,
    actor: &Actor,
    notice: &Notice,
    accepted: bool,
    reason: &str,
    at: OffsetDateTime,
    evidence: &SealedEvidence,
) -> Result<()> {
    let mut tx = db.begin().await?;
    let state = if accepted { "accepted" } else { "rejected" };
    let changed = tx
        .execute(
            "UPDATE notices SET state = $2, answered_at = $3, answer_reason = $4 WHERE id = $1 AND state = 'delivered'",
            args![notice.id, state, at, reason],
        )
        .await?;
    if changed == 0 {
        return Err(StoreError::Conflict("an answer to this notice"));
    }
    insert_evidence(&mut tx, actor, notice.recipient_institution_id, evidence).await?;
    tx.commit().await
}

pub async fn get_notice(db: &Db, id: Uuid) -> Result<Notice> {
    db.fetch_one(
        &format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE id = $1"),
        args![id],
    )
    .await
}

/// Notices sent to or by the institutions in `scope`, newest first.
pub async fn list_notices(db: &Db, scope: &Scope, page: Page) -> Result<Vec<Notice>> {
    let (to, mut a) = scope.condition("recipient_institution_id", 1);
    let (from, b) = scope.condition("sender_institution_id", 1 + a.len());
    a.extend(b);
    let n = a.len();
    a.push(page.limit.into());
    a.push(page.offset.into());
    db.fetch_all(
        &format!(
            "SELECT {NOTICE_COLUMNS} FROM notices WHERE ({to}) OR ({from}) ORDER BY created_at DESC, id LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        ),
        a,
    )
    .await
}

/// In the order the events happened. Their times are milliseconds, and submission and
/// consignment can fall in the same one: ties follow the delivery's own sequence.
pub async fn list_evidence(db: &Db, notice: Uuid) -> Result<Vec<Evidence>> {
    let mut rows: Vec<Evidence> = db
        .fetch_all(
            &format!(
                "SELECT {EVIDENCE_COLUMNS} FROM delivery_evidence WHERE notice_id = $1 ORDER BY at, id"
            ),
            args![notice],
        )
        .await?;
    rows.sort_by_key(|e| (e.at, delivery_step(&e.event)));
    Ok(rows)
}

/// Where an EN 319 522 event falls in a delivery: submitted, consigned, handed over, answered.
fn delivery_step(event: &str) -> u8 {
    match event {
        "SubmissionAcceptance" | "SubmissionRejection" => 0,
        "ContentConsignment" | "ContentConsignmentFailure" => 1,
        "ContentHandover" => 2,
        "ConsignmentAcceptance" | "ConsignmentRejection" => 3,
        _ => 4,
    }
}
