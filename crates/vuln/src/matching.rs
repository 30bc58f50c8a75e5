//! Matching inventory software against NVD configurations, with KEV status.
//!
//! [`VulnDbBuilder`] collects NVD records (the newest `lastModified` wins when a CVE comes
//! twice) and the KEV catalog; [`VulnDbBuilder::build`] indexes every `vulnerable: true`
//! match criteria by its literal `vendor:product` (criteria with a wildcard vendor or
//! product go to a short list tried for every item). Matching an item then looks at the
//! criteria of its own product only.
//!
//! Rules:
//! - an item's CPE is its own `cpe`, with `version` filled in when the CPE's version is
//!   `*`; without a CPE one is derived from vendor, product and version
//!   ([`Cpe::from_parts`], reported as [`MatchedBy::DerivedCpe`]: vendor names in an
//!   inventory often differ from NVD's, so absence of findings proves little);
//! - a criteria matches when all attributes but the version match (NISTIR 7696), and the
//!   version is inside the criteria's range, or equal to its literal version;
//! - an item whose version is unknown (`*`, `-`) only matches criteria for all versions;
//! - a range that cannot be compared (see [`crate::version`]) gives a finding marked
//!   `needs_review`;
//! - criteria in a negated node or configuration are ignored; criteria in an `AND`
//!   configuration (vulnerable "running on" a platform) give findings marked
//!   `conditional`, since the inventory row does not say what it runs on.

use std::collections::HashMap;
use std::io::Read;

use crate::cpe::{Cpe, CpeValue};
use crate::cve::CveId;
use crate::json::LoadError;
use crate::kev::{KevCatalog, KevEntry, RansomwareUse};
use crate::nvd::{self, CveRecord, CvssScore, NvdSummary, Operator};
use crate::purl::PackageUrl;
use crate::version::{RangeCheck, check_range, compare_versions};

/// One software row of the inventory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SoftwareItem {
    /// The inventory's identifier for the row.
    pub id: String,
    /// Vendor, free text.
    pub vendor: String,
    /// Product, free text.
    pub product: String,
    /// Installed version, if known.
    pub version: Option<String>,
    /// CPE 2.3 formatted string, if known.
    pub cpe: Option<String>,
    /// Package URL, if known (its version is used when `version` is absent).
    pub purl: Option<String>,
}

/// How the item's CPE was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchedBy {
    /// The item's own CPE.
    Cpe,
    /// A CPE derived from the vendor, product and version fields.
    DerivedCpe,
}

/// KEV status of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KevStatus {
    /// When CISA added it.
    pub date_added: Option<time::Date>,
    /// CISA's due date (US federal deadline).
    pub due_date: Option<time::Date>,
    /// Known use in ransomware campaigns.
    pub ransomware: RansomwareUse,
    /// From the KEV catalog itself (else from the `cisa*` fields of the NVD record).
    pub from_catalog: bool,
}

/// One vulnerable software item.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// [`SoftwareItem::id`].
    pub software_id: String,
    /// The CVE.
    pub cve_id: CveId,
    /// Preferred CVSS score ([`CveRecord::preferred_cvss`]).
    pub cvss: Option<CvssScore>,
    /// Present when the CVE is a known exploited vulnerability.
    pub kev: Option<KevStatus>,
    /// The NVD criteria that matched.
    pub criteria: String,
    /// How the item's CPE was obtained.
    pub matched_by: MatchedBy,
    /// The criteria sits in an `AND` configuration: vulnerable only on some platforms.
    pub conditional: bool,
    /// The version could not be compared with the range bounds: check by hand.
    pub needs_review: bool,
}

/// An item that could not be matched at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedItem {
    /// [`SoftwareItem::id`].
    pub software_id: String,
    /// Why.
    pub reason: String,
}

/// Findings for an inventory, in priority order, and the items that were skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MatchReport {
    /// Sorted: KEV first by due date, then by CVSS score, highest first.
    pub findings: Vec<Finding>,
    /// Items with no usable CPE.
    pub skipped: Vec<SkippedItem>,
}

/// Collects NVD records and KEV entries before indexing.
#[derive(Debug, Default)]
pub struct VulnDbBuilder {
    cves: HashMap<CveId, CveRecord>,
    kev: HashMap<CveId, KevEntry>,
}

impl VulnDbBuilder {
    /// An empty builder.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a record; of two records for one CVE the newer `lastModified` is kept.
    pub fn add_cve(&mut self, record: CveRecord) {
        match self.cves.get_mut(&record.id) {
            Some(old) if old.last_modified > record.last_modified => {}
            Some(old) => *old = record,
            None => {
                self.cves.insert(record.id.clone(), record);
            }
        }
    }

    /// Streams an NVD CVE 2.0 page or feed into the builder.
    ///
    /// # Errors
    /// See [`nvd::read_nvd`]; records before the error are kept.
    pub fn add_nvd_reader<R: Read>(
        &mut self,
        reader: R,
        max_bytes: u64,
    ) -> Result<NvdSummary, LoadError> {
        nvd::read_nvd(reader, max_bytes, |r| self.add_cve(r))
    }

    /// [`VulnDbBuilder::add_nvd_reader`] over bytes in memory.
    ///
    /// # Errors
    /// See [`nvd::read_nvd`].
    pub fn add_nvd_slice(&mut self, bytes: &[u8]) -> Result<NvdSummary, LoadError> {
        nvd::read_nvd_slice(bytes, |r| self.add_cve(r))
    }

    /// Adds (or replaces) KEV entries from a catalog.
    pub fn add_kev(&mut self, catalog: KevCatalog) {
        for e in catalog.vulnerabilities {
            self.kev.insert(e.cve_id.clone(), e);
        }
    }

    /// Sorts the records and builds the vendor:product index.
    #[must_use]
    pub fn build(self) -> VulnDb {
        let mut cves: Vec<CveRecord> = self.cves.into_values().collect();
        cves.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        let mut by_product: HashMap<Box<str>, Vec<MatchRef>> = HashMap::new();
        let mut unkeyed = Vec::new();
        let mut criteria = 0usize;
        for (ri, r) in cves.iter().enumerate() {
            for (ci, c) in r.configurations.iter().enumerate() {
                if c.negate {
                    continue;
                }
                let conditional = c.operator == Operator::And && c.nodes.len() > 1;
                for (ni, n) in c.nodes.iter().enumerate() {
                    if n.negate {
                        continue;
                    }
                    let conditional =
                        conditional || (n.operator == Operator::And && n.cpe_match.len() > 1);
                    for (mi, m) in n.cpe_match.iter().enumerate() {
                        if !m.vulnerable {
                            continue;
                        }
                        let Ok(record) = u32::try_from(ri) else {
                            continue;
                        };
                        let _ = (ci, ni, mi);
                        // A copy of the criteria beside the entry: matching walks one
                        // product's entries without chasing pointers into the records.
                        let entry = MatchRef {
                            record,
                            cpe_match: m.clone(),
                            conditional,
                        };
                        criteria += 1;
                        match m.criteria.vendor_product_key() {
                            Some(k) => by_product.entry(k.into()).or_default().push(entry),
                            None => unkeyed.push(entry),
                        }
                    }
                }
            }
        }
        VulnDb {
            cves,
            kev: self.kev,
            by_product,
            unkeyed,
            criteria,
        }
    }
}

#[derive(Debug, Clone)]
struct MatchRef {
    record: u32,
    cpe_match: nvd::CpeMatch,
    conditional: bool,
}

/// Indexed NVD records and KEV entries, ready for matching. Immutable; share it with `Arc`.
#[derive(Debug)]
pub struct VulnDb {
    cves: Vec<CveRecord>,
    kev: HashMap<CveId, KevEntry>,
    by_product: HashMap<Box<str>, Vec<MatchRef>>,
    unkeyed: Vec<MatchRef>,
    criteria: usize,
}

/// Sizes of a [`VulnDb`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbStats {
    /// CVE records.
    pub cves: usize,
    /// KEV entries.
    pub kev_entries: usize,
    /// Indexed `vulnerable: true` criteria.
    pub criteria: usize,
    /// Distinct vendor:product keys.
    pub products: usize,
    /// Criteria with a wildcard vendor or product (tried for every item).
    pub unkeyed: usize,
}

impl VulnDb {
    /// Sizes.
    #[must_use]
    pub fn stats(&self) -> DbStats {
        DbStats {
            cves: self.cves.len(),
            kev_entries: self.kev.len(),
            criteria: self.criteria,
            products: self.by_product.len(),
            unkeyed: self.unkeyed.len(),
        }
    }

    /// A CVE record by id.
    #[must_use]
    pub fn cve(&self, id: &CveId) -> Option<&CveRecord> {
        self.cves
            .binary_search_by(|r| r.id.cmp(id))
            .ok()
            .map(|i| &self.cves[i])
    }

    /// The KEV entry for a CVE.
    #[must_use]
    pub fn kev(&self, id: &CveId) -> Option<&KevEntry> {
        self.kev.get(id)
    }

    /// KEV status from the catalog, else from the NVD record's `cisa*` fields.
    #[must_use]
    pub fn kev_status(&self, record: &CveRecord) -> Option<KevStatus> {
        if let Some(e) = self.kev.get(&record.id) {
            return Some(KevStatus {
                date_added: Some(e.date_added),
                due_date: Some(e.due_date),
                ransomware: e.known_ransomware_campaign_use,
                from_catalog: true,
            });
        }
        record.cisa.as_ref().map(|c| KevStatus {
            date_added: c.exploit_add,
            due_date: c.action_due,
            ransomware: RansomwareUse::Unknown,
            from_catalog: false,
        })
    }

    /// Matches every item and sorts the findings (see [`sort_findings`]).
    #[must_use]
    pub fn match_inventory(&self, items: &[SoftwareItem]) -> MatchReport {
        let mut report = MatchReport::default();
        for item in items {
            match self.match_item(item) {
                Ok(mut f) => report.findings.append(&mut f),
                Err(reason) => report.skipped.push(SkippedItem {
                    software_id: item.id.clone(),
                    reason,
                }),
            }
        }
        sort_findings(&mut report.findings);
        report
    }

    /// The findings for one item, one per CVE, unsorted.
    ///
    /// # Errors
    /// A message when the item has no usable CPE (a malformed `cpe`, or no vendor and
    /// product to derive one from).
    pub fn match_item(&self, item: &SoftwareItem) -> Result<Vec<Finding>, String> {
        let (target, matched_by) = item_cpe(item)?;
        let version = target.version();
        let candidates = target
            .vendor_product_key()
            .and_then(|k| self.by_product.get(k))
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .chain(&self.unkeyed);
        let mut found: HashMap<u32, Finding> = HashMap::new();
        for r in candidates {
            let m = &r.cpe_match;
            let needs_review = match version_verdict(m, version) {
                RangeCheck::Outside => continue,
                RangeCheck::Inside => false,
                RangeCheck::Uncertain => true,
            };
            if !m.criteria.matches_except_version(&target) {
                continue;
            }
            let record = &self.cves[r.record as usize];
            let better =
                |old: &Finding| (old.conditional, old.needs_review) > (r.conditional, needs_review);
            match found.get(&r.record) {
                Some(old) if !better(old) => continue,
                _ => {}
            }
            found.insert(
                r.record,
                Finding {
                    software_id: item.id.clone(),
                    cve_id: record.id.clone(),
                    cvss: record.preferred_cvss(),
                    kev: self.kev_status(record),
                    criteria: m.criteria.to_string(),
                    matched_by,
                    conditional: r.conditional,
                    needs_review,
                },
            );
        }
        Ok(found.into_values().collect())
    }
}

fn version_verdict(m: &nvd::CpeMatch, version: CpeValue<'_>) -> RangeCheck {
    let ranged = m.version_start.is_some() || m.version_end.is_some();
    match (m.criteria.version(), version) {
        (CpeValue::Any, _) if !ranged => RangeCheck::Inside,
        (CpeValue::Any, CpeValue::Literal(v)) => check_range(
            &CpeValue::Literal(v).unquoted(),
            m.version_start.as_ref(),
            m.version_end.as_ref(),
        ),
        (CpeValue::Any, _) => RangeCheck::Outside,
        (CpeValue::Literal(c), CpeValue::Literal(v)) => {
            let same = c == v
                || compare_versions(
                    &CpeValue::Literal(c).unquoted(),
                    &CpeValue::Literal(v).unquoted(),
                ) == Some(std::cmp::Ordering::Equal);
            if same {
                RangeCheck::Inside
            } else {
                RangeCheck::Outside
            }
        }
        (criteria, target) => {
            if crate::cpe::attribute_superset_or_equal(criteria, target) {
                RangeCheck::Inside
            } else {
                RangeCheck::Outside
            }
        }
    }
}

/// The CPE an item is matched by, and how it was obtained.
fn item_cpe(item: &SoftwareItem) -> Result<(Cpe, MatchedBy), String> {
    let purl_version = || {
        item.purl
            .as_deref()
            .and_then(|p| p.parse::<PackageUrl>().ok())
            .and_then(|p| p.version)
    };
    let version = item
        .version
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .or_else(purl_version);
    if let Some(raw) = item.cpe.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        let cpe: Cpe = raw.parse().map_err(|e| format!("cpe {raw:?}: {e}"))?;
        let cpe = match (cpe.version(), version.as_deref()) {
            (CpeValue::Any, Some(v)) => cpe.with_version(v).unwrap_or(cpe),
            _ => cpe,
        };
        return Ok((cpe, MatchedBy::Cpe));
    }
    Cpe::from_parts(&item.vendor, &item.product, version.as_deref())
        .map(|c| (c, MatchedBy::DerivedCpe))
        .ok_or_else(|| "no CPE, and no vendor and product to derive one from".to_owned())
}

/// Sorts findings: KEV first (earliest due date first, no date last), then by CVSS base
/// score (highest first, none last), then by CVE id (descending) and software id.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        let kev_key = |f: &Finding| match f.kev {
            Some(k) => (0u8, k.due_date.map_or((1u8, time::Date::MAX), |d| (0, d))),
            None => (1u8, (1u8, time::Date::MAX)),
        };
        let score = |f: &Finding| f.cvss.map_or(-1.0f32, |c| c.base_score);
        kev_key(a)
            .cmp(&kev_key(b))
            .then_with(|| score(b).total_cmp(&score(a)))
            .then_with(|| b.cve_id.cmp(&a.cve_id))
            .then_with(|| a.software_id.cmp(&b.software_id))
    });
}
