//! Scoring primitives: pure functions over assessed requirements.
//!
//! Three measures are kept apart, never blended:
//! - **progress**: how much has been assessed at all;
//! - **compliance**: how far the assessed, applicable requirements are implemented
//!   (weighted: implemented 1, partial ½, planned and not-implemented 0);
//! - **maturity** 0–5, by one of two rules ([`MaturityRule`]).
//!
//! Not-applicable requirements (which must give a reason) leave every denominator.
//! Withdrawn controls should simply not be turned into requirements.

use std::collections::BTreeMap;

use crate::error::AssessError;

/// The implementation status an assessor records for a requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImplementationStatus {
    Implemented,
    Partial,
    Planned,
    NotImplemented,
    NotApplicable { reason: String },
}

impl ImplementationStatus {
    /// Share of the requirement met; `None` for not-applicable.
    pub fn value(&self) -> Option<f64> {
        match self {
            ImplementationStatus::Implemented => Some(1.0),
            ImplementationStatus::Partial => Some(0.5),
            ImplementationStatus::Planned | ImplementationStatus::NotImplemented => Some(0.0),
            ImplementationStatus::NotApplicable { .. } => None,
        }
    }

    fn is_applicable(&self) -> bool {
        !matches!(self, ImplementationStatus::NotApplicable { .. })
    }
}

/// One assessable requirement (an OSCAL control, an NCAF indicator...) and its answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub id: String,
    /// Roll-up key: family, function, NCAF objective...
    pub group: String,
    /// Relative importance, finite and ≥ 0 (1 = normal).
    pub weight: f64,
    /// Maturity level 1–5 the requirement belongs to (cumulative rule); 0 = none.
    pub level: u8,
    /// `None` = not assessed yet.
    pub status: Option<ImplementationStatus>,
    /// Maturity 0–5 rated by the assessor (weighted-average rule); `None` = not rated.
    pub rated_maturity: Option<u8>,
}

impl Requirement {
    pub fn new(id: &str, group: &str) -> Requirement {
        Requirement {
            id: id.to_string(),
            group: group.to_string(),
            weight: 1.0,
            level: 0,
            status: None,
            rated_maturity: None,
        }
    }

    fn applicable(&self) -> bool {
        self.status
            .as_ref()
            .is_none_or(ImplementationStatus::is_applicable)
    }
}

/// Checks weights, levels and ratings; reasons for not-applicable must not be blank.
pub fn validate(requirements: &[Requirement]) -> Result<(), AssessError> {
    for r in requirements {
        if !r.weight.is_finite() || r.weight < 0.0 {
            return Err(AssessError::Score(format!(
                "{}: weight {} is not finite and ≥ 0",
                r.id, r.weight
            )));
        }
        if r.level > 5 || r.rated_maturity.is_some_and(|m| m > 5) {
            return Err(AssessError::Score(format!(
                "{}: maturity levels run 0-5",
                r.id
            )));
        }
        if let Some(ImplementationStatus::NotApplicable { reason }) = &r.status
            && reason.trim().is_empty()
        {
            return Err(AssessError::Score(format!(
                "{}: not-applicable needs a reason",
                r.id
            )));
        }
    }
    Ok(())
}

/// How much has been assessed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Requirements with any status, not-applicable included.
    pub assessed: usize,
    pub total: usize,
}

impl Progress {
    /// 0–1; an empty set counts as complete.
    pub fn ratio(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            self.assessed as f64 / self.total as f64
        }
    }
}

pub fn progress(requirements: &[Requirement]) -> Progress {
    Progress {
        assessed: requirements.iter().filter(|r| r.status.is_some()).count(),
        total: requirements.len(),
    }
}

/// Counts per status and the weighted share implemented, over assessed applicable requirements.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Compliance {
    pub implemented: usize,
    pub partial: usize,
    pub planned: usize,
    pub not_implemented: usize,
    pub not_applicable: usize,
    /// Σ weight × value / Σ weight over assessed applicable requirements; `None` if none.
    pub score: Option<f64>,
}

pub fn compliance(requirements: &[Requirement]) -> Compliance {
    let mut out = Compliance::default();
    let (mut earned, mut possible) = (0.0, 0.0);
    for r in requirements {
        let Some(status) = &r.status else { continue };
        match status {
            ImplementationStatus::Implemented => out.implemented += 1,
            ImplementationStatus::Partial => out.partial += 1,
            ImplementationStatus::Planned => out.planned += 1,
            ImplementationStatus::NotImplemented => out.not_implemented += 1,
            ImplementationStatus::NotApplicable { .. } => out.not_applicable += 1,
        }
        if let Some(value) = status.value() {
            earned += r.weight * value;
            possible += r.weight;
        }
    }
    out.score = (possible > 0.0).then(|| earned / possible);
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaturityRule {
    /// Weighted mean of `rated_maturity` over rated applicable requirements (0.0–5.0).
    WeightedAverage,
    /// Highest level n such that every applicable requirement at levels 1..=n is implemented
    /// (C2M2 MIL / NCAF style). Levels without requirements neither block nor count.
    Cumulative,
}

/// Maturity 0–5 under `rule`; `None` when nothing could be rated.
pub fn maturity(requirements: &[Requirement], rule: MaturityRule) -> Option<f64> {
    match rule {
        MaturityRule::WeightedAverage => {
            let (mut sum, mut weights) = (0.0, 0.0);
            for r in requirements.iter().filter(|r| r.applicable()) {
                if let Some(level) = r.rated_maturity {
                    sum += r.weight * f64::from(level);
                    weights += r.weight;
                }
            }
            (weights > 0.0).then(|| sum / weights)
        }
        MaturityRule::Cumulative => {
            let leveled: Vec<&Requirement> = requirements
                .iter()
                .filter(|r| r.level > 0 && r.applicable())
                .collect();
            if leveled.is_empty() {
                return None;
            }
            let mut reached = 0;
            for level in 1..=5u8 {
                let mut at_level = leveled.iter().filter(|r| r.level == level).peekable();
                if at_level.peek().is_none() {
                    continue;
                }
                if at_level.all(|r| r.status == Some(ImplementationStatus::Implemented)) {
                    reached = level;
                } else {
                    break;
                }
            }
            Some(f64::from(reached))
        }
    }
}

/// The three measures for one group (or overall).
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub progress: Progress,
    pub compliance: Compliance,
    pub maturity: Option<f64>,
}

/// Per-group scores (by group name) and the overall ones.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub groups: BTreeMap<String, Scores>,
    /// Progress and compliance over all requirements; maturity = mean of the groups' maturity
    /// (each group counts once, as NCAF rolls objectives up).
    pub overall: Scores,
}

pub fn report(requirements: &[Requirement], rule: MaturityRule) -> Result<Report, AssessError> {
    validate(requirements)?;
    let mut by_group: BTreeMap<String, Vec<Requirement>> = BTreeMap::new();
    for r in requirements {
        by_group.entry(r.group.clone()).or_default().push(r.clone());
    }
    let groups: BTreeMap<String, Scores> = by_group
        .into_iter()
        .map(|(group, reqs)| {
            let scores = Scores {
                progress: progress(&reqs),
                compliance: compliance(&reqs),
                maturity: maturity(&reqs, rule),
            };
            (group, scores)
        })
        .collect();
    let maturities: Vec<f64> = groups.values().filter_map(|s| s.maturity).collect();
    let overall = Scores {
        progress: progress(requirements),
        compliance: compliance(requirements),
        maturity: (!maturities.is_empty())
            .then(|| maturities.iter().sum::<f64>() / maturities.len() as f64),
    };
    Ok(Report { groups, overall })
}

/// One unmet requirement.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    pub id: String,
    pub group: String,
    pub weight: f64,
    pub status: ImplementationStatus,
}

/// Assessed, applicable requirements not fully implemented: heaviest first, then the least
/// implemented, then by id.
pub fn gaps(requirements: &[Requirement]) -> Vec<Gap> {
    let mut out: Vec<Gap> = requirements
        .iter()
        .filter_map(|r| {
            let status = r.status.as_ref()?;
            let value = status.value()?;
            (value < 1.0).then(|| Gap {
                id: r.id.clone(),
                group: r.group.clone(),
                weight: r.weight,
                status: status.clone(),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.weight
            .total_cmp(&a.weight)
            .then(
                a.status
                    .value()
                    .unwrap_or(0.0)
                    .total_cmp(&b.status.value().unwrap_or(0.0)),
            )
            .then_with(|| a.id.cmp(&b.id))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::ImplementationStatus as S;
    use super::*;

    fn req(
        id: &str,
        group: &str,
        weight: f64,
        level: u8,
        status: Option<S>,
        rated: Option<u8>,
    ) -> Requirement {
        Requirement {
            id: id.into(),
            group: group.into(),
            weight,
            level,
            status,
            rated_maturity: rated,
        }
    }

    type Case<'a, Row> = (&'a [Row], Option<f64>);
    type Rated = (f64, Option<u8>, Option<S>);
    type Levelled<'a> = (&'a [(u8, Option<S>)], Option<f64>, &'a str);

    fn na() -> Option<S> {
        Some(S::NotApplicable {
            reason: "no wireless".into(),
        })
    }

    #[test]
    fn progress_counts_any_status() {
        let cases: &[(&[Option<S>], usize, usize, f64)] = &[
            (&[], 0, 0, 1.0),
            (&[None, None], 0, 2, 0.0),
            (&[Some(S::Implemented), None], 1, 2, 0.5),
            (&[Some(S::Planned), na(), None, None], 2, 4, 0.5),
        ];
        for (statuses, assessed, total, ratio) in cases {
            let reqs: Vec<_> = statuses
                .iter()
                .map(|s| req("x", "g", 1.0, 0, s.clone(), None))
                .collect();
            let p = progress(&reqs);
            assert_eq!((p.assessed, p.total), (*assessed, *total), "{statuses:?}");
            assert!((p.ratio() - ratio).abs() < 1e-9, "{statuses:?}");
        }
    }

    #[test]
    fn compliance_is_weighted_and_ignores_na_and_unassessed() {
        let cases: &[Case<'_, (f64, Option<S>)>] = &[
            (&[], None),
            (&[(1.0, None)], None),
            (&[(1.0, na())], None),
            (
                &[(1.0, Some(S::Implemented)), (1.0, Some(S::NotImplemented))],
                Some(0.5),
            ),
            (
                &[(3.0, Some(S::Implemented)), (1.0, Some(S::NotImplemented))],
                Some(0.75),
            ),
            (&[(1.0, Some(S::Partial)), (1.0, na())], Some(0.5)),
            (&[(1.0, Some(S::Planned)), (1.0, None)], Some(0.0)),
        ];
        for (rows, want) in cases {
            let reqs: Vec<_> = rows
                .iter()
                .map(|(w, s)| req("x", "g", *w, 0, s.clone(), None))
                .collect();
            assert_eq!(compliance(&reqs).score, *want, "{rows:?}");
        }
        let reqs = vec![
            req("a", "g", 1.0, 0, Some(S::Implemented), None),
            req("b", "g", 1.0, 0, Some(S::Partial), None),
            req("c", "g", 1.0, 0, Some(S::Planned), None),
            req("d", "g", 1.0, 0, Some(S::NotImplemented), None),
            req("e", "g", 1.0, 0, na(), None),
        ];
        let c = compliance(&reqs);
        assert_eq!(
            (
                c.implemented,
                c.partial,
                c.planned,
                c.not_implemented,
                c.not_applicable
            ),
            (1, 1, 1, 1, 1)
        );
    }

    #[test]
    fn cumulative_maturity_needs_every_lower_level() {
        use S::{Implemented as I, NotImplemented as N, Partial as P};
        let cases: &[Levelled<'_>] = &[
            (&[], None, "nothing leveled"),
            (&[(1, Some(N))], Some(0.0), "level 1 unmet"),
            (
                &[(1, Some(I)), (2, Some(I)), (3, Some(P))],
                Some(2.0),
                "partial blocks",
            ),
            (
                &[(1, Some(I)), (2, Some(N)), (3, Some(I))],
                Some(1.0),
                "higher met, lower not",
            ),
            (
                &[(1, Some(I)), (3, Some(I))],
                Some(3.0),
                "empty level 2 skipped",
            ),
            (&[(1, Some(I)), (2, None)], Some(1.0), "unassessed is unmet"),
            (
                &[(1, Some(I)), (2, na())],
                Some(1.0),
                "n/a leaves the level empty",
            ),
            (
                &[
                    (1, Some(I)),
                    (1, Some(I)),
                    (2, Some(I)),
                    (3, Some(I)),
                    (4, Some(I)),
                    (5, Some(I)),
                ],
                Some(5.0),
                "all",
            ),
        ];
        for (rows, want, why) in cases {
            let reqs: Vec<_> = rows
                .iter()
                .map(|(l, s)| req("x", "g", 1.0, *l, s.clone(), None))
                .collect();
            assert_eq!(maturity(&reqs, MaturityRule::Cumulative), *want, "{why}");
        }
    }

    #[test]
    fn weighted_average_maturity() {
        let cases: &[Case<'_, Rated>] = &[
            (&[], None),
            (&[(1.0, None, None)], None),
            (&[(1.0, Some(2), None), (1.0, Some(4), None)], Some(3.0)),
            (&[(3.0, Some(4), None), (1.0, Some(0), None)], Some(3.0)),
            (&[(1.0, Some(5), None), (1.0, Some(0), na())], Some(5.0)),
        ];
        for (rows, want) in cases {
            let reqs: Vec<_> = rows
                .iter()
                .map(|(w, m, s)| req("x", "g", *w, 0, s.clone(), *m))
                .collect();
            assert_eq!(
                maturity(&reqs, MaturityRule::WeightedAverage),
                *want,
                "{rows:?}"
            );
        }
    }

    #[test]
    fn report_rolls_up_per_group_and_overall() {
        let reqs = vec![
            req("a1", "A", 1.0, 1, Some(S::Implemented), None),
            req("a2", "A", 1.0, 2, Some(S::Implemented), None),
            req("b1", "B", 1.0, 1, Some(S::NotImplemented), None),
            req("b2", "B", 1.0, 2, None, None),
        ];
        let r = report(&reqs, MaturityRule::Cumulative).unwrap();
        assert_eq!(r.groups["A"].maturity, Some(2.0));
        assert_eq!(r.groups["B"].maturity, Some(0.0));
        assert_eq!(r.groups["B"].progress.assessed, 1);
        assert_eq!(r.overall.maturity, Some(1.0));
        assert_eq!(r.overall.compliance.score, Some(2.0 / 3.0));
        assert_eq!(r.overall.progress.ratio(), 0.75);
    }

    #[test]
    fn invalid_input_is_refused() {
        let cases = [
            req("w", "g", -1.0, 0, None, None),
            req("w", "g", f64::NAN, 0, None, None),
            req("l", "g", 1.0, 6, None, None),
            req("m", "g", 1.0, 0, None, Some(9)),
            req(
                "n",
                "g",
                1.0,
                0,
                Some(S::NotApplicable { reason: " ".into() }),
                None,
            ),
        ];
        for r in cases {
            assert!(
                report(std::slice::from_ref(&r), MaturityRule::Cumulative).is_err(),
                "{r:?}"
            );
        }
    }

    #[test]
    fn gaps_heaviest_first() {
        let reqs = vec![
            req("ok", "g", 9.0, 0, Some(S::Implemented), None),
            req("na", "g", 9.0, 0, na(), None),
            req("todo", "g", 9.0, 0, None, None),
            req("light", "g", 1.0, 0, Some(S::NotImplemented), None),
            req("heavy-partial", "g", 5.0, 0, Some(S::Partial), None),
            req("heavy-missing", "g", 5.0, 0, Some(S::NotImplemented), None),
            req("planned", "g", 2.0, 0, Some(S::Planned), None),
        ];
        let order: Vec<String> = gaps(&reqs).into_iter().map(|g| g.id).collect();
        assert_eq!(
            order,
            ["heavy-missing", "heavy-partial", "planned", "light"]
        );
    }
}
