//! RSIT classes and types, the CSIRT Americas mapping, and the MISP `tlp`/`PAP` vocabularies.
//!
//! The MISP taxonomy files are copied into `data/taxonomies-extra/` (CC0/BSD, licence note
//! beside them) and embedded at build time: nothing is read at run time.
//!
//! An incident may carry several RSIT pairs; statistics should count each incident once per
//! class with weight 1/n (n = its number of pairs) so that totals still add up to incidents.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

const RSIT_JSON: &str = include_str!("../../../data/taxonomies-extra/rsit.json");
const CSIRT_AMERICAS_JSON: &str =
    include_str!("../../../data/taxonomies-extra/csirt-americas.json");
const TLP_JSON: &str = include_str!("../../../data/taxonomies-extra/tlp.json");
const PAP_JSON: &str = include_str!("../../../data/taxonomies-extra/PAP.json");
const CSIRT_AMERICAS_MAP: &str =
    include_str!("../../../data/taxonomies-extra/csirt-americas-to-rsit.toml");

/// A MISP taxonomy: predicates, each with optional values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taxonomy {
    pub namespace: String,
    pub version: u32,
    pub predicates: Vec<Predicate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Predicate {
    pub value: String,
    pub expanded: String,
    pub values: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub value: String,
    pub expanded: String,
}

#[derive(Deserialize)]
struct RawTaxonomy {
    namespace: String,
    version: u32,
    predicates: Vec<RawEntry>,
    #[serde(default)]
    values: Vec<RawValues>,
}

#[derive(Deserialize)]
struct RawEntry {
    value: String,
    expanded: Option<String>,
}

#[derive(Deserialize)]
struct RawValues {
    predicate: String,
    entry: Vec<RawEntry>,
}

impl Taxonomy {
    /// Parses a MISP taxonomy JSON file.
    pub fn from_misp_json(text: &str) -> Result<Taxonomy, serde_json::Error> {
        let raw: RawTaxonomy = serde_json::from_str(text)?;
        let mut by_pred: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
        for v in raw.values {
            by_pred
                .entry(v.predicate)
                .or_default()
                .extend(v.entry.into_iter().map(|e| Entry {
                    expanded: e.expanded.unwrap_or_else(|| e.value.clone()),
                    value: e.value,
                }));
        }
        Ok(Taxonomy {
            namespace: raw.namespace,
            version: raw.version,
            predicates: raw
                .predicates
                .into_iter()
                .map(|p| Predicate {
                    values: by_pred.remove(&p.value).unwrap_or_default(),
                    expanded: p.expanded.unwrap_or_else(|| p.value.clone()),
                    value: p.value,
                })
                .collect(),
        })
    }

    pub fn predicate(&self, value: &str) -> Option<&Predicate> {
        self.predicates.iter().find(|p| p.value == value)
    }

    /// Whether `namespace:predicate` (no value) or `namespace:predicate="value"` is a tag of
    /// this taxonomy.
    pub fn has_tag(&self, tag: &str) -> bool {
        let Some(rest) = tag
            .strip_prefix(&self.namespace)
            .and_then(|r| r.strip_prefix(':'))
        else {
            return false;
        };
        match rest.split_once('=') {
            None => self.predicate(rest).is_some_and(|p| p.values.is_empty()),
            Some((pred, quoted)) => {
                let value = quoted.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
                match (self.predicate(pred), value) {
                    (Some(p), Some(v)) => p.values.iter().any(|e| e.value == v),
                    _ => false,
                }
            }
        }
    }
}

fn embedded(cell: &'static OnceLock<Taxonomy>, text: &str) -> &'static Taxonomy {
    cell.get_or_init(|| {
        Taxonomy::from_misp_json(text).expect("embedded taxonomy is valid (tested)")
    })
}

/// RSIT (Reference Security Incident Taxonomy), MISP namespace `rsit`.
pub fn rsit() -> &'static Taxonomy {
    static CELL: OnceLock<Taxonomy> = OnceLock::new();
    embedded(&CELL, RSIT_JSON)
}

/// CSIRT Americas categories, MISP namespace `csirt-americas`.
pub fn csirt_americas() -> &'static Taxonomy {
    static CELL: OnceLock<Taxonomy> = OnceLock::new();
    embedded(&CELL, CSIRT_AMERICAS_JSON)
}

/// MISP `tlp` taxonomy.
pub fn tlp() -> &'static Taxonomy {
    static CELL: OnceLock<Taxonomy> = OnceLock::new();
    embedded(&CELL, TLP_JSON)
}

/// MISP `PAP` taxonomy.
pub fn pap() -> &'static Taxonomy {
    static CELL: OnceLock<Taxonomy> = OnceLock::new();
    embedded(&CELL, PAP_JSON)
}

/// An RSIT class/type pair.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Classification {
    pub class: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// Why a pair is not in RSIT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassificationError {
    #[error("{0:?} is not an RSIT class")]
    UnknownClass(String),
    #[error("{kind:?} is not an RSIT type of class {class:?}")]
    UnknownType { class: String, kind: String },
}

impl Classification {
    pub fn new(class: &str, kind: &str) -> Self {
        Classification {
            class: class.to_string(),
            kind: kind.to_string(),
        }
    }

    /// `class:type` (the form the data files use).
    pub fn parse_pair(s: &str) -> Option<Self> {
        let (c, t) = s.split_once(':')?;
        Some(Classification::new(c, t))
    }

    pub fn check(&self) -> Result<(), ClassificationError> {
        let Some(p) = rsit().predicate(&self.class) else {
            return Err(ClassificationError::UnknownClass(self.class.clone()));
        };
        if p.values.iter().any(|e| e.value == self.kind) {
            Ok(())
        } else {
            Err(ClassificationError::UnknownType {
                class: self.class.clone(),
                kind: self.kind.clone(),
            })
        }
    }

    /// MISP tag: `rsit:intrusions="system-compromise"`.
    pub fn misp_tag(&self) -> String {
        format!("rsit:{}=\"{}\"", self.class, self.kind)
    }

    /// Reads a MISP `rsit:` tag; `None` for other namespaces or malformed tags (not validated:
    /// call [`Classification::check`]).
    pub fn from_misp_tag(tag: &str) -> Option<Self> {
        let rest = tag.strip_prefix("rsit:")?;
        let (class, quoted) = rest.split_once('=')?;
        let kind = quoted.strip_prefix('"')?.strip_suffix('"')?;
        Some(Classification::new(class, kind))
    }

    /// English names from the taxonomy (`Intrusions`, `System Compromise`).
    pub fn expanded(&self) -> Option<(&'static str, &'static str)> {
        let p = rsit().predicate(&self.class)?;
        let e = p.values.iter().find(|e| e.value == self.kind)?;
        Some((p.expanded.as_str(), e.expanded.as_str()))
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.class, self.kind)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapRow {
    rsit: String,
    successful: Option<String>,
}

fn americas_map() -> &'static BTreeMap<String, (Classification, Option<Classification>)> {
    static CELL: OnceLock<BTreeMap<String, (Classification, Option<Classification>)>> =
        OnceLock::new();
    CELL.get_or_init(|| {
        let rows: BTreeMap<String, MapRow> =
            toml::from_str(CSIRT_AMERICAS_MAP).expect("embedded mapping is valid (tested)");
        rows.into_iter()
            .map(|(k, r)| {
                let pair = |s: &str| Classification::parse_pair(s).expect("class:type (tested)");
                (k, (pair(&r.rsit), r.successful.as_deref().map(pair)))
            })
            .collect()
    })
}

/// The RSIT pair for a CSIRT Americas category (our mapping, not an official one).
/// `successful` picks the pair for a successful attempt where the mapping has one (sqli).
pub fn rsit_for_csirt_americas(category: &str, successful: bool) -> Option<Classification> {
    let (attempt, success) = americas_map().get(category)?;
    Some(match (successful, success) {
        (true, Some(s)) => s.clone(),
        _ => attempt.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsit_has_11_classes_and_39_types() {
        let t = rsit();
        assert_eq!((t.namespace.as_str(), t.version), ("rsit", 1003));
        assert_eq!(t.predicates.len(), 11);
        assert_eq!(
            t.predicates.iter().map(|p| p.values.len()).sum::<usize>(),
            39
        );
    }

    #[test]
    fn pairs_are_checked() {
        let cases = [
            ("intrusions", "system-compromise", Ok(())),
            ("information-content-security", "data-leak", Ok(())),
            ("availability", "ddos", Ok(())),
            ("malicious-code", "ransomware", Err("not an RSIT type")),
            ("ransomware", "x", Err("not an RSIT class")),
            (
                "information-content-security",
                "spam",
                Err("not an RSIT type"),
            ),
            ("", "", Err("not an RSIT class")),
        ];
        for (class, kind, expected) in cases {
            let got = Classification::new(class, kind)
                .check()
                .map_err(|e| e.to_string());
            match expected {
                Ok(()) => assert_eq!(got, Ok(()), "{class}:{kind}"),
                Err(part) => assert!(got.unwrap_err().contains(part), "{class}:{kind}"),
            }
        }
    }

    #[test]
    fn misp_tags_round_trip() {
        let c = Classification::new("intrusions", "system-compromise");
        assert_eq!(c.misp_tag(), "rsit:intrusions=\"system-compromise\"");
        assert_eq!(
            Classification::from_misp_tag(&c.misp_tag()),
            Some(c.clone())
        );
        assert!(rsit().has_tag(&c.misp_tag()));
        assert!(!rsit().has_tag("rsit:malicious-code=\"ransomware\""));
        assert_eq!(Classification::from_misp_tag("tlp:amber"), None);
        assert!(tlp().has_tag("tlp:amber+strict"));
        assert!(tlp().has_tag("tlp:clear"));
        assert!(!tlp().has_tag("tlp:purple"));
        assert!(pap().has_tag("PAP:AMBER"));
        assert!(
            !pap().has_tag("pap:amber"),
            "MISP's PAP namespace is upper case"
        );
        assert_eq!(c.expanded(), Some(("Intrusions", "System Compromise")));
    }

    #[test]
    fn every_csirt_americas_category_maps_to_a_valid_pair() {
        let cats = csirt_americas();
        assert_eq!(cats.predicates.len(), 14);
        for p in &cats.predicates {
            for successful in [false, true] {
                let c = rsit_for_csirt_americas(&p.value, successful)
                    .unwrap_or_else(|| panic!("{} unmapped", p.value));
                assert_eq!(c.check(), Ok(()), "{} -> {c}", p.value);
            }
        }
        assert_eq!(
            americas_map().len(),
            14,
            "no mapping for a category that does not exist"
        );
        let cases = [
            (
                "defacement",
                false,
                "information-content-security:unauthorised-information-modification",
            ),
            ("sqli", false, "intrusion-attempts:ids-alert"),
            ("sqli", true, "intrusions:application-compromise"),
            ("ddos", true, "availability:ddos"),
            ("infoleak", false, "information-content-security:data-leak"),
        ];
        for (cat, ok, pair) in cases {
            assert_eq!(rsit_for_csirt_americas(cat, ok).unwrap().to_string(), pair);
        }
        assert_eq!(rsit_for_csirt_americas("worm", false), None);
    }
}
