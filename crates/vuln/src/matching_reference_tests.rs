//! The indexed matcher against a plain reference: every item against every criteria of
//! every record, versions compared from text, no index and no prepared versions. Random
//! small datasets mix the cases that take different paths in the index (wildcard vendors,
//! patterns, `-`, literal and ranged versions, versions that do not pack into an integer
//! or cannot be compared, AND configurations, negations, KEV from the catalog and from the
//! NVD record, equal scores, duplicate item ids).

use std::cmp::Ordering;

use proptest::prelude::*;

use super::{Finding, MatchReport, SkippedItem, SoftwareItem, VulnDb, VulnDbBuilder};
use super::{item_cpe, sort_findings};
use crate::cpe::{Cpe, CpeValue, attribute_superset_or_equal};
use crate::kev::{KevCatalog, KevEntry, RansomwareUse};
use crate::nvd::{
    CisaFields, Configuration, CpeMatch, CveRecord, CvssScore, CvssVersion, Node, Operator,
    Severity,
};
use crate::version::{RangeCheck, VersionBound, check_range, compare_versions};

/// The matcher as the rules in the module documentation state it.
fn reference(db: &VulnDb, records: &[CveRecord], items: &[SoftwareItem]) -> MatchReport {
    let mut report = MatchReport::default();
    for item in items {
        let (target, matched_by) = match item_cpe(item) {
            Ok(t) => t,
            Err(reason) => {
                report.skipped.push(SkippedItem {
                    software_id: item.id.clone(),
                    reason,
                });
                continue;
            }
        };
        for r in records {
            // Candidates of one CVE: literal vendor:product criteria first, then the
            // others (the documented tie-break), each in feed order.
            let mut all = Vec::new();
            for c in r.configurations.iter().filter(|c| !c.negate) {
                let conditional = c.operator == Operator::And && c.nodes.len() > 1;
                for n in c.nodes.iter().filter(|n| !n.negate) {
                    let conditional =
                        conditional || (n.operator == Operator::And && n.cpe_match.len() > 1);
                    for m in n.cpe_match.iter().filter(|m| m.vulnerable) {
                        all.push((m, conditional));
                    }
                }
            }
            let (keyed, wild): (Vec<_>, Vec<_>) = all
                .into_iter()
                .partition(|(m, _)| m.criteria.vendor_product_key().is_some());
            let mut best: Option<(bool, bool, &CpeMatch)> = None;
            for (m, conditional) in keyed.into_iter().chain(wild) {
                let needs_review = match verdict(m, target.version()) {
                    RangeCheck::Outside => continue,
                    RangeCheck::Inside => false,
                    RangeCheck::Uncertain => true,
                };
                if !m.criteria.matches_except_version(&target) {
                    continue;
                }
                if best.is_none_or(|(c, n, _)| (c, n) > (conditional, needs_review)) {
                    best = Some((conditional, needs_review, m));
                }
            }
            if let Some((conditional, needs_review, m)) = best {
                report.findings.push(Finding {
                    software_id: item.id.clone(),
                    cve_id: r.id.clone(),
                    cvss: r.preferred_cvss(),
                    kev: db.kev_status(r),
                    criteria: m.criteria.to_string(),
                    matched_by,
                    conditional,
                    needs_review,
                });
            }
        }
    }
    sort_findings(&mut report.findings);
    report
}

fn verdict(m: &CpeMatch, version: CpeValue<'_>) -> RangeCheck {
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
                ) == Some(Ordering::Equal);
            if same {
                RangeCheck::Inside
            } else {
                RangeCheck::Outside
            }
        }
        (c, t) if attribute_superset_or_equal(c, t) => RangeCheck::Inside,
        _ => RangeCheck::Outside,
    }
}

/// xorshift64*: the dataset follows from one proptest-chosen seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33;
        usize::try_from(x).unwrap_or(0) % n
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const VENDORS: &[&str] = &["acme", "globex", "initech"];
const PRODUCTS: &[&str] = &["widget", "gadget", r"w\+\+"];
/// Packed and unpacked numbers, pre-releases, letters, an unknown word, a tokenless text.
const VERSIONS: &[&str] = &[
    "1.0",
    "1.0.0",
    "1.2",
    "1.2.3",
    "1.2.10",
    "2.0",
    "2.0-rc1",
    "2.0-beta",
    "1.0.2k",
    "1.0.2",
    "10.0.17763",
    "70000.1",
    "1.2.3.4.5",
    "x",
    "1.x",
    "v2.0",
    "99999999999999999999",
    "...",
    "0",
    "3",
];

/// `wild`: criteria may have a wildcard vendor or product (half the datasets have none,
/// which lets the matcher skip its sort when removing duplicate hits).
fn cpe(rng: &mut Rng, for_item: bool, wild: bool) -> String {
    let wildcards = wild && !for_item;
    let part = if for_item {
        rng.pick(&["a", "a", "a", "o", "h", "*"])
    } else {
        rng.pick(&["a", "a", "a", "o", "*"])
    };
    let vendor = match rng.below(10) {
        0 if wildcards => "*",
        1 if wildcards => "acm*",
        _ => rng.pick(VENDORS),
    };
    let product = match rng.below(10) {
        0 if wildcards => "*",
        1 if wildcards => "?idget",
        _ => rng.pick(PRODUCTS),
    };
    let version = match rng.below(10) {
        0..=3 => "*",
        4 => rng.pick(&["-", "1.*", "1.2.?"]),
        _ => rng.pick(VERSIONS),
    };
    let update = rng.pick(&["*", "*", "*", "-", "sp1"]);
    format!("cpe:2.3:{part}:{vendor}:{product}:{version}:{update}:*:*:*:*:*:*")
}

fn bound(rng: &mut Rng) -> Option<VersionBound> {
    rng.chance(60).then(|| VersionBound {
        version: rng.pick(VERSIONS).into(),
        inclusive: rng.chance(50),
    })
}

fn record(rng: &mut Rng, n: usize, wild: bool) -> CveRecord {
    let id = format!("CVE-2024-{:05}", 1000 + n);
    let date =
        time::Date::from_calendar_date(2024, time::Month::March, 1).unwrap_or(time::Date::MIN);
    let when = time::PrimitiveDateTime::new(date, time::Time::MIDNIGHT);
    let configurations = (0..1 + rng.below(2))
        .map(|_| Configuration {
            operator: if rng.chance(25) {
                Operator::And
            } else {
                Operator::Or
            },
            negate: rng.chance(5),
            nodes: (0..1 + rng.below(2))
                .map(|_| Node {
                    operator: if rng.chance(20) {
                        Operator::And
                    } else {
                        Operator::Or
                    },
                    negate: rng.chance(5),
                    cpe_match: (0..1 + rng.below(3))
                        .map(|_| {
                            let criteria: Cpe = cpe(rng, false, wild)
                                .parse()
                                .unwrap_or_else(|e| panic!("{e}"));
                            let ranged = criteria.version() == CpeValue::Any;
                            CpeMatch {
                                vulnerable: rng.chance(85),
                                criteria,
                                version_start: if ranged { bound(rng) } else { None },
                                version_end: if ranged { bound(rng) } else { None },
                            }
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    CveRecord {
        id: id.parse().unwrap_or_else(|e| panic!("{e}")),
        vuln_status: None,
        published: when,
        last_modified: when,
        description: None,
        // Few distinct scores, so that ties fall through to the CVE id.
        cvss: if rng.chance(85) {
            vec![CvssScore {
                version: if rng.chance(80) {
                    CvssVersion::V31
                } else {
                    CvssVersion::V2
                },
                base_score: [5.0, 7.5, 9.8][rng.below(3)],
                severity: Severity::High,
            }]
        } else {
            Vec::new()
        },
        weaknesses: Vec::new(),
        configurations,
        cisa: rng.chance(10).then(|| CisaFields {
            exploit_add: None,
            action_due: rng.chance(50).then_some(date),
            required_action: None,
            vulnerability_name: None,
        }),
    }
}

fn kev(rng: &mut Rng, records: &[CveRecord]) -> KevCatalog {
    let mut chosen = Vec::new();
    for r in records {
        if rng.chance(15) {
            chosen.push((r, rng.below(3)));
        }
    }
    let vulnerabilities: Vec<KevEntry> = chosen
        .into_iter()
        .map(|(r, d)| {
            let day = u8::try_from(1 + d).unwrap_or(1);
            let due = time::Date::from_calendar_date(2024, time::Month::May, day)
                .unwrap_or(time::Date::MIN);
            KevEntry {
                cve_id: r.id.clone(),
                vendor_project: String::new(),
                product: String::new(),
                vulnerability_name: String::new(),
                date_added: due,
                short_description: String::new(),
                required_action: String::new(),
                due_date: due,
                known_ransomware_campaign_use: RansomwareUse::Unknown,
                notes: String::new(),
                cwes: Vec::new(),
            }
        })
        .collect();
    KevCatalog {
        title: None,
        catalog_version: "test".into(),
        date_released: "test".into(),
        count: vulnerabilities.len() as u64,
        vulnerabilities,
    }
}

fn item(rng: &mut Rng, n: usize) -> SoftwareItem {
    // Some ids repeat: the report's tie-break then falls to inventory order.
    let id = format!("sw-{}", n % 13);
    let version = rng.chance(60).then(|| rng.pick(VERSIONS).to_owned());
    match rng.below(10) {
        0..=4 => SoftwareItem {
            id,
            cpe: Some(cpe(rng, true, true)),
            version,
            ..SoftwareItem::default()
        },
        5 => SoftwareItem {
            id,
            cpe: Some(rng.pick(&["cpe:2.3:a:bad", "not a cpe", " "]).to_owned()),
            vendor: rng.pick(VENDORS).to_owned(),
            product: rng.pick(&["widget", ""]).to_owned(),
            ..SoftwareItem::default()
        },
        6 => SoftwareItem {
            id,
            vendor: rng.pick(VENDORS).to_owned(),
            product: rng.pick(&["widget", "gadget", "w++"]).to_owned(),
            purl: Some(format!(
                "pkg:generic/widget@{}",
                rng.pick(&["1.2.3", "2.0-rc1", "1.x"])
            )),
            ..SoftwareItem::default()
        },
        _ => SoftwareItem {
            id,
            vendor: rng.pick(&["ACME", "Globex", "initech", ""]).to_owned(),
            product: rng.pick(&["Widget", "gadget", "w++"]).to_owned(),
            version,
            ..SoftwareItem::default()
        },
    }
}

fn check(seed: u64) {
    let mut rng = Rng(seed | 1);
    let wild = rng.chance(50);
    let records: Vec<CveRecord> = (0..5 + rng.below(40))
        .map(|n| record(&mut rng, n, wild))
        .collect();
    let items: Vec<SoftwareItem> = (0..1 + rng.below(60)).map(|n| item(&mut rng, n)).collect();
    let mut builder = VulnDbBuilder::new();
    for r in &records {
        builder.add_cve(r.clone());
    }
    builder.add_kev(kev(&mut rng, &records));
    let db = builder.build();
    let want = reference(&db, &records, &items);
    let got = db.match_inventory(&items);
    assert_eq!(got, want, "seed {seed}");
    // Per item as well, for items whose id is theirs alone.
    for it in &items {
        if items.iter().filter(|o| o.id == it.id).count() > 1 {
            continue;
        }
        let mut one = db.match_item(it).unwrap_or_default();
        sort_findings(&mut one);
        let expect: Vec<Finding> = want
            .findings
            .iter()
            .filter(|f| f.software_id == it.id)
            .cloned()
            .collect();
        assert_eq!(one, expect, "seed {seed}, item {it:?}");
    }
}

#[test]
fn fixed_seeds() {
    for seed in 1..=200 {
        check(seed * 0x9E37_79B9);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn indexed_equals_reference(seed in any::<u64>()) {
        check(seed);
    }
}
