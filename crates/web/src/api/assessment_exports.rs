//! Exports of an assessment: CSV and XLSX of its answers (the XLSX adds the scores per
//! group and the remediation plan), and OSCAL assessment-results and plan-of-action-and-
//! milestones JSON.

use crate::AppState;
use crate::api::assessments::{MeasureItem, ScoreView, assessment_view, status_of};
use crate::auth::Ctx;
use crate::error::ApiError;
use crate::extract::ApiPath;
use assess::Catalog;
use assess::score::ImplementationStatus;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use centinela_store::Db;
use centinela_store::assessments::{self as store, Answer, AssessmentRow, PlanItem};
use serde_json::Value;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;

pub fn csv_response(name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// Neutralises spreadsheet formulas in a CSV cell.
fn cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// The answer table both the CSV and the XLSX carry, one row per measure.
const ANSWER_COLUMNS: [&str; 14] = [
    "measure_id",
    "group",
    "weight",
    "title",
    "status",
    "reason",
    "maturity",
    "comment",
    "evidence",
    "files",
    "carried_over",
    "inferred_from",
    "verdict",
    "verdict_comment",
];

fn answer_rows(measures: &[MeasureItem]) -> Vec<[String; 14]> {
    measures
        .iter()
        .map(|m| {
            let a = m.answer.as_ref();
            [
                m.id.clone(),
                m.group.clone(),
                m.weight.to_string(),
                m.title.clone(),
                a.map(|a| a.status.clone()).unwrap_or_default(),
                a.map(|a| a.reason.clone()).unwrap_or_default(),
                a.and_then(|a| a.maturity)
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                a.map(|a| a.comment.clone()).unwrap_or_default(),
                a.map(|a| a.evidence.join(" ")).unwrap_or_default(),
                m.files
                    .iter()
                    .map(|f| format!("{} (SHA-256 {})", f.file.file_name, f.file.sha256))
                    .collect::<Vec<_>>()
                    .join("; "),
                a.map(|a| a.carried_over.to_string()).unwrap_or_default(),
                a.and_then(|a| a.inferred_from.as_ref())
                    .map(|p| p.summary())
                    .unwrap_or_default(),
                a.and_then(|a| a.verdict.clone()).unwrap_or_default(),
                a.map(|a| a.verdict_comment.clone()).unwrap_or_default(),
            ]
        })
        .collect()
}

/// The answer table as CSV (a campaign's or a subject's assessment).
pub fn csv_body(measures: &[MeasureItem]) -> Result<Vec<u8>, ApiError> {
    let mut w = csv::Writer::from_writer(vec![]);
    let fail = |_| ApiError::internal();
    w.write_record(ANSWER_COLUMNS).map_err(fail)?;
    for row in answer_rows(measures) {
        w.write_record(row.iter().map(|c| cell(c))).map_err(fail)?;
    }
    w.into_inner().map_err(|_| ApiError::internal())
}

pub async fn export_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let view = assessment_view(&state.db, institution, id, ctx.lang.tag_short()).await?;
    let body = csv_body(&view.measures)?;
    Ok(csv_response(&format!("assessment-{id}.csv"), body))
}

/// An assessment as a workbook: the answers, the scores (overall and per group) and, when
/// it has one, the remediation plan, one sheet each. Text cells are written as strings,
/// never formulas.
pub fn xlsx_body(
    measures: &[MeasureItem],
    overall: &ScoreView,
    groups: &BTreeMap<String, ScoreView>,
    plan: Option<&[PlanItem]>,
) -> Result<Vec<u8>, ApiError> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| {
        tracing::error!(error = %e, "xlsx export");
        ApiError::internal()
    };
    let bold = Format::new().set_bold();
    let mut book = Workbook::new();

    let sheet = book.add_worksheet().set_name("answers").map_err(fail)?;
    for (c, h) in ANSWER_COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(fail)?;
    }
    for (r, row) in answer_rows(measures).iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let r = r as u32 + 1;
            match (ANSWER_COLUMNS[c], v.parse::<f64>()) {
                ("weight" | "maturity", Ok(n)) => sheet.write_number(r, c as u16, n),
                _ => sheet.write_string(r, c as u16, v),
            }
            .map_err(fail)?;
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;

    let sheet = book.add_worksheet().set_name("scores").map_err(fail)?;
    for (c, h) in [
        "group",
        "assessed",
        "total",
        "progress",
        "compliance",
        "maturity",
    ]
    .iter()
    .enumerate()
    {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(fail)?;
    }
    let groups = std::iter::once(("overall".to_string(), overall))
        .chain(groups.iter().map(|(g, s)| (g.clone(), s)));
    for (r, (g, s)) in groups.enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, &g).map_err(fail)?;
        sheet.write_number(r, 1, s.assessed as f64).map_err(fail)?;
        sheet.write_number(r, 2, s.total as f64).map_err(fail)?;
        sheet.write_number(r, 3, s.progress).map_err(fail)?;
        for (c, v) in [(4u16, s.compliance), (5, s.maturity)] {
            if let Some(v) = v {
                sheet.write_number(r, c, v).map_err(fail)?;
            }
        }
    }

    let Some(plan) = plan else {
        return book.save_to_buffer().map_err(fail);
    };
    let sheet = book.add_worksheet().set_name("plan").map_err(fail)?;
    for (c, h) in ["measure_id", "title", "owner", "due_on", "status"]
        .iter()
        .enumerate()
    {
        sheet
            .write_string_with_format(0, c as u16, *h, &bold)
            .map_err(fail)?;
    }
    for (r, p) in plan.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, &p.measure_id).map_err(fail)?;
        sheet.write_string(r, 1, &p.title).map_err(fail)?;
        sheet.write_string(r, 2, &p.owner).map_err(fail)?;
        sheet
            .write_string(r, 3, p.due_on.map(|d| d.to_string()).unwrap_or_default())
            .map_err(fail)?;
        sheet.write_string(r, 4, &p.status).map_err(fail)?;
    }
    book.save_to_buffer().map_err(fail)
}

pub fn xlsx_response(name: &str, body: Vec<u8>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

pub async fn export_xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Response, ApiError> {
    let view = assessment_view(&state.db, institution, id, ctx.lang.tag_short()).await?;
    let body = xlsx_body(
        &view.measures,
        &view.overall,
        &view.groups,
        Some(&view.plan),
    )?;
    Ok(xlsx_response(&format!("assessment-{id}.xlsx"), body))
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

async fn profile_catalog(db: &Db, a: &AssessmentRow, lang: &str) -> Result<Catalog, ApiError> {
    let text = store::profile_catalog(db, a.campaign_id, &a.profile, lang).await?;
    Catalog::from_json_str(&text, "profile").map_err(|e| {
        tracing::error!(error = %e, "stored profile does not parse");
        ApiError::internal()
    })
}

/// What an assessment-results document says of the assessment it reports.
pub struct ResultsMeta {
    pub title: String,
    pub description: String,
    pub last_modified: OffsetDateTime,
    pub start: OffsetDateTime,
    pub institution: Uuid,
    /// The questionnaire or campaign profile answered.
    pub profile_href: String,
}

/// The answered measures as OSCAL assessment-results (a campaign's or a subject's).
pub fn results_document(
    meta: ResultsMeta,
    catalog: &Catalog,
    measures: &[MeasureItem],
    overall: &ScoreView,
) -> Result<Value, ApiError> {
    let answers: Vec<assess::assessment_results::ControlAnswer> = measures
        .iter()
        .filter_map(|m| {
            let a = m.answer.as_ref()?;
            let stored = Answer {
                measure_id: a.measure_id.clone(),
                status: a.status.clone(),
                reason: a.reason.clone(),
                maturity: a.maturity,
                comment: a.comment.clone(),
                evidence: String::new(),
                carried_over: a.carried_over,
                inferred_from: None,
                verdict: None,
                verdict_comment: String::new(),
                verdict_by: None,
                updated_by: String::new(),
                updated_at: a.updated_at,
            };
            Some(assess::assessment_results::ControlAnswer {
                control_id: m.id.clone(),
                status: status_of(&stored),
                maturity: a.maturity.and_then(|v| u8::try_from(v).ok()),
                comment: (!a.comment.is_empty()).then(|| a.comment.clone()),
                collected: rfc3339(a.updated_at),
                evidence: a
                    .evidence
                    .iter()
                    .map(|href| assess::assessment_results::Evidence {
                        href: href.clone(),
                        description: href.clone(),
                        sha256: None,
                    })
                    .collect(),
            })
        })
        .collect();
    let input = assess::assessment_results::ResultsInput {
        title: meta.title,
        description: meta.description,
        version: "1".into(),
        last_modified: rfc3339(meta.last_modified),
        start: rfc3339(meta.start),
        end: None,
        institution_id: meta.institution.to_string(),
        profile_href: meta.profile_href,
        catalog,
        answers: &answers,
        compliance: overall.compliance,
        maturity: overall.maturity,
    };
    assess::assessment_results::assessment_results(&input).map_err(|e| {
        ApiError::new(StatusCode::CONFLICT, "not_exportable", "err-export")
            .arg("detail", e.to_string())
    })
}

pub async fn export_results(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Json<Value>, ApiError> {
    let lang = ctx.lang.tag_short();
    let view = assessment_view(&state.db, institution, id, lang).await?;
    let catalog = profile_catalog(&state.db, &view.assessment, lang).await?;
    let meta = ResultsMeta {
        title: view.campaign_title.clone(),
        description: format!("{} — {}", view.campaign_title, view.assessment.profile),
        last_modified: view.assessment.updated_at,
        start: view.assessment.created_at,
        institution,
        profile_href: format!(
            "urn:centinela:campaign:{}:{}",
            view.assessment.campaign_id, view.assessment.profile
        ),
    };
    results_document(meta, &catalog, &view.measures, &view.overall).map(Json)
}

pub async fn export_poam(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Json<Value>, ApiError> {
    use assess::poam::{ItemStatus, PlanItem as PoamItem, PoamInput, poam};
    let view = assessment_view(&state.db, institution, id, ctx.lang.tag_short()).await?;
    let found = |measure: &str| match view
        .gaps
        .iter()
        .find(|g| g.measure_id == measure)
        .map(|g| g.status.as_str())
    {
        Some("partial") => ImplementationStatus::Partial,
        Some("planned") => ImplementationStatus::Planned,
        _ => ImplementationStatus::NotImplemented,
    };
    let items: Vec<PoamItem> = if view.plan.is_empty() {
        view.gaps
            .iter()
            .map(|g| PoamItem {
                control_id: g.measure_id.clone(),
                title: g.title.clone(),
                description: g.title.clone(),
                status_found: found(&g.measure_id),
                owner: None,
                due: None,
                status: ItemStatus::Open,
            })
            .collect()
    } else {
        view.plan
            .iter()
            .map(|p| PoamItem {
                control_id: p.measure_id.clone(),
                title: p.title.clone(),
                description: p.title.clone(),
                status_found: found(&p.measure_id),
                owner: (!p.owner.is_empty()).then(|| p.owner.clone()),
                due: p.due_on.map(|d| format!("{d}T23:59:59-06:00")),
                status: match p.status.as_str() {
                    "done" => ItemStatus::Completed,
                    "in_progress" => ItemStatus::InProgress,
                    _ => ItemStatus::Open,
                },
            })
            .collect()
    };
    let input = PoamInput {
        title: format!("{} — POA&M", view.campaign_title),
        version: "1".into(),
        last_modified: rfc3339(view.assessment.updated_at),
        institution_id: institution.to_string(),
        id_scheme: "urn:centinela:institution".into(),
        items: &items,
    };
    poam(&input).map(Json).map_err(|e| {
        ApiError::new(StatusCode::CONFLICT, "not_exportable", "err-export")
            .arg("detail", e.to_string())
    })
}
