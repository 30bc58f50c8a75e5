//! CycloneDX JSON SBOM import (spec 1.4–1.6; 1.3 and 1.7 read the same way) into inventory
//! software rows.
//!
//! Components are read recursively (nested `components`), with `metadata.component` as the
//! subject. External components (`isExternal`, 1.7) and version ranges (`versionRange`)
//! are not installed software and are skipped, as are non-software types (`file`, `data`,
//! `device`, `machine-learning-model`, `cryptographic-asset`). A malformed `cpe` or `purl`
//! is dropped from its row and reported with the component's JSON path.

use std::io::Read;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer};

use crate::cpe::Cpe;
use crate::json::{self, LoadError};
use crate::licence::is_open_source;
use crate::purl::PackageUrl;

/// Spec versions accepted.
pub const SPEC_VERSIONS: &[&str] = &["1.3", "1.4", "1.5", "1.6", "1.7"];

/// Component types imported as software.
pub const SOFTWARE_TYPES: &[&str] = &[
    "application",
    "framework",
    "library",
    "container",
    "platform",
    "operating-system",
    "device-driver",
    "firmware",
];

/// One component as read from the SBOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomComponent {
    /// JSON path, such as `components[2].components[0]`.
    pub path: String,
    /// `type`.
    pub kind: String,
    /// `bom-ref`.
    pub bom_ref: Option<String>,
    /// `supplier.name`, else `publisher`, else `author`.
    pub supplier: Option<String>,
    /// `group`.
    pub group: Option<String>,
    /// `name`.
    pub name: String,
    /// `version`.
    pub version: Option<String>,
    /// `cpe`, as written.
    pub cpe: Option<String>,
    /// `purl`, as written.
    pub purl: Option<String>,
    /// Licences: each `license.id`, `license.name` or `expression`.
    pub licences: Vec<String>,
    /// `isExternal` or `versionRange` set: not an installed component.
    pub external: bool,
}

impl SbomComponent {
    /// The licences as one SPDX-style expression (several entries are joined with `AND`,
    /// the conservative reading for the open-source KPI).
    #[must_use]
    pub fn licence_expression(&self) -> Option<String> {
        match self.licences.as_slice() {
            [] => None,
            [one] => Some(one.clone()),
            many => Some(
                many.iter()
                    .map(|l| format!("({l})"))
                    .collect::<Vec<_>>()
                    .join(" AND "),
            ),
        }
    }
}

/// An inventory software row made from a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoftwareRow {
    /// Supplier, else the CPE vendor, else the group or purl namespace; may be empty.
    pub vendor: String,
    /// Component name.
    pub product: String,
    /// Version, else the purl's version.
    pub version: Option<String>,
    /// A valid CPE 2.3 name, canonical form.
    pub cpe: Option<String>,
    /// A valid purl, as written.
    pub purl: Option<String>,
    /// Licence expression.
    pub licence: Option<String>,
    /// [`is_open_source`] of the licence and purl type.
    pub open_source: bool,
    /// JSON path of the component in the SBOM.
    pub source_path: String,
}

/// A component-level problem that did not stop the import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SbomIssue {
    /// JSON path.
    pub path: String,
    /// What was wrong and what was done.
    pub message: String,
}

/// A parsed SBOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sbom {
    /// `specVersion`.
    pub spec_version: String,
    /// `serialNumber`.
    pub serial_number: Option<String>,
    /// `metadata.component`: what the SBOM describes.
    pub subject: Option<SbomComponent>,
    /// All components, nested ones included, depth first.
    pub components: Vec<SbomComponent>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBom {
    bom_format: String,
    spec_version: String,
    #[serde(default)]
    serial_number: Option<String>,
    #[serde(default)]
    metadata: Option<RawMetadata>,
    #[serde(default)]
    components: Vec<RawComponent>,
}

#[derive(Deserialize)]
struct RawMetadata {
    #[serde(default)]
    component: Option<RawComponent>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawComponent {
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "bom-ref", default)]
    bom_ref: Option<String>,
    #[serde(default)]
    supplier: Option<RawOrg>,
    #[serde(default)]
    publisher: Option<String>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    group: Option<String>,
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    version_range: Option<String>,
    #[serde(default)]
    is_external: bool,
    #[serde(default)]
    cpe: Option<String>,
    #[serde(default)]
    purl: Option<String>,
    #[serde(default)]
    licenses: Vec<RawLicenseChoice>,
    #[serde(default)]
    components: Vec<RawComponent>,
}

#[derive(Deserialize)]
struct RawOrg {
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawLicenseChoice {
    #[serde(default)]
    license: Option<RawLicense>,
    #[serde(default)]
    expression: Option<String>,
}

#[derive(Deserialize)]
struct RawLicense {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

struct BomSeed;

impl<'de> DeserializeSeed<'de> for BomSeed {
    type Value = RawBom;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawBom, D::Error> {
        RawBom::deserialize(d)
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn flatten(raw: RawComponent, path: String, out: &mut Vec<SbomComponent>) {
    let licences = raw
        .licenses
        .into_iter()
        .filter_map(|c| {
            non_empty(c.expression).or_else(|| {
                c.license
                    .and_then(|l| non_empty(l.id).or(non_empty(l.name)))
            })
        })
        .collect();
    out.push(SbomComponent {
        kind: raw.kind,
        bom_ref: raw.bom_ref,
        supplier: non_empty(raw.supplier.and_then(|s| s.name))
            .or(non_empty(raw.publisher))
            .or(non_empty(raw.author)),
        group: non_empty(raw.group),
        name: raw.name,
        version: non_empty(raw.version),
        cpe: non_empty(raw.cpe),
        purl: non_empty(raw.purl),
        licences,
        external: raw.is_external || raw.version_range.is_some(),
        path: path.clone(),
    });
    for (i, c) in raw.components.into_iter().enumerate() {
        flatten(c, format!("{path}.components[{i}]"), out);
    }
}

impl Sbom {
    /// Reads an SBOM from a reader, at most `max_bytes` bytes.
    ///
    /// # Errors
    /// Malformed JSON or wrong types (with the JSON path), `bomFormat` other than
    /// `CycloneDX`, an unsupported `specVersion`, or more than `max_bytes`.
    pub fn from_reader<R: Read>(reader: R, max_bytes: u64) -> Result<Self, LoadError> {
        Self::from_raw(json::from_reader_seed(reader, max_bytes, BomSeed)?)
    }

    /// Reads an SBOM from bytes.
    ///
    /// # Errors
    /// As [`Sbom::from_reader`].
    pub fn from_slice(bytes: &[u8]) -> Result<Self, LoadError> {
        Self::from_raw(json::from_slice_seed(
            bytes,
            json::DEFAULT_MAX_BYTES,
            BomSeed,
            || BomSeed,
        )?)
    }

    fn from_raw(raw: RawBom) -> Result<Self, LoadError> {
        if raw.bom_format != "CycloneDX" {
            return Err(LoadError::invalid(
                "bomFormat",
                format!("expected \"CycloneDX\", found {:?}", raw.bom_format),
            ));
        }
        if !SPEC_VERSIONS.contains(&raw.spec_version.as_str()) {
            return Err(LoadError::invalid(
                "specVersion",
                format!(
                    "unsupported CycloneDX version {:?} (supported: {})",
                    raw.spec_version,
                    SPEC_VERSIONS.join(", ")
                ),
            ));
        }
        let subject = raw.metadata.and_then(|m| m.component).map(|c| {
            let mut v = Vec::new();
            flatten(c, "metadata.component".to_owned(), &mut v);
            v.swap_remove(0)
        });
        let mut components = Vec::new();
        for (i, c) in raw.components.into_iter().enumerate() {
            flatten(c, format!("components[{i}]"), &mut components);
        }
        Ok(Sbom {
            spec_version: raw.spec_version,
            serial_number: raw.serial_number,
            subject,
            components,
        })
    }

    /// Inventory rows for the installed software components, with the problems found.
    #[must_use]
    pub fn software_rows(&self) -> (Vec<SoftwareRow>, Vec<SbomIssue>) {
        let mut rows = Vec::new();
        let mut issues = Vec::new();
        for c in &self.components {
            if c.external || !SOFTWARE_TYPES.contains(&c.kind.as_str()) {
                continue;
            }
            let cpe = c.cpe.as_deref().and_then(|s| match s.parse::<Cpe>() {
                Ok(cpe) => Some(cpe),
                Err(e) => {
                    issues.push(SbomIssue {
                        path: format!("{}.cpe", c.path),
                        message: format!("dropped: {e}"),
                    });
                    None
                }
            });
            let purl = c
                .purl
                .as_deref()
                .and_then(|s| match s.parse::<PackageUrl>() {
                    Ok(p) => Some(p),
                    Err(e) => {
                        issues.push(SbomIssue {
                            path: format!("{}.purl", c.path),
                            message: format!("dropped: {e}"),
                        });
                        None
                    }
                });
            let vendor = c
                .supplier
                .clone()
                .or_else(|| {
                    cpe.as_ref()
                        .map(|x| x.vendor())
                        .filter(|v| matches!(v, crate::cpe::CpeValue::Literal(_)))
                        .map(|v| v.unquoted().into_owned())
                })
                .or_else(|| c.group.clone())
                .or_else(|| purl.as_ref().and_then(|p| p.namespace.clone()))
                .unwrap_or_default();
            let licence = c.licence_expression();
            let open_source =
                is_open_source(licence.as_deref(), purl.as_ref().map(|p| p.ty.as_str()));
            rows.push(SoftwareRow {
                vendor,
                product: c.name.clone(),
                version: c
                    .version
                    .clone()
                    .or_else(|| purl.as_ref().and_then(|p| p.version.clone())),
                cpe: cpe.map(|x| x.to_string()),
                purl: purl.as_ref().and(c.purl.clone()),
                licence,
                open_source,
                source_path: c.path.clone(),
            });
        }
        (rows, issues)
    }
}
