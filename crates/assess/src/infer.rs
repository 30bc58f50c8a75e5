//! Answers inferred from an institution's other answers, through the framework identifiers
//! both measures map to and through OLIR mappings between frameworks.
//!
//! Two paths relate an answered measure (the *source*) to an unanswered one (the *target*):
//!
//! 1. **Shared identifiers.** Each measure maps to identifiers of other frameworks (props
//!    `maps-to` of the national baseline). Restricted to the frameworks given for comparison
//!    (CSF 2.0 and SP 800-53, whose ids the baseline's tests check against the real
//!    catalogs), the two id sets relate as sets do: the same set is `equal`; a source set
//!    holding the whole target set is a `superset`; a source set inside the target set is a
//!    `subset`; any other overlap `intersects`.
//! 2. **Mappings.** A source id related to a target id by a row of a [`MappingSet`] (in either
//!    direction, the reverse row read with the inverse relationship) relates the two measures
//!    as the row says.
//!
//! What a relationship allows is OLIR's rule ([`Relationship::inference`]): `equal` and
//! `superset` copy the source's status and maturity; `subset` gives at most `partial` and no
//! maturity (the source speaks for part of the target only, so the officer rates it);
//! `intersects` infers nothing and suggests the source's evidence.
//!
//! Precedence, per target measure:
//! - answers already given, or carried over from the previous campaign, are never replaced:
//!   the caller passes only unanswered measures as targets;
//! - of one source measure's relations to a target, the strongest counts (shared ids before a
//!   mapping row of the same strength);
//! - among sources, the strongest relationship wins: `equal` beats `superset` beats `subset`;
//! - sources of the same strength that disagree give the weaker answer (lower status, then
//!   lower maturity, no maturity being the lowest): an inference never claims more than
//!   every equally good source supports.
//!
//! A source measure answered in several assessments counts once, with the first answer given
//! (callers list answers newest assessment first: the institution's current position).
//! `not applicable` answers infer nothing: applicability depends on the subject assessed (a
//! digital service is not the institution), so its reason does not travel.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::mapping::{Inference, MappingSet, Relationship};

/// Implementation status of an answer that can be inferred, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    NotImplemented,
    Planned,
    Partial,
    Implemented,
}

impl Status {
    /// The stored spelling (`not_implemented`...); `not_applicable` and anything else: `None`.
    pub fn parse(text: &str) -> Option<Status> {
        match text {
            "implemented" => Some(Status::Implemented),
            "partial" => Some(Status::Partial),
            "planned" => Some(Status::Planned),
            "not_implemented" => Some(Status::NotImplemented),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Implemented => "implemented",
            Status::Partial => "partial",
            Status::Planned => "planned",
            Status::NotImplemented => "not_implemented",
        }
    }
}

/// One identifier of another framework a measure maps to: `("csf-2.0", "PR.AA-01")`.
/// Frameworks are named as the catalog's `maps-to` classes; ids compare case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FrameworkId {
    pub framework: String,
    pub id: String,
}

impl FrameworkId {
    pub fn new(framework: &str, id: &str) -> FrameworkId {
        FrameworkId {
            framework: framework.trim().to_ascii_lowercase(),
            id: id.trim().to_ascii_lowercase(),
        }
    }

    /// `csf-2.0:pr.aa-01`, as provenance shows it.
    pub fn label(&self) -> String {
        format!("{}:{}", self.framework, self.id)
    }
}

/// An answer the institution already has.
#[derive(Debug, Clone, PartialEq)]
pub struct Known {
    /// The assessment it belongs to (opaque to this module).
    pub assessment: String,
    pub measure: String,
    /// As stored: `implemented`, `partial`, `planned`, `not_implemented`, `not_applicable`.
    pub status: String,
    pub maturity: Option<u8>,
    pub maps_to: Vec<FrameworkId>,
}

/// A measure of the new assessment still without an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub measure: String,
    pub maps_to: Vec<FrameworkId>,
}

/// How the source relates to the target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Via {
    /// Both measures map to these identifiers.
    SharedIds { ids: Vec<String> },
    /// A row of a mapping file relates the source's `from` to the target's `to`.
    Mapping {
        from: String,
        to: String,
        /// The mapping file.
        source: String,
    },
}

/// Where an inferred answer or a suggestion comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InferredFrom {
    pub assessment: String,
    pub measure: String,
    /// OLIR relationship of the source measure to the target (`equal`, `superset`...).
    pub relationship: String,
    pub via: Via,
}

/// A proposed answer for a target measure.
#[derive(Debug, Clone, PartialEq)]
pub struct Inferred {
    pub measure: String,
    pub status: Status,
    pub maturity: Option<u8>,
    pub from: InferredFrom,
}

/// A source whose evidence is worth a look for a target that got no answer (`intersects`).
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub measure: String,
    pub from: InferredFrom,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Proposal {
    /// In the order of the targets.
    pub inferred: Vec<Inferred>,
    /// Per target (in target order), sources in the order given.
    pub suggestions: Vec<Suggestion>,
}

/// The framework of a mapping file (`nist-sp800-53r5`) as the catalog names it (`sp800-53r5`).
fn framework_key(name: &str) -> String {
    let n = name.trim().to_ascii_lowercase();
    n.strip_prefix("nist-").map(str::to_string).unwrap_or(n)
}

fn inverse(r: Relationship) -> Relationship {
    match r {
        Relationship::Superset => Relationship::Subset,
        Relationship::Subset => Relationship::Superset,
        other => other,
    }
}

/// Higher is stronger; `None` for relationships that propose nothing.
fn strength(r: Relationship) -> u8 {
    match r {
        Relationship::Equal => 4,
        Relationship::Superset => 3,
        Relationship::Subset => 2,
        Relationship::Intersects => 1,
        Relationship::NotRelated => 0,
    }
}

fn shared_relationship(
    source: &BTreeSet<&FrameworkId>,
    target: &BTreeSet<&FrameworkId>,
) -> Option<Relationship> {
    let common = source.intersection(target).count();
    if common == 0 {
        None
    } else if source == target {
        Some(Relationship::Equal)
    } else if common == target.len() {
        Some(Relationship::Superset)
    } else if common == source.len() {
        Some(Relationship::Subset)
    } else {
        Some(Relationship::Intersects)
    }
}

/// The strongest relation of one source measure to one target, with how it was found.
fn relate(
    source: &Known,
    target: &Target,
    mappings: &MappingSet,
    compare: &[String],
) -> Option<(Relationship, Via)> {
    fn within<'a>(ids: &'a [FrameworkId], compare: &[String]) -> BTreeSet<&'a FrameworkId> {
        ids.iter()
            .filter(|f| compare.contains(&f.framework))
            .collect()
    }
    let (s, t) = (
        within(&source.maps_to, compare),
        within(&target.maps_to, compare),
    );
    let mut best = shared_relationship(&s, &t).map(|r| {
        let ids = s.intersection(&t).map(|f| f.label()).collect();
        (r, Via::SharedIds { ids })
    });
    let target_ids: HashSet<&FrameworkId> = target.maps_to.iter().collect();
    for from in &source.maps_to {
        let forward = mappings
            .targets(&from.id)
            .into_iter()
            .filter(|m| framework_key(&m.provenance.source_framework) == from.framework)
            .map(|m| {
                let to =
                    FrameworkId::new(&framework_key(&m.provenance.target_framework), &m.target_id);
                (m.relationship, to, m)
            });
        let backward = mappings
            .sources(&from.id)
            .into_iter()
            .filter(|m| framework_key(&m.provenance.target_framework) == from.framework)
            .map(|m| {
                let to =
                    FrameworkId::new(&framework_key(&m.provenance.source_framework), &m.source_id);
                (inverse(m.relationship), to, m)
            });
        for (relationship, to, m) in forward.chain(backward) {
            if !target_ids.contains(&to) || strength(relationship) == 0 {
                continue;
            }
            if best
                .as_ref()
                .is_none_or(|(r, _)| strength(relationship) > strength(*r))
            {
                best = Some((
                    relationship,
                    Via::Mapping {
                        from: from.label(),
                        to: to.label(),
                        source: m.provenance.origin.clone(),
                    },
                ));
            }
        }
    }
    best
}

/// Proposes answers for `targets` (the new assessment's unanswered measures) from `known`
/// (the institution's answers elsewhere, newest assessment first). `compare` names the
/// frameworks whose shared ids relate two measures (e.g. `["csf-2.0", "sp800-53r5"]`).
pub fn infer(
    known: &[Known],
    targets: &[Target],
    mappings: &MappingSet,
    compare: &[&str],
) -> Proposal {
    let compare: Vec<String> = compare
        .iter()
        .map(|f| f.trim().to_ascii_lowercase())
        .collect();
    // One answer per source measure: the newest.
    let mut seen = HashSet::new();
    let sources: Vec<(&Known, Status)> = known
        .iter()
        .filter(|k| seen.insert(k.measure.as_str()))
        .filter_map(|k| Status::parse(&k.status).map(|s| (k, s)))
        .collect();
    let mut out = Proposal::default();
    for target in targets {
        // Candidates by strength: (status, maturity, provenance).
        let mut best: BTreeMap<u8, Vec<(Status, Option<u8>, InferredFrom)>> = BTreeMap::new();
        let mut suggestions = vec![];
        for (source, status) in &sources {
            let Some((relationship, via)) = relate(source, target, mappings, &compare) else {
                continue;
            };
            let from = InferredFrom {
                assessment: source.assessment.clone(),
                measure: source.measure.clone(),
                relationship: relationship.as_str().to_string(),
                via,
            };
            let proposed = match relationship.inference() {
                Inference::CopyResult => (*status, source.maturity),
                Inference::AtMostPartial => ((*status).min(Status::Partial), None),
                Inference::SuggestEvidence => {
                    suggestions.push(Suggestion {
                        measure: target.measure.clone(),
                        from,
                    });
                    continue;
                }
                Inference::None => continue,
            };
            best.entry(strength(relationship))
                .or_default()
                .push((proposed.0, proposed.1, from));
        }
        match best.pop_last() {
            Some((_, candidates)) => {
                let (status, maturity, from) = candidates
                    .into_iter()
                    .min_by_key(|(s, m, _)| (*s, *m))
                    .expect("a strength has candidates");
                out.inferred.push(Inferred {
                    measure: target.measure.clone(),
                    status,
                    maturity,
                    from,
                });
            }
            None => out.suggestions.extend(suggestions),
        }
    }
    out
}

/// The framework ids of every control of a catalog, from its `maps-to` props (class = framework).
pub fn catalog_maps_to(catalog: &crate::Catalog) -> HashMap<String, Vec<FrameworkId>> {
    catalog
        .all_controls()
        .into_iter()
        .map(|c| {
            let ids = c
                .props
                .iter()
                .filter(|p| p.name == "maps-to")
                .filter_map(|p| {
                    p.class
                        .as_deref()
                        .map(|class| FrameworkId::new(class, &p.value))
                })
                .collect();
            (c.id.clone(), ids)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::Provenance;

    fn ids(list: &str) -> Vec<FrameworkId> {
        list.split_whitespace()
            .map(|x| {
                let (f, id) = x.split_once(':').expect("framework:id");
                FrameworkId::new(f, id)
            })
            .collect()
    }

    fn known(
        assessment: &str,
        measure: &str,
        status: &str,
        maturity: Option<u8>,
        maps: &str,
    ) -> Known {
        Known {
            assessment: assessment.into(),
            measure: measure.into(),
            status: status.into(),
            maturity,
            maps_to: ids(maps),
        }
    }

    fn mappings() -> MappingSet {
        let mut set = MappingSet::new();
        set.load_csv(
            "source_id,target_id,relationship\nAC-2,A.5.15,equal\nAC-3,A.5.18,intersect\nSI-2,A.8.8,subset\n",
            Provenance::from_file_name("nist-sp800-53r5_to_iso27001-2022.olir.csv"),
        )
        .expect("loads");
        set
    }

    /// (case, known answers, target's ids, want: (status, maturity, source measure, relationship, via kind) or
    /// None, suggested source measures)
    type Want = Option<(
        &'static str,
        Option<u8>,
        &'static str,
        &'static str,
        &'static str,
    )>;

    type Case = (
        &'static str,
        Vec<Known>,
        &'static str,
        Want,
        Vec<&'static str>,
    );

    #[test]
    fn inference_table() {
        let cases: Vec<Case> = vec![
            (
                "same ids: equal copies status and maturity",
                vec![known(
                    "a1",
                    "pro-1",
                    "implemented",
                    Some(4),
                    "csf-2.0:PR.AA-01 sp800-53r5:ia-2",
                )],
                "csf-2.0:pr.aa-01 sp800-53r5:IA-2",
                Some(("implemented", Some(4), "pro-1", "equal", "shared-ids")),
                vec![],
            ),
            (
                "source covers more: superset copies",
                vec![known(
                    "a1",
                    "pro-1",
                    "partial",
                    Some(2),
                    "csf-2.0:PR.AA-01 csf-2.0:PR.AA-02",
                )],
                "csf-2.0:PR.AA-01",
                Some(("partial", Some(2), "pro-1", "superset", "shared-ids")),
                vec![],
            ),
            (
                "source covers less: subset gives at most partial, no maturity",
                vec![known(
                    "a1",
                    "pro-1",
                    "implemented",
                    Some(5),
                    "csf-2.0:PR.AA-01",
                )],
                "csf-2.0:PR.AA-01 csf-2.0:PR.AA-02",
                Some(("partial", None, "pro-1", "subset", "shared-ids")),
                vec![],
            ),
            (
                "subset keeps a status below partial",
                vec![known("a1", "pro-1", "planned", Some(1), "csf-2.0:PR.AA-01")],
                "csf-2.0:PR.AA-01 csf-2.0:PR.AA-02",
                Some(("planned", None, "pro-1", "subset", "shared-ids")),
                vec![],
            ),
            (
                "overlap only: intersects suggests evidence, infers nothing",
                vec![known(
                    "a1",
                    "pro-1",
                    "implemented",
                    Some(3),
                    "csf-2.0:PR.AA-01 csf-2.0:PR.AA-03",
                )],
                "csf-2.0:PR.AA-01 csf-2.0:PR.AA-02",
                None,
                vec!["pro-1"],
            ),
            (
                "nothing shared: nothing",
                vec![known(
                    "a1",
                    "pro-1",
                    "implemented",
                    Some(3),
                    "csf-2.0:PR.AA-01",
                )],
                "csf-2.0:DE.CM-01",
                None,
                vec![],
            ),
            (
                "not applicable infers nothing",
                vec![known(
                    "a1",
                    "pro-1",
                    "not_applicable",
                    None,
                    "csf-2.0:PR.AA-01",
                )],
                "csf-2.0:PR.AA-01",
                None,
                vec![],
            ),
            (
                "ids of frameworks not compared do not relate measures",
                vec![known(
                    "a1",
                    "pro-1",
                    "implemented",
                    Some(3),
                    "iso27001-2022:A.5.1",
                )],
                "iso27001-2022:A.5.1",
                None,
                vec![],
            ),
            (
                "an equal beats a subset, even when the subset is stronger in status",
                vec![
                    known("a1", "pro-1", "implemented", Some(5), "csf-2.0:PR.AA-01"),
                    known(
                        "a1",
                        "pro-2",
                        "not_implemented",
                        Some(0),
                        "csf-2.0:PR.AA-01 csf-2.0:PR.AA-02",
                    ),
                ],
                "csf-2.0:PR.AA-01 csf-2.0:PR.AA-02",
                Some(("not_implemented", Some(0), "pro-2", "equal", "shared-ids")),
                vec![],
            ),
            (
                "an equal beats a subset",
                vec![
                    known(
                        "a1",
                        "pro-1",
                        "not_implemented",
                        Some(0),
                        "csf-2.0:PR.AA-01",
                    ),
                    known(
                        "a1",
                        "pro-2",
                        "implemented",
                        Some(4),
                        "csf-2.0:PR.AA-01 csf-2.0:PR.AA-02",
                    ),
                ],
                "csf-2.0:PR.AA-01 csf-2.0:PR.AA-02",
                Some(("implemented", Some(4), "pro-2", "equal", "shared-ids")),
                vec![],
            ),
            (
                "equally strong sources that disagree give the weaker status",
                vec![
                    known("a1", "pro-1", "implemented", Some(4), "csf-2.0:PR.AA-01"),
                    known("a2", "pro-9", "partial", Some(5), "csf-2.0:PR.AA-01"),
                ],
                "csf-2.0:PR.AA-01",
                Some(("partial", Some(5), "pro-9", "equal", "shared-ids")),
                vec![],
            ),
            (
                "same status: the lower maturity, none being lowest",
                vec![
                    known("a1", "pro-1", "implemented", Some(4), "csf-2.0:PR.AA-01"),
                    known("a2", "pro-9", "implemented", None, "csf-2.0:PR.AA-01"),
                ],
                "csf-2.0:PR.AA-01",
                Some(("implemented", None, "pro-9", "equal", "shared-ids")),
                vec![],
            ),
            (
                "a measure answered twice counts once, the first (newest) answer",
                vec![
                    known("new", "pro-1", "implemented", Some(4), "csf-2.0:PR.AA-01"),
                    known(
                        "old",
                        "pro-1",
                        "not_implemented",
                        Some(0),
                        "csf-2.0:PR.AA-01",
                    ),
                ],
                "csf-2.0:PR.AA-01",
                Some(("implemented", Some(4), "pro-1", "equal", "shared-ids")),
                vec![],
            ),
            (
                "mapping row equal: copies across frameworks",
                vec![known(
                    "a1",
                    "pro-1",
                    "implemented",
                    Some(3),
                    "sp800-53r5:ac-2",
                )],
                "iso27001-2022:A.5.15",
                Some(("implemented", Some(3), "pro-1", "equal", "mapping")),
                vec![],
            ),
            (
                "mapping row subset: at most partial",
                vec![known(
                    "a1",
                    "pro-1",
                    "implemented",
                    Some(3),
                    "sp800-53r5:si-2",
                )],
                "iso27001-2022:A.8.8",
                Some(("partial", None, "pro-1", "subset", "mapping")),
                vec![],
            ),
            (
                "mapping row read backwards: subset of the source is a superset, copies",
                vec![known(
                    "a1",
                    "pro-1",
                    "partial",
                    Some(2),
                    "iso27001-2022:A.8.8",
                )],
                "sp800-53r5:si-2",
                Some(("partial", Some(2), "pro-1", "superset", "mapping")),
                vec![],
            ),
            (
                "mapping row intersect: suggestion",
                vec![known(
                    "a1",
                    "pro-1",
                    "implemented",
                    Some(3),
                    "sp800-53r5:ac-3",
                )],
                "iso27001-2022:A.5.18",
                None,
                vec!["pro-1"],
            ),
            (
                "a mapping row of another framework does not apply",
                vec![known("a1", "pro-1", "implemented", Some(3), "csf-2.0:ac-2")],
                "iso27001-2022:A.5.15",
                None,
                vec![],
            ),
            (
                "shared ids beat a mapping row of the same strength",
                vec![known(
                    "a1",
                    "pro-1",
                    "implemented",
                    Some(3),
                    "sp800-53r5:ac-2 iso27001-2022:A.5.15",
                )],
                "sp800-53r5:ac-2 iso27001-2022:A.5.15",
                Some(("implemented", Some(3), "pro-1", "equal", "shared-ids")),
                vec![],
            ),
            (
                "a stronger mapping row beats weaker shared ids",
                vec![known(
                    "a1",
                    "pro-1",
                    "implemented",
                    Some(3),
                    "sp800-53r5:ac-2 csf-2.0:PR.AA-01",
                )],
                "iso27001-2022:A.5.15 csf-2.0:PR.AA-01 csf-2.0:PR.AA-02",
                Some(("implemented", Some(3), "pro-1", "equal", "mapping")),
                vec![],
            ),
            (
                "an inferred answer drops the suggestions",
                vec![
                    known(
                        "a1",
                        "pro-1",
                        "implemented",
                        Some(3),
                        "csf-2.0:PR.AA-01 csf-2.0:PR.AA-03",
                    ),
                    known(
                        "a1",
                        "pro-2",
                        "planned",
                        Some(1),
                        "csf-2.0:PR.AA-01 csf-2.0:PR.AA-02",
                    ),
                ],
                "csf-2.0:PR.AA-01 csf-2.0:PR.AA-02",
                Some(("planned", Some(1), "pro-2", "equal", "shared-ids")),
                vec![],
            ),
        ];
        let set = mappings();
        for (name, known, target, want, suggested) in cases {
            let targets = [Target {
                measure: "new-1".into(),
                maps_to: ids(target),
            }];
            let got = infer(&known, &targets, &set, &["csf-2.0", "sp800-53r5"]);
            let got_inferred = got.inferred.first().map(|i| {
                (
                    i.status.as_str(),
                    i.maturity,
                    i.from.measure.as_str(),
                    i.from.relationship.as_str(),
                    match i.from.via {
                        Via::SharedIds { .. } => "shared-ids",
                        Via::Mapping { .. } => "mapping",
                    },
                )
            });
            assert_eq!(got_inferred, want, "{name}");
            assert!(got.inferred.iter().all(|i| i.measure == "new-1"), "{name}");
            let got_suggested: Vec<&str> = got
                .suggestions
                .iter()
                .map(|s| s.from.measure.as_str())
                .collect();
            assert_eq!(got_suggested, suggested, "{name}");
        }
    }

    #[test]
    fn provenance_names_ids_and_mapping_file() {
        let set = mappings();
        let known = [
            known(
                "a1",
                "pro-1",
                "implemented",
                Some(3),
                "csf-2.0:PR.AA-01 sp800-53r5:ac-2",
            ),
            known("a2", "pro-4", "partial", Some(2), "sp800-53r5:ac-2"),
        ];
        let targets = [
            Target {
                measure: "x".into(),
                maps_to: ids("csf-2.0:PR.AA-01 sp800-53r5:ac-2"),
            },
            Target {
                measure: "y".into(),
                maps_to: ids("iso27001-2022:A.5.15"),
            },
        ];
        let got = infer(&known, &targets, &set, &["csf-2.0", "sp800-53r5"]);
        assert_eq!(got.inferred.len(), 2);
        assert_eq!(
            got.inferred[0].from,
            InferredFrom {
                assessment: "a1".into(),
                measure: "pro-1".into(),
                relationship: "equal".into(),
                via: Via::SharedIds {
                    ids: vec!["csf-2.0:pr.aa-01".into(), "sp800-53r5:ac-2".into()]
                },
            }
        );
        // Both sources relate by an equal row: the weaker status (pro-4's partial) wins.
        assert_eq!(got.inferred[1].status, Status::Partial);
        assert_eq!(
            got.inferred[1].from.via,
            Via::Mapping {
                from: "sp800-53r5:ac-2".into(),
                to: "iso27001-2022:a.5.15".into(),
                source: "nist-sp800-53r5_to_iso27001-2022.olir.csv".into(),
            }
        );
        let json = serde_json::to_string(&got.inferred[1].from).expect("serialises");
        assert!(json.contains(r#""kind":"mapping""#), "{json}");
        let back: InferredFrom = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, got.inferred[1].from);
    }
}
