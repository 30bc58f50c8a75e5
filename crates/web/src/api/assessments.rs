//! Baselines and assessments: catalog versions with consultation and diffs, campaigns,
//! answers with verdicts, scores and gap analysis, remediation plans, the national roll-up and
//! exports (CSV, OSCAL assessment-results and POA&M).
//!
//! Documents are OSCAL JSON kept in the database; the `assess` crate parses, resolves and
//! scores them. Overlays import only the baseline of their version, so their loader hands the
//! version's baseline to any import.

use crate::AppState;
use crate::api::{authorize, created, scope};
use crate::auth::Ctx;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use assess::catalog::{Control, Group, Part, prop_value, walk_controls};
use assess::score::{ImplementationStatus, MaturityRule, Requirement};
use assess::{AssessError, Catalog, Document, Loaded, Profile, ResolveOptions, resolve_profile};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use centinela_core::access::{Action, Resource, ResourceKind};
use centinela_core::validate::{Checks, FieldError};
use centinela_store::assessments::{
    self as store, Answer, AssessmentRow, Campaign, CatalogContent, CatalogVersion, Comment,
    MeasureRow, NewAnswer, NewCampaign, NewProfile, NewVersion, PlanItem, StatusDates,
    VersionStatus,
};
use centinela_store::{Actor, Db, Page, Scope};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

// ---- shipped data ----

const BASELINE_ES: &str = include_str!("../../../assess/data/baseline/baseline.es.json");
const BASELINE_EN: &str = include_str!("../../../assess/data/baseline/baseline.en.json");

/// Sector overlays shipped with the baseline: `(key, es, en)`.
const OVERLAYS: [(&str, &str, &str); 7] = [
    (
        "energy",
        include_str!("../../../assess/data/overlays/energy.es.json"),
        include_str!("../../../assess/data/overlays/energy.en.json"),
    ),
    (
        "finance",
        include_str!("../../../assess/data/overlays/finance.es.json"),
        include_str!("../../../assess/data/overlays/finance.en.json"),
    ),
    (
        "health",
        include_str!("../../../assess/data/overlays/health.es.json"),
        include_str!("../../../assess/data/overlays/health.en.json"),
    ),
    (
        "telecom",
        include_str!("../../../assess/data/overlays/telecom.es.json"),
        include_str!("../../../assess/data/overlays/telecom.en.json"),
    ),
    (
        "water",
        include_str!("../../../assess/data/overlays/water.es.json"),
        include_str!("../../../assess/data/overlays/water.en.json"),
    ),
    (
        "transport",
        include_str!("../../../assess/data/overlays/transport.es.json"),
        include_str!("../../../assess/data/overlays/transport.en.json"),
    ),
    (
        "public-administration",
        include_str!("../../../assess/data/overlays/public-administration.es.json"),
        include_str!("../../../assess/data/overlays/public-administration.en.json"),
    ),
];

/// The profile key for an institution's sector: its overlay, or the plain baseline.
pub fn profile_for_sector(sector: &str) -> &'static str {
    match sector {
        "energy" => "energy",
        "banking" | "financial" => "finance",
        "health" => "health",
        "digital-infrastructure" | "ict-services" => "telecom",
        "drinking-water" | "waste-water" => "water",
        "transport" => "transport",
        "public-administration" => "public-administration",
        _ => BASELINE,
    }
}

pub const BASELINE: &str = "baseline";

/// The shipped baseline and overlays as a version record. It is loaded as **adopted**
/// (effective on its publication date) so a fresh installation can run a campaign at once;
/// later versions go through consultation.
pub fn shipped_version() -> NewVersion {
    let overlays: serde_json::Map<String, Value> = OVERLAYS
        .iter()
        .map(|(k, es, en)| (k.to_string(), serde_json::json!({"es": es, "en": en})))
        .collect();
    NewVersion {
        version: "0.1.0".into(),
        title: "Línea base nacional 0.1.0".into(),
        status: VersionStatus::Adopted,
        based_on: None,
        effective_on: Date::from_calendar_date(2026, time::Month::May, 4).ok(),
        content: CatalogContent {
            baseline_es: BASELINE_ES.into(),
            baseline_en: BASELINE_EN.into(),
            overlays: Value::Object(overlays).to_string(),
        },
    }
}

// ---- documents ----

/// A version's documents, parsed.
pub struct Docs {
    pub es: Catalog,
    pub en: Catalog,
    /// Overlay key → (es, en) profile text.
    pub overlays: BTreeMap<String, (String, String)>,
}

fn doc_error(field: &str, e: &AssessError) -> ApiError {
    ApiError::invalid(vec![FieldError::new(field, "err-oscal").arg(
        "detail",
        e.to_string().chars().take(300).collect::<String>(),
    )])
}

/// Parses and cross-checks a version's documents: both languages have the same measures, and
/// every overlay resolves against the baseline. Nothing is saved unless all of it holds.
pub fn parse_docs(c: &CatalogContent) -> Result<Docs, ApiError> {
    let es = Catalog::from_json_str(&c.baseline_es, "catalog_es")
        .map_err(|e| doc_error("catalog_es", &e))?;
    let en = Catalog::from_json_str(&c.baseline_en, "catalog_en")
        .map_err(|e| doc_error("catalog_en", &e))?;
    let ids = |c: &Catalog| -> Vec<String> {
        let mut v: Vec<String> = measures_of(c).into_iter().map(|m| m.id).collect();
        v.sort();
        v
    };
    let es_ids = ids(&es);
    if es_ids.is_empty() {
        return Err(ApiError::invalid(vec![FieldError::new(
            "catalog_es",
            "err-catalog-empty",
        )]));
    }
    if es_ids != ids(&en) {
        return Err(ApiError::invalid(vec![FieldError::new(
            "catalog_en",
            "err-catalog-languages",
        )]));
    }
    let raw: BTreeMap<String, BTreeMap<String, String>> = serde_json::from_str(&c.overlays)
        .map_err(|_| ApiError::invalid(vec![FieldError::new("overlays", "err-invalid-value")]))?;
    let mut overlays = BTreeMap::new();
    for (key, langs) in raw {
        let (Some(pes), Some(pen)) = (langs.get("es"), langs.get("en")) else {
            return Err(ApiError::invalid(vec![FieldError::new(
                "overlays",
                "err-invalid-value",
            )]));
        };
        resolve_overlay(&es, pes, "es").map_err(|e| doc_error("overlays", &e))?;
        resolve_overlay(&en, pen, "en").map_err(|e| doc_error("overlays", &e))?;
        overlays.insert(key, (pes.clone(), pen.clone()));
    }
    Ok(Docs { es, en, overlays })
}

/// Resolves an overlay profile over `baseline` (its one import).
pub fn resolve_overlay(
    baseline: &Catalog,
    profile: &str,
    lang: &str,
) -> Result<Catalog, AssessError> {
    let profile = Profile::from_json_str(profile, &format!("overlay.{lang}"))?;
    let location = format!("baseline.{lang}.json");
    let loader = |_base: &str, _href: &str| -> Result<Loaded, AssessError> {
        Ok(Loaded {
            location: location.clone(),
            document: Document::Catalog(Box::new(baseline.clone())),
        })
    };
    resolve_profile(
        &profile,
        &format!("overlay.{lang}.json"),
        &loader,
        ResolveOptions::default(),
    )
    .map(|r| r.catalog)
}

/// One measure as people read it: the statement with its lettered items, parameters filled.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MeasureText {
    pub id: String,
    pub group: String,
    pub weight: f64,
    pub title: String,
    pub statement: String,
}

fn collect_group<'a>(g: &'a Group, out: &mut Vec<&'a Control>) {
    walk_controls(&g.controls, out);
    for sub in &g.groups {
        collect_group(sub, out);
    }
}

/// Measures in document order, grouped by their top-level group; withdrawn ones left out.
pub fn measures_of(c: &Catalog) -> Vec<MeasureText> {
    let mut out = vec![];
    let mut push = |control: &Control, group: &str| {
        if control.is_withdrawn() {
            return;
        }
        out.push(MeasureText {
            id: control.id.clone(),
            group: group.to_string(),
            weight: prop_value(&control.props, "weight")
                .and_then(|w| w.parse::<f64>().ok())
                .filter(|w| w.is_finite() && *w >= 0.0)
                .unwrap_or(1.0),
            title: control.title.clone(),
            statement: statement_text(control),
        });
    };
    let mut top = vec![];
    walk_controls(&c.controls, &mut top);
    for control in top {
        push(control, "");
    }
    for g in &c.groups {
        // The roll-up packs group ids with `|` and `;`: keep those out of them.
        let id =
            g.id.clone()
                .unwrap_or_else(|| g.title.clone())
                .replace(['|', ';'], "-");
        let mut controls = vec![];
        collect_group(g, &mut controls);
        for control in controls {
            push(control, &id);
        }
    }
    out
}

fn part_lines(part: &Part, control: &Control, out: &mut Vec<String>) {
    if let Some(prose) = &part.prose {
        let label = prop_value(&part.props, "label").unwrap_or("");
        let text = fill_params(prose, control);
        out.push(if label.is_empty() {
            text
        } else {
            format!("{label} {text}")
        });
    }
    for p in &part.parts {
        part_lines(p, control, out);
    }
}

fn statement_text(control: &Control) -> String {
    let mut lines = vec![];
    for part in control.parts.iter().filter(|p| p.name == "statement") {
        part_lines(part, control, &mut lines);
    }
    lines.join("\n")
}

/// Replaces `{{ insert: param, id }}` with the parameter's values (or its label).
fn fill_params(prose: &str, control: &Control) -> String {
    let mut out = String::with_capacity(prose.len());
    let mut rest = prose;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let inner = &rest[start + 2..start + len];
        let id = inner.split(',').nth(1).map(str::trim).unwrap_or_default();
        let value = control
            .params
            .iter()
            .find(|p| p.id == id)
            .map(|p| {
                if p.values.is_empty() {
                    format!("[{}]", p.label.clone().unwrap_or_else(|| id.to_string()))
                } else {
                    p.values.join(", ")
                }
            })
            .unwrap_or_else(|| id.to_string());
        out.push_str(&value);
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

fn find_control_mut<'a>(controls: &'a mut [Control], id: &str) -> Option<&'a mut Control> {
    for c in controls {
        if c.id == id {
            return Some(c);
        }
        if let Some(found) = find_control_mut(&mut c.controls, id) {
            return Some(found);
        }
    }
    None
}

fn find_in_groups<'a>(groups: &'a mut [Group], id: &str) -> Option<&'a mut Control> {
    for g in groups {
        if let Some(c) = find_control_mut(&mut g.controls, id) {
            return Some(c);
        }
        if let Some(c) = find_in_groups(&mut g.groups, id) {
            return Some(c);
        }
    }
    None
}

/// Sets a measure's title and the lead-in prose of its statement.
fn edit_measure(c: &mut Catalog, id: &str, title: &str, statement: &str) -> bool {
    let control = match find_control_mut(&mut c.controls, id) {
        Some(x) => Some(x),
        None => find_in_groups(&mut c.groups, id),
    };
    let Some(control) = control else {
        return false;
    };
    control.title = title.trim().to_string();
    if let Some(part) = control.parts.iter_mut().find(|p| p.name == "statement") {
        part.prose = (!statement.trim().is_empty()).then(|| statement.trim().to_string());
    }
    true
}

// ---- dates and messages ----

const DATE_FORMAT: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

pub fn parse_date(field: &str, value: &str) -> Result<Date, FieldError> {
    Date::parse(value.trim(), DATE_FORMAT).map_err(|_| FieldError::new(field, "err-date"))
}

fn optional_date(c: &mut Checks, field: &str, value: &Option<String>) -> Option<Date> {
    match value.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => match parse_date(field, v) {
            Ok(d) => Some(d),
            Err(e) => {
                c.push(e);
                None
            }
        },
    }
}

pub fn today() -> Date {
    // Mexico City has been UTC−6 all year since 2022.
    (OffsetDateTime::now_utc() - time::Duration::hours(6)).date()
}

/// The message key for a state rule the store refused (409).
pub fn state_message(rule: &str) -> &'static str {
    match rule {
        "version-not-draft" => "err-version-not-draft",
        "status-transition" => "err-status-transition",
        "comments-unanswered" => "err-comments-unanswered",
        "consultation-closed" => "err-consultation-closed",
        "consultation-over" => "err-consultation-over",
        "version-not-adopted" => "err-version-not-adopted",
        _ => "err-state",
    }
}

// ---- baseline versions ----

#[derive(Debug, Serialize)]
pub struct MeasureView {
    pub id: String,
    pub group: String,
    pub weight: f64,
    pub title_es: String,
    pub title_en: String,
    pub statement_es: String,
    pub statement_en: String,
    pub comments: usize,
}

#[derive(Debug, Serialize)]
pub struct VersionView {
    #[serde(flatten)]
    pub version: CatalogVersion,
    pub overlays: Vec<String>,
    pub measures: Vec<MeasureView>,
}

pub async fn version_view(db: &Db, id: Uuid) -> Result<(VersionView, Docs), ApiError> {
    let version = store::get_version(db, id).await?;
    let docs = parse_docs(&store::version_content(db, id).await?)?;
    let comments = store::list_comments(db, id).await?;
    let en: HashMap<String, MeasureText> = measures_of(&docs.en)
        .into_iter()
        .map(|m| (m.id.clone(), m))
        .collect();
    let measures = measures_of(&docs.es)
        .into_iter()
        .map(|m| {
            let e = en.get(&m.id);
            MeasureView {
                comments: comments.iter().filter(|c| c.measure_id == m.id).count(),
                title_en: e.map(|e| e.title.clone()).unwrap_or_default(),
                statement_en: e.map(|e| e.statement.clone()).unwrap_or_default(),
                id: m.id,
                group: m.group,
                weight: m.weight,
                title_es: m.title,
                statement_es: m.statement,
            }
        })
        .collect();
    Ok((
        VersionView {
            version,
            overlays: docs.overlays.keys().cloned().collect(),
            measures,
        },
        docs,
    ))
}

pub async fn list_versions(
    State(state): State<AppState>,
) -> Result<Json<Vec<CatalogVersion>>, ApiError> {
    Ok(Json(store::list_versions(&state.db).await?))
}

pub async fn get_version(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<VersionView>, ApiError> {
    Ok(Json(version_view(&state.db, id).await?.0))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionDraft {
    pub version: String,
    #[serde(default)]
    pub title: String,
    /// The version to copy (the newest when absent).
    #[serde(default)]
    pub from: Option<Uuid>,
    /// Replacement OSCAL catalogs (`{"catalog": …}`), both or neither.
    #[serde(default)]
    pub catalog_es: Option<Value>,
    #[serde(default)]
    pub catalog_en: Option<Value>,
}

/// Creates a draft version copied from another one (or from uploaded catalogs).
pub async fn new_draft(
    db: &Db,
    actor: &Actor,
    d: &VersionDraft,
) -> Result<CatalogVersion, ApiError> {
    let mut c = Checks::default();
    c.text("version", &d.version, 40);
    c.optional_text("title", &d.title, 200);
    if d.catalog_es.is_some() != d.catalog_en.is_some() {
        c.push(FieldError::new("catalog_en", "err-catalog-languages"));
    }
    c.finish().map_err(ApiError::invalid)?;
    let from =
        match d.from {
            Some(id) => Some(store::get_version(db, id).await.map_err(|_| {
                ApiError::invalid(vec![FieldError::new("from", "err-invalid-value")])
            })?),
            None => store::list_versions(db).await?.into_iter().next(),
        };
    let mut content = match &from {
        Some(v) => store::version_content(db, v.id).await?,
        None => shipped_version().content,
    };
    if let (Some(es), Some(en)) = (&d.catalog_es, &d.catalog_en) {
        content.baseline_es = es.to_string();
        content.baseline_en = en.to_string();
    }
    parse_docs(&content)?;
    let title = if d.title.trim().is_empty() {
        format!("Línea base nacional {}", d.version.trim())
    } else {
        d.title.trim().to_string()
    };
    Ok(store::create_version(
        db,
        actor,
        &NewVersion {
            version: d.version.trim().to_string(),
            title,
            status: VersionStatus::Draft,
            based_on: from.map(|v| v.id),
            effective_on: None,
            content,
        },
    )
    .await?)
}

pub async fn create_version(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(d): ApiJson<VersionDraft>,
) -> Result<(StatusCode, Json<CatalogVersion>), ApiError> {
    Ok(created(new_draft(&state.db, &ctx.actor(), &d).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeasureEdit {
    pub title_es: String,
    pub title_en: String,
    #[serde(default)]
    pub statement_es: String,
    #[serde(default)]
    pub statement_en: String,
}

pub async fn edit_draft_measure(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    measure: &str,
    e: &MeasureEdit,
) -> Result<(), ApiError> {
    known_measure(measure)?;
    let mut c = Checks::default();
    c.text("title_es", &e.title_es, 300);
    c.text("title_en", &e.title_en, 300);
    c.optional_text("statement_es", &e.statement_es, 5000);
    c.optional_text("statement_en", &e.statement_en, 5000);
    c.finish().map_err(ApiError::invalid)?;
    let version = store::get_version(db, id).await?;
    if version.status() != VersionStatus::Draft {
        return Err(centinela_store::StoreError::State("version-not-draft").into());
    }
    let content = store::version_content(db, id).await?;
    let mut docs = parse_docs(&content)?;
    if !edit_measure(&mut docs.es, measure, &e.title_es, &e.statement_es)
        || !edit_measure(&mut docs.en, measure, &e.title_en, &e.statement_en)
    {
        return Err(ApiError::not_found());
    }
    let next = CatalogContent {
        baseline_es: docs.es.to_json_pretty(),
        baseline_en: docs.en.to_json_pretty(),
        overlays: content.overlays,
    };
    parse_docs(&next)?;
    store::update_draft(db, actor, id, &next).await?;
    Ok(())
}

pub async fn edit_measure_route(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, measure)): ApiPath<(Uuid, String)>,
    ApiJson(e): ApiJson<MeasureEdit>,
) -> Result<Json<VersionView>, ApiError> {
    edit_draft_measure(&state.db, &ctx.actor(), id, &measure, &e).await?;
    Ok(Json(version_view(&state.db, id).await?.0))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub status: String,
    #[serde(default)]
    pub opens_on: Option<String>,
    #[serde(default)]
    pub closes_on: Option<String>,
    #[serde(default)]
    pub effective_on: Option<String>,
}

pub async fn change_status(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    s: &StatusChange,
) -> Result<CatalogVersion, ApiError> {
    let mut c = Checks::default();
    let next = VersionStatus::parse(s.status.trim());
    if next.is_none() {
        c.push(FieldError::new("status", "err-choice"));
    }
    let dates = StatusDates {
        opens: optional_date(&mut c, "opens_on", &s.opens_on),
        closes: optional_date(&mut c, "closes_on", &s.closes_on),
        effective: optional_date(&mut c, "effective_on", &s.effective_on),
    };
    c.finish().map_err(ApiError::invalid)?;
    let next = next.expect("checked above");
    Ok(store::set_status(db, actor, id, next, &dates, today()).await?)
}

pub async fn set_status(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(s): ApiJson<StatusChange>,
) -> Result<Json<CatalogVersion>, ApiError> {
    Ok(Json(change_status(&state.db, &ctx.actor(), id, &s).await?))
}

// ---- diff ----

#[derive(Debug, Serialize)]
pub struct ChangedMeasure {
    pub id: String,
    pub title_before: String,
    pub title_after: String,
    pub statement_before: String,
    pub statement_after: String,
}

#[derive(Debug, Serialize)]
pub struct VersionDiff {
    pub from: CatalogVersion,
    pub to: CatalogVersion,
    pub added: Vec<MeasureText>,
    pub removed: Vec<MeasureText>,
    pub changed: Vec<ChangedMeasure>,
    pub unchanged: usize,
    /// Overlays added, removed or edited.
    pub overlays_changed: Vec<String>,
}

/// What changed from `from` to `to`, in `lang`; a measure counts as changed when its title,
/// statement, weight or group differs in either language.
pub async fn diff(db: &Db, from: Uuid, to: Uuid, lang: &str) -> Result<VersionDiff, ApiError> {
    let (a, b) = (
        store::get_version(db, from).await?,
        store::get_version(db, to).await?,
    );
    let (da, db_) = (
        parse_docs(&store::version_content(db, from).await?)?,
        parse_docs(&store::version_content(db, to).await?)?,
    );
    let pick = |d: &Docs| {
        if lang == "en" {
            measures_of(&d.en)
        } else {
            measures_of(&d.es)
        }
    };
    let other = |d: &Docs| {
        if lang == "en" {
            measures_of(&d.es)
        } else {
            measures_of(&d.en)
        }
    };
    let (before, after) = (pick(&da), pick(&db_));
    let (before_o, after_o): (HashMap<_, _>, HashMap<_, _>) = (
        other(&da).into_iter().map(|m| (m.id.clone(), m)).collect(),
        other(&db_).into_iter().map(|m| (m.id.clone(), m)).collect(),
    );
    let old: HashMap<&str, &MeasureText> = before.iter().map(|m| (m.id.as_str(), m)).collect();
    let new: HashMap<&str, &MeasureText> = after.iter().map(|m| (m.id.as_str(), m)).collect();
    let mut out = VersionDiff {
        from: a,
        to: b,
        added: vec![],
        removed: before
            .iter()
            .filter(|m| !new.contains_key(m.id.as_str()))
            .cloned()
            .collect(),
        changed: vec![],
        unchanged: 0,
        overlays_changed: vec![],
    };
    for m in &after {
        match old.get(m.id.as_str()) {
            None => out.added.push(m.clone()),
            Some(o) if *o != m || before_o.get(&m.id) != after_o.get(&m.id) => {
                out.changed.push(ChangedMeasure {
                    id: m.id.clone(),
                    title_before: o.title.clone(),
                    title_after: m.title.clone(),
                    statement_before: o.statement.clone(),
                    statement_after: m.statement.clone(),
                })
            }
            Some(_) => out.unchanged += 1,
        }
    }
    let keys: std::collections::BTreeSet<&String> =
        da.overlays.keys().chain(db_.overlays.keys()).collect();
    out.overlays_changed = keys
        .into_iter()
        .filter(|k| da.overlays.get(*k) != db_.overlays.get(*k))
        .cloned()
        .collect();
    Ok(out)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    pub against: Option<String>,
}

/// The version this one is compared with: the one asked for, else the one it was based on.
pub async fn diff_base(db: &Db, id: Uuid, against: Option<&str>) -> Result<Uuid, ApiError> {
    match against.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Uuid::try_parse(s)
            .map_err(|_| ApiError::invalid(vec![FieldError::new("against", "err-invalid-value")])),
        None => store::get_version(db, id)
            .await?
            .based_on
            .ok_or_else(|| ApiError::invalid(vec![FieldError::new("against", "err-required")])),
    }
}

pub async fn version_diff(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> Result<Json<VersionDiff>, ApiError> {
    let base = diff_base(&state.db, id, q.against.as_deref()).await?;
    Ok(Json(diff(&state.db, base, id, ctx.lang.tag_short()).await?))
}

// ---- consultation comments ----

pub async fn list_comments(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<Comment>>, ApiError> {
    store::get_version(&state.db, id).await?;
    Ok(Json(store::list_comments(&state.db, id).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentDraft {
    pub measure_id: String,
    pub body: String,
}

pub async fn add_comment_to(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    d: &CommentDraft,
) -> Result<Comment, ApiError> {
    let mut c = Checks::default();
    c.text("measure_id", &d.measure_id, 100);
    c.text("body", &d.body, 5000);
    c.finish().map_err(ApiError::invalid)?;
    let (view, _) = version_view(db, id).await?;
    if !view.measures.iter().any(|m| m.id == d.measure_id.trim()) {
        return Err(ApiError::invalid(vec![FieldError::new(
            "measure_id",
            "err-unknown-measure",
        )]));
    }
    Ok(store::add_comment(db, actor, id, d.measure_id.trim(), &d.body, today()).await?)
}

pub async fn add_comment(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(d): ApiJson<CommentDraft>,
) -> Result<(StatusCode, Json<Comment>), ApiError> {
    Ok(created(
        add_comment_to(&state.db, &ctx.actor(), id, &d).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyDraft {
    pub reply: String,
}

pub async fn reply_to(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    comment: Uuid,
    d: &ReplyDraft,
) -> Result<Comment, ApiError> {
    let mut c = Checks::default();
    c.text("reply", &d.reply, 5000);
    c.finish().map_err(ApiError::invalid)?;
    Ok(store::reply_comment(db, actor, id, comment, &d.reply).await?)
}

pub async fn reply_comment(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, comment)): ApiPath<(Uuid, Uuid)>,
    ApiJson(d): ApiJson<ReplyDraft>,
) -> Result<Json<Comment>, ApiError> {
    Ok(Json(
        reply_to(&state.db, &ctx.actor(), id, comment, &d).await?,
    ))
}

// ---- campaigns ----

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignDraft {
    pub title: String,
    pub version_id: String,
    pub due_on: String,
    /// Institutions to assess; all of them when absent or empty.
    #[serde(default)]
    pub institutions: Vec<String>,
}

pub fn measure_rows(es: &Catalog, en: &Catalog) -> Vec<MeasureRow> {
    let titles: HashMap<String, String> = measures_of(en)
        .into_iter()
        .map(|m| (m.id, m.title))
        .collect();
    measures_of(es)
        .into_iter()
        .enumerate()
        .map(|(i, m)| MeasureRow {
            title_en: titles.get(&m.id).cloned().unwrap_or_default(),
            measure_id: m.id,
            group_id: m.group,
            weight: (m.weight * 1000.0).round() as i64,
            position: i as i64,
            title_es: m.title,
        })
        .collect()
}

/// Every registered institution, page by page.
pub async fn all_institutions(
    db: &Db,
) -> Result<Vec<centinela_store::constituency::Institution>, ApiError> {
    let mut out = vec![];
    loop {
        let (page, total) = centinela_store::constituency::list_institutions(
            db,
            &Scope::All,
            &Default::default(),
            Page::new(Some(Page::MAX_LIMIT), Some(out.len() as i64)),
        )
        .await?;
        let done = page.is_empty();
        out.extend(page);
        if done || out.len() as i64 >= total {
            return Ok(out);
        }
    }
}

/// Resolves the profiles the institutions need and creates the campaign with one assessment
/// per institution (baseline plus the institution's sector overlay).
pub async fn start_campaign(
    db: &Db,
    actor: &Actor,
    d: &CampaignDraft,
) -> Result<Campaign, ApiError> {
    let mut c = Checks::default();
    c.text("title", &d.title, 200);
    let version = Uuid::try_parse(d.version_id.trim());
    if version.is_err() {
        c.push(FieldError::new("version_id", "err-invalid-value"));
    }
    let due = parse_date("due_on", &d.due_on).map_err(|e| c.push(e)).ok();
    let mut selected = vec![];
    for (i, s) in d.institutions.iter().enumerate() {
        match Uuid::try_parse(s.trim()) {
            Ok(u) => selected.push(u),
            Err(_) => c.push(FieldError::new(
                &format!("institutions[{i}]"),
                "err-invalid-value",
            )),
        }
    }
    if d.institutions.len() > 10_000 {
        c.push(FieldError::new("institutions", "err-too-long").arg("max", 10_000));
    }
    c.finish().map_err(ApiError::invalid)?;
    let (version, due) = (version.expect("checked"), due.expect("checked"));
    let content = store::version_content(db, version)
        .await
        .map_err(|_| ApiError::invalid(vec![FieldError::new("version_id", "err-invalid-value")]))?;
    let docs = parse_docs(&content)?;
    // Every institution, or the selection.
    let mut assignments = vec![];
    for i in all_institutions(db).await? {
        if selected.is_empty() || selected.contains(&i.id) {
            assignments.push((i.id, profile_for_sector(&i.sector).to_string()));
        }
    }
    for id in &selected {
        if !assignments.iter().any(|(i, _)| i == id) {
            return Err(ApiError::invalid(vec![FieldError::new(
                "institutions",
                "err-invalid-value",
            )]));
        }
    }
    let mut keys: Vec<&str> = assignments.iter().map(|(_, p)| p.as_str()).collect();
    keys.sort();
    keys.dedup();
    let mut profiles = vec![];
    for key in keys {
        let (es, en) = match docs.overlays.get(key) {
            Some((pes, pen)) if key != BASELINE => (
                resolve_overlay(&docs.es, pes, "es").map_err(|e| doc_error("overlays", &e))?,
                resolve_overlay(&docs.en, pen, "en").map_err(|e| doc_error("overlays", &e))?,
            ),
            _ => (docs.es.clone(), docs.en.clone()),
        };
        profiles.push(NewProfile {
            key: key.to_string(),
            measures: measure_rows(&es, &en),
            catalog_es: es.to_json_pretty(),
            catalog_en: en.to_json_pretty(),
        });
    }
    // An institution whose overlay the version lacks falls back to the baseline profile.
    for (_, p) in &mut assignments {
        if !docs.overlays.contains_key(p.as_str()) {
            *p = BASELINE.to_string();
        }
    }
    if assignments.iter().any(|(_, p)| p == BASELINE) && !profiles.iter().any(|p| p.key == BASELINE)
    {
        profiles.push(NewProfile {
            key: BASELINE.into(),
            measures: measure_rows(&docs.es, &docs.en),
            catalog_es: docs.es.to_json_pretty(),
            catalog_en: docs.en.to_json_pretty(),
        });
    }
    profiles.retain(|p| assignments.iter().any(|(_, k)| *k == p.key));
    let campaign = store::create_campaign(
        db,
        actor,
        &NewCampaign {
            title: d.title.trim().to_string(),
            version_id: version,
            due_on: due,
            profiles,
            assignments,
        },
    )
    .await?;
    // After carry-over: what the institutions' other assessments imply for the rest.
    crate::api::answer_inference::after_campaign(db, actor, &campaign).await;
    Ok(campaign)
}

pub async fn list_campaigns(
    State(state): State<AppState>,
) -> Result<Json<Vec<Campaign>>, ApiError> {
    Ok(Json(store::list_campaigns(&state.db).await?))
}

pub async fn create_campaign(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(d): ApiJson<CampaignDraft>,
) -> Result<(StatusCode, Json<Campaign>), ApiError> {
    Ok(created(start_campaign(&state.db, &ctx.actor(), &d).await?))
}

#[derive(Debug, Serialize)]
pub struct CampaignView {
    #[serde(flatten)]
    pub campaign: Campaign,
    /// The assessments the caller may see.
    pub assessments: Vec<store::AssessmentSummary>,
}

pub async fn get_campaign(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<CampaignView>, ApiError> {
    let campaign = store::get_campaign(&state.db, id).await?;
    let assessments =
        store::list_assessments(&state.db, &scope(ctx.principal()?), Some(id), None).await?;
    Ok(Json(CampaignView {
        campaign,
        assessments,
    }))
}

// ---- assessments ----

pub async fn list_assessments(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<store::AssessmentSummary>>, ApiError> {
    centinela_store::constituency::get_institution(&state.db, id).await?;
    Ok(Json(
        store::list_assessments(&state.db, &Scope::Only(vec![id]), None, Some(id)).await?,
    ))
}

/// An answer as the API shows it (evidence links parsed).
#[derive(Debug, Serialize)]
pub struct AnswerView {
    pub measure_id: String,
    pub status: String,
    pub reason: String,
    pub maturity: Option<i64>,
    pub comment: String,
    pub evidence: Vec<String>,
    pub carried_over: bool,
    /// Inferred from another of the institution's assessments, not yet saved by the officer.
    pub inferred: bool,
    /// Where the inferred answer comes from.
    pub inferred_from: Option<crate::api::answer_inference::Provenance>,
    pub verdict: Option<String>,
    pub verdict_comment: String,
    pub verdict_by: Option<String>,
    pub updated_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl From<Answer> for AnswerView {
    fn from(a: Answer) -> Self {
        AnswerView {
            evidence: serde_json::from_str(&a.evidence).unwrap_or_default(),
            measure_id: a.measure_id,
            status: a.status,
            reason: a.reason,
            maturity: a.maturity,
            comment: a.comment,
            carried_over: a.carried_over,
            inferred: a.inferred_from.is_some(),
            inferred_from: a
                .inferred_from
                .as_deref()
                .and_then(|p| serde_json::from_str(p).ok()),
            verdict: a.verdict,
            verdict_comment: a.verdict_comment,
            verdict_by: a.verdict_by,
            updated_by: a.updated_by,
            updated_at: a.updated_at,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct MeasureItem {
    pub id: String,
    pub group: String,
    pub weight: f64,
    pub title: String,
    pub answer: Option<AnswerView>,
    /// Evidence files of this measure, oldest first: each upload is a revision.
    pub files: Vec<FileView>,
}

#[derive(Debug, Serialize, Clone)]
pub struct FileView {
    #[serde(flatten)]
    pub file: centinela_store::evidence::EvidenceFile,
    /// Past its expiry date: evidence that no longer holds.
    pub expired: bool,
}

#[derive(Debug, Serialize, Clone, Copy)]
pub struct ScoreView {
    pub assessed: usize,
    pub total: usize,
    /// Share assessed, 0–1.
    pub progress: f64,
    pub implemented: usize,
    pub partial: usize,
    pub planned: usize,
    pub not_implemented: usize,
    pub not_applicable: usize,
    /// Weighted share implemented over assessed applicable measures, 0–1.
    pub compliance: Option<f64>,
    /// Weighted mean of rated maturity, 0–5.
    pub maturity: Option<f64>,
}

impl From<&assess::score::Scores> for ScoreView {
    fn from(s: &assess::score::Scores) -> Self {
        ScoreView {
            assessed: s.progress.assessed,
            total: s.progress.total,
            progress: s.progress.ratio(),
            implemented: s.compliance.implemented,
            partial: s.compliance.partial,
            planned: s.compliance.planned,
            not_implemented: s.compliance.not_implemented,
            not_applicable: s.compliance.not_applicable,
            compliance: s.compliance.score,
            maturity: s.maturity,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct GapView {
    pub measure_id: String,
    pub title: String,
    pub group: String,
    pub weight: f64,
    pub status: String,
}

#[derive(Debug, Serialize)]
pub struct AssessmentView {
    #[serde(flatten)]
    pub assessment: AssessmentRow,
    pub campaign_title: String,
    pub due_on: Date,
    pub measures: Vec<MeasureItem>,
    pub overall: ScoreView,
    pub groups: BTreeMap<String, ScoreView>,
    /// Unmet measures, heaviest first.
    pub gaps: Vec<GapView>,
    pub plan: Vec<PlanItem>,
}

/// Measure ids come from OSCAL control ids (`gob-1`, `ac-2.1`); anything else in a path is a
/// missing measure, and never reaches the database (PostgreSQL refuses NUL bytes in text).
pub fn measure_id_ok(id: &str) -> bool {
    (1..=100).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

fn known_measure(id: &str) -> Result<(), ApiError> {
    if measure_id_ok(id) {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

pub fn status_of(a: &Answer) -> Option<ImplementationStatus> {
    Some(match a.status.as_str() {
        "implemented" => ImplementationStatus::Implemented,
        "partial" => ImplementationStatus::Partial,
        "planned" => ImplementationStatus::Planned,
        "not_implemented" => ImplementationStatus::NotImplemented,
        // The API requires a reason; a blank one in older or imported data must not make
        // the whole assessment unscorable.
        "not_applicable" => ImplementationStatus::NotApplicable {
            reason: if a.reason.trim().is_empty() {
                "-".into()
            } else {
                a.reason.clone()
            },
        },
        _ => return None,
    })
}

pub const STATUSES: [&str; 5] = [
    "implemented",
    "partial",
    "planned",
    "not_implemented",
    "not_applicable",
];

/// Measures with their answers and files, scored: what a campaign assessment and a subject
/// assessment both show.
#[derive(Debug)]
pub struct Scored {
    pub measures: Vec<MeasureItem>,
    pub overall: ScoreView,
    pub groups: BTreeMap<String, ScoreView>,
    /// Unmet measures, heaviest first.
    pub gaps: Vec<GapView>,
}

/// Evidence files by measure (subject ids `<assessment>/<measure>`), each marked expired
/// when past its expiry date.
pub fn files_by_measure(
    list: Vec<centinela_store::evidence::EvidenceFile>,
) -> HashMap<String, Vec<FileView>> {
    let today = time::OffsetDateTime::now_utc().date();
    let mut files: HashMap<String, Vec<FileView>> = HashMap::new();
    for f in list {
        let measure = f
            .subject_id
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        files.entry(measure).or_default().push(FileView {
            expired: f.expires_on.is_some_and(|d| d < today),
            file: f,
        });
    }
    files
}

/// Scores `measures` (in order) with their answers, and lists the gaps heaviest first.
pub fn score(
    measures: &[MeasureRow],
    answers: Vec<Answer>,
    mut files: HashMap<String, Vec<FileView>>,
    lang: &str,
) -> Result<Scored, ApiError> {
    let mut answers: HashMap<String, Answer> = answers
        .into_iter()
        .map(|x| (x.measure_id.clone(), x))
        .collect();
    let mut reqs = vec![];
    let mut items = vec![];
    for m in measures {
        let answer = answers.remove(&m.measure_id);
        let mut r = Requirement::new(&m.measure_id, &m.group_id);
        r.weight = m.weight as f64 / 1000.0;
        if let Some(x) = &answer {
            r.status = status_of(x);
            r.rated_maturity = x.maturity.and_then(|v| u8::try_from(v).ok());
        }
        reqs.push(r);
        items.push(MeasureItem {
            id: m.measure_id.clone(),
            group: m.group_id.clone(),
            weight: m.weight as f64 / 1000.0,
            title: if lang == "en" {
                &m.title_en
            } else {
                &m.title_es
            }
            .clone(),
            answer: answer.map(AnswerView::from),
            files: files.remove(&m.measure_id).unwrap_or_default(),
        });
    }
    let report = assess::score::report(&reqs, MaturityRule::WeightedAverage).map_err(|e| {
        tracing::error!(error = %e, "stored answers do not score");
        ApiError::internal()
    })?;
    let titles: HashMap<&str, &str> = items
        .iter()
        .map(|m| (m.id.as_str(), m.title.as_str()))
        .collect();
    let gaps = assess::score::gaps(&reqs)
        .into_iter()
        .map(|g| GapView {
            title: titles
                .get(g.id.as_str())
                .copied()
                .unwrap_or_default()
                .to_string(),
            status: match g.status {
                ImplementationStatus::Partial => "partial",
                ImplementationStatus::Planned => "planned",
                _ => "not_implemented",
            }
            .into(),
            measure_id: g.id,
            group: g.group,
            weight: g.weight,
        })
        .collect();
    Ok(Scored {
        overall: ScoreView::from(&report.overall),
        groups: report
            .groups
            .iter()
            .map(|(k, v)| (k.clone(), ScoreView::from(v)))
            .collect(),
        measures: items,
        gaps,
    })
}

/// Loads an assessment of `institution` with its measures, answers, scores, gaps and plan.
pub async fn assessment_view(
    db: &Db,
    institution: Uuid,
    id: Uuid,
    lang: &str,
) -> Result<AssessmentView, ApiError> {
    let a = store::get_assessment(db, institution, id).await?;
    let campaign = store::get_campaign(db, a.campaign_id).await?;
    let measures = store::measures(db, a.campaign_id, &a.profile).await?;
    let files = files_by_measure(
        centinela_store::evidence::list_of_assessment(
            db,
            centinela_store::evidence::Subject::Assessment,
            id,
        )
        .await?,
    );
    let scored = score(&measures, store::answers(db, id).await?, files, lang)?;
    Ok(AssessmentView {
        plan: store::plan(db, id).await?,
        campaign_title: campaign.title,
        due_on: campaign.due_on,
        overall: scored.overall,
        groups: scored.groups,
        assessment: a,
        measures: scored.measures,
        gaps: scored.gaps,
    })
}

pub async fn get_assessment(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
) -> Result<Json<AssessmentView>, ApiError> {
    Ok(Json(
        assessment_view(&state.db, institution, id, ctx.lang.tag_short()).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerDraft {
    pub status: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub maturity: Option<i64>,
    #[serde(default)]
    pub comment: String,
    /// Links to evidence (https:// URLs).
    #[serde(default)]
    pub evidence: Vec<String>,
}

pub const MAX_EVIDENCE_LINKS: usize = 20;

impl AnswerDraft {
    pub fn check(&self, measure_id: &str) -> Result<NewAnswer, Vec<FieldError>> {
        let mut c = Checks::default();
        if !measure_id_ok(measure_id) {
            c.push(FieldError::new("measure_id", "err-unknown-measure"));
        }
        let status = self.status.trim();
        if !STATUSES.contains(&status) {
            c.push(FieldError::new("status", "err-choice"));
        }
        if status == "not_applicable" {
            c.text("reason", &self.reason, 2000);
        } else {
            c.optional_text("reason", &self.reason, 2000);
        }
        if self.maturity.is_some_and(|m| !(0..=5).contains(&m)) {
            c.push(FieldError::new("maturity", "err-maturity"));
        }
        c.optional_text("comment", &self.comment, 5000);
        if self.evidence.len() > MAX_EVIDENCE_LINKS {
            c.push(FieldError::new("evidence", "err-too-many").arg("max", MAX_EVIDENCE_LINKS));
        }
        let mut links = vec![];
        for (i, link) in self.evidence.iter().enumerate() {
            let l = link.trim();
            if l.is_empty() {
                continue;
            }
            let ok = (l.starts_with("https://") || l.starts_with("http://"))
                && l.len() <= 500
                && !l.chars().any(|ch| {
                    ch.is_whitespace() || ch.is_control() || ch == '"' || ch == '<' || ch == '>'
                });
            if ok {
                links.push(l.to_string());
            } else {
                c.push(FieldError::new(
                    &format!("evidence[{i}]"),
                    "err-evidence-link",
                ));
            }
        }
        c.finish()?;
        Ok(NewAnswer {
            measure_id: measure_id.to_string(),
            status: status.to_string(),
            reason: self.reason.trim().to_string(),
            maturity: self.maturity,
            comment: self.comment.trim().to_string(),
            evidence: serde_json::to_string(&links).expect("strings serialise"),
        })
    }
}

pub async fn save_answer(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id, measure)): ApiPath<(Uuid, Uuid, String)>,
    ApiJson(d): ApiJson<AnswerDraft>,
) -> Result<Json<AnswerView>, ApiError> {
    known_measure(&measure)?;
    let n = d.check(&measure).map_err(ApiError::invalid)?;
    let a = store::save_answer(&state.db, &ctx.actor(), institution, id, &n).await?;
    Ok(Json(a.into()))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerdictDraft {
    pub verdict: String,
    #[serde(default)]
    pub comment: String,
}

pub async fn give_verdict(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    id: Uuid,
    measure: &str,
    d: &VerdictDraft,
) -> Result<Answer, ApiError> {
    known_measure(measure)?;
    let mut c = Checks::default();
    if !["accepted", "rejected"].contains(&d.verdict.trim()) {
        c.push(FieldError::new("verdict", "err-choice"));
    }
    c.optional_text("comment", &d.comment, 2000);
    c.finish().map_err(ApiError::invalid)?;
    Ok(store::set_verdict(
        db,
        actor,
        institution,
        id,
        measure,
        d.verdict.trim(),
        &d.comment,
    )
    .await?)
}

pub async fn set_verdict(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id, measure)): ApiPath<(Uuid, Uuid, String)>,
    ApiJson(d): ApiJson<VerdictDraft>,
) -> Result<Json<AnswerView>, ApiError> {
    let a = give_verdict(&state.db, &ctx.actor(), institution, id, &measure, &d).await?;
    Ok(Json(a.into()))
}

// ---- remediation plan ----

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanDraft {
    /// Due date for the new items (the campaign's due date when absent).
    #[serde(default)]
    pub due_on: Option<String>,
}

/// Turns the gap analysis into plan items (one per unmet measure without one yet).
pub async fn make_plan(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    id: Uuid,
    d: &PlanDraft,
    lang: &str,
) -> Result<Vec<PlanItem>, ApiError> {
    let mut c = Checks::default();
    let due = optional_date(&mut c, "due_on", &d.due_on);
    c.finish().map_err(ApiError::invalid)?;
    let view = assessment_view(db, institution, id, lang).await?;
    let gaps: Vec<(String, String, i64)> = view
        .gaps
        .iter()
        .map(|g| {
            (
                g.measure_id.clone(),
                format!("{} {}", g.measure_id.to_uppercase(), g.title),
                (g.weight * 1000.0).round() as i64,
            )
        })
        .collect();
    store::add_plan_items(db, actor, institution, id, &gaps, due.or(Some(view.due_on))).await?;
    Ok(store::plan(db, id).await?)
}

pub async fn create_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(d): ApiJson<PlanDraft>,
) -> Result<(StatusCode, Json<Vec<PlanItem>>), ApiError> {
    Ok(created(
        make_plan(
            &state.db,
            &ctx.actor(),
            institution,
            id,
            &d,
            ctx.lang.tag_short(),
        )
        .await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanItemDraft {
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub due_on: Option<String>,
    pub status: String,
}

pub async fn change_plan_item(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    id: Uuid,
    item: Uuid,
    d: &PlanItemDraft,
) -> Result<PlanItem, ApiError> {
    let mut c = Checks::default();
    c.optional_text("owner", &d.owner, 200);
    let due = optional_date(&mut c, "due_on", &d.due_on);
    if !store::PLAN_STATUSES.contains(&d.status.trim()) {
        c.push(FieldError::new("status", "err-choice"));
    }
    c.finish().map_err(ApiError::invalid)?;
    let change = store::PlanChange {
        owner: d.owner.clone(),
        due_on: due,
        status: d.status.trim().to_string(),
    };
    Ok(store::update_plan_item(db, actor, institution, id, item, &change).await?)
}

pub async fn update_plan_item(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((institution, id, item)): ApiPath<(Uuid, Uuid, Uuid)>,
    ApiJson(d): ApiJson<PlanItemDraft>,
) -> Result<Json<PlanItem>, ApiError> {
    Ok(Json(
        change_plan_item(&state.db, &ctx.actor(), institution, id, item, &d).await?,
    ))
}

// ---- roll-up ----

#[derive(Debug, Serialize, Clone, Default)]
pub struct AggregateView {
    pub institutions: usize,
    /// Answers over expected answers, 0–1.
    pub progress: f64,
    /// Mean over institutions of their weighted compliance, 0–1.
    pub compliance: Option<f64>,
    pub maturity: Option<f64>,
    pub implemented: i64,
    pub partial: i64,
    pub planned: i64,
    pub not_implemented: i64,
    pub not_applicable: i64,
}

#[derive(Debug, Serialize, Clone)]
pub struct InstitutionRollup {
    pub institution_id: Uuid,
    pub acronym: String,
    pub sector: String,
    pub level: String,
    pub assessed: i64,
    pub measures: i64,
    pub compliance: Option<f64>,
    pub maturity: Option<f64>,
    /// Compliance per group, in `groups` order; `None` when nothing in it was assessed.
    pub by_group: Vec<Option<f64>>,
}

#[derive(Debug, Serialize)]
pub struct RollupView {
    pub campaign: Campaign,
    pub national: AggregateView,
    pub by_sector: BTreeMap<String, AggregateView>,
    pub by_level: BTreeMap<String, AggregateView>,
    pub groups: Vec<String>,
    pub institutions: Vec<InstitutionRollup>,
}

/// One institution's sums: (earned2, possible) per group, and (maturity sum, weight).
struct Sums {
    groups: Vec<(i64, i64)>,
    maturity: (i64, i64),
}

#[derive(Default)]
struct Acc {
    n: usize,
    assessed: i64,
    expected: i64,
    compliance: (f64, usize),
    maturity: (f64, usize),
    counts: [i64; 5],
}

impl Acc {
    fn add(&mut self, i: &InstitutionRollup, counts: [i64; 5]) {
        self.n += 1;
        self.assessed += i.assessed;
        self.expected += i.measures;
        if let Some(c) = i.compliance {
            self.compliance.0 += c;
            self.compliance.1 += 1;
        }
        if let Some(m) = i.maturity {
            self.maturity.0 += m;
            self.maturity.1 += 1;
        }
        for (a, b) in self.counts.iter_mut().zip(counts) {
            *a += b;
        }
    }

    fn finish(&self) -> AggregateView {
        let mean = |(s, n): (f64, usize)| (n > 0).then(|| s / n as f64);
        AggregateView {
            institutions: self.n,
            progress: if self.expected == 0 {
                1.0
            } else {
                self.assessed as f64 / self.expected as f64
            },
            compliance: mean(self.compliance),
            maturity: mean(self.maturity),
            implemented: self.counts[0],
            partial: self.counts[1],
            planned: self.counts[2],
            not_implemented: self.counts[3],
            not_applicable: self.counts[4],
        }
    }
}

/// The roll-up of a campaign over the institutions in `scope`, aggregated in SQL per
/// institution × group and finished here with the rules of `assess::campaign` (each
/// institution counts once in a sector's mean; progress is pooled).
pub async fn rollup(db: &Db, campaign: Uuid, scope: &Scope) -> Result<RollupView, ApiError> {
    let c = store::get_campaign(db, campaign).await?;
    let groups_rows = store::profile_groups(db, campaign).await?;
    let mut groups: Vec<String> = vec![];
    let mut sizes: HashMap<String, i64> = HashMap::new();
    let mut ordered = groups_rows.clone();
    ordered.sort_by_key(|g| (g.profile != BASELINE, g.first));
    for g in &ordered {
        if !groups.contains(&g.group_id) {
            groups.push(g.group_id.clone());
        }
    }
    for g in &groups_rows {
        *sizes.entry(g.profile.clone()).or_default() += g.measures;
    }
    let rows = store::rollup_rows(db, campaign, scope).await?;
    let mut institutions: Vec<InstitutionRollup> = Vec::with_capacity(rows.len());
    let mut counts: Vec<[i64; 5]> = Vec::with_capacity(rows.len());
    let mut per: Vec<Sums> = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut sums = Sums {
            groups: vec![(0, 0); groups.len()],
            maturity: (0, 0),
        };
        let mut n = [0i64; 5];
        for (group, t) in row.groups() {
            if let Some(g) = groups.iter().position(|x| x == group) {
                sums.groups[g].0 += t.earned2;
                sums.groups[g].1 += t.possible;
            }
            sums.maturity.0 += t.maturity_sum;
            sums.maturity.1 += t.maturity_weight;
            for (a, b) in n.iter_mut().zip(t.counts) {
                *a += b;
            }
        }
        institutions.push(InstitutionRollup {
            institution_id: row.institution_id,
            acronym: row.acronym.clone(),
            sector: row.sector.clone(),
            level: row.level.clone(),
            assessed: n.iter().sum(),
            measures: sizes.get(&row.profile).copied().unwrap_or(0),
            compliance: None,
            maturity: None,
            by_group: vec![],
        });
        counts.push(n);
        per.push(sums);
    }
    let mut national = Acc::default();
    let mut by_sector: BTreeMap<String, Acc> = BTreeMap::new();
    let mut by_level: BTreeMap<String, Acc> = BTreeMap::new();
    for (k, inst) in institutions.iter_mut().enumerate() {
        let Sums {
            groups: group_sums,
            maturity: (msum, mweight),
        } = &per[k];
        let (earned, possible) = group_sums
            .iter()
            .fold((0i64, 0i64), |(e, p), (ge, gp)| (e + ge, p + gp));
        inst.compliance = (possible > 0).then(|| earned as f64 / (2.0 * possible as f64));
        inst.maturity = (*mweight > 0).then(|| *msum as f64 / *mweight as f64);
        inst.by_group = group_sums
            .iter()
            .map(|&(e, p)| (p > 0).then(|| e as f64 / (2.0 * p as f64)))
            .collect();
        national.add(inst, counts[k]);
        by_sector
            .entry(inst.sector.clone())
            .or_default()
            .add(inst, counts[k]);
        by_level
            .entry(inst.level.clone())
            .or_default()
            .add(inst, counts[k]);
    }
    Ok(RollupView {
        campaign: c,
        national: national.finish(),
        by_sector: by_sector
            .into_iter()
            .map(|(k, a)| (k, a.finish()))
            .collect(),
        by_level: by_level.into_iter().map(|(k, a)| (k, a.finish())).collect(),
        groups,
        institutions,
    })
}

pub async fn get_rollup(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<RollupView>, ApiError> {
    Ok(Json(rollup(&state.db, id, &scope(ctx.principal()?)).await?))
}

/// Whether the caller may do `action` on an institution's assessments (for page links).
pub fn may_on(ctx: &Ctx, kind: ResourceKind, action: Action, owner: Option<Uuid>) -> bool {
    let Ok(p) = ctx.principal() else { return false };
    let r = match owner {
        Some(o) => Resource::owned(kind, o),
        None => Resource::collection(kind),
    };
    authorize(p, action, &r).is_ok()
}

/// The transparency-log receipt of an answer's latest version (its newest audit entry: the
/// answer or a verdict), for anyone who may read the assessment.
pub async fn answer_receipt(
    State(state): State<AppState>,
    ApiPath((institution, id, measure)): ApiPath<(Uuid, Uuid, String)>,
) -> Result<Json<crate::transparency::AuditReceipt>, ApiError> {
    store::get_assessment(&state.db, institution, id).await?;
    Ok(Json(
        crate::transparency::record_receipt(
            &state,
            "assessment-answer",
            &format!("{id}/{measure}"),
        )
        .await?,
    ))
}
