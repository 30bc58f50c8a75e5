//! Matching inventory software against NVD configurations, with KEV status.
//!
//! [`VulnDbBuilder`] collects NVD records (the newest `lastModified` wins when a CVE comes
//! twice) and the KEV catalog; [`VulnDbBuilder::build`] indexes every `vulnerable: true`
//! match criteria by its literal `vendor:product` (criteria with a wildcard vendor or
//! product go to a short list tried for every item). Matching an item then looks at the
//! criteria of its own product only. Version bounds and literal versions are tokenised at
//! build time; when both sides are plain `a.b.c.d` numbers they reduce to one integer, so
//! the scan over a product's criteria is integer comparisons, and text is only consulted
//! for the rare criteria that do not reduce. Results are those of the rules below applied
//! criteria by criteria (a test checks this against such a plain implementation).
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

use crate::cpe::{Cpe, CpeValue, Part};
use crate::cve::CveId;
use crate::json::LoadError;
use crate::kev::{KevCatalog, KevEntry, RansomwareUse};
use crate::nvd::{self, CveRecord, CvssScore, NvdSummary, Operator};
use crate::purl::PackageUrl;
#[cfg(test)]
#[path = "matching_reference_tests.rs"]
mod reference_tests;

use crate::version::{PreparedBound, PreparedVersion, RangeCheck, check_prepared_range};

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
        let mut by_product: HashMap<Box<str>, Bucket> = HashMap::new();
        let mut unkeyed = Bucket::default();
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
                        let path = [ri, ci, ni, mi].map(u32::try_from);
                        let ([Ok(record), Ok(ci), Ok(ni), Ok(mi)], true) = (path, m.vulnerable)
                        else {
                            continue;
                        };
                        criteria += 1;
                        let key = m.criteria.vendor_product_key();
                        let entry =
                            MatchRef::new(record, [ci, ni, mi], m, conditional, key.is_some());
                        match key {
                            Some(k) => by_product.entry(k.into()).or_default().push(entry),
                            None => unkeyed.push(entry),
                        }
                    }
                }
            }
        }
        let mut db = VulnDb {
            cves,
            kev: self.kev,
            by_product,
            unkeyed,
            criteria,
            kev_status: Vec::new(),
            cvss: Vec::new(),
            rank: Vec::new(),
        };
        db.kev_status = db.cves.iter().map(|r| db.kev_status(r)).collect();
        db.cvss = db.cves.iter().map(CveRecord::preferred_cvss).collect();
        // Each record's place in the report order, so that sorting findings compares
        // integers rather than dates, scores and CVE ids.
        let mut order: Vec<usize> = (0..db.cves.len()).collect();
        order.sort_unstable_by(|&a, &b| {
            priority_cmp(
                (db.kev_status[a], db.cvss[a], &db.cves[a].id),
                (db.kev_status[b], db.cvss[b], &db.cves[b].id),
            )
        });
        db.rank = vec![0; db.cves.len()];
        for (place, &ri) in order.iter().enumerate() {
            db.rank[ri] = u32::try_from(place).unwrap_or(u32::MAX);
        }
        db
    }
}

/// The indexed criteria of one vendor:product (or the unkeyed ones), in feed order.
/// `quick` is scanned for every item of the product, so it is kept apart and small;
/// `refs` (same index) is read only when `quick` cannot decide, or for a match.
#[derive(Debug, Default)]
struct Bucket {
    quick: Vec<Quick>,
    refs: Vec<MatchRef>,
}

impl Bucket {
    fn push(&mut self, entry: MatchRef) {
        self.quick.push(Quick::new(&entry.version));
        self.refs.push(entry);
    }
}

/// The version test of a criteria reduced to integer comparisons, for items whose version
/// packs into one integer ([`PreparedVersion::packed`]).
#[derive(Debug, Clone, Copy)]
struct Quick {
    lo: u64,
    hi: u64,
    kind: QuickKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuickKind {
    /// Every version: inside.
    All,
    /// Inside when `lo <= v <= hi` (`lo`/`hi` at 0 and `u64::MAX` for missing bounds,
    /// exclusive bounds already moved by one).
    Range,
    /// Inside when `v == lo`.
    Literal,
    /// Decided by [`MatchRef::version_verdict`].
    Slow,
}

impl Quick {
    fn new(v: &VersionTest) -> Self {
        let slow = Quick {
            lo: 0,
            hi: 0,
            kind: QuickKind::Slow,
        };
        match v {
            VersionTest::All => Quick {
                kind: QuickKind::All,
                ..slow
            },
            VersionTest::Literal(c) => c.packed().map_or(slow, |c| Quick {
                lo: c,
                hi: c,
                kind: QuickKind::Literal,
            }),
            VersionTest::Range { start, end } => {
                // An exclusive bound moves by one; an empty range stays slow (rare).
                let lo = match start {
                    None => Some(0),
                    Some(b) => b.version.packed().and_then(|p| {
                        if b.inclusive {
                            Some(p)
                        } else {
                            p.checked_add(1)
                        }
                    }),
                };
                let hi = match end {
                    None => Some(u64::MAX),
                    Some(b) => b.version.packed().and_then(|p| {
                        if b.inclusive {
                            Some(p)
                        } else {
                            p.checked_sub(1)
                        }
                    }),
                };
                match (lo, hi) {
                    (Some(lo), Some(hi)) => Quick {
                        lo,
                        hi,
                        kind: QuickKind::Range,
                    },
                    _ => slow,
                }
            }
            VersionTest::Other => slow,
        }
    }

    /// The verdict for a packed item version, when this entry can give it.
    #[inline]
    fn decide(self, v: u64) -> Option<RangeCheck> {
        let inside = match self.kind {
            QuickKind::All => true,
            QuickKind::Range => self.lo <= v && v <= self.hi,
            QuickKind::Literal => v == self.lo,
            QuickKind::Slow => return None,
        };
        Some(if inside {
            RangeCheck::Inside
        } else {
            RangeCheck::Outside
        })
    }
}

/// One indexed `vulnerable: true` criteria, with what matching needs worked out at load.
#[derive(Debug, Clone)]
struct MatchRef {
    record: u32,
    /// Configuration, node and match index of the criteria within the record.
    at: [u32; 3],
    conditional: bool,
    /// Found through the vendor:product index (so vendor and product equal the item's)
    /// and every attribute after the version is `*`: only the part remains to check.
    only_part: bool,
    part: Part,
    version: VersionTest,
}

/// The version side of a criteria, prepared once.
#[derive(Debug, Clone)]
enum VersionTest {
    /// Version `*` and no range: every version, known or not.
    All,
    /// Version `*` with a range: the item needs a literal version inside it.
    Range {
        start: Option<PreparedBound>,
        end: Option<PreparedBound>,
    },
    /// A literal version: equal text, or equal by [`crate::version::compare_versions`].
    Literal(PreparedVersion),
    /// `-` or a pattern: NISTIR 7696 attribute comparison.
    Other,
}

impl MatchRef {
    fn new(record: u32, at: [u32; 3], m: &nvd::CpeMatch, conditional: bool, keyed: bool) -> Self {
        let ranged = m.version_start.is_some() || m.version_end.is_some();
        let version = match m.criteria.version() {
            CpeValue::Any if !ranged => VersionTest::All,
            CpeValue::Any => VersionTest::Range {
                start: m.version_start.as_ref().map(PreparedBound::new),
                end: m.version_end.as_ref().map(PreparedBound::new),
            },
            v @ CpeValue::Literal(_) => VersionTest::Literal(PreparedVersion::new(&v.unquoted())),
            CpeValue::Na | CpeValue::Pattern(_) => VersionTest::Other,
        };
        let tail_any = (4..crate::cpe::ATTRIBUTES).all(|n| m.criteria.value(n) == CpeValue::Any);
        MatchRef {
            record,
            at,
            conditional,
            only_part: keyed && tail_any,
            part: m.criteria.part(),
            version,
        }
    }

    /// The criteria in the record (kept there rather than copied into the index).
    fn criteria<'a>(&self, cves: &'a [CveRecord]) -> &'a Cpe {
        let [c, n, m] = self.at.map(|i| i as usize);
        &cves[self.record as usize].configurations[c].nodes[n].cpe_match[m].criteria
    }

    fn version_verdict(&self, target: &Target, cves: &[CveRecord]) -> RangeCheck {
        match &self.version {
            VersionTest::All => RangeCheck::Inside,
            VersionTest::Range { start, end } => match &target.prepared {
                Some(v) => check_prepared_range(v, start.as_ref(), end.as_ref()),
                None => RangeCheck::Outside,
            },
            VersionTest::Literal(c) => match (&target.prepared, target.cpe.version()) {
                (Some(v), CpeValue::Literal(t)) => match c.compare(v) {
                    Some(std::cmp::Ordering::Equal) => RangeCheck::Inside,
                    // Texts without a single token are incomparable yet may be equal.
                    None if self.criteria(cves).version() == CpeValue::Literal(t) => {
                        RangeCheck::Inside
                    }
                    _ => RangeCheck::Outside,
                },
                _ => RangeCheck::Outside,
            },
            VersionTest::Other => {
                if crate::cpe::attribute_superset_or_equal(
                    self.criteria(cves).version(),
                    target.cpe.version(),
                ) {
                    RangeCheck::Inside
                } else {
                    RangeCheck::Outside
                }
            }
        }
    }

    fn matches_except_version(&self, target: &Target, cves: &[CveRecord]) -> bool {
        if self.only_part {
            // Parts are `a`, `o`, `h` or `*`: `*` covers all, a letter only itself.
            self.part == Part::Any || self.part == target.part
        } else {
            self.criteria(cves).matches_except_version(&target.cpe)
        }
    }
}

/// An item's CPE with its version prepared for comparison.
struct Target {
    cpe: Cpe,
    part: Part,
    /// Present when the version is a literal.
    prepared: Option<PreparedVersion>,
    matched_by: MatchedBy,
}

/// A criteria that matched an item.
#[derive(Debug, Clone, Copy)]
struct Hit<'a> {
    entry: &'a MatchRef,
    needs_review: bool,
}

/// Indexed NVD records and KEV entries, ready for matching. Immutable; share it with `Arc`.
#[derive(Debug)]
pub struct VulnDb {
    cves: Vec<CveRecord>,
    kev: HashMap<CveId, KevEntry>,
    by_product: HashMap<Box<str>, Bucket>,
    unkeyed: Bucket,
    criteria: usize,
    /// Per record (same index as `cves`): KEV status, preferred CVSS, report order.
    kev_status: Vec<Option<KevStatus>>,
    cvss: Vec<Option<CvssScore>>,
    rank: Vec<u32>,
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
            unkeyed: self.unkeyed.refs.len(),
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
        // Items ranked by id (equal ids share a rank), for the report's tie-break.
        let mut by_id: Vec<usize> = (0..items.len()).collect();
        by_id.sort_by(|&a, &b| items[a].id.cmp(&items[b].id));
        let mut id_rank = vec![0usize; items.len()];
        for (place, w) in by_id.iter().enumerate() {
            id_rank[*w] = match place.checked_sub(1).map(|p| by_id[p]) {
                Some(prev) if items[prev].id == items[*w].id => id_rank[prev],
                _ => place,
            };
        }
        let mut report = MatchReport::default();
        // (report order key, item, hit): findings are only built once sorted.
        let mut pending: Vec<((u32, usize, usize), MatchedBy, Hit<'_>)> = Vec::new();
        let mut hits = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match self.item_hits(item, &mut hits) {
                Ok(by) => pending.extend(hits.drain(..).map(|h| {
                    let key = (self.rank[h.entry.record as usize], id_rank[i], i);
                    (key, by, h)
                })),
                Err(reason) => report.skipped.push(SkippedItem {
                    software_id: item.id.clone(),
                    reason,
                }),
            }
        }
        // The key orders records as `sort_findings` does (KEV, due date, score, CVE id),
        // then software id, then inventory order as its stable sort would; it is unique
        // because an item has one finding per CVE.
        pending.sort_unstable_by_key(|p| p.0);
        report.findings = pending
            .into_iter()
            .map(|((_, _, i), by, h)| self.finding(&items[i], by, h))
            .collect();
        report
    }

    /// The findings for one item, one per CVE, unsorted.
    ///
    /// # Errors
    /// A message when the item has no usable CPE (a malformed `cpe`, or no vendor and
    /// product to derive one from).
    pub fn match_item(&self, item: &SoftwareItem) -> Result<Vec<Finding>, String> {
        let mut hits = Vec::new();
        let by = self.item_hits(item, &mut hits)?;
        Ok(hits
            .into_iter()
            .map(|h| self.finding(item, by, h))
            .collect())
    }

    /// Fills `hits` with the best matching criteria of each CVE for the item, by record.
    fn item_hits<'a>(
        &'a self,
        item: &SoftwareItem,
        hits: &mut Vec<Hit<'a>>,
    ) -> Result<MatchedBy, String> {
        hits.clear();
        let target = item_target(item)?;
        let keyed = target
            .cpe
            .vendor_product_key()
            .and_then(|k| self.by_product.get(k));
        let packed = target.prepared.as_ref().and_then(PreparedVersion::packed);
        for bucket in keyed.into_iter().chain([&self.unkeyed]) {
            for (quick, entry) in bucket.quick.iter().zip(&bucket.refs) {
                let verdict = packed
                    .and_then(|v| quick.decide(v))
                    .unwrap_or_else(|| entry.version_verdict(&target, &self.cves));
                let needs_review = match verdict {
                    RangeCheck::Outside => continue,
                    RangeCheck::Inside => false,
                    RangeCheck::Uncertain => true,
                };
                if entry.matches_except_version(&target, &self.cves) {
                    hits.push(Hit {
                        entry,
                        needs_review,
                    });
                }
            }
        }
        // One hit per CVE: the first of the least qualified (unconditional before
        // conditional, certain before needing review). The sort is stable.
        hits.sort_by_key(|h| (h.entry.record, h.entry.conditional, h.needs_review));
        hits.dedup_by_key(|h| h.entry.record);
        Ok(target.matched_by)
    }

    fn finding(&self, item: &SoftwareItem, matched_by: MatchedBy, hit: Hit<'_>) -> Finding {
        let r = hit.entry.record as usize;
        Finding {
            software_id: item.id.clone(),
            cve_id: self.cves[r].id.clone(),
            cvss: self.cvss[r],
            kev: self.kev_status[r],
            criteria: hit.entry.criteria(&self.cves).as_str().to_owned(),
            matched_by,
            conditional: hit.entry.conditional,
            needs_review: hit.needs_review,
        }
    }
}

/// The item's CPE, prepared for matching.
fn item_target(item: &SoftwareItem) -> Result<Target, String> {
    let (cpe, matched_by) = item_cpe(item)?;
    let prepared = match cpe.version() {
        v @ CpeValue::Literal(_) => Some(PreparedVersion::new(&v.unquoted())),
        _ => None,
    };
    Ok(Target {
        part: cpe.part(),
        cpe,
        prepared,
        matched_by,
    })
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
        priority_cmp((a.kev, a.cvss, &a.cve_id), (b.kev, b.cvss, &b.cve_id))
            .then_with(|| a.software_id.cmp(&b.software_id))
    });
}

/// The report order of CVEs: KEV by due date (none last), then score, highest first,
/// then CVE id descending. Shared by [`sort_findings`] and the precomputed record ranks.
fn priority_cmp(
    a: (Option<KevStatus>, Option<CvssScore>, &CveId),
    b: (Option<KevStatus>, Option<CvssScore>, &CveId),
) -> std::cmp::Ordering {
    let kev_key = |k: Option<KevStatus>| match k {
        Some(k) => (0u8, k.due_date.map_or((1u8, time::Date::MAX), |d| (0, d))),
        None => (1u8, (1u8, time::Date::MAX)),
    };
    let score = |c: Option<CvssScore>| c.map_or(-1.0f32, |c| c.base_score);
    kev_key(a.0)
        .cmp(&kev_key(b.0))
        .then_with(|| score(b.1).total_cmp(&score(a.1)))
        .then_with(|| b.2.cmp(a.2))
}
