//! Evidence files on disk: received as a multipart upload (streamed, hashed, size-capped),
//! kept under `<files-dir>/evidence/<aa>/<sha256>` (content-addressed, so the same bytes are
//! kept once and a stored file cannot change under its name), and served back as a download.
//!
//! The row describing a file is written only after the bytes are in place, so a record never
//! points at a missing file; a failed upload leaves at most an unreferenced file.

use crate::AppState;
use crate::auth::Ctx;
use crate::error::ApiError;
use crate::ingest::{multipart_error, save_field, small_text};
use axum::body::Body;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use centinela_core::validate::FieldError;
use centinela_store::evidence::EvidenceFile;
use std::path::{Path, PathBuf};
use subtle::ConstantTimeEq;
use uuid::Uuid;

/// A file received into a temporary file, with the form's small text fields. It reaches its
/// place under its digest only by [`Received::keep`], after the caller has checked the
/// fields; dropped, it leaves nothing behind.
#[derive(Debug)]
pub struct Received {
    pub sha256: String,
    pub size: i64,
    pub file_name: String,
    pub media_type: String,
    pub fields: Vec<(String, String)>,
    temp: Option<PathBuf>,
    files: PathBuf,
}

impl Received {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Moves the bytes to their place under their digest (once per distinct content).
    pub async fn keep(mut self) -> Result<(), ApiError> {
        let Some(part) = self.temp.take() else {
            return Ok(());
        };
        let target = path_of(&self.files, &self.sha256);
        if tokio::fs::try_exists(&target).await.unwrap_or(false) {
            // The same bytes are already kept: one copy is enough.
            let _ = tokio::fs::remove_file(&part).await;
            return Ok(());
        }
        let parent = target.parent().ok_or_else(ApiError::internal)?;
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|_| ApiError::internal())?;
        tokio::fs::rename(&part, &target)
            .await
            .map_err(|_| ApiError::internal())
    }
}

impl Drop for Received {
    fn drop(&mut self) {
        if let Some(part) = self.temp.take() {
            let _ = std::fs::remove_file(part);
        }
    }
}

fn files_dir(state: &AppState) -> Result<PathBuf, ApiError> {
    state
        .settings
        .files_dir
        .clone()
        .ok_or_else(|| ApiError::new(StatusCode::CONFLICT, "not_configured", "err-no-files-dir"))
}

/// Where the bytes with this digest live.
fn path_of(files: &Path, sha256: &str) -> PathBuf {
    files.join("evidence").join(&sha256[..2]).join(sha256)
}

/// A media type as the uploader's browser declared it, if it is a plain `type/subtype`
/// token; it is kept as a description only (downloads are always served as octet streams).
fn media_type(declared: Option<&str>) -> String {
    declared
        .filter(|m| {
            m.len() <= 100
                && m.split_once('/').is_some_and(|(a, b)| {
                    let token = |s: &str| {
                        !s.is_empty()
                            && s.chars()
                                .all(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(c))
                    };
                    token(a) && token(b)
                })
        })
        .unwrap_or("application/octet-stream")
        .to_ascii_lowercase()
}

/// Reads a multipart form: `_csrf` first when signed in by session, then the text fields
/// named in `text` (each at most 4 KiB) and one `file`, streamed to a temporary file with its
/// SHA-256 under the evidence size limit.
pub async fn receive(
    state: &AppState,
    ctx: &Ctx,
    multipart: Result<Multipart, MultipartRejection>,
    text: &[&str],
) -> Result<Received, ApiError> {
    let files = files_dir(state)?;
    let mut multipart = multipart.map_err(|_| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "err-multipart",
        )
    })?;
    let tmp = files.join("evidence").join("tmp");
    tokio::fs::create_dir_all(&tmp)
        .await
        .map_err(|_| ApiError::internal())?;
    let mut csrf_ok = !ctx.via_session;
    let mut fields = vec![];
    let mut stored: Option<(PathBuf, String, String, String, i64)> = None;
    let outcome = async {
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| multipart_error(&e.to_string()))?
        {
            let name = field.name().unwrap_or("").to_string();
            match name.as_str() {
                "_csrf" => {
                    let value = small_text(field).await?;
                    csrf_ok = !ctx.csrf().is_empty()
                        && bool::from(value.as_bytes().ct_eq(ctx.csrf().as_bytes()));
                }
                _ if !csrf_ok => {
                    return Err(ApiError::new(StatusCode::FORBIDDEN, "csrf", "err-csrf"));
                }
                "file" if stored.is_none() => {
                    let file_name = field
                        .file_name()
                        .unwrap_or("evidence")
                        .chars()
                        .filter(|c| !c.is_control())
                        .take(200)
                        .collect::<String>();
                    let media = media_type(field.content_type());
                    let part = tmp.join(format!("{}.part", Uuid::new_v4().simple()));
                    let saved = save_field(field, &part, state.settings.evidence_limit).await;
                    match saved {
                        Ok((sha, size)) => stored = Some((part, file_name, media, sha, size)),
                        Err(e) => {
                            let _ = tokio::fs::remove_file(&part).await;
                            return Err(e);
                        }
                    }
                }
                n if text.contains(&n) => fields.push((name, small_text(field).await?)),
                _ => return Err(ApiError::bad_request("err-multipart-field").arg("field", name)),
            }
        }
        Ok(())
    }
    .await;
    if let Err(e) = outcome {
        if let Some((part, ..)) = &stored {
            let _ = tokio::fs::remove_file(part).await;
        }
        return Err(e);
    }
    let (part, file_name, media_type, sha256, size) =
        stored.ok_or_else(|| ApiError::invalid(vec![FieldError::new("file", "err-required")]))?;
    Ok(Received {
        sha256,
        size,
        file_name: if file_name.trim().is_empty() {
            "evidence".into()
        } else {
            file_name
        },
        media_type,
        fields,
        temp: Some(part),
        files,
    })
}

/// The file as a download: always `application/octet-stream` as an attachment, so a browser
/// never renders what someone uploaded; `Digest`-style header for the SHA-256.
pub async fn download(state: &AppState, file: &EvidenceFile) -> Result<Response, ApiError> {
    let files = files_dir(state)?;
    let f = tokio::fs::File::open(path_of(&files, &file.sha256))
        .await
        .map_err(|_| ApiError::new(StatusCode::GONE, "file_missing", "err-evidence-missing"))?;
    let stream = tokio_util::io::ReaderStream::new(f);
    let ascii: String = file
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._- ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\""),
            ),
            (header::CONTENT_LENGTH, file.size.to_string()),
            (
                header::HeaderName::from_static("x-content-sha256"),
                file.sha256.clone(),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
