//! The audit trail: who changed what, when, and the SHA-256 of the new state.
//!
//! Entries are written in the same transaction as the change, so none is missed and none
//! describes a change that did not happen.

use crate::db::Tx;
use crate::{Actor, Db, Page, Result, Scope, args, now};
use serde::Serialize;
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
}

#[derive(Debug, Clone, Serialize, FromRow)]
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
}

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
                "SELECT id, at, actor_id, actor_email, action, record_kind, record_id, institution_id, state_sha256 \
                 FROM audit_log WHERE {cond} ORDER BY id DESC LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            ),
            params,
        )
        .await?;
    Ok((rows, total.n))
}
