//! Framework-to-framework mappings (NIST OLIR relationship types), loaded from CSV.
//!
//! Each CSV has the columns `source_id,target_id,relationship,rationale` (an optional
//! `strength` 0-10 column is accepted). A [`MappingSet`] answers "which targets does this
//! source control map to, how, and says who?". Ids compare case-insensitively, so OSCAL's
//! `ac-2.1` finds the CSV's `AC-2.1`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::error::AssessError;

/// OLIR (NIST IR 8278) set-theory relationship of source to target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relationship {
    /// Same requirement.
    Equal,
    /// The source covers more than the target.
    Superset,
    /// The source covers less than the target.
    Subset,
    /// They overlap; neither covers the other.
    Intersects,
    NotRelated,
}

/// What an assessment result on the source allows us to say about the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inference {
    /// `equal`, `superset`: the target gets the source's result.
    CopyResult,
    /// `subset`: the target is at most partially met.
    AtMostPartial,
    /// `intersects`: nothing is inferred; the source's evidence is worth a look.
    SuggestEvidence,
    None,
}

impl Relationship {
    pub fn parse(text: &str) -> Option<Relationship> {
        match text
            .trim()
            .to_ascii_lowercase()
            .replace(['-', '_'], " ")
            .as_str()
        {
            "equal" | "equivalent" => Some(Relationship::Equal),
            "superset" | "superset of" => Some(Relationship::Superset),
            "subset" | "subset of" => Some(Relationship::Subset),
            "intersect" | "intersects" | "intersects with" => Some(Relationship::Intersects),
            "not related" => Some(Relationship::NotRelated),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Relationship::Equal => "equal",
            Relationship::Superset => "superset",
            Relationship::Subset => "subset",
            Relationship::Intersects => "intersect",
            Relationship::NotRelated => "not related",
        }
    }

    pub fn inference(self) -> Inference {
        match self {
            Relationship::Equal | Relationship::Superset => Inference::CopyResult,
            Relationship::Subset => Inference::AtMostPartial,
            Relationship::Intersects => Inference::SuggestEvidence,
            Relationship::NotRelated => Inference::None,
        }
    }
}

/// OLIR rationale: why the relationship holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rationale {
    Syntactic,
    Semantic,
    Functional,
}

impl Rationale {
    pub fn parse(text: &str) -> Option<Rationale> {
        match text.trim().to_ascii_lowercase().as_str() {
            "syntactic" => Some(Rationale::Syntactic),
            "semantic" => Some(Rationale::Semantic),
            "functional" => Some(Rationale::Functional),
            _ => None,
        }
    }
}

/// How far to trust a mapping file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// Published by the standard's owner (e.g. NIST OLIR).
    Official,
    /// Made by a community contributor: verify before relying on it.
    Community,
    /// Not stated.
    Unspecified,
}

/// Where a mapping came from: one per loaded file, shared by its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    /// The file (or other source) the rows were read from.
    pub origin: String,
    pub source_framework: String,
    pub target_framework: String,
    pub trust: Trust,
}

impl Provenance {
    /// From a file name `SOURCE_to_TARGET[.olir|.community].csv`.
    pub fn from_file_name(name: &str) -> Provenance {
        let stem = name.strip_suffix(".csv").unwrap_or(name);
        let (pair, trust) = if let Some(pair) = stem.strip_suffix(".olir") {
            (pair, Trust::Official)
        } else if let Some(pair) = stem.strip_suffix(".community") {
            (pair, Trust::Community)
        } else {
            (stem, Trust::Unspecified)
        };
        let (source, target) = pair.split_once("_to_").unwrap_or((pair, ""));
        Provenance {
            origin: name.to_string(),
            source_framework: source.to_string(),
            target_framework: target.to_string(),
            trust,
        }
    }
}

/// One row: `source_id` relates to `target_id`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    pub source_id: String,
    pub target_id: String,
    pub relationship: Relationship,
    pub rationale: Option<Rationale>,
    /// OLIR strength 0-10, when the file gives it.
    pub strength: Option<u8>,
    pub provenance: Arc<Provenance>,
}

/// Mappings from one or more files, indexed by source id.
#[derive(Debug, Clone, Default)]
pub struct MappingSet {
    mappings: Vec<Mapping>,
    by_source: HashMap<String, Vec<usize>>,
    by_target: HashMap<String, Vec<usize>>,
}

fn key(id: &str) -> String {
    id.trim().to_ascii_lowercase()
}

impl MappingSet {
    pub fn new() -> MappingSet {
        MappingSet::default()
    }

    /// Loads every `*.csv` of `dir`, provenance from each file name, in name order.
    pub fn load_dir(dir: &Path) -> Result<MappingSet, AssessError> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| AssessError::io(dir, e))?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .collect();
        files.sort();
        let mut set = MappingSet::new();
        for path in files {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            set.load_file(&path, Provenance::from_file_name(&name))?;
        }
        Ok(set)
    }

    pub fn load_file(&mut self, path: &Path, provenance: Provenance) -> Result<(), AssessError> {
        let text = std::fs::read_to_string(path).map_err(|e| AssessError::io(path, e))?;
        self.load_csv(&text, provenance)
    }

    /// Adds the rows of one CSV text; errors name `provenance.origin` and the line.
    pub fn load_csv(&mut self, text: &str, provenance: Provenance) -> Result<(), AssessError> {
        let origin = provenance.origin.clone();
        let provenance = Arc::new(provenance);
        let error = |line: u64, message: String| AssessError::Mapping {
            origin: origin.clone(),
            line,
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| error(1, e.to_string()))?
            .clone();
        let column = |name: &str| headers.iter().position(|h| h == name);
        let (Some(source), Some(target), Some(relationship)) = (
            column("source_id"),
            column("target_id"),
            column("relationship"),
        ) else {
            return Err(error(
                1,
                "header needs source_id, target_id, relationship".into(),
            ));
        };
        let (rationale, strength) = (column("rationale"), column("strength"));
        for record in reader.records() {
            let record =
                record.map_err(|e| error(e.position().map_or(0, |p| p.line()), e.to_string()))?;
            let line = record.position().map_or(0, |p| p.line());
            let field = |i: usize| record.get(i).unwrap_or("");
            let (source_id, target_id) = (field(source), field(target));
            if source_id.is_empty() || target_id.is_empty() {
                return Err(error(line, "empty source_id or target_id".into()));
            }
            let relationship = Relationship::parse(field(relationship)).ok_or_else(|| {
                error(
                    line,
                    format!("unknown relationship {:?}", field(relationship)),
                )
            })?;
            let rationale = match rationale.map(field).filter(|r| !r.is_empty()) {
                None => None,
                Some(text) => Some(
                    Rationale::parse(text)
                        .ok_or_else(|| error(line, format!("unknown rationale {text:?}")))?,
                ),
            };
            let strength = match strength.map(field).filter(|s| !s.is_empty()) {
                None => None,
                Some(text) => Some(
                    text.parse::<u8>()
                        .ok()
                        .filter(|s| *s <= 10)
                        .ok_or_else(|| error(line, format!("strength {text:?} is not 0-10")))?,
                ),
            };
            self.push(Mapping {
                source_id: source_id.to_string(),
                target_id: target_id.to_string(),
                relationship,
                rationale,
                strength,
                provenance: Arc::clone(&provenance),
            });
        }
        Ok(())
    }

    pub fn push(&mut self, mapping: Mapping) {
        let index = self.mappings.len();
        self.by_source
            .entry(key(&mapping.source_id))
            .or_default()
            .push(index);
        self.by_target
            .entry(key(&mapping.target_id))
            .or_default()
            .push(index);
        self.mappings.push(mapping);
    }

    pub fn len(&self) -> usize {
        self.mappings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.mappings.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Mapping> {
        self.mappings.iter()
    }

    /// Mappings whose source is `source_id` (any case), in load order.
    pub fn targets(&self, source_id: &str) -> Vec<&Mapping> {
        self.lookup(&self.by_source, source_id)
    }

    /// Mappings whose target is `target_id` (any case), in load order.
    pub fn sources(&self, target_id: &str) -> Vec<&Mapping> {
        self.lookup(&self.by_target, target_id)
    }

    fn lookup(&self, index: &HashMap<String, Vec<usize>>, id: &str) -> Vec<&Mapping> {
        index
            .get(&key(id))
            .map(|rows| rows.iter().map(|&i| &self.mappings[i]).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationships_parse_and_infer() {
        let cases = [
            ("equal", Some(Relationship::Equal), Inference::CopyResult),
            (
                "superset",
                Some(Relationship::Superset),
                Inference::CopyResult,
            ),
            (
                "subset",
                Some(Relationship::Subset),
                Inference::AtMostPartial,
            ),
            (
                "intersect",
                Some(Relationship::Intersects),
                Inference::SuggestEvidence,
            ),
            (
                "Intersects-With",
                Some(Relationship::Intersects),
                Inference::SuggestEvidence,
            ),
            (
                "not related",
                Some(Relationship::NotRelated),
                Inference::None,
            ),
            ("maybe", None, Inference::None),
        ];
        for (text, want, inference) in cases {
            assert_eq!(Relationship::parse(text), want, "{text}");
            if let Some(r) = want {
                assert_eq!(r.inference(), inference, "{text}");
                assert_eq!(Relationship::parse(r.as_str()), Some(r));
            }
        }
    }

    #[test]
    fn provenance_from_file_names() {
        let cases = [
            ("a_to_b.olir.csv", "a", "b", Trust::Official),
            ("a_to_b.community.csv", "a", "b", Trust::Community),
            (
                "nist-csf-1.1_to_nist-csf-2.0.csv",
                "nist-csf-1.1",
                "nist-csf-2.0",
                Trust::Unspecified,
            ),
        ];
        for (name, source, target, trust) in cases {
            let p = Provenance::from_file_name(name);
            assert_eq!(
                (
                    p.source_framework.as_str(),
                    p.target_framework.as_str(),
                    p.trust
                ),
                (source, target, trust)
            );
        }
    }

    #[test]
    fn bad_rows_name_their_line() {
        let cases = [
            (
                "source_id,target_id,relationship\nA,B,maybe\n",
                2,
                "unknown relationship",
            ),
            (
                "source_id,target_id,relationship\nA,B,equal\n,B,equal\n",
                3,
                "empty source_id",
            ),
            (
                "source_id,target_id,relationship,strength\nA,B,equal,11\n",
                2,
                "not 0-10",
            ),
            ("source_id,target,relationship\n", 1, "header needs"),
            (
                "source_id,target_id,relationship,rationale\nA,B,equal,vibes\n",
                2,
                "unknown rationale",
            ),
        ];
        for (text, line, message) in cases {
            let err = MappingSet::new()
                .load_csv(text, Provenance::from_file_name("t.csv"))
                .unwrap_err();
            match &err {
                AssessError::Mapping {
                    line: l,
                    message: m,
                    ..
                } => {
                    assert_eq!(*l, line, "{text}");
                    assert!(m.contains(message), "{m}");
                }
                other => panic!("unexpected {other}"),
            }
        }
    }
}
