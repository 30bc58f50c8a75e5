//! Bulk import of incident reports (JSON array, JSON Lines or CSV) and import of a MISP event.
//!
//! Every row is validated like a report from the form or the API. By default an import is all
//! or nothing: one bad row and nothing is stored, and the answer lists every bad row with its
//! line (CSV, JSON Lines) or item number (JSON array). With `?partial=true` the valid rows are
//! stored (in one transaction) and the bad ones reported.

use crate::AppState;
use crate::api::csv_table::RowError;
use crate::api::incidents::{REFERENCE_PREFIX, prepare, view};
use crate::auth::Ctx;
use crate::error::{ApiError, field_message};
use crate::extract::ApiQuery;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use centinela_core::validate::FieldError;
use centinela_store::incidents as store;
use incidents::incident::IncidentDraft;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

/// Most rows one import may carry.
pub const MAX_ROWS: usize = 5_000;

/// CSV columns, in order (documented in the API description).
pub const CSV_COLUMNS: &[&str] = &[
    "reporter_institution",
    "title",
    "description",
    "detected_at",
    "aware_at",
    "classifications",
    "tlp",
    "pap",
    "functional_impact",
    "information_impact",
    "recoverability",
    "people_affected",
    "essential_service",
    "institutions_affected",
    "cross_border",
    "observables",
];

#[derive(Debug, Default, Deserialize)]
pub struct ImportQuery {
    #[serde(default)]
    pub partial: bool,
}

#[derive(Debug, Serialize)]
pub struct ImportResult {
    pub imported: usize,
    pub references: Vec<String>,
    pub rejected: usize,
    pub errors: Vec<RowError>,
}

fn row_errors(ctx: &Ctx, line: usize, e: &ApiError) -> Vec<RowError> {
    if e.fields.is_empty() {
        return vec![RowError {
            line,
            field: String::new(),
            message: crate::i18n::message(ctx.lang, e.key, &e.args),
        }];
    }
    e.fields
        .iter()
        .map(|f| RowError {
            line,
            field: f.field.clone(),
            message: field_message(ctx.lang, f),
        })
        .collect()
}

fn parse_error(ctx: &Ctx, line: usize, detail: impl ToString) -> RowError {
    RowError {
        line,
        field: String::new(),
        message: field_message(
            ctx.lang,
            &FieldError::new("row", "err-import-row").arg("detail", detail.to_string()),
        ),
    }
}

/// Splits `a:b;c:d` or `kind value; kind value` lists.
fn items(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(';').map(str::trim).filter(|s| !s.is_empty())
}

/// One CSV record as the JSON a report takes (types are checked by the draft's parser).
fn csv_row_json(rec: &csv::StringRecord) -> Value {
    let get = |name: &str| {
        CSV_COLUMNS
            .iter()
            .position(|c| *c == name)
            .and_then(|i| rec.get(i))
            .unwrap_or("")
            .trim()
    };
    let number = |name: &str| -> Value {
        get(name)
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(get(name)))
    };
    let boolean = |name: &str| -> Value {
        match get(name).to_ascii_lowercase().as_str() {
            "true" | "yes" | "sí" | "si" | "1" => Value::Bool(true),
            "false" | "no" | "0" | "" => Value::Bool(false),
            other => Value::from(other),
        }
    };
    let classifications: Vec<Value> = items(get("classifications"))
        .map(|p| match p.split_once(':') {
            Some((c, t)) => json!({"class": c.trim(), "type": t.trim()}),
            None => json!({"class": p, "type": ""}),
        })
        .collect();
    // Observables in CSV carry the incident's own label.
    let observables: Vec<Value> = items(get("observables"))
        .map(|o| match o.split_once(char::is_whitespace) {
            Some((k, v)) => json!({"kind": k, "value": v.trim(), "tlp": get("tlp")}),
            None => json!({"kind": o, "value": "", "tlp": get("tlp")}),
        })
        .collect();
    json!({
        "reporter_institution": get("reporter_institution"),
        "title": get("title"),
        "description": get("description"),
        "detected_at": get("detected_at"),
        "aware_at": get("aware_at"),
        "classifications": classifications,
        "tlp": get("tlp"),
        "pap": if get("pap").is_empty() { "PAP:GREEN" } else { get("pap") },
        "impact": {
            "functional_impact": get("functional_impact"),
            "information_impact": get("information_impact"),
            "recoverability": get("recoverability"),
            "people_affected": number("people_affected"),
            "essential_service": boolean("essential_service"),
            "institutions_affected": number("institutions_affected"),
            "cross_border": boolean("cross_border"),
        },
        "observables": observables,
    })
}

/// Rows as (line, JSON value), and the rows that could not even be parsed.
type Parsed = (Vec<(usize, Value)>, Vec<RowError>);

/// The rows of the body, or the error that stops the whole file.
fn rows_of(ctx: &Ctx, media: &str, body: &[u8]) -> Result<Parsed, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("err-import-encoding"))?
        .trim_start_matches('\u{feff}');
    let mut rows = vec![];
    let mut errors = vec![];
    if media.starts_with("text/csv") {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| ApiError::bad_request("err-import-csv").arg("detail", e))?
            .clone();
        let given: Vec<&str> = headers.iter().map(str::trim).collect();
        if given != CSV_COLUMNS {
            return Err(
                ApiError::bad_request("err-import-columns").arg("expected", CSV_COLUMNS.join(","))
            );
        }
        for rec in reader.records() {
            match rec {
                Ok(r) => {
                    let line = r.position().map_or(0, |p| p.line() as usize);
                    rows.push((line, csv_row_json(&r)));
                }
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line() as usize);
                    errors.push(parse_error(ctx, line, e));
                }
            }
        }
    } else if media.starts_with("application/x-ndjson") || media.starts_with("application/jsonl") {
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Value>(line) {
                Ok(v) => rows.push((i + 1, v)),
                Err(e) => errors.push(parse_error(ctx, i + 1, e)),
            }
        }
    } else if media.starts_with("application/json") {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| ApiError::bad_request("err-import-json").arg("detail", e.to_string()))?;
        let list = match v {
            Value::Array(a) => a,
            Value::Object(mut o) => match o.remove("incidents") {
                Some(Value::Array(a)) => a,
                _ => {
                    return Err(ApiError::bad_request("err-import-json")
                        .arg("detail", "expected an array of reports"));
                }
            },
            _ => {
                return Err(ApiError::bad_request("err-import-json")
                    .arg("detail", "expected an array of reports"));
            }
        };
        rows = list
            .into_iter()
            .enumerate()
            .map(|(i, v)| (i + 1, v))
            .collect();
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "err-import-incidents-media-type",
        ));
    }
    if rows.len() + errors.len() > MAX_ROWS {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            "err-import-too-many",
        )
        .arg("max", MAX_ROWS));
    }
    if rows.is_empty() && errors.is_empty() {
        return Err(ApiError::bad_request("err-import-empty"));
    }
    Ok((rows, errors))
}

/// A row's institution may be given by its slug in CSV.
async fn resolve_institution(state: &AppState, v: &mut Value) {
    if let Some(s) = v.get("reporter_institution").and_then(Value::as_str)
        && Uuid::try_parse(s).is_err()
        && !s.is_empty()
        && let Ok(Some(i)) =
            centinela_store::constituency::find_institution_by_slug(&state.db, s).await
    {
        v["reporter_institution"] = Value::from(i.id.to_string());
    }
}

pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    crate::extract::ApiBytes(body): crate::extract::ApiBytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (rows, mut errors) = rows_of(&ctx, &media, &body)?;
    let mut valid = vec![];
    for (line, mut v) in rows {
        resolve_institution(&state, &mut v).await;
        let draft: IncidentDraft = match serde_json::from_value(v) {
            Ok(d) => d,
            Err(e) => {
                errors.push(parse_error(&ctx, line, e));
                continue;
            }
        };
        match prepare(&state, &ctx, draft).await {
            Ok(new) => valid.push(new),
            Err(e) if e.status.is_client_error() => errors.extend(row_errors(&ctx, line, &e)),
            Err(e) => return Err(e),
        }
    }
    errors.sort_by_key(|e| e.line);
    let rejected = errors
        .iter()
        .map(|e| e.line)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    if !errors.is_empty() && !q.partial {
        // The error shape every 4xx has, with the import's own figures beside it.
        let message = crate::i18n::message(
            ctx.lang,
            "err-import-rejected",
            &[("rejected", rejected.to_string())],
        );
        let result = ImportResult {
            imported: 0,
            references: vec![],
            rejected,
            errors,
        };
        let mut body = serde_json::to_value(&result).map_err(|_| ApiError::internal())?;
        body["error"] = json!({"code": "invalid", "message": message});
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)));
    }
    let stored = store::create_many(&state.db, &ctx.actor(), REFERENCE_PREFIX, &valid).await?;
    let result = ImportResult {
        imported: stored.len(),
        references: stored.into_iter().map(|r| r.reference).collect(),
        rejected,
        errors,
    };
    Ok((
        StatusCode::CREATED,
        Json(serde_json::to_value(&result).map_err(|_| ApiError::internal())?),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct MispQuery {
    /// The reporting institution (default: the caller's own).
    pub institution: Option<Uuid>,
}

#[derive(Debug, Serialize)]
pub struct MispImported {
    #[serde(flatten)]
    pub incident: crate::api::incidents::IncidentView,
    /// MISP attribute types not carried over.
    pub skipped_attributes: Vec<String>,
    /// Tags of namespaces Centinela does not use.
    pub ignored_tags: Vec<String>,
}

/// `POST /api/v1/incidents/import/misp`: a MISP event (as PyMISP writes it) becomes a report.
pub async fn import_misp(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<MispQuery>,
    crate::extract::ApiBytes(body): crate::extract::ApiBytes,
) -> Result<(StatusCode, Json<MispImported>), ApiError> {
    let p = ctx.principal()?;
    let reporter = q
        .institution
        .or(p.institution)
        .ok_or_else(|| ApiError::invalid(vec![FieldError::new("institution", "err-required")]))?;
    let text =
        std::str::from_utf8(&body).map_err(|_| ApiError::bad_request("err-import-encoding"))?;
    let imported = incidents::misp::import_event(text, reporter).map_err(ApiError::invalid)?;
    let new = prepare(&state, &ctx, imported.draft).await?;
    let row = store::create(&state.db, &ctx.actor(), REFERENCE_PREFIX, &new).await?;
    Ok((
        StatusCode::CREATED,
        Json(MispImported {
            incident: view(&state, row, ctx.lang.tag()).await?,
            skipped_attributes: imported.skipped_attributes,
            ignored_tags: imported.ignored_tags,
        }),
    ))
}
