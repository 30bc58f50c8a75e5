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
        let mut by_rank: Vec<RecordMeta> = cves
            .iter()
            .enumerate()
            .map(|(i, r)| RecordMeta {
                record: u32::try_from(i).unwrap_or(u32::MAX),
                id: r.id.clone(),
                cvss: r.preferred_cvss(),
                kev: kev_status_in(&self.kev, r),
            })
            .collect();
        // The report order of records, so that ordering findings needs no comparisons of
        // dates, scores or ids; the copy in that order is read sequentially when the
        // findings are written.
        by_rank
            .sort_unstable_by(|a, b| priority_cmp((a.kev, a.cvss, &a.id), (b.kev, b.cvss, &b.id)));
        let mut rank = vec![0u32; cves.len()];
        for (place, m) in by_rank.iter().enumerate() {
            rank[m.record as usize] = u32::try_from(place).unwrap_or(u32::MAX);
        }
        let mut by_product: HashMap<Box<str>, Bucket> = HashMap::new();
        let mut unkeyed = Bucket::default();
        let mut criteria = 0usize;
        for (r, &rank) in cves.iter().zip(&rank) {
            for c in &r.configurations {
                if c.negate {
                    continue;
                }
                let conditional = c.operator == Operator::And && c.nodes.len() > 1;
                for n in &c.nodes {
                    if n.negate {
                        continue;
                    }
                    let conditional =
                        conditional || (n.operator == Operator::And && n.cpe_match.len() > 1);
                    for m in n.cpe_match.iter().filter(|m| m.vulnerable) {
                        criteria += 1;
                        let Some(k) = m.criteria.vendor_product_key() else {
                            unkeyed.push(m, rank, conditional, false);
                            continue;
                        };
                        // Looked up before inserting: a boxed key per criteria would be
                        // half a million allocations for 20,000 products.
                        if let Some(b) = by_product.get_mut(k) {
                            b.push(m, rank, conditional, true);
                        } else {
                            let mut b = Bucket::default();
                            b.push(m, rank, conditional, true);
                            by_product.insert(k.into(), b);
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
            by_rank,
        }
    }
}

/// The indexed criteria of one vendor:product (or the unkeyed ones), in feed order.
/// `quick` is scanned for every item of the product, so it is kept apart and small;
/// `refs` (same index) is read only when `quick` cannot decide the version, or for
/// criteria with more attributes to compare.
#[derive(Debug, Default)]
struct Bucket {
    quick: Vec<Quick>,
    refs: Vec<MatchRef>,
}

impl Bucket {
    fn push(&mut self, m: &nvd::CpeMatch, rank: u32, conditional: bool, keyed: bool) {
        let entry = MatchRef::new(m);
        // Found through the index, vendor and product equal the item's; when every
        // attribute after the version is `*` as well, only the part remains to compare.
        let tail_any = (4..crate::cpe::ATTRIBUTES).all(|n| m.criteria.value(n) == CpeValue::Any);
        let mut quick = Quick::new(&entry.version);
        quick.rank = rank;
        quick.part = m.criteria.part();
        quick.only_part = keyed && tail_any;
        quick.conditional = conditional;
        self.quick.push(quick);
        self.refs.push(entry);
    }
}

/// What the scan over a product's criteria reads: the version test as one integer
/// interval (for items whose version packs into one integer, see
/// [`PreparedVersion::packed`]) and the facts a hit needs. 24 bytes.
#[derive(Debug, Clone, Copy)]
struct Quick {
    /// Inside when `v - lo <= span` (wrapping): `lo <= v <= lo + span` in one comparison,
    /// with no branch on the kind of test (all versions, a range, one literal).
    lo: u64,
    span: u64,
    /// The record's place in the report order.
    rank: u32,
    /// The interval does not apply: [`MatchRef::version_verdict`] decides.
    slow: bool,
    part: Part,
    /// Only the part is left to compare besides the version (see [`Bucket::push`]).
    only_part: bool,
    /// The criteria sits in an `AND` configuration.
    conditional: bool,
}

impl Quick {
    fn new(v: &VersionTest) -> Self {
        let interval = |lo: u64, hi: u64| Quick {
            lo,
            span: hi - lo,
            rank: 0,
            slow: false,
            part: Part::Any,
            only_part: false,
            conditional: false,
        };
        let slow = Quick {
            slow: true,
            ..interval(0, 0)
        };
        match v {
            VersionTest::All => interval(0, u64::MAX),
            VersionTest::Literal(c) => c.packed().map_or(slow, |c| interval(c, c)),
            VersionTest::Range { start, end } => {
                // Exclusive bounds move by one; a bound that does not pack, or an empty
                // range, is left to the slow path (both rare).
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
                    (Some(lo), Some(hi)) if lo <= hi => interval(lo, hi),
                    _ => slow,
                }
            }
            VersionTest::Other => slow,
        }
    }
}

/// The rest of an indexed `vulnerable: true` criteria (see [`Quick`] for the hot part).
#[derive(Debug, Clone)]
struct MatchRef {
    version: VersionTest,
    /// A copy: following the record's configuration, node and match vectors for every
    /// finding costs more (cache misses) than the copy does at load.
    criteria: Cpe,
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
    fn new(m: &nvd::CpeMatch) -> Self {
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
        MatchRef {
            version,
            criteria: m.criteria.clone(),
        }
    }

    fn version_verdict(&self, target: &Target) -> RangeCheck {
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
                    None if self.criteria.version() == CpeValue::Literal(t) => RangeCheck::Inside,
                    _ => RangeCheck::Outside,
                },
                _ => RangeCheck::Outside,
            },
            VersionTest::Other => {
                if crate::cpe::attribute_superset_or_equal(
                    self.criteria.version(),
                    target.cpe.version(),
                ) {
                    RangeCheck::Inside
                } else {
                    RangeCheck::Outside
                }
            }
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

/// What a finding needs from its record.
#[derive(Debug)]
struct RecordMeta {
    record: u32,
    id: CveId,
    cvss: Option<CvssScore>,
    kev: Option<KevStatus>,
}

/// A criteria that matched an item.
#[derive(Debug, Clone, Copy)]
struct Hit<'a> {
    /// The record's place in the report order.
    rank: u32,
    conditional: bool,
    needs_review: bool,
    criteria: &'a Cpe,
}

/// Indexed NVD records and KEV entries, ready for matching. Immutable; share it with `Arc`.
#[derive(Debug)]
pub struct VulnDb {
    cves: Vec<CveRecord>,
    kev: HashMap<CveId, KevEntry>,
    by_product: HashMap<Box<str>, Bucket>,
    unkeyed: Bucket,
    criteria: usize,
    /// Records in report order (see [`priority_cmp`]) with what a finding copies.
    by_rank: Vec<RecordMeta>,
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
        kev_status_in(&self.kev, record)
    }

    /// Matches every item and sorts the findings (see [`sort_findings`]).
    #[must_use]
    pub fn match_inventory(&self, items: &[SoftwareItem]) -> MatchReport {
        // The report orders findings by record (the precomputed rank), then software id,
        // then inventory order (`sort_findings` is stable). Visiting items in that id
        // order and then placing hits by rank with a counting sort gives the same order
        // in linear time.
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.sort_by(|&a, &b| items[a].id.cmp(&items[b].id));
        let mut skipped = Vec::new();
        let mut found: Vec<(usize, MatchedBy, Hit<'_>)> = Vec::new();
        let mut hits = Vec::new();
        for &i in &order {
            match self.item_hits(&items[i], &mut hits) {
                Ok(by) => found.extend(hits.drain(..).map(|h| (i, by, h))),
                Err(reason) => skipped.push((i, reason)),
            }
        }
        skipped.sort_unstable_by_key(|s| s.0);
        let mut next = vec![0usize; self.by_rank.len() + 1];
        for (_, _, h) in &found {
            next[h.rank as usize + 1] += 1;
        }
        for r in 1..next.len() {
            next[r] += next[r - 1];
        }
        // Scattered into place, then read in order: random writes stall less than
        // random reads of `found` would.
        let mut placed = found
            .first()
            .map_or_else(Vec::new, |&f| vec![f; found.len()]);
        for f in &found {
            let slot = &mut next[f.2.rank as usize];
            placed[*slot] = *f;
            *slot += 1;
        }
        drop(found);
        MatchReport {
            findings: placed
                .into_iter()
                .map(|(i, by, h)| self.finding(&items[i], by, h))
                .collect(),
            skipped: skipped
                .into_iter()
                .map(|(i, reason)| SkippedItem {
                    software_id: items[i].id.clone(),
                    reason,
                })
                .collect(),
        }
    }

    /// The findings for one item, one per CVE, in no promised order.
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
                let verdict = match packed {
                    Some(v) if !quick.slow => {
                        if v.wrapping_sub(quick.lo) > quick.span {
                            continue;
                        }
                        RangeCheck::Inside
                    }
                    _ => entry.version_verdict(&target),
                };
                let needs_review = match verdict {
                    RangeCheck::Outside => continue,
                    RangeCheck::Inside => false,
                    RangeCheck::Uncertain => true,
                };
                let rest = if quick.only_part {
                    // Parts are `a`, `o`, `h` or `*`: `*` covers all, a letter only itself.
                    quick.part == Part::Any || quick.part == target.part
                } else {
                    entry.criteria.matches_except_version(&target.cpe)
                };
                if rest {
                    hits.push(Hit {
                        rank: quick.rank,
                        conditional: quick.conditional,
                        needs_review,
                        criteria: &entry.criteria,
                    });
                }
            }
        }
        // One hit per CVE: the best qualified (unconditional before conditional, certain
        // before needing review); among equals the first seen, that is keyed criteria
        // before wildcard ones, each in feed order.
        let key = |h: &Hit<'_>| (h.conditional, h.needs_review);
        if self.unkeyed.quick.is_empty() {
            // A bucket holds each record's criteria side by side (records are indexed
            // one after another), so the hits of one CVE are adjacent: no sort needed.
            let mut kept = 0;
            for r in 0..hits.len() {
                let h = hits[r];
                if kept > 0 && hits[kept - 1].rank == h.rank {
                    if key(&h) < key(&hits[kept - 1]) {
                        hits[kept - 1] = h;
                    }
                } else {
                    hits[kept] = h;
                    kept += 1;
                }
            }
            hits.truncate(kept);
        } else {
            // Stable, so the first seen stays first among equals.
            hits.sort_by_key(|h| (h.rank, key(h)));
            hits.dedup_by_key(|h| h.rank);
        }
        Ok(target.matched_by)
    }

    fn finding(&self, item: &SoftwareItem, matched_by: MatchedBy, hit: Hit<'_>) -> Finding {
        let meta = &self.by_rank[hit.rank as usize];
        Finding {
            software_id: item.id.clone(),
            cve_id: meta.id.clone(),
            cvss: meta.cvss,
            kev: meta.kev,
            criteria: hit.criteria.as_str().to_owned(),
            matched_by,
            conditional: hit.conditional,
            needs_review: hit.needs_review,
        }
    }
}

/// [`VulnDb::kev_status`] before the database exists.
fn kev_status_in(kev: &HashMap<CveId, KevEntry>, record: &CveRecord) -> Option<KevStatus> {
    if let Some(e) = kev.get(&record.id) {
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
