//! National capabilities self-assessment in the shape of ENISA's NCAF: clusters of objectives,
//! maturity levels and per-level yes/no indicators, with pure scoring functions.
//!
//! The framework is data ([`NcafFramework`], `data/ncaf/ncaf-2020.json`), not code: nothing here
//! knows how many clusters, objectives or levels an edition has, so the 2020 edition (17
//! objectives in 4 clusters) and the 2026 one (20 objectives) load through the same
//! [`NcafFramework::from_json_str`]. Our data file paraphrases the structure; it does not carry
//! ENISA's wording.
//!
//! Scoring ([`score`]):
//! - per objective, the **maturity level** by the cumulative rule: the highest level `n` such
//!   that every applicable indicator of levels `1..=n` is met; levels with no applicable
//!   indicator neither block nor count (as [`crate::score::MaturityRule::Cumulative`]);
//! - per objective, the **coverage rate**: indicators met / applicable indicators;
//! - per cluster and overall, the plain mean over objectives (each objective counts once, so an
//!   objective with many indicators does not outweigh one with few);
//! - [`compare`] gives the year-over-year delta per objective, cluster and overall.
//!
//! Unanswered indicators count as not met; not-applicable ones leave both rules.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::catalog::parse_json;
use crate::error::AssessError;

/// A text in the platform's two languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub es: String,
    pub en: String,
}

impl Text {
    /// The text in `lang` (`"es"` or `"en"`); Spanish, the original, for anything else.
    pub fn get(&self, lang: &str) -> &str {
        if lang == "en" { &self.en } else { &self.es }
    }
}

/// One edition of the framework.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NcafFramework {
    /// Stable framework id (`ncaf`); editions of one framework share it.
    pub id: String,
    /// The edition's id (`2020`, `2.0`...): unique among the editions a server knows, what an
    /// assessment stores and what year-over-year comparisons print. Letters, digits, `.`, `-`
    /// and `_` only, as it travels in forms and URLs.
    pub edition: String,
    /// The year the edition was published. Optional in serde only so that a file without it
    /// fails validation with the path `ncaf.year` rather than a bare "missing field".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    pub title: Text,
    /// Where the structure comes from and what is ours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub levels: Vec<LevelDef>,
    pub clusters: Vec<Cluster>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelDef {
    pub level: u8,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
}

/// A cluster groups objectives; it is not assessed itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    pub id: String,
    pub title: Text,
    pub objectives: Vec<Objective>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Objective {
    pub id: String,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    pub indicators: Vec<Indicator>,
}

/// A yes/no question tagged with the maturity level it evidences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: String,
    pub level: u8,
    pub text: Text,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NcafDocument {
    #[serde(rename = "$schema", default)]
    _schema: Option<String>,
    ncaf: NcafFramework,
}

impl NcafFramework {
    /// Parses `{"ncaf": {...}}` and checks it (see [`NcafFramework::validate`]); errors carry
    /// `origin` and the JSON path of the offending value.
    pub fn from_json_str(text: &str, origin: &str) -> Result<NcafFramework, AssessError> {
        let framework = parse_json::<NcafDocument>(text, origin)?.ncaf;
        framework.validate(origin)?;
        Ok(framework)
    }

    pub fn from_file(path: &Path) -> Result<NcafFramework, AssessError> {
        let text = std::fs::read_to_string(path).map_err(|e| AssessError::io(path, e))?;
        NcafFramework::from_json_str(&text, &path.display().to_string())
    }

    /// Structural rules serde cannot express: framework id, edition id, publication year and
    /// title present; levels within 1–5 and declared once each; at least one cluster, no empty
    /// cluster or objective (it could never be scored); ids unique across clusters,
    /// objectives and indicators; every indicator at a declared level. The number of
    /// clusters or objectives is not a rule: editions differ.
    pub fn validate(&self, origin: &str) -> Result<(), AssessError> {
        let fail = |path: String, message: String| AssessError::Json {
            origin: origin.to_string(),
            path: format!("ncaf.{path}"),
            message,
        };
        if self.id.trim().is_empty() {
            return Err(fail("id".into(), "empty framework id".into()));
        }
        if !valid_edition_id(&self.edition) {
            return Err(fail(
                "edition".into(),
                format!(
                    "edition id {:?} must be 1–{EDITION_ID_MAX} letters, digits, '.', '-' or '_'",
                    self.edition
                ),
            ));
        }
        match self.year {
            None => return Err(fail("year".into(), "missing publication year".into())),
            Some(y) if !(1990..=2200).contains(&y) => {
                return Err(fail("year".into(), format!("year {y} out of 1990–2200")));
            }
            Some(_) => {}
        }
        for (lang, text) in [("es", &self.title.es), ("en", &self.title.en)] {
            if text.trim().is_empty() {
                return Err(fail(format!("title.{lang}"), "empty title".into()));
            }
        }
        let mut levels = HashSet::new();
        for (i, level) in self.levels.iter().enumerate() {
            if !(1..=5).contains(&level.level) || !levels.insert(level.level) {
                return Err(fail(
                    format!("levels[{i}].level"),
                    format!("level {} is outside 1–5 or declared twice", level.level),
                ));
            }
        }
        if self.levels.is_empty() {
            return Err(fail("levels".into(), "no maturity levels".into()));
        }
        if self.clusters.is_empty() {
            return Err(fail("clusters".into(), "no clusters".into()));
        }
        let mut ids = HashSet::new();
        for (c, cluster) in self.clusters.iter().enumerate() {
            let path = format!("clusters[{c}]");
            if !ids.insert(cluster.id.as_str()) {
                return Err(fail(
                    format!("{path}.id"),
                    format!("duplicate id {:?}", cluster.id),
                ));
            }
            if cluster.objectives.is_empty() {
                return Err(fail(format!("{path}.objectives"), "no objectives".into()));
            }
            for (o, objective) in cluster.objectives.iter().enumerate() {
                let path = format!("{path}.objectives[{o}]");
                if !ids.insert(objective.id.as_str()) {
                    return Err(fail(
                        format!("{path}.id"),
                        format!("duplicate id {:?}", objective.id),
                    ));
                }
                if objective.indicators.is_empty() {
                    return Err(fail(format!("{path}.indicators"), "no indicators".into()));
                }
                for (n, indicator) in objective.indicators.iter().enumerate() {
                    let path = format!("{path}.indicators[{n}]");
                    if !ids.insert(indicator.id.as_str()) {
                        return Err(fail(
                            format!("{path}.id"),
                            format!("duplicate id {:?}", indicator.id),
                        ));
                    }
                    if !levels.contains(&indicator.level) {
                        return Err(fail(
                            format!("{path}.level"),
                            format!("level {} is not declared in ncaf.levels", indicator.level),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Every objective with its cluster id, in document order.
    pub fn objectives(&self) -> impl Iterator<Item = (&Cluster, &Objective)> {
        self.clusters
            .iter()
            .flat_map(|c| c.objectives.iter().map(move |o| (c, o)))
    }

    pub fn indicator_count(&self) -> usize {
        self.objectives().map(|(_, o)| o.indicators.len()).sum()
    }

    /// Indicators per declared level, ascending: (level, count).
    pub fn indicators_per_level(&self) -> Vec<(u8, usize)> {
        let mut levels: Vec<u8> = self.levels.iter().map(|l| l.level).collect();
        levels.sort_unstable();
        levels
            .into_iter()
            .map(|level| {
                let n = self
                    .objectives()
                    .flat_map(|(_, o)| &o.indicators)
                    .filter(|i| i.level == level)
                    .count();
                (level, n)
            })
            .collect()
    }
}

/// Longest edition id accepted.
pub const EDITION_ID_MAX: usize = 40;

/// Whether `s` can name an edition: 1–[`EDITION_ID_MAX`] ASCII letters, digits, `.`, `-`, `_`.
pub fn valid_edition_id(s: &str) -> bool {
    (1..=EDITION_ID_MAX).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// The answer to one indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IndicatorAnswer {
    Yes,
    No,
    /// Leaves both the maturity rule and the coverage denominator.
    NotApplicable,
}

/// Answers by indicator id; missing ids are unanswered (= not met).
pub type NcafAnswers = BTreeMap<String, IndicatorAnswer>;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectiveScore {
    pub cluster_id: String,
    pub objective_id: String,
    /// Cumulative maturity level, 0 when the lowest level with indicators is not fully met.
    pub level: u8,
    /// Indicators answered yes.
    pub met: usize,
    /// Applicable indicators (all but not-applicable).
    pub applicable: usize,
    /// `met / applicable`; `None` when every indicator is not applicable.
    pub coverage: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Averages {
    /// Mean of the objectives' levels.
    pub level: f64,
    /// Mean of the objectives' coverage rates (objectives without one are left out);
    /// `None` when no objective has one.
    pub coverage: Option<f64>,
    pub objectives: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterScore {
    pub cluster_id: String,
    pub averages: Averages,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NcafScores {
    pub framework_id: String,
    pub edition: String,
    pub objectives: Vec<ObjectiveScore>,
    pub clusters: Vec<ClusterScore>,
    pub overall: Averages,
}

/// Scores `answers` against `framework`. Answers naming an indicator the edition does not have
/// are refused: they are usually answers loaded against the wrong edition.
pub fn score(framework: &NcafFramework, answers: &NcafAnswers) -> Result<NcafScores, AssessError> {
    let known: HashSet<&str> = framework
        .objectives()
        .flat_map(|(_, o)| o.indicators.iter().map(|i| i.id.as_str()))
        .collect();
    if let Some(unknown) = answers.keys().find(|id| !known.contains(id.as_str())) {
        return Err(AssessError::Score(format!(
            "NCAF {}: no indicator {unknown:?}",
            framework.edition
        )));
    }
    let objectives: Vec<ObjectiveScore> = framework
        .objectives()
        .map(|(cluster, objective)| score_objective(cluster, objective, answers))
        .collect();
    let clusters = framework
        .clusters
        .iter()
        .map(|c| ClusterScore {
            cluster_id: c.id.clone(),
            averages: averages(objectives.iter().filter(|o| o.cluster_id == c.id)),
        })
        .collect();
    let overall = averages(objectives.iter());
    Ok(NcafScores {
        framework_id: framework.id.clone(),
        edition: framework.edition.clone(),
        objectives,
        clusters,
        overall,
    })
}

fn score_objective(
    cluster: &Cluster,
    objective: &Objective,
    answers: &NcafAnswers,
) -> ObjectiveScore {
    // Per level: (all applicable met, any applicable). BTreeMap keeps levels ascending.
    let mut by_level: BTreeMap<u8, (bool, bool)> = BTreeMap::new();
    let (mut met, mut applicable) = (0, 0);
    for indicator in &objective.indicators {
        let answer = answers.get(&indicator.id).copied();
        let entry = by_level.entry(indicator.level).or_insert((true, false));
        match answer {
            Some(IndicatorAnswer::NotApplicable) => {}
            Some(IndicatorAnswer::Yes) => {
                met += 1;
                applicable += 1;
                entry.1 = true;
            }
            Some(IndicatorAnswer::No) | None => {
                applicable += 1;
                entry.0 = false;
                entry.1 = true;
            }
        }
    }
    let mut level = 0;
    for (&at, &(all_met, any)) in &by_level {
        if !any {
            continue;
        }
        if !all_met {
            break;
        }
        level = at;
    }
    ObjectiveScore {
        cluster_id: cluster.id.clone(),
        objective_id: objective.id.clone(),
        level,
        met,
        applicable,
        coverage: (applicable > 0).then(|| met as f64 / applicable as f64),
    }
}

fn averages<'a>(objectives: impl Iterator<Item = &'a ObjectiveScore>) -> Averages {
    let (mut count, mut levels, mut covered, mut coverage) = (0, 0.0, 0, 0.0);
    for o in objectives {
        count += 1;
        levels += f64::from(o.level);
        if let Some(c) = o.coverage {
            covered += 1;
            coverage += c;
        }
    }
    Averages {
        level: if count == 0 {
            0.0
        } else {
            levels / count as f64
        },
        coverage: (covered > 0).then(|| coverage / covered as f64),
        objectives: count,
    }
}

/// Change of one objective between two assessments. An objective present in only one of
/// them (editions differ) has `None` on the other side and no delta.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ObjectiveDelta {
    pub objective_id: String,
    pub before_level: Option<u8>,
    pub after_level: Option<u8>,
    pub level_delta: Option<i16>,
    pub before_coverage: Option<f64>,
    pub after_coverage: Option<f64>,
    pub coverage_delta: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AveragesDelta {
    pub id: String,
    pub level_delta: Option<f64>,
    pub coverage_delta: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub before_edition: String,
    pub after_edition: String,
    /// Objectives of `after` in its order, then those only in `before`.
    pub objectives: Vec<ObjectiveDelta>,
    /// Clusters matched by id, in `after`'s order (then those only in `before`).
    pub clusters: Vec<AveragesDelta>,
    /// Overall delta, id `overall`.
    pub overall: AveragesDelta,
}

/// Year-over-year comparison of two score sets of one edition, matched by id.
///
/// Years answering different editions are refused ([`AssessError::EditionMismatch`]): the
/// 2026 edition regroups the clusters and renumbers the objectives, so matching ids (`c1`,
/// `o4`) would pair things that do not correspond, and a cluster-only view would suggest a
/// comparability the frameworks do not have. Each year's own figures stay readable.
pub fn compare(before: &NcafScores, after: &NcafScores) -> Result<Comparison, AssessError> {
    if before.framework_id != after.framework_id || before.edition != after.edition {
        return Err(AssessError::EditionMismatch {
            before: before.edition.clone(),
            after: after.edition.clone(),
        });
    }
    let old: HashMap<&str, &ObjectiveScore> = before
        .objectives
        .iter()
        .map(|o| (o.objective_id.as_str(), o))
        .collect();
    let new_ids: HashSet<&str> = after
        .objectives
        .iter()
        .map(|o| o.objective_id.as_str())
        .collect();
    let delta = |id: &str, b: Option<&ObjectiveScore>, a: Option<&ObjectiveScore>| {
        let both = b.zip(a);
        ObjectiveDelta {
            objective_id: id.to_string(),
            before_level: b.map(|o| o.level),
            after_level: a.map(|o| o.level),
            level_delta: both.map(|(b, a)| i16::from(a.level) - i16::from(b.level)),
            before_coverage: b.and_then(|o| o.coverage),
            after_coverage: a.and_then(|o| o.coverage),
            coverage_delta: both.and_then(|(b, a)| Some(a.coverage? - b.coverage?)),
        }
    };
    let mut objectives: Vec<ObjectiveDelta> = after
        .objectives
        .iter()
        .map(|a| {
            let id = a.objective_id.as_str();
            delta(id, old.get(id).copied(), Some(a))
        })
        .collect();
    objectives.extend(
        before
            .objectives
            .iter()
            .filter(|b| !new_ids.contains(b.objective_id.as_str()))
            .map(|b| delta(&b.objective_id, Some(b), None)),
    );

    let averages_delta = |id: &str, b: Option<&Averages>, a: Option<&Averages>| {
        let both = b.zip(a);
        AveragesDelta {
            id: id.to_string(),
            level_delta: both.map(|(b, a)| a.level - b.level),
            coverage_delta: both.and_then(|(b, a)| Some(a.coverage? - b.coverage?)),
        }
    };
    let old_clusters: HashMap<&str, &Averages> = before
        .clusters
        .iter()
        .map(|c| (c.cluster_id.as_str(), &c.averages))
        .collect();
    let new_clusters: HashSet<&str> = after
        .clusters
        .iter()
        .map(|c| c.cluster_id.as_str())
        .collect();
    let mut clusters: Vec<AveragesDelta> = after
        .clusters
        .iter()
        .map(|c| {
            let id = c.cluster_id.as_str();
            averages_delta(id, old_clusters.get(id).copied(), Some(&c.averages))
        })
        .collect();
    clusters.extend(
        before
            .clusters
            .iter()
            .filter(|c| !new_clusters.contains(c.cluster_id.as_str()))
            .map(|c| averages_delta(&c.cluster_id, Some(&c.averages), None)),
    );
    Ok(Comparison {
        before_edition: before.edition.clone(),
        after_edition: after.edition.clone(),
        objectives,
        clusters,
        overall: averages_delta("overall", Some(&before.overall), Some(&after.overall)),
    })
}

#[cfg(test)]
mod tests {
    use super::IndicatorAnswer::{No as N, NotApplicable as NA, Yes as Y};
    use super::*;

    fn text(s: &str) -> Text {
        Text {
            es: s.into(),
            en: s.into(),
        }
    }

    /// One cluster, one objective `o`, indicators `o-<i>` at the given levels.
    fn framework(levels: &[u8]) -> NcafFramework {
        NcafFramework {
            id: "t".into(),
            edition: "x".into(),
            year: Some(2020),
            title: text("t"),
            source: None,
            levels: (1..=5)
                .map(|level| LevelDef {
                    level,
                    title: text("l"),
                    description: None,
                })
                .collect(),
            clusters: vec![Cluster {
                id: "c".into(),
                title: text("c"),
                objectives: vec![Objective {
                    id: "o".into(),
                    title: text("o"),
                    description: None,
                    indicators: levels
                        .iter()
                        .enumerate()
                        .map(|(i, &level)| Indicator {
                            id: format!("o-{i}"),
                            level,
                            text: text("i"),
                        })
                        .collect(),
                }],
            }],
        }
    }

    type Case<'a> = (
        &'a [u8],
        &'a [Option<IndicatorAnswer>],
        u8,
        Option<f64>,
        &'a str,
    );

    #[test]
    fn objective_level_is_cumulative_and_coverage_is_a_share() {
        let cases: &[Case<'_>] = &[
            (&[1, 2], &[None, None], 0, Some(0.0), "unanswered"),
            (
                &[1, 1, 2],
                &[Some(Y), Some(N), Some(Y)],
                0,
                Some(2.0 / 3.0),
                "level 1 half met",
            ),
            (
                &[1, 2, 3],
                &[Some(Y), Some(Y), Some(N)],
                2,
                Some(2.0 / 3.0),
                "stops at 3",
            ),
            (
                &[1, 2, 3],
                &[Some(Y), Some(N), Some(Y)],
                1,
                Some(2.0 / 3.0),
                "gap at 2 caps",
            ),
            (
                &[1, 3],
                &[Some(Y), Some(Y)],
                3,
                Some(1.0),
                "undeclared level 2 skipped",
            ),
            (
                &[1, 2, 3],
                &[Some(Y), Some(NA), Some(Y)],
                3,
                Some(1.0),
                "n/a level skipped",
            ),
            (&[1, 1], &[Some(NA), Some(NA)], 0, None, "all n/a"),
            (
                &[1, 2, 3, 4, 5, 5],
                &[Some(Y), Some(Y), Some(Y), Some(Y), Some(Y), Some(Y)],
                5,
                Some(1.0),
                "all met",
            ),
            (
                &[2, 1],
                &[Some(Y), Some(N)],
                0,
                Some(0.5),
                "order in file irrelevant",
            ),
        ];
        for (levels, answers, want_level, want_coverage, why) in cases {
            let f = framework(levels);
            let answers: NcafAnswers = answers
                .iter()
                .enumerate()
                .filter_map(|(i, a)| a.map(|a| (format!("o-{i}"), a)))
                .collect();
            let s = score(&f, &answers).unwrap();
            assert_eq!(s.objectives[0].level, *want_level, "{why}");
            assert_eq!(s.objectives[0].coverage, *want_coverage, "{why}");
        }
    }

    #[test]
    fn unknown_answers_are_refused() {
        let f = framework(&[1]);
        let answers = NcafAnswers::from([("nope".to_string(), Y)]);
        let err = score(&f, &answers).unwrap_err().to_string();
        assert!(err.contains("nope"), "{err}");
    }

    /// Each breakage of a valid framework → the JSON path its error names.
    #[test]
    fn validation_table_names_the_path() {
        type Break = fn(&mut NcafFramework);
        let cases: &[(Break, &str)] = &[
            (|f| f.id = " ".into(), "ncaf.id"),
            (|f| f.edition = String::new(), "ncaf.edition"),
            (|f| f.edition = "2.0/../x".into(), "ncaf.edition"),
            (|f| f.edition = "x".repeat(41), "ncaf.edition"),
            (|f| f.year = None, "ncaf.year"),
            (|f| f.year = Some(1066), "ncaf.year"),
            (|f| f.title.en = String::new(), "ncaf.title.en"),
            (|f| f.title.es = "  ".into(), "ncaf.title.es"),
            (|f| f.levels.clear(), "ncaf.levels"),
            (|f| f.levels[0].level = 0, "ncaf.levels[0].level"),
            (|f| f.levels[4].level = 6, "ncaf.levels[4].level"),
            (|f| f.levels[1].level = 1, "ncaf.levels[1].level"),
            (|f| f.clusters.clear(), "ncaf.clusters"),
            (
                |f| f.clusters[0].objectives.clear(),
                "ncaf.clusters[0].objectives",
            ),
            (
                |f| f.clusters[0].objectives[0].indicators.clear(),
                "ncaf.clusters[0].objectives[0].indicators",
            ),
            (
                |f| f.clusters[0].objectives[0].id = "c".into(),
                "ncaf.clusters[0].objectives[0].id",
            ),
            (
                |f| f.clusters[0].objectives[0].indicators[1].id = "o".into(),
                "ncaf.clusters[0].objectives[0].indicators[1].id",
            ),
            (
                |f| f.clusters[0].objectives[0].indicators[0].level = 6,
                "ncaf.clusters[0].objectives[0].indicators[0].level",
            ),
            (
                |f| {
                    f.levels.retain(|l| l.level != 2);
                },
                "ncaf.clusters[0].objectives[0].indicators[1].level",
            ),
        ];
        assert!(framework(&[1, 2]).validate("ok.json").is_ok());
        for (brk, path) in cases {
            let mut f = framework(&[1, 2]);
            brk(&mut f);
            let err = f.validate("e.json").unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("e.json: {path}: ")),
                "{path}: {err}"
            );
        }
    }

    #[test]
    fn edition_ids() {
        for ok in ["2020", "2.0", "test-2.0_b", "A"] {
            assert!(valid_edition_id(ok), "{ok}");
        }
        for bad in ["", "a b", "a/b", "é", "?x"] {
            assert!(!valid_edition_id(bad), "{bad}");
        }
    }

    #[test]
    fn indicators_are_counted_per_level() {
        let f = framework(&[1, 1, 3, 5]);
        assert_eq!(
            f.indicators_per_level(),
            [(1, 2), (2, 0), (3, 1), (4, 0), (5, 1)]
        );
    }

    #[test]
    fn years_of_different_editions_are_not_compared() {
        let f = framework(&[1]);
        let a = score(&f, &NcafAnswers::new()).unwrap();
        let mut b = a.clone();
        assert!(compare(&a, &b).is_ok());
        b.edition = "y".into();
        let err = compare(&a, &b).unwrap_err();
        assert!(matches!(err, AssessError::EditionMismatch { .. }), "{err}");
    }

    #[test]
    fn validation_names_the_json_path() {
        let mut f = framework(&[1, 2]);
        f.clusters[0].objectives[0].indicators[1].level = 9;
        let err = f.validate("f.json").unwrap_err().to_string();
        assert!(
            err.contains("f.json: ncaf.clusters[0].objectives[0].indicators[1].level"),
            "{err}"
        );
        let mut f = framework(&[1, 2]);
        f.clusters[0].objectives[0].indicators[1].id = "o-0".into();
        let err = f.validate("f.json").unwrap_err().to_string();
        assert!(err.contains("indicators[1].id"), "{err}");
    }
}
