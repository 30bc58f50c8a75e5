//! National roll-up of a campaign: many institutions' answers → figures by sector, by level of
//! government, nationally, and a heat map institutions × groups. Pure functions, no storage.
//!
//! The measures of the campaign come from the resolved profile as a [`MeasureIndex`] (measure
//! id → group and weight); answers are checked against it, so a typo in a control id is an
//! error rather than a silently lower score.
//!
//! Aggregation choices (documented because they change the figures):
//! - an institution's **compliance** is [`crate::score::compliance`]'s weighted share over its
//!   assessed applicable measures; its **maturity** the weighted mean of rated maturities;
//! - a sector's, level's or the nation's compliance and maturity are the **mean over
//!   institutions** (each institution counts once, however many measures its profile has),
//!   over the institutions that have a figure; progress is pooled (answers / expected);
//! - a heat-map cell is the institution's weighted compliance over the group's measures;
//!   `None` when it assessed none of them (blank, not red).
//!
//! Measures an institution did not answer count for progress only; not-applicable answers
//! leave every denominator, as in [`crate::score`].

use std::collections::{BTreeMap, HashMap};

use crate::catalog::{Catalog, prop_value};
use crate::error::AssessError;
use crate::score::ImplementationStatus;

/// The measures of a campaign: id → (group index, weight).
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureIndex {
    groups: Vec<String>,
    /// id → (group index, weight, ordinal); the ordinal finds duplicate answers cheaply.
    measures: HashMap<String, (usize, f64, usize)>,
}

impl MeasureIndex {
    pub fn new() -> MeasureIndex {
        MeasureIndex {
            groups: Vec::new(),
            measures: HashMap::new(),
        }
    }

    /// Adds a measure; groups keep their order of first appearance (the heat map's columns).
    pub fn insert(
        &mut self,
        measure_id: &str,
        group: &str,
        weight: f64,
    ) -> Result<(), AssessError> {
        if !weight.is_finite() || weight < 0.0 {
            return Err(AssessError::Score(format!(
                "{measure_id}: weight {weight} is not finite and ≥ 0"
            )));
        }
        let group_index = match self.groups.iter().position(|g| g == group) {
            Some(i) => i,
            None => {
                self.groups.push(group.to_string());
                self.groups.len() - 1
            }
        };
        let ordinal = self.measures.len();
        if self
            .measures
            .insert(measure_id.to_string(), (group_index, weight, ordinal))
            .is_some()
        {
            return Err(AssessError::Score(format!(
                "measure {measure_id:?} listed twice"
            )));
        }
        Ok(())
    }

    /// Every non-withdrawn control of a resolved catalog, grouped by its top-level group id
    /// (controls outside groups go to group `""`), weighted by our `weight` prop (default 1).
    pub fn from_catalog(catalog: &Catalog) -> Result<MeasureIndex, AssessError> {
        let mut index = MeasureIndex::new();
        let mut add = |control: &crate::catalog::Control, group: &str| {
            if control.is_withdrawn() {
                return Ok(());
            }
            let weight = match prop_value(&control.props, "weight") {
                Some(w) => w.parse::<f64>().map_err(|_| {
                    AssessError::Score(format!("{}: weight {w:?} is not a number", control.id))
                })?,
                None => 1.0,
            };
            index.insert(&control.id, group, weight)
        };
        let mut controls = Vec::new();
        crate::catalog::walk_controls(&catalog.controls, &mut controls);
        for control in controls {
            add(control, "")?;
        }
        for group in &catalog.groups {
            let id = group.id.as_deref().unwrap_or(&group.title);
            let mut controls = Vec::new();
            collect_group(group, &mut controls);
            for control in controls {
                add(control, id)?;
            }
        }
        Ok(index)
    }

    /// Group names, in column order.
    pub fn groups(&self) -> &[String] {
        &self.groups
    }

    pub fn len(&self) -> usize {
        self.measures.len()
    }

    pub fn is_empty(&self) -> bool {
        self.measures.is_empty()
    }
}

impl Default for MeasureIndex {
    fn default() -> Self {
        MeasureIndex::new()
    }
}

fn collect_group<'a>(group: &'a crate::catalog::Group, out: &mut Vec<&'a crate::catalog::Control>) {
    crate::catalog::walk_controls(&group.controls, out);
    for sub in &group.groups {
        collect_group(sub, out);
    }
}

/// One answer of one institution.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureAnswer {
    pub measure_id: String,
    /// `None` = opened but not assessed yet.
    pub status: Option<ImplementationStatus>,
    /// 0–5, `None` = not rated.
    pub maturity: Option<u8>,
}

/// Everything the roll-up needs about one institution in the campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct InstitutionAnswers {
    pub institution_id: String,
    pub sector: String,
    /// Level of government: federal, state, municipal, autonomous... (free text, the server's
    /// vocabulary).
    pub government_level: String,
    pub answers: Vec<MeasureAnswer>,
}

/// Figures of one institution.
#[derive(Debug, Clone, PartialEq)]
pub struct InstitutionFigures {
    pub institution_id: String,
    /// Measures with a status (not-applicable included).
    pub assessed: usize,
    /// Weighted compliance over assessed applicable measures; `None` if none.
    pub compliance: Option<f64>,
    /// Weighted mean of rated maturity over applicable measures; `None` if none rated.
    pub maturity: Option<f64>,
    /// Per group (index = [`MeasureIndex::groups`]), weighted compliance; `None` = nothing assessed.
    pub by_group: Vec<Option<f64>>,
}

/// Figures of a set of institutions (a sector, a level of government, the nation).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Aggregate {
    pub institutions: usize,
    /// Answers with a status / (institutions × measures of the campaign).
    pub progress: f64,
    /// Mean of the institutions' compliance, over those that have one.
    pub compliance: Option<f64>,
    /// Mean of the institutions' maturity, over those that have one.
    pub maturity: Option<f64>,
    pub implemented: usize,
    pub partial: usize,
    pub planned: usize,
    pub not_implemented: usize,
    pub not_applicable: usize,
}

/// Institutions × groups, row-major; rows in input order, columns = `groups`.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatMap {
    pub institutions: Vec<String>,
    pub groups: Vec<String>,
    pub cells: Vec<Option<f64>>,
}

impl HeatMap {
    pub fn cell(&self, row: usize, column: usize) -> Option<f64> {
        self.cells[row * self.groups.len() + column]
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rollup {
    pub national: Aggregate,
    pub by_sector: BTreeMap<String, Aggregate>,
    pub by_government_level: BTreeMap<String, Aggregate>,
    pub institutions: Vec<InstitutionFigures>,
    pub heat_map: HeatMap,
}

/// Running sums while aggregating, so each institution is visited once.
#[derive(Default)]
struct Accumulator {
    institutions: usize,
    assessed: usize,
    compliance_sum: f64,
    compliance_n: usize,
    maturity_sum: f64,
    maturity_n: usize,
    counts: [usize; 5],
}

impl Accumulator {
    fn add(&mut self, figures: &InstitutionFigures, counts: &[usize; 5]) {
        self.institutions += 1;
        self.assessed += figures.assessed;
        if let Some(c) = figures.compliance {
            self.compliance_sum += c;
            self.compliance_n += 1;
        }
        if let Some(m) = figures.maturity {
            self.maturity_sum += m;
            self.maturity_n += 1;
        }
        for (sum, n) in self.counts.iter_mut().zip(counts) {
            *sum += n;
        }
    }

    fn finish(&self, measures: usize) -> Aggregate {
        let expected = self.institutions * measures;
        Aggregate {
            institutions: self.institutions,
            progress: if expected == 0 {
                1.0
            } else {
                self.assessed as f64 / expected as f64
            },
            compliance: (self.compliance_n > 0)
                .then(|| self.compliance_sum / self.compliance_n as f64),
            maturity: (self.maturity_n > 0).then(|| self.maturity_sum / self.maturity_n as f64),
            implemented: self.counts[0],
            partial: self.counts[1],
            planned: self.counts[2],
            not_implemented: self.counts[3],
            not_applicable: self.counts[4],
        }
    }
}

/// Figures of one institution and its status counts (implemented, partial, planned,
/// not implemented, not applicable).
pub fn institution_figures(
    index: &MeasureIndex,
    institution: &InstitutionAnswers,
) -> Result<(InstitutionFigures, [usize; 5]), AssessError> {
    let groups = index.groups.len();
    // Per group: (earned, possible) weights.
    let mut per_group = vec![(0.0f64, 0.0f64); groups];
    let (mut maturity_sum, mut maturity_weight) = (0.0, 0.0);
    let mut counts = [0usize; 5];
    let mut assessed = 0;
    let mut seen = vec![false; index.len()];
    for answer in &institution.answers {
        let &(group, weight, ordinal) =
            index.measures.get(&answer.measure_id).ok_or_else(|| {
                AssessError::Score(format!(
                    "institution {}: measure {:?} is not in the campaign",
                    institution.institution_id, answer.measure_id
                ))
            })?;
        if answer.maturity.is_some_and(|m| m > 5) {
            return Err(AssessError::Score(format!(
                "institution {}: {}: maturity levels run 0-5",
                institution.institution_id, answer.measure_id
            )));
        }
        if std::mem::replace(&mut seen[ordinal], true) {
            return Err(AssessError::Score(format!(
                "institution {}: measure {:?} answered twice",
                institution.institution_id, answer.measure_id
            )));
        }
        let Some(status) = &answer.status else {
            continue;
        };
        assessed += 1;
        let slot = match status {
            ImplementationStatus::Implemented => 0,
            ImplementationStatus::Partial => 1,
            ImplementationStatus::Planned => 2,
            ImplementationStatus::NotImplemented => 3,
            ImplementationStatus::NotApplicable { .. } => 4,
        };
        counts[slot] += 1;
        if let Some(value) = status.value() {
            per_group[group].0 += weight * value;
            per_group[group].1 += weight;
            if let Some(m) = answer.maturity {
                maturity_sum += weight * f64::from(m);
                maturity_weight += weight;
            }
        }
    }
    let (earned, possible) = per_group
        .iter()
        .fold((0.0, 0.0), |(e, p), (ge, gp)| (e + ge, p + gp));
    let figures = InstitutionFigures {
        institution_id: institution.institution_id.clone(),
        assessed,
        compliance: (possible > 0.0).then(|| earned / possible),
        maturity: (maturity_weight > 0.0).then(|| maturity_sum / maturity_weight),
        by_group: per_group
            .iter()
            .map(|&(e, p)| (p > 0.0).then(|| e / p))
            .collect(),
    };
    Ok((figures, counts))
}

/// The national roll-up of a campaign. Errors on answers naming measures outside `index`.
pub fn rollup(
    index: &MeasureIndex,
    institutions: &[InstitutionAnswers],
) -> Result<Rollup, AssessError> {
    let measures = index.len();
    let mut national = Accumulator::default();
    let mut by_sector: BTreeMap<&str, Accumulator> = BTreeMap::new();
    let mut by_level: BTreeMap<&str, Accumulator> = BTreeMap::new();
    let mut figures = Vec::with_capacity(institutions.len());
    let mut cells = Vec::with_capacity(institutions.len() * index.groups.len());
    for institution in institutions {
        let (f, counts) = institution_figures(index, institution)?;
        national.add(&f, &counts);
        by_sector
            .entry(&institution.sector)
            .or_default()
            .add(&f, &counts);
        by_level
            .entry(&institution.government_level)
            .or_default()
            .add(&f, &counts);
        cells.extend_from_slice(&f.by_group);
        figures.push(f);
    }
    Ok(Rollup {
        national: national.finish(measures),
        by_sector: by_sector
            .into_iter()
            .map(|(k, a)| (k.to_string(), a.finish(measures)))
            .collect(),
        by_government_level: by_level
            .into_iter()
            .map(|(k, a)| (k.to_string(), a.finish(measures)))
            .collect(),
        heat_map: HeatMap {
            institutions: institutions
                .iter()
                .map(|i| i.institution_id.clone())
                .collect(),
            groups: index.groups.clone(),
            cells,
        },
        institutions: figures,
    })
}

#[cfg(test)]
mod tests {
    use super::ImplementationStatus as S;
    use super::*;

    fn index() -> MeasureIndex {
        let mut i = MeasureIndex::new();
        i.insert("a1", "A", 1.0).unwrap();
        i.insert("a2", "A", 3.0).unwrap();
        i.insert("b1", "B", 1.0).unwrap();
        i
    }

    fn answer(id: &str, status: Option<S>, maturity: Option<u8>) -> MeasureAnswer {
        MeasureAnswer {
            measure_id: id.into(),
            status,
            maturity,
        }
    }

    fn inst(
        id: &str,
        sector: &str,
        level: &str,
        answers: Vec<MeasureAnswer>,
    ) -> InstitutionAnswers {
        InstitutionAnswers {
            institution_id: id.into(),
            sector: sector.into(),
            government_level: level.into(),
            answers,
        }
    }

    #[test]
    fn institution_figures_table() {
        let na = || {
            Some(S::NotApplicable {
                reason: "no".into(),
            })
        };
        type Row<'a> = (
            Vec<MeasureAnswer>,
            usize,
            Option<f64>,
            Option<f64>,
            [Option<f64>; 2],
            &'a str,
        );
        let cases: Vec<Row<'_>> = vec![
            (vec![], 0, None, None, [None, None], "nothing"),
            (
                vec![answer("a1", None, Some(3))],
                0,
                None,
                None,
                [None, None],
                "opened, not assessed",
            ),
            (
                vec![
                    answer("a1", Some(S::NotImplemented), Some(0)),
                    answer("a2", Some(S::Implemented), Some(4)),
                    answer("b1", Some(S::Partial), Some(2)),
                ],
                3,
                Some(3.5 / 5.0),
                Some((0.0 + 12.0 + 2.0) / 5.0),
                [Some(0.75), Some(0.5)],
                "weighted",
            ),
            (
                vec![
                    answer("a1", na(), Some(5)),
                    answer("a2", Some(S::Planned), None),
                ],
                2,
                Some(0.0),
                None,
                [Some(0.0), None],
                "n/a leaves, planned is 0",
            ),
        ];
        for (answers, assessed, compliance, maturity, groups, why) in cases {
            let (f, _) = institution_figures(&index(), &inst("i", "s", "l", answers)).unwrap();
            assert_eq!(f.assessed, assessed, "{why}");
            assert_eq!(f.compliance, compliance, "{why}");
            assert_eq!(f.maturity, maturity, "{why}");
            assert_eq!(f.by_group, groups, "{why}");
        }
    }

    #[test]
    fn rollup_by_sector_level_and_heat_map() {
        let all = |s: S| {
            vec![
                answer("a1", Some(s.clone()), Some(2)),
                answer("a2", Some(s.clone()), Some(2)),
                answer("b1", Some(s), Some(2)),
            ]
        };
        let institutions = vec![
            inst("x", "health", "federal", all(S::Implemented)),
            inst("y", "health", "state", all(S::NotImplemented)),
            inst(
                "z",
                "water",
                "state",
                vec![answer("b1", Some(S::Implemented), None)],
            ),
        ];
        let r = rollup(&index(), &institutions).unwrap();
        assert_eq!(r.national.institutions, 3);
        assert_eq!(r.national.progress, 7.0 / 9.0);
        assert_eq!(r.national.compliance, Some(2.0 / 3.0));
        assert_eq!(r.national.maturity, Some(2.0));
        assert_eq!(r.national.implemented, 4);
        assert_eq!(r.national.not_implemented, 3);
        assert_eq!(r.by_sector["health"].compliance, Some(0.5));
        assert_eq!(r.by_sector["water"].progress, 1.0 / 3.0);
        assert_eq!(r.by_sector["water"].maturity, None);
        assert_eq!(r.by_government_level["state"].compliance, Some(0.5));
        assert_eq!(r.by_government_level["federal"].institutions, 1);
        assert_eq!(r.heat_map.groups, ["A", "B"]);
        assert_eq!(r.heat_map.cell(0, 0), Some(1.0));
        assert_eq!(r.heat_map.cell(1, 1), Some(0.0));
        assert_eq!(r.heat_map.cell(2, 0), None);
        assert_eq!(r.heat_map.cell(2, 1), Some(1.0));
    }

    #[test]
    fn bad_answers_are_refused() {
        let cases = [
            vec![answer("zz", Some(S::Implemented), None)],
            vec![answer("a1", Some(S::Implemented), Some(6))],
            vec![
                answer("a1", None, None),
                answer("a1", Some(S::Implemented), None),
            ],
        ];
        for answers in cases {
            let r = rollup(&index(), &[inst("i", "s", "l", answers.clone())]);
            assert!(r.is_err(), "{answers:?}");
        }
        let mut i = index();
        assert!(i.insert("a1", "A", 1.0).is_err());
        assert!(i.insert("c1", "C", -1.0).is_err());
    }
}
