//! Feed ingestion in the server: an uploaded report is stored as a file, a job is queued, and
//! any replica's worker routes it with the `feeds` crate over the owner table built from the
//! registered networks, then stores the findings with de-duplication.

use crate::AppState;
use crate::auth::Ctx;
use crate::error::ApiError;
use axum::extract::multipart::{Field, Multipart, MultipartRejection};
use axum::http::StatusCode;
use centinela_store::exposure::{self, ExposureDraft, FeedReport, Outcome};
use centinela_store::{Db, jobs};
use sha2::{Digest, Sha256};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

pub const JOB_KIND: &str = "feed.ingest";
const BATCH: usize = 1000;

fn reports_dir(files: &Path) -> PathBuf {
    files.join("reports")
}

pub(crate) fn too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "err-too-large")
}

/// Reads a multipart upload (`_csrf` first when signed in by session, then `report`
/// optionally, then `file`), streaming the file to disk with its SHA-256; queues the job.
pub async fn receive_upload(
    state: &AppState,
    ctx: &Ctx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<FeedReport, ApiError> {
    let files =
        state.settings.files_dir.clone().ok_or_else(|| {
            ApiError::new(StatusCode::CONFLICT, "not_configured", "err-no-files-dir")
        })?;
    let mut multipart = multipart.map_err(|_| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "err-multipart",
        )
    })?;
    let dir = reports_dir(&files);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|_| ApiError::internal())?;
    let mut csrf_ok = !ctx.via_session;
    let mut kind_name: Option<String> = None;
    let mut stored: Option<(PathBuf, String, String, i64)> = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| multipart_error(&e.to_string()))?
    {
        let name = field.name().unwrap_or("").to_string();
        match name.as_str() {
            "_csrf" => {
                let text = small_text(field).await?;
                csrf_ok = !ctx.csrf().is_empty()
                    && bool::from(text.as_bytes().ct_eq(ctx.csrf().as_bytes()));
            }
            _ if !csrf_ok => return Err(ApiError::new(StatusCode::FORBIDDEN, "csrf", "err-csrf")),
            "report" => kind_name = Some(small_text(field).await?).filter(|s| !s.trim().is_empty()),
            "file" if stored.is_none() => {
                let filename = field
                    .file_name()
                    .unwrap_or("report.csv")
                    .chars()
                    .take(200)
                    .collect::<String>();
                let part = dir.join(format!("{}.part", Uuid::new_v4().simple()));
                let (sha, size) = save_field(field, &part, state.settings.upload_limit)
                    .await
                    .inspect_err(|_| {
                        let _ = std::fs::remove_file(&part);
                    })?;
                stored = Some((part, filename, sha, size));
            }
            _ => return Err(ApiError::bad_request("err-multipart-field").arg("field", name)),
        }
    }
    let (part, filename, sha, size) = stored.ok_or_else(|| {
        ApiError::invalid(vec![centinela_core::validate::FieldError::new(
            "file",
            "err-required",
        )])
    })?;
    let kind = match kind_name {
        Some(k) => k.parse::<feeds::ReportKind>(),
        None => feeds::ReportKind::from_file_name(&filename),
    };
    let kind = match kind {
        Ok(k) => k,
        Err(_) => {
            let _ = tokio::fs::remove_file(&part).await;
            return Err(ApiError::invalid(vec![
                centinela_core::validate::FieldError::new("report", "err-report-kind"),
            ]));
        }
    };
    let report =
        exposure::create_report(&state.db, &ctx.actor(), &filename, kind.name(), &sha, size)
            .await?;
    tokio::fs::rename(&part, dir.join(format!("{}.csv", report.id)))
        .await
        .map_err(|_| ApiError::internal())?;
    jobs::enqueue(
        &state.db,
        JOB_KIND,
        &serde_json::json!({"report": report.id}).to_string(),
        None,
    )
    .await?;
    Ok(report)
}

pub(crate) fn multipart_error(detail: &str) -> ApiError {
    if detail.contains("limit") {
        too_large()
    } else {
        ApiError::bad_request("err-multipart")
            .arg("detail", detail.chars().take(200).collect::<String>())
    }
}

pub(crate) async fn small_text(mut field: Field<'_>) -> Result<String, ApiError> {
    let mut buf = Vec::new();
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| multipart_error(&e.to_string()))?
    {
        buf.extend_from_slice(&chunk);
        if buf.len() > 4096 {
            return Err(too_large());
        }
    }
    String::from_utf8(buf).map_err(|_| ApiError::bad_request("err-multipart"))
}

pub(crate) async fn save_field(
    mut field: Field<'_>,
    path: &Path,
    limit: u64,
) -> Result<(String, i64), ApiError> {
    let mut file = tokio::fs::File::create(path)
        .await
        .map_err(|_| ApiError::internal())?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    while let Some(chunk) = field
        .chunk()
        .await
        .map_err(|e| multipart_error(&e.to_string()))?
    {
        size += chunk.len() as u64;
        if size > limit {
            return Err(too_large());
        }
        hasher.update(&chunk);
        file.write_all(&chunk)
            .await
            .map_err(|_| ApiError::internal())?;
    }
    file.sync_all().await.map_err(|_| ApiError::internal())?;
    if size == 0 {
        return Err(ApiError::invalid(vec![
            centinela_core::validate::FieldError::new("file", "err-empty-file"),
        ]));
    }
    Ok((hex::encode(hasher.finalize()), size as i64))
}

/// Processes one uploaded report. Re-running it after a crash re-counts repeats, never
/// loses findings.
pub async fn run_job(db: &Db, files: &Path, payload: &str) -> Result<(), String> {
    let v: serde_json::Value = serde_json::from_str(payload).map_err(|e| e.to_string())?;
    let id = v["report"]
        .as_str()
        .and_then(|s| Uuid::try_parse(s).ok())
        .ok_or("payload without a report id")?;
    let report = exposure::get_report(db, id)
        .await
        .map_err(|e| e.to_string())?;
    exposure::mark_processing(db, id)
        .await
        .map_err(|e| e.to_string())?;
    match ingest_report(db, files, &report).await {
        Ok(outcome) => exposure::mark_done(db, id, &outcome)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => {
            exposure::mark_failed(db, id, &e)
                .await
                .map_err(|e| e.to_string())?;
            Ok(())
        }
    }
}

async fn ingest_report(db: &Db, files: &Path, report: &FeedReport) -> Result<Outcome, String> {
    let owners = exposure::owners_csv(db).await.map_err(|e| e.to_string())?;
    let input = reports_dir(files).join(format!("{}.csv", report.id));
    let routed = reports_dir(files).join(format!("{}.jsonl", report.id));
    let kind: feeds::ReportKind = report
        .report_kind
        .parse()
        .map_err(|e: feeds::FeedsError| e.to_string())?;
    let (summary, routed_path) = {
        let routed = routed.clone();
        tokio::task::spawn_blocking(move || -> Result<(feeds::RouteSummary, PathBuf), String> {
            let table =
                feeds::OwnerTable::from_csv(owners.as_bytes()).map_err(|e| e.to_string())?;
            let input =
                std::fs::File::open(&input).map_err(|e| format!("{}: {e}", input.display()))?;
            let output = std::fs::File::create(&routed).map_err(|e| e.to_string())?;
            let summary = feeds::route_stream(&table, kind, input, output, |_| {})
                .map_err(|e| e.to_string())?;
            Ok((summary, routed))
        })
        .await
        .map_err(|e| e.to_string())??
    };
    let mut outcome = Outcome {
        rows_read: summary.rows_read as i64,
        rows_rejected: summary.rows_rejected as i64,
        unrouted: summary.unrouted as i64,
        summary: serde_json::to_string(&summary).unwrap_or_default(),
        ..Outcome::default()
    };
    let file = std::fs::File::open(&routed_path).map_err(|e| e.to_string())?;
    let mut batch = Vec::with_capacity(BATCH);
    for line in std::io::BufReader::new(file).lines() {
        let line = line.map_err(|e| e.to_string())?;
        if let Some(draft) = draft_of(&line) {
            batch.push(draft);
        }
        if batch.len() == BATCH {
            let (n, r) = exposure::ingest(db, report.id, &batch)
                .await
                .map_err(|e| e.to_string())?;
            outcome.events_new += n;
            outcome.events_repeated += r;
            batch.clear();
        }
    }
    if !batch.is_empty() {
        let (n, r) = exposure::ingest(db, report.id, &batch)
            .await
            .map_err(|e| e.to_string())?;
        outcome.events_new += n;
        outcome.events_repeated += r;
    }
    let _ = std::fs::remove_file(&routed_path);
    Ok(outcome)
}

/// One JSON line from the router (IntelMQ field names) as a finding to store.
fn draft_of(line: &str) -> Option<ExposureDraft> {
    let v: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).ok()?;
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    // A finding is about an address; rows whose address was invalid stay in the summary only.
    if text("source.ip").is_empty() {
        return None;
    }
    let seen = v
        .get("time.source")
        .and_then(|t| t.as_str())
        .and_then(|t| OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(OffsetDateTime::now_utc);
    Some(ExposureDraft {
        institution_id: v
            .get("extra.owner")
            .and_then(|o| o.as_str())
            .and_then(|o| Uuid::try_parse(o).ok()),
        feed_name: text("feed.name"),
        taxonomy: text("classification.taxonomy"),
        class_type: text("classification.type"),
        identifier: text("classification.identifier"),
        source_ip: text("source.ip"),
        source_port: v.get("source.port").and_then(|p| p.as_i64()).unwrap_or(0),
        seen,
        event: line.to_string(),
    })
}
