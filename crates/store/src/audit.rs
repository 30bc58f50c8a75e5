//! The audit trail: who changed what, when, and the SHA-256 of the new state.
//!
//! Entries are written in the same transaction as the change, so none is missed and none
//! describes a change that did not happen.

use crate::db::Tx;
use crate::{Actor, Db, Page, Result, Scope, args, now};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

/// One change, ready to be recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub action: &'static str,
    pub record_kind: &'static str,
    pub record_id: String,
    pub institution_id: Option<Uuid>,
    pub state_sha256: String,
}

impl Change {
    pub fn new(
        action: &'static str,
        record_kind: &'static str,
        record_id: impl ToString,
        institution_id: Option<Uuid>,
        new_state: &impl Serialize,
    ) -> Self {
        Change {
            action,
            record_kind,
            record_id: record_id.to_string(),
            institution_id,
            state_sha256: centinela_core::audit::state_hash(new_state),
        }
    }

    /// A change whose state is a document with its own canonical bytes (sealed evidence, a
    /// seal): the entry carries that document's SHA-256, so anyone holding the document can
    /// match it to the entry and the entry to the log.
    pub fn of_document(
        action: &'static str,
        record_kind: &'static str,
        record_id: impl ToString,
        institution_id: Option<Uuid>,
        document_sha256_hex: String,
    ) -> Self {
        Change {
            action,
            record_kind,
            record_id: record_id.to_string(),
            institution_id,
            state_sha256: document_sha256_hex,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, FromRow)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub actor_id: Option<Uuid>,
    pub actor_email: String,
    pub action: String,
    pub record_kind: String,
    pub record_id: String,
    pub institution_id: Option<Uuid>,
    pub state_sha256: String,
    /// Index of this entry's statement in the transparency log, once anchored.
    pub log_index: Option<i64>,
}

/// What the transparency log commits to for an audit entry: every field but the log index,
/// as canonical JSON. Third parties recompute its SHA-256 from the entry they are shown.
#[derive(Serialize)]
struct Statement<'a> {
    id: i64,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    actor_id: Option<Uuid>,
    actor_email: &'a str,
    action: &'a str,
    record_kind: &'a str,
    record_id: &'a str,
    institution_id: Option<Uuid>,
    state_sha256: &'a str,
}

impl AuditEntry {
    /// The canonical bytes the log's digest covers.
    pub fn canonical(&self) -> Vec<u8> {
        centinela_core::audit::canonical_json(&Statement {
            id: self.id,
            at: self.at,
            actor_id: self.actor_id,
            actor_email: &self.actor_email,
            action: &self.action,
            record_kind: &self.record_kind,
            record_id: &self.record_id,
            institution_id: self.institution_id,
            state_sha256: &self.state_sha256,
        })
    }
}

const ENTRY_COLUMNS: &str = "id, at, actor_id, actor_email, action, record_kind, record_id, institution_id, state_sha256, log_index";

/// The latest entry about a record, if any.
pub async fn find_for_record(
    db: &Db,
    record_kind: &str,
    record_id: &str,
) -> Result<Option<AuditEntry>> {
    db.fetch_optional(
        &format!("SELECT {ENTRY_COLUMNS} FROM audit_log WHERE record_kind = $1 AND record_id = $2 ORDER BY id DESC LIMIT 1"),
        args![record_kind, record_id],
    )
    .await
}

pub async fn get(db: &Db, id: i64) -> Result<AuditEntry> {
    db.fetch_one(
        &format!("SELECT {ENTRY_COLUMNS} FROM audit_log WHERE id = $1"),
        args![id],
    )
    .await
}

/// Entries not yet in the transparency log, oldest first.
pub async fn unanchored(db: &Db, limit: i64) -> Result<Vec<AuditEntry>> {
    db.fetch_all(
        &format!(
            "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE log_index IS NULL ORDER BY id LIMIT $1"
        ),
        args![limit],
    )
    .await
}

/// Records where entries landed in the log, in one transaction.
pub async fn set_log_indexes(db: &Db, placed: &[(i64, i64)]) -> Result<()> {
    let mut tx = db.begin().await?;
    for (id, index) in placed {
        tx.execute(
            "UPDATE audit_log SET log_index = $2 WHERE id = $1",
            args![*id, *index],
        )
        .await?;
    }
    tx.commit().await
}

/// Records several changes in one statement, in order.
pub async fn record_many(tx: &mut Tx, entries: &[(&Actor, &Change)]) -> Result<()> {
    let at = now();
    for chunk in crate::db::pow2_chunks(entries, ENTRIES_PER_STATEMENT) {
        let mut params = Vec::with_capacity(chunk.len() * 8);
        for (actor, c) in chunk {
            params.extend(args![
                at,
                actor.user_id,
                &actor.email,
                c.action,
                c.record_kind,
                &c.record_id,
                c.institution_id,
                &c.state_sha256
            ]);
        }
        tx.execute(
            &format!(
                "INSERT INTO audit_log (at, actor_id, actor_email, action, record_kind, record_id, institution_id, state_sha256) VALUES {}",
                crate::db::value_rows(tx.backend(), chunk.len(), 8)
            ),
            params,
        )
        .await?;
    }
    Ok(())
}

/// Entries per multi-row statement: 8 parameters each.
const ENTRIES_PER_STATEMENT: usize = 1024;

pub async fn record(tx: &mut Tx, actor: &Actor, c: &Change) -> Result<()> {
    tx.execute(
        "INSERT INTO audit_log (at, actor_id, actor_email, action, record_kind, record_id, institution_id, state_sha256) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        args![now(), actor.user_id, &actor.email, c.action, c.record_kind, &c.record_id, c.institution_id, &c.state_sha256],
    )
    .await?;
    Ok(())
}

#[derive(FromRow)]
struct Count {
    n: i64,
}

/// Newest first. Entries about no institution (accounts, national records) are visible only
/// to principals who see every institution.
pub async fn list(
    db: &Db,
    scope: &Scope,
    institution: Option<Uuid>,
    page: Page,
) -> Result<(Vec<AuditEntry>, i64)> {
    let (mut cond, mut params) = scope.condition("institution_id", 1);
    if let Some(i) = institution {
        params.push(i.into());
        cond = format!("{cond} AND institution_id = ${}", params.len());
    }
    let total: Count = db
        .fetch_one(
            &format!("SELECT COUNT(*) AS n FROM audit_log WHERE {cond}"),
            params.clone(),
        )
        .await?;
    let n = params.len();
    params.extend(args![page.limit, page.offset]);
    let rows = db
        .fetch_all(
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE {cond} ORDER BY id DESC LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            ),
            params,
        )
        .await?;
    Ok((rows, total.n))
}
