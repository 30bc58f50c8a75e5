//! The inventory: software (with CSV and CycloneDX import and CSV export), assets, digital
//! services, vulnerable software (CVE/KEV matching) and the national KPIs.

use crate::AppState;
use crate::api::csv_table::{self, Columns, Parsed, RowError};
use crate::api::{created, scope};
use crate::auth::Ctx;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use centinela_core::validate::{Checks, FieldError};
use centinela_store::inventory::{
    self as store, Asset, InventoryKpis, NewAsset, NewService, NewSoftware, Service, Software,
};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Arc;
use uuid::Uuid;
use vuln::{SoftwareItem, VulnDb, VulnDbBuilder};

const KEV_SAMPLE: &[u8] = include_bytes!("../../../../data/vuln/kev-sample.json");
const NVD_SAMPLE: &[u8] = include_bytes!("../../../../data/vuln/nvd-sample.json");

#[derive(Debug, thiserror::Error)]
pub enum VulnSetupError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
}

/// The demo's vulnerability data: the small real-format samples shipped in `data/vuln/`.
pub fn sample_vulns() -> Arc<VulnDb> {
    let mut b = VulnDbBuilder::new();
    b.add_nvd_slice(NVD_SAMPLE)
        .expect("the shipped NVD sample loads (tested)");
    b.add_kev(
        vuln::KevCatalog::from_slice(KEV_SAMPLE).expect("the shipped KEV sample loads (tested)"),
    );
    Arc::new(b.build())
}

/// Loads every KEV catalog and NVD CVE 2.0 file (`*.json`) in `dir`.
pub fn load_vulns(dir: &Path) -> Result<Arc<VulnDb>, VulnSetupError> {
    let err = |path: &Path, message: String| VulnSetupError::File {
        path: path.display().to_string(),
        message,
    };
    let mut b = VulnDbBuilder::new();
    let entries = std::fs::read_dir(dir).map_err(|e| err(dir, e.to_string()))?;
    for entry in entries {
        let path = entry.map_err(|e| err(dir, e.to_string()))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| err(&path, e.to_string()))?;
        // KEV catalogs name their version; NVD files list vulnerabilities.
        if bytes.windows(14).any(|w| w == b"catalogVersion") {
            b.add_kev(vuln::KevCatalog::from_slice(&bytes).map_err(|e| err(&path, e.to_string()))?);
        } else {
            b.add_nvd_slice(&bytes)
                .map_err(|e| err(&path, e.to_string()))?;
        }
    }
    Ok(Arc::new(b.build()))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SoftwareDraft {
    pub vendor: String,
    pub product: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub cpe: String,
    #[serde(default)]
    pub purl: String,
    #[serde(default)]
    pub licence: String,
}

impl SoftwareDraft {
    /// Validates and decides whether it is open source (from the licence or the purl type).
    pub fn check(&self, prefix: &str) -> Result<NewSoftware, Vec<FieldError>> {
        let f = |name: &str| format!("{prefix}{name}");
        let mut c = Checks::default();
        c.text(&f("vendor"), &self.vendor, 200);
        c.text(&f("product"), &self.product, 200);
        c.optional_text(&f("version"), &self.version, 100);
        c.optional_text(&f("licence"), &self.licence, 200);
        if !self.cpe.trim().is_empty() && self.cpe.trim().parse::<vuln::Cpe>().is_err() {
            c.push(FieldError::new(&f("cpe"), "err-cpe"));
        }
        let purl = if self.purl.trim().is_empty() {
            None
        } else {
            match self.purl.trim().parse::<vuln::PackageUrl>() {
                Ok(p) => Some(p),
                Err(_) => {
                    c.push(FieldError::new(&f("purl"), "err-purl"));
                    None
                }
            }
        };
        c.finish()?;
        let licence = self.licence.trim();
        let purl_type = purl.as_ref().map(|p| p.coordinates().ecosystem.clone());
        Ok(NewSoftware {
            vendor: self.vendor.trim().to_string(),
            product: self.product.trim().to_string(),
            version: self.version.trim().to_string(),
            cpe: self.cpe.trim().to_string(),
            purl: self.purl.trim().to_string(),
            licence: licence.to_string(),
            open_source: vuln::is_open_source(
                (!licence.is_empty()).then_some(licence),
                purl_type.as_deref(),
            ),
        })
    }
}

pub async fn list_software(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<Software>>, ApiError> {
    centinela_store::constituency::get_institution(&state.db, id).await?;
    Ok(Json(store::list_software(&state.db, id).await?))
}

pub async fn add_software(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(d): ApiJson<SoftwareDraft>,
) -> Result<(StatusCode, Json<Software>), ApiError> {
    let row = d.check("").map_err(ApiError::invalid)?;
    let mut added = store::add_software(&state.db, &ctx.actor(), id, &[row], "manual").await?;
    Ok(created(added.remove(0)))
}

pub async fn delete_software(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath((id, software)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    store::delete_software(&state.db, &ctx.actor(), id, software).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The documented CSV columns of a software import and export.
pub const SOFTWARE_CSV: Columns = Columns {
    all: &["vendor", "product", "version", "cpe", "purl", "licence"],
    required: &["vendor", "product"],
    aliases: &[("license", "licence")],
};

/// Parses a software CSV; every problem is reported with its line.
pub fn parse_software_csv(bytes: &[u8]) -> csv_table::ReadResult<NewSoftware> {
    csv_table::read(bytes, &SOFTWARE_CSV, |row| {
        SoftwareDraft {
            vendor: row.get("vendor").into(),
            product: row.get("product").into(),
            version: row.get("version").into(),
            cpe: row.get("cpe").into(),
            purl: row.get("purl").into(),
            licence: row.get("licence").into(),
        }
        .check("")
    })
}

/// Rows of a CycloneDX SBOM, and warnings for values that were dropped (a malformed CPE or
/// purl leaves the component in, without it).
pub fn parse_sbom(bytes: &[u8]) -> Result<(Vec<NewSoftware>, Vec<String>), Vec<FieldError>> {
    let sbom = vuln::Sbom::from_slice(bytes)
        .map_err(|e| vec![FieldError::new("sbom", "err-sbom").arg("detail", e.to_string())])?;
    let (rows, issues) = sbom.software_rows();
    let warnings = issues
        .into_iter()
        .take(100)
        .map(|i| format!("{}: {}", i.path, i.message))
        .collect();
    let rows = rows
        .into_iter()
        .map(|r| NewSoftware {
            vendor: r.vendor,
            product: r.product,
            version: r.version.unwrap_or_default(),
            cpe: r.cpe.unwrap_or_default(),
            purl: r.purl.unwrap_or_default(),
            licence: r.licence.unwrap_or_default(),
            open_source: r.open_source,
        })
        .collect();
    Ok((rows, warnings))
}

#[derive(Debug, Serialize)]
pub struct ImportResult {
    pub imported: usize,
    /// Values left out of otherwise imported rows (with their JSON path).
    pub warnings: Vec<String>,
    /// Rows left out (only with `partial=true`; otherwise any bad row refuses the file).
    pub rejected: usize,
    pub errors: Vec<RowError>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Keep the valid rows and report the bad ones, instead of refusing the file.
    #[serde(default)]
    pub partial: bool,
}

/// The rows to store from a parsed CSV: all of them, or with `partial` the valid ones (the
/// bad ones go to the result); without it, any bad row refuses the whole file.
pub fn accept<T>(
    parsed: Parsed<T>,
    partial: bool,
    lang: crate::i18n::Lang,
) -> Result<(Vec<T>, usize, Vec<RowError>), ApiError> {
    if partial {
        let errors = parsed.row_errors(lang);
        let rejected = parsed.rejected();
        Ok((parsed.rows, rejected, errors))
    } else {
        let rows = parsed.all_or_nothing().map_err(ApiError::invalid)?;
        Ok((rows, 0, vec![]))
    }
}

/// The rows of a `text/csv` body to store: parsed with `parse`, then [`accept`]ed.
pub fn csv_rows<T>(
    headers: &HeaderMap,
    body: &[u8],
    q: &ImportQuery,
    lang: crate::i18n::Lang,
    parse: fn(&[u8]) -> csv_table::ReadResult<T>,
) -> Result<(Vec<T>, usize, Vec<RowError>), ApiError> {
    csv_table::require_csv(headers)?;
    accept(parse(body).map_err(ApiError::invalid)?, q.partial, lang)
}

/// A row's own checks together with the problems found reading its cells.
fn with_cell_errors<T>(
    checked: Result<T, Vec<FieldError>>,
    mut cells: Vec<FieldError>,
) -> Result<T, Vec<FieldError>> {
    match checked {
        Ok(row) if cells.is_empty() => Ok(row),
        Ok(_) => Err(cells),
        Err(mut errors) => {
            errors.append(&mut cells);
            Err(errors)
        }
    }
}

/// `text/csv` (documented columns) or CycloneDX JSON; all rows or none unless `partial`.
pub async fn import_software(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    crate::extract::ApiBytes(body): crate::extract::ApiBytes,
) -> Result<(StatusCode, Json<ImportResult>), ApiError> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (rows, warnings, rejected, errors, source) = if media.starts_with("text/csv") {
        let parsed = parse_software_csv(&body).map_err(ApiError::invalid)?;
        let (rows, rejected, errors) = accept(parsed, q.partial, ctx.lang)?;
        (rows, vec![], rejected, errors, "csv")
    } else if media.starts_with("application/vnd.cyclonedx+json")
        || media.starts_with("application/json")
    {
        let (rows, warnings) = parse_sbom(&body).map_err(ApiError::invalid)?;
        (rows, warnings, 0, vec![], "cyclonedx")
    } else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "err-import-media-type",
        ));
    };
    let added = store::add_software(&state.db, &ctx.actor(), id, &rows, source).await?;
    Ok(created(ImportResult {
        imported: added.len(),
        warnings,
        rejected,
        errors,
    }))
}

pub fn software_csv(rows: &[Software]) -> String {
    csv_table::write(
        SOFTWARE_CSV.all,
        rows.iter().map(|r| {
            [
                &r.vendor, &r.product, &r.version, &r.cpe, &r.purl, &r.licence,
            ]
        }),
    )
}

pub async fn export_software(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    centinela_store::constituency::get_institution(&state.db, id).await?;
    let rows = store::list_software(&state.db, id).await?;
    Ok(csv_table::attachment("software.csv", software_csv(&rows)))
}

/// A vulnerable software item: KEV entries first, with their due dates.
#[derive(Debug, Serialize)]
pub struct VulnerableSoftware {
    pub software_id: String,
    pub vendor: String,
    pub product: String,
    pub version: String,
    pub cve: String,
    pub score: Option<f32>,
    pub severity: Option<String>,
    pub kev: bool,
    pub kev_due: Option<String>,
    pub ransomware: bool,
    /// Matched only in combination with a platform (NVD "running on").
    pub conditional: bool,
    /// The version comparison was not conclusive.
    pub needs_review: bool,
}

pub fn match_software(db: &VulnDb, rows: &[Software]) -> Vec<VulnerableSoftware> {
    let items: Vec<SoftwareItem> = rows
        .iter()
        .map(|r| SoftwareItem {
            id: r.id.to_string(),
            vendor: r.vendor.clone(),
            product: r.product.clone(),
            version: (!r.version.is_empty()).then(|| r.version.clone()),
            cpe: (!r.cpe.is_empty()).then(|| r.cpe.clone()),
            purl: (!r.purl.is_empty()).then(|| r.purl.clone()),
        })
        .collect();
    let report = db.match_inventory(&items);
    // One lookup per finding: an institution may have thousands of items and findings.
    let by_id: std::collections::HashMap<String, &Software> =
        rows.iter().map(|r| (r.id.to_string(), r)).collect();
    report
        .findings
        .into_iter()
        .map(|f| {
            let sw = by_id.get(&f.software_id).copied();
            VulnerableSoftware {
                vendor: sw.map(|s| s.vendor.clone()).unwrap_or_default(),
                product: sw.map(|s| s.product.clone()).unwrap_or_default(),
                version: sw.map(|s| s.version.clone()).unwrap_or_default(),
                software_id: f.software_id,
                cve: f.cve_id.to_string(),
                score: f.cvss.as_ref().map(|c| c.base_score),
                severity: f
                    .cvss
                    .as_ref()
                    .map(|c| format!("{:?}", c.severity).to_lowercase()),
                kev: f.kev.is_some(),
                kev_due: f
                    .kev
                    .as_ref()
                    .and_then(|k| k.due_date)
                    .map(|d| d.to_string()),
                ransomware: f
                    .kev
                    .as_ref()
                    .is_some_and(|k| k.ransomware == vuln::RansomwareUse::Known),
                conditional: f.conditional,
                needs_review: f.needs_review,
            }
        })
        .collect()
}

pub async fn vulnerabilities(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<VulnerableSoftware>>, ApiError> {
    centinela_store::constituency::get_institution(&state.db, id).await?;
    let Some(db) = state.vulns.clone() else {
        return Ok(Json(vec![]));
    };
    let rows = store::list_software(&state.db, id).await?;
    Ok(Json(match_software(&db, &rows)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetDraft {
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub ipv6: bool,
    /// Reachable from the Internet; when not given, true exactly when `address` is a public
    /// IP address (`core::inventory::default_internet_facing`).
    #[serde(default)]
    pub internet_facing: Option<bool>,
    pub criticality: String,
}

pub const ASSET_KINDS: [&str; 5] = ["server", "workstation", "network-device", "system", "other"];
pub const ASSET_CRITICALITY: [&str; 3] = ["high", "medium", "low"];

impl AssetDraft {
    pub fn check(&self) -> Result<NewAsset, Vec<FieldError>> {
        let mut c = Checks::default();
        c.text("name", &self.name, 200);
        c.optional_text("address", &self.address, 200);
        if !ASSET_KINDS.contains(&self.kind.as_str()) {
            c.push(FieldError::new("kind", "err-choice"));
        }
        if !ASSET_CRITICALITY.contains(&self.criticality.as_str()) {
            c.push(FieldError::new("criticality", "err-choice"));
        }
        c.finish()?;
        Ok(NewAsset {
            name: self.name.trim().to_string(),
            kind: self.kind.clone(),
            address: self.address.trim().to_string(),
            ipv6: self.ipv6,
            internet_facing: self.internet_facing.unwrap_or_else(|| {
                centinela_core::inventory::default_internet_facing(&self.address)
            }),
            criticality: self.criticality.clone(),
        })
    }
}

/// The documented CSV columns of an asset import and export.
pub const ASSET_CSV: Columns = Columns {
    all: &[
        "name",
        "kind",
        "address",
        "ipv6",
        "criticality",
        "internet_facing",
    ],
    required: &["name", "kind", "criticality"],
    aliases: &[],
};

pub fn parse_assets_csv(bytes: &[u8]) -> csv_table::ReadResult<NewAsset> {
    csv_table::read(bytes, &ASSET_CSV, |row| {
        let mut errors = vec![];
        let draft = AssetDraft {
            name: row.get("name").into(),
            kind: row.get("kind").to_lowercase(),
            address: row.get("address").into(),
            ipv6: row.flag("ipv6", &mut errors),
            // An empty cell (or no column) leaves it to the address.
            internet_facing: (!row.get("internet_facing").is_empty())
                .then(|| row.flag("internet_facing", &mut errors)),
            criticality: row.get("criticality").to_lowercase(),
        };
        with_cell_errors(draft.check(), errors)
    })
}

pub async fn list_assets(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<Asset>>, ApiError> {
    centinela_store::constituency::get_institution(&state.db, id).await?;
    Ok(Json(store::list_assets(&state.db, id).await?))
}

pub async fn add_asset(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(d): ApiJson<AssetDraft>,
) -> Result<(StatusCode, Json<Asset>), ApiError> {
    let row = d.check().map_err(ApiError::invalid)?;
    Ok(created(
        store::add_asset(&state.db, &ctx.actor(), id, &row).await?,
    ))
}

/// `text/csv` with the documented columns; all rows or none unless `partial`.
pub async fn import_assets(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    crate::extract::ApiBytes(body): crate::extract::ApiBytes,
) -> Result<(StatusCode, Json<ImportResult>), ApiError> {
    let (rows, rejected, errors) = csv_rows(&headers, &body, &q, ctx.lang, parse_assets_csv)?;
    let added = store::add_assets(&state.db, &ctx.actor(), id, &rows).await?;
    Ok(created(ImportResult {
        imported: added.len(),
        warnings: vec![],
        rejected,
        errors,
    }))
}

pub fn assets_csv(rows: &[Asset]) -> String {
    csv_table::write(
        ASSET_CSV.all,
        rows.iter().map(|a| {
            [
                a.name.as_str(),
                &a.kind,
                &a.address,
                csv_table::flag(a.ipv6),
                &a.criticality,
                csv_table::flag(a.internet_facing),
            ]
        }),
    )
}

pub async fn export_assets(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    centinela_store::constituency::get_institution(&state.db, id).await?;
    let rows = store::list_assets(&state.db, id).await?;
    Ok(csv_table::attachment("assets.csv", assets_csv(&rows)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceDraft {
    pub name: String,
    pub url: String,
    /// The unit or person responsible for the service.
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub personal_data: bool,
    #[serde(default)]
    pub payments: bool,
}

impl ServiceDraft {
    pub fn check(&self) -> Result<NewService, Vec<FieldError>> {
        let mut c = Checks::default();
        c.text("name", &self.name, 200);
        c.text("url", &self.url, 500);
        c.optional_text("owner", &self.owner, 200);
        let url = self.url.trim();
        if !url.is_empty() && !url.starts_with("https://") && !url.starts_with("http://") {
            c.push(FieldError::new("url", "err-url"));
        }
        c.finish()?;
        Ok(NewService {
            name: self.name.trim().to_string(),
            url: url.to_string(),
            owner: self.owner.trim().to_string(),
            personal_data: self.personal_data,
            payments: self.payments,
        })
    }
}

/// The documented CSV columns of a digital-service import and export.
pub const SERVICE_CSV: Columns = Columns {
    all: &["name", "url", "owner", "personal_data", "payments"],
    required: &["name", "url"],
    aliases: &[],
};

pub fn parse_services_csv(bytes: &[u8]) -> csv_table::ReadResult<NewService> {
    csv_table::read(bytes, &SERVICE_CSV, |row| {
        let mut errors = vec![];
        let draft = ServiceDraft {
            name: row.get("name").into(),
            url: row.get("url").into(),
            owner: row.get("owner").into(),
            personal_data: row.flag("personal_data", &mut errors),
            payments: row.flag("payments", &mut errors),
        };
        with_cell_errors(draft.check(), errors)
    })
}

pub async fn list_services(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<Service>>, ApiError> {
    centinela_store::constituency::get_institution(&state.db, id).await?;
    Ok(Json(store::list_services(&state.db, id).await?))
}

pub async fn add_service(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(d): ApiJson<ServiceDraft>,
) -> Result<(StatusCode, Json<Service>), ApiError> {
    let row = d.check().map_err(ApiError::invalid)?;
    Ok(created(
        store::add_service(&state.db, &ctx.actor(), id, &row).await?,
    ))
}

/// `text/csv` with the documented columns; all rows or none unless `partial`.
pub async fn import_services(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    crate::extract::ApiBytes(body): crate::extract::ApiBytes,
) -> Result<(StatusCode, Json<ImportResult>), ApiError> {
    let (rows, rejected, errors) = csv_rows(&headers, &body, &q, ctx.lang, parse_services_csv)?;
    let added = store::add_services(&state.db, &ctx.actor(), id, &rows).await?;
    Ok(created(ImportResult {
        imported: added.len(),
        warnings: vec![],
        rejected,
        errors,
    }))
}

pub fn services_csv(rows: &[Service]) -> String {
    csv_table::write(
        SERVICE_CSV.all,
        rows.iter().map(|s| {
            [
                s.name.as_str(),
                &s.url,
                &s.owner,
                csv_table::flag(s.personal_data),
                csv_table::flag(s.payments),
            ]
        }),
    )
}

pub async fn export_services(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    centinela_store::constituency::get_institution(&state.db, id).await?;
    let rows = store::list_services(&state.db, id).await?;
    Ok(csv_table::attachment("services.csv", services_csv(&rows)))
}

pub async fn kpis(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<InventoryKpis>, ApiError> {
    Ok(Json(
        store::kpis(&state.db, &scope(ctx.principal()?)).await?,
    ))
}
