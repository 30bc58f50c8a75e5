//! NVD CVE API 2.0 JSON: pages of the API and the yearly data feeds
//! (`{"vulnerabilities": [{"cve": {…}}, …]}`), read as a stream.
//!
//! Each `vulnerabilities[]` element is turned into a compact [`CveRecord`] as soon as it has
//! been read, and handed to a callback ([`read_nvd`]), so memory holds one raw record at a
//! time plus whatever the caller keeps. Structural errors (not JSON, wrong types, missing
//! required fields) stop the load with the JSON path; a match criteria that is not a valid
//! CPE 2.3 name only drops that criteria and is reported as a [`RecordIssue`].
//!
//! Kept: id, status, dates, the English description, CVSS v4.0/v3.1/v3.0/v2 base score and
//! severity (the `Primary` metric when there are several), CWE ids, configurations, and the
//! `cisa*` KEV fields. Dropped: references, other languages, `matchCriteriaId`.

use std::fmt;
use std::io::Read;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::cpe::Cpe;
use crate::cve::CveId;
use crate::json::{self, LoadError, serde_date};
use crate::version::VersionBound;

/// CVSS qualitative severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// `NONE` (score 0.0).
    None,
    /// `LOW`.
    Low,
    /// `MEDIUM`.
    Medium,
    /// `HIGH`.
    High,
    /// `CRITICAL`.
    Critical,
}

impl Severity {
    /// The severity as NVD writes it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "NONE",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }
}

/// Which CVSS version a score comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CvssVersion {
    /// CVSS v2.0.
    V2,
    /// CVSS v3.0.
    V30,
    /// CVSS v3.1.
    V31,
    /// CVSS v4.0.
    V40,
}

/// A CVSS base score with its severity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CvssScore {
    /// CVSS version.
    pub version: CvssVersion,
    /// Base score, 0.0–10.0.
    pub base_score: f32,
    /// Qualitative severity.
    pub severity: Severity,
}

/// `AND` / `OR` of a configuration or node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Operator {
    /// All children.
    #[serde(rename = "AND")]
    And,
    /// Any child.
    #[default]
    #[serde(rename = "OR")]
    Or,
}

/// One `cpeMatch` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpeMatch {
    /// `vulnerable`: false for platform ("running on") entries.
    pub vulnerable: bool,
    /// `criteria`, parsed.
    pub criteria: Cpe,
    /// `versionStartIncluding` / `versionStartExcluding`.
    pub version_start: Option<VersionBound>,
    /// `versionEndIncluding` / `versionEndExcluding`.
    pub version_end: Option<VersionBound>,
}

/// A configuration node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// `operator`.
    pub operator: Operator,
    /// `negate`.
    pub negate: bool,
    /// `cpeMatch`.
    pub cpe_match: Vec<CpeMatch>,
}

/// A configuration: nodes joined by `operator`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Configuration {
    /// `operator` (`OR` when absent, as NVD does for single-node configurations).
    pub operator: Operator,
    /// `negate`.
    pub negate: bool,
    /// `nodes`.
    pub nodes: Vec<Node>,
}

/// CISA KEV fields that NVD copies into a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CisaFields {
    /// `cisaExploitAdd`.
    pub exploit_add: Option<time::Date>,
    /// `cisaActionDue`.
    pub action_due: Option<time::Date>,
    /// `cisaRequiredAction`.
    pub required_action: Option<String>,
    /// `cisaVulnerabilityName`.
    pub vulnerability_name: Option<String>,
}

/// One CVE, as kept from an NVD record.
#[derive(Debug, Clone, PartialEq)]
pub struct CveRecord {
    /// `id`.
    pub id: CveId,
    /// `vulnStatus` (`Analyzed`, `Modified`, `Awaiting Analysis`…).
    pub vuln_status: Option<String>,
    /// `published` (UTC).
    pub published: time::PrimitiveDateTime,
    /// `lastModified` (UTC).
    pub last_modified: time::PrimitiveDateTime,
    /// The English description, else the first one.
    pub description: Option<String>,
    /// CVSS scores found, newest version first.
    pub cvss: Vec<CvssScore>,
    /// CWE identifiers from `weaknesses` (`CWE-79`, `NVD-CWE-Other`…), de-duplicated.
    pub weaknesses: Vec<String>,
    /// `configurations` (may be empty for records awaiting analysis).
    pub configurations: Vec<Configuration>,
    /// KEV fields carried by NVD, when present.
    pub cisa: Option<CisaFields>,
}

impl CveRecord {
    /// The score used to rank findings: CVSS v3.1, else v4.0, else v3.0, else v2 (v3.1 is
    /// the one most records carry, so rankings compare like with like).
    #[must_use]
    pub fn preferred_cvss(&self) -> Option<CvssScore> {
        [
            CvssVersion::V31,
            CvssVersion::V40,
            CvssVersion::V30,
            CvssVersion::V2,
        ]
        .iter()
        .find_map(|v| self.cvss.iter().find(|s| s.version == *v).copied())
    }
}

/// A problem inside one record that did not stop the load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordIssue {
    /// JSON path of the value.
    pub path: String,
    /// What was wrong and what was done.
    pub message: String,
}

impl fmt::Display for RecordIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// The envelope of an NVD page or feed, and what was read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NvdSummary {
    /// `resultsPerPage`.
    pub results_per_page: Option<u64>,
    /// `startIndex`.
    pub start_index: Option<u64>,
    /// `totalResults`.
    pub total_results: Option<u64>,
    /// `timestamp`.
    pub timestamp: Option<String>,
    /// Records read.
    pub records: u64,
    /// Problems that dropped part of a record.
    pub issues: Vec<RecordIssue>,
}

/// A whole NVD file held in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct NvdFeed {
    /// Envelope and issues.
    pub summary: NvdSummary,
    /// The records, in file order.
    pub cves: Vec<CveRecord>,
}

impl NvdFeed {
    /// Reads a whole file from a reader, at most `max_bytes` bytes.
    ///
    /// # Errors
    /// See [`read_nvd`].
    pub fn from_reader<R: Read>(reader: R, max_bytes: u64) -> Result<Self, LoadError> {
        let mut cves = Vec::new();
        let summary = read_nvd(reader, max_bytes, |c| cves.push(c))?;
        Ok(NvdFeed { summary, cves })
    }

    /// Reads a whole file from bytes.
    ///
    /// # Errors
    /// See [`read_nvd`].
    pub fn from_slice(bytes: &[u8]) -> Result<Self, LoadError> {
        let mut cves = Vec::new();
        let summary = read_nvd_slice(bytes, |c| cves.push(c))?;
        Ok(NvdFeed { summary, cves })
    }
}

/// Streams the records of an NVD CVE 2.0 page or feed to `sink`.
///
/// # Errors
/// Malformed JSON, wrong types or missing required fields (the error names the JSON path,
/// such as `vulnerabilities[12].cve.published`), a `format` other than `NVD_CVE`, a
/// `version` other than 2.x, a legacy NVD 1.1 feed (`CVE_Items`), or more than `max_bytes`.
/// Records before the error have already been given to `sink`.
pub fn read_nvd<R: Read>(
    reader: R,
    max_bytes: u64,
    mut sink: impl FnMut(CveRecord),
) -> Result<NvdSummary, LoadError> {
    let sink: &mut dyn FnMut(CveRecord) = &mut sink;
    json::from_reader_seed(reader, max_bytes, FeedSeed { sink })
}

/// [`read_nvd`] over bytes in memory (faster than a reader: no per-byte buffering).
///
/// # Errors
/// See [`read_nvd`].
pub fn read_nvd_slice(
    bytes: &[u8],
    mut sink: impl FnMut(CveRecord),
) -> Result<NvdSummary, LoadError> {
    let mut discard = |_: CveRecord| {};
    let sink: &mut dyn FnMut(CveRecord) = &mut sink;
    // On error the document is read a second time only to locate it; records go nowhere.
    json::from_slice_seed(bytes, json::DEFAULT_MAX_BYTES, FeedSeed { sink }, || {
        FeedSeed {
            sink: &mut discard as &mut dyn FnMut(CveRecord),
        }
    })
}

// ---- raw serde shapes -------------------------------------------------------------------

#[derive(Deserialize)]
struct RawItem {
    cve: RawCve,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCve {
    id: CveId,
    #[serde(default)]
    vuln_status: Option<String>,
    #[serde(deserialize_with = "serde_date::timestamp")]
    published: time::PrimitiveDateTime,
    #[serde(deserialize_with = "serde_date::timestamp")]
    last_modified: time::PrimitiveDateTime,
    #[serde(default)]
    descriptions: Vec<RawLangString>,
    #[serde(default)]
    metrics: RawMetrics,
    #[serde(default)]
    weaknesses: Vec<RawWeakness>,
    #[serde(default)]
    configurations: Vec<RawConfiguration>,
    #[serde(default, deserialize_with = "serde_date::opt_date")]
    cisa_exploit_add: Option<time::Date>,
    #[serde(default, deserialize_with = "serde_date::opt_date")]
    cisa_action_due: Option<time::Date>,
    #[serde(default)]
    cisa_required_action: Option<String>,
    #[serde(default)]
    cisa_vulnerability_name: Option<String>,
}

#[derive(Deserialize)]
struct RawLangString {
    lang: String,
    value: String,
}

#[derive(Deserialize, Default)]
struct RawMetrics {
    #[serde(rename = "cvssMetricV40", default)]
    v40: Vec<RawMetric>,
    #[serde(rename = "cvssMetricV31", default)]
    v31: Vec<RawMetric>,
    #[serde(rename = "cvssMetricV30", default)]
    v30: Vec<RawMetric>,
    #[serde(rename = "cvssMetricV2", default)]
    v2: Vec<RawMetric>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMetric {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    cvss_data: RawCvssData,
    /// CVSS v2 keeps the severity beside `cvssData`.
    #[serde(default)]
    base_severity: Option<Severity>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCvssData {
    base_score: f32,
    #[serde(default)]
    base_severity: Option<Severity>,
}

#[derive(Deserialize)]
struct RawWeakness {
    #[serde(default)]
    description: Vec<RawLangString>,
}

#[derive(Deserialize)]
struct RawConfiguration {
    #[serde(default)]
    operator: Operator,
    #[serde(default)]
    negate: bool,
    nodes: Vec<RawNode>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawNode {
    #[serde(default)]
    operator: Operator,
    #[serde(default)]
    negate: bool,
    cpe_match: Vec<RawCpeMatch>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCpeMatch {
    vulnerable: bool,
    criteria: String,
    version_start_including: Option<String>,
    version_start_excluding: Option<String>,
    version_end_including: Option<String>,
    version_end_excluding: Option<String>,
}

// ---- conversion -------------------------------------------------------------------------

fn severity_from_score(score: f32) -> Severity {
    match score {
        s if s >= 9.0 => Severity::Critical,
        s if s >= 7.0 => Severity::High,
        s if s >= 4.0 => Severity::Medium,
        s if s > 0.0 => Severity::Low,
        _ => Severity::None,
    }
}

fn pick_metric(metrics: &[RawMetric], version: CvssVersion) -> Option<CvssScore> {
    let m = metrics
        .iter()
        .find(|m| m.kind.as_deref() == Some("Primary"))
        .or_else(|| metrics.first())?;
    let score = m.cvss_data.base_score;
    let severity = m
        .cvss_data
        .base_severity
        .or(m.base_severity)
        .unwrap_or_else(|| severity_from_score(score));
    Some(CvssScore {
        version,
        base_score: score,
        severity,
    })
}

fn bound(including: Option<String>, excluding: Option<String>) -> Option<VersionBound> {
    // Both present is malformed; the inclusive bound is the wider reading.
    match (including, excluding) {
        (Some(v), _) => Some(VersionBound {
            version: v.into_boxed_str(),
            inclusive: true,
        }),
        (None, Some(v)) => Some(VersionBound {
            version: v.into_boxed_str(),
            inclusive: false,
        }),
        (None, None) => None,
    }
}

fn convert(raw: RawCve, index: usize, issues: &mut Vec<RecordIssue>) -> CveRecord {
    let description = {
        let mut d = raw.descriptions;
        let pos = d.iter().position(|l| l.lang == "en").unwrap_or(0);
        (pos < d.len()).then(|| d.swap_remove(pos).value)
    };
    let mut cvss = Vec::new();
    let m = &raw.metrics;
    for (list, v) in [
        (&m.v40, CvssVersion::V40),
        (&m.v31, CvssVersion::V31),
        (&m.v30, CvssVersion::V30),
        (&m.v2, CvssVersion::V2),
    ] {
        cvss.extend(pick_metric(list, v));
    }
    let mut weaknesses: Vec<String> = Vec::new();
    for w in raw.weaknesses {
        for d in w.description {
            if !weaknesses.contains(&d.value) {
                weaknesses.push(d.value);
            }
        }
    }
    let mut configurations = Vec::with_capacity(raw.configurations.len());
    for (ci, c) in raw.configurations.into_iter().enumerate() {
        let mut nodes = Vec::with_capacity(c.nodes.len());
        for (ni, n) in c.nodes.into_iter().enumerate() {
            let mut cpe_match = Vec::with_capacity(n.cpe_match.len());
            for (mi, m) in n.cpe_match.into_iter().enumerate() {
                match m.criteria.parse::<Cpe>() {
                    Ok(criteria) => cpe_match.push(CpeMatch {
                        vulnerable: m.vulnerable,
                        criteria,
                        version_start: bound(m.version_start_including, m.version_start_excluding),
                        version_end: bound(m.version_end_including, m.version_end_excluding),
                    }),
                    Err(e) => issues.push(RecordIssue {
                        path: format!(
                            "vulnerabilities[{index}].cve.configurations[{ci}].nodes[{ni}].cpeMatch[{mi}].criteria"
                        ),
                        message: format!("{} dropped: {e}", raw.id),
                    }),
                }
            }
            nodes.push(Node {
                operator: n.operator,
                negate: n.negate,
                cpe_match,
            });
        }
        configurations.push(Configuration {
            operator: c.operator,
            negate: c.negate,
            nodes,
        });
    }
    let cisa = (raw.cisa_exploit_add.is_some()
        || raw.cisa_action_due.is_some()
        || raw.cisa_required_action.is_some()
        || raw.cisa_vulnerability_name.is_some())
    .then_some(CisaFields {
        exploit_add: raw.cisa_exploit_add,
        action_due: raw.cisa_action_due,
        required_action: raw.cisa_required_action,
        vulnerability_name: raw.cisa_vulnerability_name,
    });
    CveRecord {
        id: raw.id,
        vuln_status: raw.vuln_status,
        published: raw.published,
        last_modified: raw.last_modified,
        description,
        cvss,
        weaknesses,
        configurations,
        cisa,
    }
}

// ---- streaming visitors -----------------------------------------------------------------

struct FeedSeed<'s, F: ?Sized> {
    sink: &'s mut F,
}

impl<'de, F: FnMut(CveRecord) + ?Sized> DeserializeSeed<'de> for FeedSeed<'_, F> {
    type Value = NvdSummary;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<NvdSummary, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, F: FnMut(CveRecord) + ?Sized> Visitor<'de> for FeedSeed<'_, F> {
    type Value = NvdSummary;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an NVD CVE API 2.0 object with a \"vulnerabilities\" array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NvdSummary, A::Error> {
        let mut summary = NvdSummary::default();
        let mut seen_vulnerabilities = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "vulnerabilities" => {
                    let (records, issues) = map.next_value_seed(ItemsSeed {
                        sink: &mut *self.sink,
                    })?;
                    summary.records = records;
                    summary.issues = issues;
                    seen_vulnerabilities = true;
                }
                "format" => {
                    map.next_value_seed(CheckedString(|v: &str| {
                        (v == "NVD_CVE")
                            .then_some(())
                            .ok_or_else(|| format!("expected format \"NVD_CVE\", found {v:?}"))
                    }))?;
                }
                "version" => {
                    map.next_value_seed(CheckedString(|v: &str| {
                        v.starts_with("2.").then_some(()).ok_or_else(|| {
                            format!("expected an NVD CVE API 2.x document, found version {v:?}")
                        })
                    }))?;
                }
                "resultsPerPage" => summary.results_per_page = Some(map.next_value()?),
                "startIndex" => summary.start_index = Some(map.next_value()?),
                "totalResults" => summary.total_results = Some(map.next_value()?),
                "timestamp" => summary.timestamp = Some(map.next_value()?),
                "CVE_Items" => {
                    map.next_value_seed(CheckedString(|_: &str| {
                        Err("this is a legacy NVD 1.1 JSON feed (CVE_Items); use NVD CVE API 2.0 files".to_owned())
                    }))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !seen_vulnerabilities {
            return Err(de::Error::missing_field("vulnerabilities"));
        }
        Ok(summary)
    }
}

/// A string value checked by a rule, so that a rejection names the value's own path.
struct CheckedString<F>(F);

impl<'de, F: FnOnce(&str) -> Result<(), String>> DeserializeSeed<'de> for CheckedString<F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        (self.0)(&s).map_err(de::Error::custom)
    }
}

struct ItemsSeed<'s, F: ?Sized> {
    sink: &'s mut F,
}

impl<'de, F: FnMut(CveRecord) + ?Sized> DeserializeSeed<'de> for ItemsSeed<'_, F> {
    type Value = (u64, Vec<RecordIssue>);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(CveRecord) + ?Sized> Visitor<'de> for ItemsSeed<'_, F> {
    type Value = (u64, Vec<RecordIssue>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of {\"cve\": {…}} objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut issues = Vec::new();
        let mut index = 0usize;
        while let Some(item) = seq.next_element::<RawItem>()? {
            (self.sink)(convert(item.cve, index, &mut issues));
            index += 1;
        }
        Ok((index as u64, issues))
    }
}
