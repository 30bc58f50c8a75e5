//! The RFC 3161 time-stamping authority over HTTP: `POST /tsa` answers
//! `application/timestamp-query` with `application/timestamp-reply`, and `GET
//! /tsa/certificate` serves the TSA certificate followed by its chain. Every granted token is
//! also stated in the transparency log, when this process keeps it.

use crate::AppState;
use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::path::Path;
use std::sync::Arc;
use trust::cert::{DevelopmentPki, Identity};
use trust::tsp::{
    CONTENT_TYPE_QUERY, CONTENT_TYPE_REPLY, MAX_REQUEST_LEN, TimeStampAuthority, TsaConfig,
};

#[derive(Debug, thiserror::Error)]
pub enum TsaSetupError {
    #[error("{0}")]
    Trust(#[from] trust::Error),
}

/// Loads the TSA key and certificate chain (PKCS#8 PEM, PEM chain).
pub fn load(key: &Path, chain: &Path) -> Result<Arc<TimeStampAuthority>, TsaSetupError> {
    let identity = Identity::from_pem_files(key, chain)?;
    Ok(Arc::new(TimeStampAuthority::new(
        identity,
        TsaConfig::default(),
    )?))
}

/// `centinela tsa init`: a development root, TSA and seal key pair in `dir` (never
/// overwriting existing keys).
pub fn init_development(dir: &Path) -> Result<(), TsaSetupError> {
    DevelopmentPki::generate("Centinela")?.write_to(dir)?;
    Ok(())
}

/// Loads the development TSA in `dir`, creating it on first start (for `centinela demo`).
pub fn development(dir: &Path) -> Result<Arc<TimeStampAuthority>, TsaSetupError> {
    if !dir.join("tsa.key").exists() {
        init_development(dir)?;
    }
    load(&dir.join("tsa.key"), &dir.join("tsa.pem"))
}

pub async fn timestamp(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(tsa) = state.tsa.clone() else {
        return ApiError::not_found().into_response();
    };
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if media.split(';').next().map(str::trim) != Some(CONTENT_TYPE_QUERY) {
        return ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "err-tsa-media-type",
        )
        .into_response();
    }
    if body.len() > 16 * MAX_REQUEST_LEN {
        return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "err-too-large")
            .into_response();
    }
    // Signing is CPU work: keep it off the async workers.
    let response = match tokio::task::spawn_blocking(move || tsa.respond(&body)).await {
        Ok(r) => r,
        Err(_) => return ApiError::internal().into_response(),
    };
    if let (Some(entry), Some(log)) = (response.log_entry(), state.log.clone()) {
        let log = log.log.clone();
        let appended = tokio::task::spawn_blocking(move || log.append_entry(&entry)).await;
        if !matches!(appended, Ok(Ok(_))) {
            tracing::error!("a granted time-stamp token could not be logged");
            return ApiError::internal().into_response();
        }
    }
    ([(header::CONTENT_TYPE, CONTENT_TYPE_REPLY)], response.der).into_response()
}

pub async fn certificate(State(state): State<AppState>) -> Response {
    match &state.tsa {
        Some(tsa) => (
            [(header::CONTENT_TYPE, "application/pem-certificate-chain")],
            tsa.certificate_chain_pem(),
        )
            .into_response(),
        None => ApiError::not_found().into_response(),
    }
}
