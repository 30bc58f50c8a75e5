//! Trust-service pages: an institution's seals (seal a document, download, receipts), the
//! public seal verifier, and official notices with their registered-delivery evidence.

use crate::AppState;
use crate::api::trust::{self as api, AnswerRequest, NOTICE_KINDS, NoticeRequest, VerifyReport};
use crate::api::{authorize, scope};
use crate::auth::{Ctx, redirect};
use crate::error::ApiError;
use crate::extract::{ApiForm, ApiPath};
use crate::i18n::Tr;
use crate::pages::{FormErrors, Nav, read_upload, render, without_csrf};
use crate::seals::{self, hex};
use askama::Template;
use axum::extract::State;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use centinela_core::access::{Action, Decision, Resource, ResourceKind, may};
use centinela_store::constituency::{self as repo, Institution};
use centinela_store::trust::{self as store, Notice, Seal};
use centinela_store::{Page, Scope};
use serde::Deserialize;
use uuid::Uuid;

// ---------------------------------------------------------------------------------------
// Seals

#[derive(Template)]
#[template(path = "seals.html")]
struct SealsPage {
    t: Tr,
    nav: Nav,
    institution: Institution,
    seals: Vec<Seal>,
    can_seal: bool,
    error: String,
    created: Option<Uuid>,
}

async fn seals_page(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    error: String,
    created: Option<Uuid>,
) -> Result<SealsPage, ApiError> {
    let p = ctx.principal()?;
    let institution = repo::get_institution(&state.db, id).await?;
    Ok(SealsPage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(ctx, "/institutions"),
        seals: store::list_seals(&state.db, id, Page::new(Some(100), None)).await?,
        can_seal: state.seals.is_some()
            && may(
                p,
                Action::Create,
                &Resource::owned(ResourceKind::Seal, institution.id),
            ) == Decision::Allow,
        institution,
        error,
        created,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct SealsQuery {
    created: Option<Uuid>,
}

pub async fn seals(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    crate::extract::ApiQuery(q): crate::extract::ApiQuery<SealsQuery>,
) -> Result<Response, ApiError> {
    Ok(render(&seals_page(&state, &ctx, id, String::new(), q.created).await?)?.into_response())
}

pub async fn seal(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let result = async {
        let upload = read_upload(&state, &ctx, multipart, &["file"], &[], 0).await?;
        let (_, digest, file_name) = upload.hashed.into_iter().next().ok_or_else(|| {
            ApiError::invalid(vec![centinela_core::validate::FieldError::new(
                "file",
                "err-required",
            )])
        })?;
        let name = if file_name.trim().is_empty() {
            "document".to_string()
        } else {
            file_name
        };
        api::make_seal(&state, &ctx.actor(), id, &name, digest).await
    }
    .await;
    match result {
        Ok(s) => Ok(redirect(&format!(
            "/institutions/{id}/seals?created={}#seal-{}",
            s.id, s.id
        ))),
        Err(e) if e.status.is_client_error() && e.code != "csrf" => {
            let view = seals_page(&state, &ctx, id, e.message(ctx.lang), None).await?;
            Ok((e.status, render(&view)?).into_response())
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "seal_verify.html")]
struct VerifyPage {
    t: Tr,
    nav: Nav,
    report: Option<VerifyReport>,
    document_sha256: String,
    error: String,
}

pub async fn verify_form(ctx: Ctx) -> Result<Response, ApiError> {
    Ok(render(&VerifyPage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(&ctx, "/seals/verify"),
        report: None,
        document_sha256: String::new(),
        error: String::new(),
    })?
    .into_response())
}

pub async fn verify(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let result = async {
        let upload = read_upload(
            &state,
            &ctx,
            multipart,
            &["document"],
            &["seal"],
            seals::MAX_SEAL_LEN,
        )
        .await?;
        let mut errors = vec![];
        let digest = upload.hashed.first().map(|(_, d, _)| *d);
        if digest.is_none() {
            errors.push(centinela_core::validate::FieldError::new(
                "document",
                "err-required",
            ));
        }
        let seal = upload
            .kept
            .first()
            .and_then(|(_, bytes)| seals::decode_seal(bytes));
        if seal.is_none() {
            errors.push(centinela_core::validate::FieldError::new(
                "seal",
                "err-seal-encoding",
            ));
        }
        match (digest, seal) {
            (Some(d), Some(s)) => Ok((api::verify_digest(&state, s, d).await?, hex(&d))),
            _ => Err(ApiError::invalid(errors)),
        }
    }
    .await;
    let t = Tr { lang: ctx.lang };
    let nav = Nav::new(&ctx, "/seals/verify");
    match result {
        Ok((report, document_sha256)) => Ok(render(&VerifyPage {
            t,
            nav,
            report: Some(report),
            document_sha256,
            error: String::new(),
        })?
        .into_response()),
        Err(e) if e.status.is_client_error() && e.code != "csrf" => {
            let page = VerifyPage {
                t,
                nav,
                report: None,
                document_sha256: String::new(),
                error: e.message(ctx.lang),
            };
            Ok((e.status, render(&page)?).into_response())
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// Notices

pub struct NoticeRow {
    pub notice: Notice,
    pub recipient: String,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    t: Tr,
    nav: Nav,
    rows: Vec<NoticeRow>,
    can_send: bool,
    institutions: Vec<Institution>,
    kinds: &'static [&'static str],
    errors: FormErrors,
    form: NoticeForm,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct NoticeForm {
    #[serde(default)]
    pub recipient: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
}

async fn notices_page(
    state: &AppState,
    ctx: &Ctx,
    form: NoticeForm,
    errors: FormErrors,
) -> Result<NoticesPage, ApiError> {
    let p = ctx.principal()?;
    let (all, _) = repo::list_institutions(
        &state.db,
        &Scope::All,
        &Default::default(),
        Page::new(Some(Page::MAX_LIMIT), None),
    )
    .await?;
    let names: std::collections::HashMap<Uuid, String> =
        all.iter().map(|i| (i.id, i.name_es.clone())).collect();
    let rows = store::list_notices(&state.db, &scope(p), Page::new(Some(100), None))
        .await?
        .into_iter()
        .map(|n| NoticeRow {
            recipient: names
                .get(&n.recipient_institution_id)
                .cloned()
                .unwrap_or_default(),
            notice: n,
        })
        .collect();
    let can_send = state.seals.is_some()
        && may(
            p,
            Action::Create,
            &Resource::collection(ResourceKind::Notice),
        ) == Decision::Allow;
    Ok(NoticesPage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(ctx, "/notices"),
        rows,
        can_send,
        institutions: if can_send { all } else { vec![] },
        kinds: NOTICE_KINDS,
        errors,
        form,
    })
}

pub async fn notices(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    Ok(
        render(&notices_page(&state, &ctx, NoticeForm::default(), FormErrors::default()).await?)?
            .into_response(),
    )
}

pub async fn send(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let form: NoticeForm = without_csrf(pairs)?;
    let p = ctx.principal()?;
    let Ok(recipient) = Uuid::try_parse(form.recipient.trim()) else {
        let errors = FormErrors::new(
            ctx.lang,
            &[centinela_core::validate::FieldError::new(
                "recipient_institution_id",
                "err-unknown-institution",
            )],
        );
        let view = notices_page(&state, &ctx, form, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&view)?).into_response());
    };
    let req = NoticeRequest {
        recipient_institution_id: recipient,
        kind: form.kind.clone(),
        subject: form.subject.clone(),
        body: form.body.clone(),
        incident_id: None,
    };
    match api::send(&state, &ctx.actor(), p.institution, &req, &req.kind).await {
        Ok(n) => Ok(redirect(&format!("/notices/{}", n.id))),
        Err(e) if !e.fields.is_empty() => {
            let errors = FormErrors::new(ctx.lang, &e.fields);
            let view = notices_page(&state, &ctx, form, errors).await?;
            Ok((e.status, render(&view)?).into_response())
        }
        Err(e) => Err(e),
    }
}

pub struct EvidenceRow {
    pub slug: String,
    pub event: String,
    pub at: String,
    pub canonical: String,
    pub log_index: Option<i64>,
}

#[derive(Template)]
#[template(path = "notice.html")]
struct NoticePage {
    t: Tr,
    nav: Nav,
    notice: Notice,
    recipient: String,
    evidence: Vec<EvidenceRow>,
    can_answer: bool,
    error: String,
}

async fn notice_page(
    state: &AppState,
    ctx: &Ctx,
    id: Uuid,
    error: String,
) -> Result<NoticePage, ApiError> {
    let notice = api::load_notice(state, ctx, id, Action::Read).await?;
    let p = ctx.principal()?;
    let recipient = repo::get_institution(&state.db, notice.recipient_institution_id)
        .await?
        .name_es;
    let view = api::view(state, notice).await?;
    let can_answer = view.notice.state == "delivered"
        && p.institution == Some(view.notice.recipient_institution_id)
        && authorize(
            p,
            Action::Update,
            &Resource::owned(ResourceKind::Notice, view.notice.recipient_institution_id),
        )
        .is_ok();
    Ok(NoticePage {
        t: Tr { lang: ctx.lang },
        nav: Nav::new(ctx, "/notices"),
        evidence: view
            .evidence
            .into_iter()
            .map(|e| EvidenceRow {
                slug: e
                    .evidence
                    .id
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_string(),
                event: e.evidence.event.clone(),
                at: e.evidence.at.to_string(),
                canonical: e.evidence.canonical.clone(),
                log_index: e.log_index,
            })
            .collect(),
        notice: view.notice,
        recipient,
        can_answer,
        error,
    })
}

pub async fn notice(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    Ok(render(&notice_page(&state, &ctx, id, String::new()).await?)?.into_response())
}

#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    decision: String,
    #[serde(default)]
    reason: String,
}

pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiForm(pairs): ApiForm<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let form: AnswerForm = without_csrf(pairs)?;
    let req = AnswerRequest {
        accept: form.decision == "accept",
        reason: form.reason,
    };
    match api::answer(&state, &ctx, id, &req).await {
        Ok(_) => Ok(redirect(&format!("/notices/{id}#evidence"))),
        Err(e) if e.status.is_client_error() && !e.fields.is_empty() => {
            let view = notice_page(&state, &ctx, id, e.message(ctx.lang)).await?;
            Ok((e.status, render(&view)?).into_response())
        }
        Err(e) => Err(e),
    }
}
