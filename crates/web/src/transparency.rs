//! The platform's transparency log: every audit-trail entry is appended, as a compact
//! statement (kind `audit`, the entry's id, the SHA-256 of its canonical JSON, its time), to
//! the `tlog` Merkle log, whose signed checkpoints and tiles are served read-only under
//! `/log/`. Anyone holding an entry and its receipt can check, offline and with third-party
//! tools, that the trail was not rewritten.
//!
//! Entries are written to the database in the same transaction as the change they describe;
//! a background task then appends the ones not yet anchored and records their index. If the
//! process dies between the append and that record, the entry is appended again at restart:
//! the log may hold a duplicate statement, never a gap.

use crate::AppState;
use crate::api::authorize;
use crate::auth::Ctx;
use crate::error::ApiError;
use crate::extract::ApiPath;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use centinela_core::access::{Action, Resource, ResourceKind};
use centinela_store::Db;
use centinela_store::audit::{self, AuditEntry};
use serde::Serialize;
use std::path::Path as FsPath;
use std::sync::Arc;
use std::time::Duration;
use tlog::entry::Entry;
use tlog::hash::sha256;
use tlog::note::Signer;
use tlog::storage::{Checkpointer, Log, StorageError};

/// Kind of the statements that anchor audit-trail entries.
pub const AUDIT_KIND: &str = "audit";
const SIGNER_FILE: &str = "signer.key";

#[derive(Debug, thiserror::Error)]
pub enum LogSetupError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: not a signed-note signer key: {message}")]
    Key { path: String, message: String },
    #[error("opening the log in {path}: {source}")]
    Storage { path: String, source: StorageError },
}

/// An open log with its checkpoint publisher (a new checkpoint every second while entries
/// arrive).
pub struct TransparencyLog {
    pub log: Arc<Log>,
    _checkpointer: Checkpointer,
}

impl TransparencyLog {
    /// Opens (or creates) the log in `dir`. The signing key is `dir/signer.key`, made on first
    /// start for development; production deployments put their own key there.
    pub fn open(dir: &FsPath, origin: &str) -> Result<Self, LogSetupError> {
        let io = |path: &FsPath| {
            let path = path.display().to_string();
            move |source| LogSetupError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let key_path = dir.join(SIGNER_FILE);
        let key_text = match std::fs::read_to_string(&key_path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let signer = Signer::generate(origin).map_err(|e| LogSetupError::Key {
                    path: key_path.display().to_string(),
                    message: e.to_string(),
                })?;
                write_private(&key_path, &signer.to_key_string()).map_err(io(&key_path))?;
                signer.to_key_string()
            }
            Err(e) => return Err(io(&key_path)(e)),
        };
        let signer = Signer::parse(key_text.trim()).map_err(|e| LogSetupError::Key {
            path: key_path.display().to_string(),
            message: e.to_string(),
        })?;
        let log =
            Arc::new(
                Log::open(dir, origin, signer).map_err(|source| LogSetupError::Storage {
                    path: dir.display().to_string(),
                    source,
                })?,
            );
        let checkpointer = log.spawn_checkpointer(Duration::from_secs(1));
        Ok(TransparencyLog {
            log,
            _checkpointer: checkpointer,
        })
    }

    /// The verifier key in signed-note form, `name+keyid+base64`.
    pub fn verifier_key(&self) -> String {
        self.log.verifier().to_string()
    }
}

fn write_private(path: &FsPath, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}

/// The statement the log holds for an audit entry.
pub fn statement(e: &AuditEntry) -> Result<Entry, tlog::entry::EntryError> {
    let ms = (e.at.unix_timestamp_nanos() / 1_000_000).max(0) as u64;
    Entry::new(AUDIT_KIND, &e.id.to_string(), sha256(&e.canonical()), ms)
}

/// Appends audit entries not yet in the log, forever; started with the server.
pub async fn anchor_forever(db: Db, log: Arc<TransparencyLog>) {
    loop {
        match anchor_pending(&db, &log).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "anchoring audit entries failed; will retry"),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// One batch: returns how many entries were anchored.
pub async fn anchor_pending(db: &Db, log: &Arc<TransparencyLog>) -> Result<usize, String> {
    let pending = audit::unanchored(db, 4096)
        .await
        .map_err(|e| e.to_string())?;
    if pending.is_empty() {
        return Ok(0);
    }
    let encoded: Vec<Vec<u8>> = pending
        .iter()
        .map(|e| statement(e).map(|s| s.encode()).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let log = log.log.clone();
    let range = tokio::task::spawn_blocking(move || log.append_batch(&encoded))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let placed: Vec<(i64, i64)> = pending
        .iter()
        .zip(range)
        .map(|(e, i)| (e.id, i as i64))
        .collect();
    audit::set_log_indexes(db, &placed)
        .await
        .map_err(|e| e.to_string())?;
    Ok(placed.len())
}

/// Where the keeper of the log mirrors it as static files, under the shared files directory:
/// replicas that do not keep the log serve `/log/` from there.
pub fn mirror_dir(files: &FsPath) -> std::path::PathBuf {
    files.join("log")
}

/// Mirrors each new checkpoint with its tiles into `dir`, forever (tiles are written once;
/// the checkpoint last, atomically, so a reader never sees a checkpoint without its tiles).
pub async fn mirror_forever(log: Arc<TransparencyLog>, dir: std::path::PathBuf) {
    let key = format!("{}\n", log.verifier_key());
    let mut mirrored = 0u64;
    let mut key_written = false;
    loop {
        let current = log.log.checkpoint().checkpoint.size;
        if current != mirrored || !key_written {
            let (l, d, k) = (log.log.clone(), dir.clone(), key.clone());
            let done = tokio::task::spawn_blocking(move || {
                let size = tlog::mirror::write_mirror(&l, &d, mirrored)?;
                std::fs::write(d.join("key"), k).map_err(|source| {
                    tlog::mirror::MirrorError::Io {
                        path: d.join("key").display().to_string(),
                        source,
                    }
                })?;
                Ok::<u64, tlog::mirror::MirrorError>(size)
            })
            .await;
            match done {
                Ok(Ok(size)) => {
                    mirrored = size;
                    key_written = true;
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "mirroring the log failed; will retry"),
                Err(_) => tracing::warn!("mirroring the log panicked; will retry"),
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Serves `/log/` from the static mirror, for replicas that do not keep the log.
async fn serve_mirror(dir: std::path::PathBuf, path: String) -> Response {
    // Only tlog-tiles paths, the checkpoint and the key: nothing else in that directory.
    let allowed = path == "checkpoint" || path == "key" || tlog::tile::TileId::parse(&path).is_ok();
    if !allowed || path.contains("..") {
        return ApiError::not_found().into_response();
    }
    let immutable = path.starts_with("tile/");
    match tokio::fs::read(dir.join(&path)).await {
        Ok(body) => {
            let content_type = if immutable {
                "application/octet-stream"
            } else {
                "text/plain; charset=utf-8"
            };
            let cache = if immutable {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            (
                [
                    (header::CONTENT_TYPE, content_type),
                    (header::CACHE_CONTROL, cache),
                ],
                body,
            )
                .into_response()
        }
        Err(_) => ApiError::not_found().into_response(),
    }
}

/// `GET /log/{*path}`: the checkpoint, tiles and entry bundles (C2SP tlog-tiles), and `key`.
pub async fn serve_log(State(state): State<AppState>, Path(path): Path<String>) -> Response {
    let Some(t) = &state.log else {
        return match &state.settings.files_dir {
            Some(files) => serve_mirror(mirror_dir(files), path).await,
            None => ApiError::not_found().into_response(),
        };
    };
    if path == "key" {
        return (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{}\n", t.verifier_key()),
        )
            .into_response();
    }
    let log = t.log.clone();
    match tokio::task::spawn_blocking(move || log.read_path(&path)).await {
        Ok(Ok(r)) => {
            let cache = if r.immutable {
                "public, max-age=31536000, immutable"
            } else {
                "no-cache"
            };
            (
                [
                    (header::CONTENT_TYPE, r.content_type),
                    (header::CACHE_CONTROL, cache),
                ],
                r.body,
            )
                .into_response()
        }
        Ok(Err(StorageError::NotFound(_))) => ApiError::not_found().into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "serving the log");
            ApiError::not_found().into_response()
        }
        Err(_) => ApiError::internal().into_response(),
    }
}

/// An audit entry with everything needed to check it offline.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct AuditReceipt {
    pub entry: AuditEntry,
    /// The log statement (tlog entry encoding), base64.
    pub statement: String,
    pub origin: String,
    pub verifier_key: String,
    /// C2SP tlog-proof: index, inclusion proof and the signed checkpoint.
    pub receipt: String,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the statement does not match the entry: the entry was altered")]
    StatementMismatch,
    #[error("the entry cannot be stated: {0}")]
    Entry(String),
    #[error("malformed receipt: {0}")]
    Receipt(String),
    #[error("malformed verifier key: {0}")]
    Key(String),
    #[error("the receipt does not prove the entry in the log: {0}")]
    Proof(String),
}

/// Checks an audit receipt offline: the entry's statement is recomputed from its fields, and
/// the inclusion proof is verified against a checkpoint signed by `verifier_key` (which the
/// caller should have from a trusted source, not from the receipt). Returns the entry's index
/// and the checkpoint's tree size.
pub fn verify_audit_receipt(
    r: &AuditReceipt,
    verifier_key: &str,
) -> Result<(u64, u64), VerifyError> {
    let stmt = statement(&r.entry)
        .map_err(|e| VerifyError::Entry(e.to_string()))?
        .encode();
    let given = base64::engine::general_purpose::STANDARD
        .decode(&r.statement)
        .map_err(|e| VerifyError::Receipt(e.to_string()))?;
    if given != stmt {
        return Err(VerifyError::StatementMismatch);
    }
    let receipt = tlog::receipt::Receipt::parse(r.receipt.as_bytes())
        .map_err(|e| VerifyError::Receipt(e.to_string()))?;
    let verifier = tlog::note::Verifier::parse(verifier_key.trim())
        .map_err(|e| VerifyError::Key(e.to_string()))?;
    let cp = receipt
        .verify(&stmt, &r.origin, &[verifier])
        .map_err(|e| VerifyError::Proof(e.to_string()))?;
    Ok((receipt.index, cp.size))
}

pub async fn audit_receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<AuditReceipt>, ApiError> {
    let p = ctx.principal()?;
    let entry = audit::get(&state.db, id).await?;
    match entry.institution_id {
        Some(owner) => authorize(
            p,
            Action::Read,
            &Resource::owned(ResourceKind::AuditTrail, owner),
        )?,
        // Entries about no institution are national: only those who see everything.
        None if p.visible_institutions().is_none() => {}
        None => return Err(ApiError::not_found()),
    }
    Ok(Json(receipt_for(&state, entry).await?))
}

/// The receipt of the latest audit entry of a record the caller may see (404 when it has
/// none, 409 until it is anchored).
pub async fn record_receipt(
    state: &AppState,
    kind: &str,
    record_id: &str,
) -> Result<AuditReceipt, ApiError> {
    let entry = centinela_store::audit::find_for_record(&state.db, kind, record_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    receipt_for(state, entry).await
}

/// The receipt of an audit entry the caller may see (409 until it is anchored).
pub async fn receipt_for(state: &AppState, entry: AuditEntry) -> Result<AuditReceipt, ApiError> {
    let t = state.log.clone().ok_or_else(ApiError::not_found)?;
    let index = entry
        .log_index
        .ok_or_else(|| ApiError::new(StatusCode::CONFLICT, "not_anchored", "err-not-anchored"))?
        as u64;
    let log = t.log.clone();
    let receipt = tokio::task::spawn_blocking(move || {
        log.wait_for_checkpoint(index + 1, Duration::from_secs(3));
        log.receipt(index)
    })
    .await
    .map_err(|_| ApiError::internal())?
    .map_err(|_| ApiError::new(StatusCode::CONFLICT, "not_anchored", "err-not-anchored"))?;
    let stmt = statement(&entry).map_err(|_| ApiError::internal())?;
    Ok(AuditReceipt {
        statement: base64::engine::general_purpose::STANDARD.encode(stmt.encode()),
        origin: t.log.origin().to_string(),
        verifier_key: t.verifier_key(),
        receipt: receipt.encode(),
        entry,
    })
}
