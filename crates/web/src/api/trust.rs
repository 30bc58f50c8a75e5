//! Trust services over the API: e-seals (seal a document by its SHA-256, list, download,
//! verify) and official notices with sealed registered-delivery evidence (send, read,
//! accept or reject, download each piece of evidence and its log receipt).

use crate::AppState;
use crate::api::{PageQuery, authorize, created, scope};
use crate::auth::Ctx;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::seals::{self, SealAuthority, hex, parse_sha256_hex, sha256};
use crate::transparency::{AuditReceipt, record_receipt};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use centinela_core::access::{Action, Resource, ResourceKind};
use centinela_core::validate::FieldError;
use centinela_store::audit;
use centinela_store::constituency;
use centinela_store::trust::{self as store, Evidence, Notice, Seal, SealedEvidence};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use time::OffsetDateTime;
use trust::cades::SealReport;
use trust::evidence::{Event, Evidence as ErdsEvidence};
use uuid::Uuid;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn authority(state: &AppState) -> Result<Arc<SealAuthority>, ApiError> {
    state
        .seals
        .clone()
        .ok_or_else(|| ApiError::new(StatusCode::CONFLICT, "not_configured", "err-no-seals"))
}

/// Now, to the millisecond (evidence times are milliseconds; stored times must match them).
fn now_ms() -> (OffsetDateTime, u64) {
    let now = OffsetDateTime::now_utc();
    let ms = (now.unix_timestamp_nanos() / 1_000_000).max(0) as u64;
    let at = OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000).unwrap_or(now);
    (at, ms)
}

fn system_time(ms: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
}

fn clean_text(field: &'static str, value: &str, max: usize) -> Result<String, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(FieldError::new(field, "err-required"));
    }
    if v.chars().count() > max {
        return Err(FieldError::new(field, "err-too-long").arg("max", max));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(FieldError::new(field, "err-control-chars"));
    }
    Ok(v.to_string())
}

// ---------------------------------------------------------------------------------------
// E-seals

#[derive(Debug, Deserialize)]
pub struct SealRequest {
    pub document_name: String,
    /// SHA-256 of the document, hex: the document itself never leaves the institution.
    pub document_sha256: String,
}

/// Seals a document for `institution` and stores the seal with its audit entry.
pub async fn make_seal(
    state: &AppState,
    actor: &centinela_store::Actor,
    institution: Uuid,
    document_name: &str,
    digest: [u8; 32],
) -> Result<Seal, ApiError> {
    let authority = authority(state)?;
    let name = clean_text("document_name", document_name, 200)
        .map_err(|e| ApiError::invalid(vec![e]))?
        .replace(['\n', '\r', '\t'], " ");
    let inst = constituency::get_institution(&state.db, institution).await?;
    let (at, ms) = now_ms();
    let org = inst.name_es.clone();
    let der = tokio::task::spawn_blocking(move || authority.seal(&org, digest, system_time(ms)))
        .await
        .map_err(|_| ApiError::internal())?
        .map_err(|e| {
            tracing::error!(error = %e, "sealing failed");
            ApiError::internal()
        })?;
    let seal = Seal {
        id: Uuid::new_v4(),
        institution_id: institution,
        document_name: name,
        document_sha256: hex(&digest),
        seal: B64.encode(&der),
        signer: format!("{} E-Seal", inst.name_es),
        sealed_by: actor.email.clone(),
        created_at: at,
    };
    store::add_seal(&state.db, actor, &seal, hex(&sha256(&der))).await?;
    Ok(seal)
}

pub async fn seal_document(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<SealRequest>,
) -> Result<(StatusCode, Json<Seal>), ApiError> {
    let digest = parse_sha256_hex(&req.document_sha256)
        .ok_or_else(|| ApiError::invalid(vec![FieldError::new("document_sha256", "err-sha256")]))?;
    Ok(created(
        make_seal(&state, &ctx.actor(), id, &req.document_name, digest).await?,
    ))
}

pub async fn list_seals(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Vec<Seal>>, ApiError> {
    constituency::get_institution(&state.db, id).await?;
    Ok(Json(store::list_seals(&state.db, id, q.page()).await?))
}

/// A seal the caller may read.
pub async fn load_seal(state: &AppState, ctx: &Ctx, id: Uuid) -> Result<Seal, ApiError> {
    let seal = store::get_seal(&state.db, id).await?;
    authorize(
        ctx.principal()?,
        Action::Read,
        &Resource::owned(ResourceKind::Seal, seal.institution_id),
    )?;
    Ok(seal)
}

pub async fn get_seal(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Seal>, ApiError> {
    Ok(Json(load_seal(&state, &ctx, id).await?))
}

/// A `.p7s` download (binary DER, detached).
pub fn p7s_response(base64_der: &str, file_stem: &str) -> Result<Response, ApiError> {
    let der = B64.decode(base64_der).map_err(|_| ApiError::internal())?;
    let stem: String = file_stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(100)
        .collect();
    Ok((
        [
            (
                header::CONTENT_TYPE,
                trust::cades::SEAL_CONTENT_TYPE.to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{stem}.p7s\""),
            ),
        ],
        der,
    )
        .into_response())
}

pub async fn seal_p7s(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let seal = load_seal(&state, &ctx, id).await?;
    p7s_response(&seal.seal, &seal.document_name)
}

pub async fn seal_receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<AuditReceipt>, ApiError> {
    load_seal(&state, &ctx, id).await?;
    Ok(Json(record_receipt(&state, "seal", &id.to_string()).await?))
}

#[derive(Debug, Deserialize)]
pub struct VerifyRequest {
    pub document_sha256: String,
    /// The `.p7s`, DER in base64 (PEM accepted).
    pub seal: String,
}

#[derive(Debug, Serialize)]
pub struct CheckView {
    pub name: &'static str,
    pub passed: bool,
    pub detail: String,
}

/// The verdict on a seal, step by step.
#[derive(Debug, Serialize)]
pub struct VerifyReport {
    pub valid: bool,
    pub checks: Vec<CheckView>,
    pub signer: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub signing_time: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub timestamp_time: Option<OffsetDateTime>,
    pub tsa: Option<String>,
}

impl From<SealReport> for VerifyReport {
    fn from(r: SealReport) -> Self {
        let t = |s: Option<SystemTime>| s.map(OffsetDateTime::from);
        VerifyReport {
            valid: r.is_valid(),
            checks: [
                ("structure", &r.structure),
                ("digest", &r.digest),
                ("signature", &r.signature),
                ("certificate", &r.certificate),
                ("timestamp", &r.timestamp),
            ]
            .into_iter()
            .map(|(name, c)| CheckView {
                name,
                passed: c.passed,
                detail: c.detail.clone(),
            })
            .collect(),
            signer: r.signer.clone(),
            signing_time: t(r.signing_time),
            timestamp_time: t(r.timestamp_time),
            tsa: r.tsa.clone(),
        }
    }
}

/// Verifies a seal against a document digest (CPU work, off the async workers).
pub async fn verify_digest(
    state: &AppState,
    seal: Vec<u8>,
    digest: [u8; 32],
) -> Result<VerifyReport, ApiError> {
    let authority = authority(state)?;
    let report = tokio::task::spawn_blocking(move || authority.verify(&seal, &digest))
        .await
        .map_err(|_| ApiError::internal())?;
    Ok(report.into())
}

pub async fn verify_seal(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> Result<Json<VerifyReport>, ApiError> {
    let mut errors = vec![];
    let digest = parse_sha256_hex(&req.document_sha256);
    if digest.is_none() {
        errors.push(FieldError::new("document_sha256", "err-sha256"));
    }
    let seal = Some(req.seal.as_bytes())
        .filter(|s| s.len() <= 2 * seals::MAX_SEAL_LEN)
        .and_then(seals::decode_seal);
    if seal.is_none() {
        errors.push(FieldError::new("seal", "err-seal-encoding"));
    }
    match (digest, seal) {
        (Some(d), Some(s)) => Ok(Json(verify_digest(&state, s, d).await?)),
        _ => Err(ApiError::invalid(errors)),
    }
}

// ---------------------------------------------------------------------------------------
// Notices and registered-delivery evidence

/// Kinds of notice a coordinator sends (late-stage notices are the platform's own).
pub const NOTICE_KINDS: &[&str] = &["incident_notice", "advisory", "campaign_assignment"];

#[derive(Debug, Deserialize)]
pub struct NoticeRequest {
    pub recipient_institution_id: Uuid,
    pub kind: String,
    pub subject: String,
    pub body: String,
    pub incident_id: Option<Uuid>,
}

/// The SHA-256 the evidence states for a notice's content: `subject`, a blank line, `body`,
/// as UTF-8.
pub fn content_digest(subject: &str, body: &str) -> [u8; 32] {
    sha256(format!("{subject}\n\n{body}").as_bytes())
}

fn slug(event: Event) -> &'static str {
    match event {
        Event::SubmissionAcceptance => "submission",
        Event::SubmissionRejection => "submission-rejection",
        Event::ContentConsignment => "consignment",
        Event::ContentConsignmentFailure => "consignment-failure",
        Event::ConsignmentAcceptance => "acceptance",
        Event::ConsignmentRejection => "rejection",
        Event::ContentHandover => "handover",
        Event::ContentHandoverFailure => "handover-failure",
        Event::ContentAccessTracking => "access",
    }
}

/// Builds and seals one piece of evidence about `n`.
async fn evidence(
    state: &AppState,
    n: &Notice,
    recipient: &str,
    event: Event,
    reasons: Vec<String>,
) -> Result<SealedEvidence, ApiError> {
    let authority = authority(state)?;
    let (at, ms) = now_ms();
    let submitted = (n.created_at.unix_timestamp_nanos() / 1_000_000).max(0) as u64;
    let digest = parse_sha256_hex(&n.content_sha256).ok_or_else(ApiError::internal)?;
    let e = ErdsEvidence {
        id: format!("{}/{}", n.id, slug(event)),
        event,
        event_time_ms: ms,
        reasons,
        issuer: seals::ERDS_NAME.to_string(),
        sender: n.sender.clone(),
        recipient: recipient.to_string(),
        message_id: n.id.to_string(),
        submission_time_ms: submitted,
        content_digests: vec![digest],
    };
    let (canonical, seal) =
        tokio::task::spawn_blocking(move || authority.seal_evidence(&e, system_time(ms)))
            .await
            .map_err(|_| ApiError::internal())?
            .map_err(|e| {
                tracing::error!(error = %e, "sealing evidence failed");
                ApiError::internal()
            })?;
    Ok(SealedEvidence {
        canonical_sha256_hex: hex(&sha256(&canonical)),
        row: Evidence {
            id: format!("{}/{}", n.id, slug(event)),
            notice_id: n.id,
            event: event.name().to_string(),
            at,
            canonical: String::from_utf8(canonical).map_err(|_| ApiError::internal())?,
            seal: B64.encode(seal),
        },
    })
}

/// Sends a notice: stored, made available to the recipient, with submission and consignment
/// evidence, all in one transaction.
pub async fn send(
    state: &AppState,
    actor: &centinela_store::Actor,
    sender_institution: Option<Uuid>,
    req: &NoticeRequest,
    kind: &str,
) -> Result<Notice, ApiError> {
    let mut errors = vec![];
    if !NOTICE_KINDS.contains(&kind) && kind != "late_stage" {
        errors.push(FieldError::new("kind", "err-choice"));
    }
    let subject = clean_text("subject", &req.subject, 200)
        .map(|s| s.replace(['\n', '\r', '\t'], " "))
        .map_err(|e| errors.push(e))
        .ok();
    let body = clean_text("body", &req.body, 20_000)
        .map_err(|e| errors.push(e))
        .ok();
    let recipient =
        match constituency::get_institution(&state.db, req.recipient_institution_id).await {
            Ok(i) => Some(i),
            Err(centinela_store::StoreError::NotFound) => {
                errors.push(FieldError::new(
                    "recipient_institution_id",
                    "err-unknown-institution",
                ));
                None
            }
            Err(e) => return Err(e.into()),
        };
    if let Some(incident) = req.incident_id
        && centinela_store::incidents::get(&state.db, incident)
            .await
            .is_err()
    {
        errors.push(FieldError::new("incident_id", "err-unknown-incident"));
    }
    let (Some(subject), Some(body), Some(recipient), true) =
        (subject, body, recipient, errors.is_empty())
    else {
        return Err(ApiError::invalid(errors));
    };
    let sender = match sender_institution {
        Some(i) => constituency::get_institution(&state.db, i).await?.name_es,
        None => seals::ERDS_NAME.to_string(),
    };
    let (at, _) = now_ms();
    let notice = Notice {
        id: Uuid::new_v4(),
        kind: kind.to_string(),
        sender,
        sender_institution_id: sender_institution,
        recipient_institution_id: recipient.id,
        content_sha256: hex(&content_digest(&subject, &body)),
        subject,
        body,
        incident_id: req.incident_id,
        state: "delivered".into(),
        created_at: at,
        answered_at: None,
        answer_reason: String::new(),
    };
    let mut ev = vec![];
    for event in [Event::SubmissionAcceptance, Event::ContentConsignment] {
        ev.push(evidence(state, &notice, &recipient.name_es, event, vec![]).await?);
    }
    store::create_notice(&state.db, actor, &notice, &ev).await?;
    Ok(notice)
}

pub async fn send_notice(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(req): ApiJson<NoticeRequest>,
) -> Result<(StatusCode, Json<NoticeView>), ApiError> {
    let p = ctx.principal()?;
    let notice = send(&state, &ctx.actor(), p.institution, &req, &req.kind).await?;
    Ok(created(view(&state, notice).await?))
}

pub async fn list_notices(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Vec<Notice>>, ApiError> {
    let p = ctx.principal()?;
    Ok(Json(
        store::list_notices(&state.db, &scope(p), q.page()).await?,
    ))
}

fn notice_resource(n: &Notice) -> Resource {
    Resource::owned(ResourceKind::Notice, n.recipient_institution_id)
}

/// A notice the caller may act on. When the recipient's own staff read it, the handover
/// is recorded (once) as evidence.
pub async fn load_notice(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    action: Action,
) -> Result<Notice, ApiError> {
    let notice = store::get_notice(&state.db, id).await?;
    let p = ctx.principal()?;
    // The sender's institution sees what it sent even without rights over the recipient.
    let sender_side = p.institution.is_some() && p.institution == notice.sender_institution_id;
    if !(sender_side && action == Action::Read) {
        authorize(p, action, &notice_resource(&notice))?;
    }
    if p.institution == Some(notice.recipient_institution_id) {
        let handover = format!("{}/{}", notice.id, slug(Event::ContentHandover));
        if !store::has_evidence(&state.db, &handover).await? {
            let recipient =
                constituency::get_institution(&state.db, notice.recipient_institution_id).await?;
            let e = evidence(
                state,
                &notice,
                &recipient.name_es,
                Event::ContentHandover,
                vec![],
            )
            .await?;
            store::add_evidence(&state.db, &ctx.actor(), &notice, &e).await?;
        }
    }
    Ok(notice)
}

#[derive(Debug, Serialize)]
pub struct EvidenceView {
    #[serde(flatten)]
    pub evidence: Evidence,
    /// Where the evidence's audit entry sits in the transparency log, once anchored.
    pub log_index: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct NoticeView {
    #[serde(flatten)]
    pub notice: Notice,
    pub evidence: Vec<EvidenceView>,
}

pub async fn view(state: &AppState, notice: Notice) -> Result<NoticeView, ApiError> {
    let mut evidence = vec![];
    for e in store::list_evidence(&state.db, notice.id).await? {
        let log_index = audit::find_for_record(&state.db, "delivery_evidence", &e.id)
            .await?
            .and_then(|a| a.log_index);
        evidence.push(EvidenceView {
            evidence: e,
            log_index,
        });
    }
    Ok(NoticeView { notice, evidence })
}

pub async fn get_notice(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<NoticeView>, ApiError> {
    let notice = load_notice(&state, &ctx, id, Action::Read).await?;
    Ok(Json(view(&state, notice).await?))
}

#[derive(Debug, Deserialize)]
pub struct AnswerRequest {
    pub accept: bool,
    #[serde(default)]
    pub reason: String,
}

/// The recipient accepts or rejects (with a reason) a delivered notice.
pub async fn answer(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    req: &AnswerRequest,
) -> Result<Notice, ApiError> {
    let notice = load_notice(state, ctx, id, Action::Update).await?;
    let p = ctx.principal()?;
    if p.institution != Some(notice.recipient_institution_id) {
        return Err(ApiError::forbidden());
    }
    let reason = req.reason.trim().replace(['\n', '\r', '\t'], " ");
    if !req.accept && reason.is_empty() {
        return Err(ApiError::invalid(vec![FieldError::new(
            "reason",
            "err-required",
        )]));
    }
    if reason.chars().count() > 500 || reason.chars().any(char::is_control) {
        return Err(ApiError::invalid(vec![
            FieldError::new("reason", "err-too-long").arg("max", 500),
        ]));
    }
    if notice.state != "delivered" {
        return Err(centinela_store::StoreError::Conflict("an answer to this notice").into());
    }
    let recipient =
        constituency::get_institution(&state.db, notice.recipient_institution_id).await?;
    let (event, reasons) = if req.accept {
        (Event::ConsignmentAcceptance, vec![])
    } else {
        (Event::ConsignmentRejection, vec![reason.clone()])
    };
    let e = evidence(state, &notice, &recipient.name_es, event, reasons).await?;
    store::answer_notice(
        &state.db,
        &ctx.actor(),
        &notice,
        req.accept,
        &reason,
        e.row.at,
        &e,
    )
    .await?;
    Ok(store::get_notice(&state.db, id).await?)
}

pub async fn answer_notice(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<AnswerRequest>,
) -> Result<Json<NoticeView>, ApiError> {
    let notice = answer(&state, &ctx, id, &req).await?;
    Ok(Json(view(&state, notice).await?))
}

async fn load_evidence(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    event: &str,
) -> Result<Evidence, ApiError> {
    let notice = load_notice(state, ctx, id, Action::Read).await?;
    store::list_evidence(&state.db, notice.id)
        .await?
        .into_iter()
        .find(|e| e.id == format!("{id}/{event}"))
        .ok_or_else(ApiError::not_found)
}

pub async fn evidence_p7s(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, event)): ApiPath<(Uuid, String)>,
) -> Result<Response, ApiError> {
    let e = load_evidence(&state, &ctx, id, &event).await?;
    p7s_response(&e.seal, &format!("evidence-{id}-{event}"))
}

/// The canonical evidence text, byte for byte what the seal covers.
pub async fn evidence_text(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, event)): ApiPath<(Uuid, String)>,
) -> Result<Response, ApiError> {
    let e = load_evidence(&state, &ctx, id, &event).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/plain; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"evidence-{id}-{event}.txt\""),
            ),
        ],
        e.canonical,
    )
        .into_response())
}

pub async fn evidence_receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, event)): ApiPath<(Uuid, String)>,
) -> Result<Json<AuditReceipt>, ApiError> {
    let e = load_evidence(&state, &ctx, id, &event).await?;
    Ok(Json(
        record_receipt(&state, "delivery_evidence", &e.id).await?,
    ))
}

/// `GET /seals/roots.pem`: the roots that seals and their time-stamps chain to (sealing CA
/// and TSA), for `openssl cms -verify -CAfile`.
pub async fn roots(State(state): State<AppState>) -> Response {
    match &state.seals {
        Some(s) => (
            [(header::CONTENT_TYPE, "application/pem-certificate-chain")],
            s.roots_pem(),
        )
            .into_response(),
        None => ApiError::not_found().into_response(),
    }
}
