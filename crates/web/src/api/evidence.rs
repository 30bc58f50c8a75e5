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
use time::Date;
use uuid::Uuid;

/// The form fields an upload may carry beside `file`.
const FIELDS: &[&str] = &["tlp", "description", "effective_on", "expires_on"];

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

/// What an upload says of its file, checked: label, description, and the dates between
/// which it holds.
struct Described {
    tlp: String,
    description: String,
    effective_on: Option<Date>,
    expires_on: Option<Date>,
}

fn described(default_tlp: &str, r: &Received) -> Result<Described, ApiError> {
    let mut errors = vec![];
    let tlp = match r.field("tlp").map(str::trim).filter(|s| !s.is_empty()) {
        None => default_tlp.to_string(),
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
    let mut date = |field: &str| match r.field(field).map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(v) => match Date::parse(v, DATE) {
            Ok(d) => Some(d),
            Err(_) => {
                errors.push(FieldError::new(field, "err-date"));
                None
            }
        },
    };
    let effective_on = date("effective_on");
    let expires_on = date("expires_on");
    if let (Some(from), Some(to)) = (effective_on, expires_on)
        && to < from
    {
        errors.push(FieldError::new("expires_on", "err-evidence-dates"));
    }
    if errors.is_empty() {
        Ok(Described {
            tlp,
            description,
            effective_on,
            expires_on,
        })
    } else {
        Err(ApiError::invalid(errors))
    }
}

const DATE: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

fn new_evidence(
    institution: Uuid,
    subject: Subject,
    subject_id: String,
    r: &Received,
    d: Described,
) -> NewEvidence {
    NewEvidence {
        institution_id: institution,
        subject,
        subject_id,
        file_name: r.file_name.clone(),
        media_type: r.media_type.clone(),
        size: r.size,
        sha256: r.sha256.clone(),
        tlp: d.tlp,
        description: d.description,
        effective_on: d.effective_on,
        expires_on: d.expires_on,
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
    let received = evidence::receive(state, ctx, multipart, FIELDS).await?;
    let d = described(&row.tlp, &received)?;
    let new = new_evidence(
        row.institution_id,
        Subject::Incident,
        row.id.to_string(),
        &received,
        d,
    );
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

// ---------------------------------------------------------------------------------------
// Evidence of an assessment's answers. The files follow the assessment's access (the
// institution, its auditors, the coordinators); they are labelled TLP:AMBER unless the
// upload says otherwise.

/// Checks that `assessment` is one of `institution`'s assessments of `kind` (a campaign's or
/// a subject's); another institution's is not found. With `for_upload`, a subject assessment
/// must also still be held by the institution (draft or returned), before any byte is read.
async fn check_assessment(
    state: &AppState,
    kind: Subject,
    institution: Uuid,
    assessment: Uuid,
    for_upload: bool,
) -> Result<(), ApiError> {
    match kind {
        Subject::Assessment => {
            centinela_store::assessments::get_assessment(&state.db, institution, assessment)
                .await?;
        }
        Subject::SubjectAssessment => {
            let a = centinela_store::projects::get(&state.db, institution, assessment).await?;
            if for_upload && !a.review().editable() {
                return Err(crate::api::projects::review_error(
                    centinela_store::StoreError::State("subject-assessment-locked"),
                ));
            }
        }
        Subject::Incident => return Err(ApiError::not_found()),
    }
    Ok(())
}

/// Receives a file as evidence for one measure of an assessment (of `kind`).
pub async fn attach_to_answer(
    state: &AppState,
    ctx: &Ctx,
    kind: Subject,
    institution: Uuid,
    assessment: Uuid,
    measure: &str,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<EvidenceFile, ApiError> {
    if !crate::api::assessments::measure_id_ok(measure) {
        return Err(ApiError::not_found());
    }
    check_assessment(state, kind, institution, assessment, true).await?;
    let received = evidence::receive(state, ctx, multipart, FIELDS).await?;
    let d = described("TLP:AMBER", &received)?;
    let new = new_evidence(
        institution,
        kind,
        format!("{assessment}/{measure}"),
        &received,
        d,
    );
    received.keep().await?;
    let actor = ctx.actor();
    Ok(match kind {
        Subject::SubjectAssessment => centinela_store::projects::add_evidence(
            &state.db,
            &actor,
            institution,
            assessment,
            measure,
            &new,
        )
        .await
        .map_err(crate::api::projects::review_error)?,
        _ => {
            centinela_store::assessments::add_evidence(
                &state.db,
                &actor,
                institution,
                assessment,
                measure,
                &new,
            )
            .await?
        }
    })
}

pub async fn upload_for_answer(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, assessment, measure)): ApiPath<(Uuid, Uuid, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<EvidenceFile>), ApiError> {
    Ok(created(
        attach_to_answer(
            &state,
            &ctx,
            Subject::Assessment,
            institution,
            assessment,
            &measure,
            multipart,
        )
        .await?,
    ))
}

pub async fn upload_for_subject(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, assessment, measure)): ApiPath<(Uuid, Uuid, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<EvidenceFile>), ApiError> {
    Ok(created(
        attach_to_answer(
            &state,
            &ctx,
            Subject::SubjectAssessment,
            institution,
            assessment,
            &measure,
            multipart,
        )
        .await?,
    ))
}

async fn list_of(
    state: &AppState,
    kind: Subject,
    institution: Uuid,
    assessment: Uuid,
) -> Result<Json<Vec<EvidenceFile>>, ApiError> {
    check_assessment(state, kind, institution, assessment, false).await?;
    Ok(Json(
        store::list_of_assessment(&state.db, kind, assessment).await?,
    ))
}

/// Every evidence file of an assessment (all its measures), oldest first.
pub async fn list_for_assessment(
    State(state): State<AppState>,
    ApiPath((institution, assessment)): ApiPath<(Uuid, Uuid)>,
) -> Result<Json<Vec<EvidenceFile>>, ApiError> {
    list_of(&state, Subject::Assessment, institution, assessment).await
}

/// Every evidence file of a subject assessment (all its measures), oldest first.
pub async fn list_for_subject(
    State(state): State<AppState>,
    ApiPath((institution, assessment)): ApiPath<(Uuid, Uuid)>,
) -> Result<Json<Vec<EvidenceFile>>, ApiError> {
    list_of(&state, Subject::SubjectAssessment, institution, assessment).await
}

async fn assessment_file(
    state: &AppState,
    kind: Subject,
    institution: Uuid,
    assessment: Uuid,
    file: Uuid,
) -> Result<EvidenceFile, ApiError> {
    check_assessment(state, kind, institution, assessment, false).await?;
    let f = store::get(&state.db, file).await?;
    if f.subject_kind != kind.as_str()
        || !f.subject_id.starts_with(&format!("{assessment}/"))
        || f.institution_id != institution
    {
        return Err(ApiError::not_found());
    }
    Ok(f)
}

pub async fn download_for_assessment(
    State(state): State<AppState>,
    ApiPath((institution, assessment, file)): ApiPath<(Uuid, Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let f = assessment_file(&state, Subject::Assessment, institution, assessment, file).await?;
    evidence::download(&state, &f).await
}

pub async fn receipt_for_assessment(
    State(state): State<AppState>,
    ApiPath((institution, assessment, file)): ApiPath<(Uuid, Uuid, Uuid)>,
) -> Result<Json<AuditReceipt>, ApiError> {
    let f = assessment_file(&state, Subject::Assessment, institution, assessment, file).await?;
    Ok(Json(
        record_receipt(&state, "evidence", &f.id.to_string()).await?,
    ))
}

pub async fn download_for_subject(
    State(state): State<AppState>,
    ApiPath((institution, assessment, file)): ApiPath<(Uuid, Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let f = assessment_file(
        &state,
        Subject::SubjectAssessment,
        institution,
        assessment,
        file,
    )
    .await?;
    evidence::download(&state, &f).await
}

pub async fn receipt_for_subject(
    State(state): State<AppState>,
    ApiPath((institution, assessment, file)): ApiPath<(Uuid, Uuid, Uuid)>,
) -> Result<Json<AuditReceipt>, ApiError> {
    let f = assessment_file(
        &state,
        Subject::SubjectAssessment,
        institution,
        assessment,
        file,
    )
    .await?;
    Ok(Json(
        record_receipt(&state, "evidence", &f.id.to_string()).await?,
    ))
}
