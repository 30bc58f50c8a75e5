//! Evidence files attached to incidents: upload (multipart, streamed and hashed, under the
//! evidence size limit), list, download and the transparency-log receipt of each file.
//!
//! Each file carries its own TLP label (the incident's by default): a file labelled above
//! what a reader may see is left out of their list and answers 404, like the observables of
//! an export.

use crate::AppState;
use crate::api::incident_work::open;
use crate::api::incidents::{load, resource};
use crate::api::{authorize, created};
use crate::auth::Ctx;
use crate::error::ApiError;
use crate::evidence::{self, Received};
use crate::extract::ApiPath;
use crate::transparency::{AuditReceipt, record_receipt};
use axum::Json;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::StatusCode;
use axum::response::Response;
use centinela_core::access::{Action, Decision, Resource, may};
use centinela_core::principal::Principal;
use centinela_core::tlp::Tlp;
use centinela_core::validate::FieldError;
use centinela_store::evidence::{self as store, EvidenceFile, NewEvidence, Subject};
use centinela_store::incidents::IncidentRow;
use uuid::Uuid;

/// Longest description of a file.
const MAX_DESCRIPTION: usize = 500;

/// The file as the access policy sees it: the incident, with the file's own label, and the
/// uploader named beside the reporter (TLP:RED reaches only them).
fn file_resource(incident: &Resource, row: &IncidentRow, file: &EvidenceFile) -> Resource {
    let tlp = file.tlp.parse::<Tlp>().unwrap_or(Tlp::Red);
    incident.clone().labelled(
        tlp,
        incident.recipients.clone(),
        vec![row.reported_by, file.uploaded_by],
    )
}

fn visible(p: &Principal, incident: &Resource, row: &IncidentRow, file: &EvidenceFile) -> bool {
    may(p, Action::Read, &file_resource(incident, row, file)) == Decision::Allow
}

/// The label and description of an upload, checked.
fn described(row: &IncidentRow, r: &Received) -> Result<(String, String), ApiError> {
    let mut errors = vec![];
    let tlp = match r.field("tlp").map(str::trim).filter(|s| !s.is_empty()) {
        None => row.tlp.clone(),
        Some(t) => match t.parse::<Tlp>() {
            Ok(t) => t.to_string(),
            Err(_) => {
                errors.push(FieldError::new("tlp", "err-choice"));
                String::new()
            }
        },
    };
    let description = r.field("description").unwrap_or("").trim().to_string();
    if description.chars().count() > MAX_DESCRIPTION {
        errors.push(FieldError::new("description", "err-too-long").arg("max", MAX_DESCRIPTION));
    }
    if errors.is_empty() {
        Ok((tlp, description))
    } else {
        Err(ApiError::invalid(errors))
    }
}

/// Receives a file for an open incident the caller may update, and records it.
pub async fn attach(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<EvidenceFile, ApiError> {
    let row = load(state, ctx, id, Action::Update).await?;
    open(&row)?;
    let received = evidence::receive(state, ctx, multipart, &["tlp", "description"]).await?;
    let (tlp, description) = described(&row, &received)?;
    let new = NewEvidence {
        institution_id: row.institution_id,
        subject: Subject::Incident,
        subject_id: row.id.to_string(),
        file_name: received.file_name.clone(),
        media_type: received.media_type.clone(),
        size: received.size,
        sha256: received.sha256.clone(),
        tlp,
        description,
    };
    // The bytes are in place before the row that points at them is written.
    received.keep().await?;
    Ok(centinela_store::incident_work::add_evidence(&state.db, &ctx.actor(), &row, &new).await?)
}

/// The incident's files the caller may see, oldest first.
pub async fn files_of(
    state: &AppState,
    ctx: &Ctx,
    row: &IncidentRow,
) -> Result<Vec<EvidenceFile>, ApiError> {
    let p = ctx.principal()?;
    let incident = resource(state, row).await?;
    Ok(
        store::list(&state.db, Subject::Incident, &row.id.to_string())
            .await?
            .into_iter()
            .filter(|f| visible(p, &incident, row, f))
            .collect(),
    )
}

/// One file of the incident, if the caller may see it.
async fn file_of(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    file: Uuid,
) -> Result<EvidenceFile, ApiError> {
    let row = load(state, ctx, id, Action::Read).await?;
    let f = store::get(&state.db, file).await?;
    if f.subject_kind != Subject::Incident.as_str() || f.subject_id != row.id.to_string() {
        return Err(ApiError::not_found());
    }
    let incident = resource(state, &row).await?;
    authorize(
        ctx.principal()?,
        Action::Read,
        &file_resource(&incident, &row, &f),
    )?;
    Ok(f)
}

pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<EvidenceFile>), ApiError> {
    Ok(created(attach(&state, &ctx, id, multipart).await?))
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<EvidenceFile>>, ApiError> {
    let row = load(&state, &ctx, id, Action::Read).await?;
    Ok(Json(files_of(&state, &ctx, &row).await?))
}

pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, file)): ApiPath<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let f = file_of(&state, &ctx, id, file).await?;
    evidence::download(&state, &f).await
}

/// The receipt of the file's audit entry, which states the file's SHA-256:
/// `centinela verify RECEIPT --document FILE` checks the bytes against the log.
pub async fn receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, file)): ApiPath<(Uuid, Uuid)>,
) -> Result<Json<AuditReceipt>, ApiError> {
    let f = file_of(&state, &ctx, id, file).await?;
    Ok(Json(
        record_receipt(&state, "evidence", &f.id.to_string()).await?,
    ))
}
