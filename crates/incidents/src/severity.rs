//! Severity computed from impact factors by a protocol's model, with its explanation.
//!
//! The model is data (the protocol file): each factor's value earns points (0–100), the score is
//! the weighted mean of the points, the level is the most severe one whose `min_score` the score
//! reaches, and floor rules can raise it ("essential service ⇒ at least alto"). The result keeps
//! every input and intermediate figure so that it can be stored and shown as it was computed,
//! never recomputed later with a newer model.

use std::collections::BTreeMap;
use std::fmt;

use centinela_core::validate::FieldError;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::text::Localized;

macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
        pub enum $name {
            #[default]
            $( #[serde(rename = $text)] $variant ),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// CISA NCISS functional impact, least to most severe.
    FunctionalImpact {
        NoImpact = "no-impact",
        NoImpactToServices = "no-impact-to-services",
        MinimalNonCritical = "minimal-non-critical",
        MinimalCritical = "minimal-critical",
        SignificantNonCritical = "significant-non-critical",
        DenialNonCritical = "denial-non-critical",
        SignificantCritical = "significant-critical",
        DenialCritical = "denial-critical",
    }
}

vocabulary! {
    /// CISA NCISS information impact, least to most severe.
    InformationImpact {
        None = "none",
        SuspectedBreach = "suspected-breach",
        PrivacyBreach = "privacy-breach",
        ProprietaryBreach = "proprietary-breach",
        DestructionNonCritical = "destruction-non-critical",
        CriticalSystemsBreach = "critical-systems-breach",
        CoreCredentialCompromise = "core-credential-compromise",
        DestructionCritical = "destruction-critical",
    }
}

vocabulary! {
    /// CISA NCISS recoverability.
    Recoverability {
        Regular = "regular",
        Supplemented = "supplemented",
        Extended = "extended",
        NotRecoverable = "not-recoverable",
    }
}

/// The impact factors a reporter or coordinator states.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ImpactFactors {
    pub functional_impact: FunctionalImpact,
    pub information_impact: InformationImpact,
    pub recoverability: Recoverability,
    pub people_affected: u64,
    pub essential_service: bool,
    pub institutions_affected: u32,
    pub cross_border: bool,
}

/// The factors, in the order explanations list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    FunctionalImpact,
    InformationImpact,
    Recoverability,
    PeopleAffected,
    EssentialService,
    InstitutionsAffected,
    CrossBorder,
}

impl Factor {
    pub const ALL: [Factor; 7] = [
        Factor::FunctionalImpact,
        Factor::InformationImpact,
        Factor::Recoverability,
        Factor::PeopleAffected,
        Factor::EssentialService,
        Factor::InstitutionsAffected,
        Factor::CrossBorder,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Factor::FunctionalImpact => "functional_impact",
            Factor::InformationImpact => "information_impact",
            Factor::Recoverability => "recoverability",
            Factor::PeopleAffected => "people_affected",
            Factor::EssentialService => "essential_service",
            Factor::InstitutionsAffected => "institutions_affected",
            Factor::CrossBorder => "cross_border",
        }
    }

    pub fn parse(s: &str) -> Option<Factor> {
        Factor::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The values a points table must cover, or `None` for counted factors (step tables).
    pub fn vocabulary(self) -> Option<Vec<&'static str>> {
        match self {
            Factor::FunctionalImpact => {
                Some(FunctionalImpact::ALL.iter().map(|v| v.as_str()).collect())
            }
            Factor::InformationImpact => {
                Some(InformationImpact::ALL.iter().map(|v| v.as_str()).collect())
            }
            Factor::Recoverability => {
                Some(Recoverability::ALL.iter().map(|v| v.as_str()).collect())
            }
            Factor::EssentialService | Factor::CrossBorder => Some(vec!["no", "yes"]),
            Factor::PeopleAffected | Factor::InstitutionsAffected => None,
        }
    }
}

impl fmt::Display for Factor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

enum FactorValue {
    Named(&'static str),
    Count(u64),
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

impl ImpactFactors {
    fn value(&self, factor: Factor) -> FactorValue {
        match factor {
            Factor::FunctionalImpact => FactorValue::Named(self.functional_impact.as_str()),
            Factor::InformationImpact => FactorValue::Named(self.information_impact.as_str()),
            Factor::Recoverability => FactorValue::Named(self.recoverability.as_str()),
            Factor::PeopleAffected => FactorValue::Count(self.people_affected),
            Factor::EssentialService => FactorValue::Named(yes_no(self.essential_service)),
            Factor::InstitutionsAffected => FactorValue::Count(self.institutions_affected.into()),
            Factor::CrossBorder => FactorValue::Named(yes_no(self.cross_border)),
        }
    }
}

/// A severity level of a protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Level {
    pub id: String,
    pub name: Localized,
    /// Lowest score (0–100) that reaches this level.
    pub min_score: u32,
    /// Whether stages `required_when = "significant"` apply at this level.
    pub significant: bool,
    /// MISP `threat_level_id` (1 high … 4 undefined).
    pub misp_threat_level: u8,
}

/// How one factor's value becomes points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// Points per named value (every value of the factor's vocabulary).
    Points(BTreeMap<String, u32>),
    /// `(from, points)` pairs, ascending `from`, the first from 0: a count earns the points of the
    /// last step it reaches.
    Steps(Vec<(u64, u32)>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactorRule {
    pub factor: Factor,
    pub weight: u32,
    pub scale: Scale,
}

/// "If `factor` is one of `values`, the level is at least `min_level`."
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Floor {
    pub factor: Factor,
    pub values: Vec<String>,
    pub min_level: String,
    pub why: Localized,
}

/// A protocol's severity model (validated at load: see [`crate::protocol`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeverityModel {
    pub model: String,
    pub version: String,
    /// True while the levels or weights are provisional (not from an official text).
    pub placeholder: bool,
    /// Most severe first, `min_score` strictly descending, the last at 0.
    pub levels: Vec<Level>,
    /// One rule per [`Factor`], in [`Factor::ALL`] order.
    pub factors: Vec<FactorRule>,
    pub floors: Vec<Floor>,
}

/// One factor's part in the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub factor: Factor,
    /// The value as stated (`denial-critical`, `yes`, `1500`).
    pub input: String,
    pub points: u32,
    pub weight: u32,
    /// `points × weight / Σweights`: the contributions add up to the score.
    pub contribution: f64,
    /// Share of the score (0–1; 0 when the score is 0).
    pub share: f64,
}

/// A floor rule that raised (or confirmed) the level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FiredFloor {
    pub factor: Factor,
    pub min_level: String,
    pub why: Localized,
}

/// A coordinator's override of the computed level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityOverride {
    pub level: String,
    pub reason: String,
    pub by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A level and why: the record to store with the incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// `model@version`.
    pub model: String,
    pub inputs: ImpactFactors,
    pub contributions: Vec<Contribution>,
    /// Weighted mean of the points, 0–100.
    pub score: f64,
    /// `(level, min_score)`, most severe first.
    pub thresholds: Vec<(String, u32)>,
    /// The level the score alone gives.
    pub score_level: String,
    pub floors_fired: Vec<FiredFloor>,
    /// The level after floors, before any override.
    pub computed_level: String,
    /// The level in force (the override's when there is one).
    pub level: String,
    pub significant: bool,
    pub overridden: Option<OverrideRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverrideRecord {
    pub previous_level: String,
    pub by_override: SeverityOverride,
}

impl SeverityModel {
    pub fn level(&self, id: &str) -> Option<&Level> {
        self.levels.iter().find(|l| l.id == id)
    }

    /// 0 = most severe.
    pub fn rank(&self, id: &str) -> Option<usize> {
        self.levels.iter().position(|l| l.id == id)
    }

    pub fn is_significant(&self, level: &str) -> bool {
        self.level(level).is_some_and(|l| l.significant)
    }

    /// Computes the level of `inputs` and explains it. Pure.
    pub fn assess(&self, inputs: &ImpactFactors) -> Assessment {
        let total_weight: u64 = self.factors.iter().map(|r| u64::from(r.weight)).sum();
        let mut weighted: u64 = 0;
        let mut parts = Vec::with_capacity(self.factors.len());
        for rule in &self.factors {
            let (input, points) = match (inputs.value(rule.factor), &rule.scale) {
                (FactorValue::Named(v), Scale::Points(table)) => {
                    (v.to_string(), table.get(v).copied().unwrap_or(0))
                }
                (FactorValue::Count(n), Scale::Steps(steps)) => (
                    n.to_string(),
                    steps
                        .iter()
                        .take_while(|(from, _)| *from <= n)
                        .last()
                        .map_or(0, |(_, p)| *p),
                ),
                // Load-time validation pairs named factors with points and counts with steps.
                (FactorValue::Named(v), Scale::Steps(_)) => (v.to_string(), 0),
                (FactorValue::Count(n), Scale::Points(_)) => (n.to_string(), 0),
            };
            weighted += u64::from(points) * u64::from(rule.weight);
            parts.push((rule, input, points));
        }
        let denom = total_weight.max(1) as f64;
        let score = weighted as f64 / denom;
        let contributions = parts
            .into_iter()
            .map(|(rule, input, points)| {
                let c = f64::from(points) * f64::from(rule.weight) / denom;
                Contribution {
                    factor: rule.factor,
                    input,
                    points,
                    weight: rule.weight,
                    contribution: round2(c),
                    share: if weighted == 0 {
                        0.0
                    } else {
                        round2(c / score)
                    },
                }
            })
            .collect();
        // Integer comparison: score ≥ min  ⇔  Σwp ≥ min·Σw.
        let score_rank = self
            .levels
            .iter()
            .position(|l| weighted >= u64::from(l.min_score) * total_weight)
            .unwrap_or(self.levels.len().saturating_sub(1));
        let mut rank = score_rank;
        let mut floors_fired = Vec::new();
        for floor in &self.floors {
            let hit = match inputs.value(floor.factor) {
                FactorValue::Named(v) => floor.values.iter().any(|x| x == v),
                FactorValue::Count(_) => false,
            };
            if hit && let Some(r) = self.rank(&floor.min_level) {
                floors_fired.push(FiredFloor {
                    factor: floor.factor,
                    min_level: floor.min_level.clone(),
                    why: floor.why.clone(),
                });
                rank = rank.min(r);
            }
        }
        let level = self.levels[rank].id.clone();
        Assessment {
            model: format!("{}@{}", self.model, self.version),
            inputs: inputs.clone(),
            contributions,
            score: round2(score),
            thresholds: self
                .levels
                .iter()
                .map(|l| (l.id.clone(), l.min_score))
                .collect(),
            score_level: self.levels[score_rank].id.clone(),
            floors_fired,
            computed_level: level.clone(),
            significant: self.levels[rank].significant,
            level,
            overridden: None,
        }
    }

    /// Checks a coordinator's override: a known level and a reason.
    pub fn check_override(&self, o: &SeverityOverride) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.level(&o.level).is_none() {
            errors.push(
                FieldError::new("level", "err-severity-unknown-level").arg("value", &o.level),
            );
        }
        if o.reason.trim().is_empty() {
            errors.push(FieldError::new("reason", "err-severity-override-reason"));
        } else if o.reason.chars().count() > 2000 {
            errors.push(FieldError::new("reason", "err-too-long").arg("max", 2000));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Applies a checked override, keeping the computed figures and the previous level.
    pub fn apply_override(
        &self,
        mut assessment: Assessment,
        o: SeverityOverride,
    ) -> Result<Assessment, Vec<FieldError>> {
        self.check_override(&o)?;
        let previous_level = std::mem::replace(&mut assessment.level, o.level.clone());
        assessment.significant = self.is_significant(&o.level);
        assessment.overridden = Some(OverrideRecord {
            previous_level,
            by_override: o,
        });
        Ok(assessment)
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ProtocolRegistry;
    use time::macros::datetime;

    fn f() -> ImpactFactors {
        ImpactFactors::default()
    }

    /// (case, factors, score, level from the score alone, final level, floors fired).
    #[test]
    fn mx_levels_table() {
        let r = ProtocolRegistry::builtin();
        let model = &r.get("mx-apf-2025", "2025.1").unwrap().severity;
        let cases: Vec<(&str, ImpactFactors, f64, &str, &str, usize)> = vec![
            ("nothing", f(), 0.0, "bajo", "bajo", 0),
            (
                "minor outage",
                ImpactFactors {
                    functional_impact: FunctionalImpact::MinimalNonCritical,
                    ..f()
                },
                3.0,
                "bajo",
                "bajo",
                0,
            ),
            (
                "exactly the medio threshold",
                ImpactFactors {
                    functional_impact: FunctionalImpact::DenialNonCritical,
                    information_impact: InformationImpact::SuspectedBreach,
                    ..f()
                },
                15.0,
                "medio",
                "medio",
                0,
            ),
            (
                "privacy breach of a thousand people",
                ImpactFactors {
                    functional_impact: FunctionalImpact::SignificantNonCritical,
                    information_impact: InformationImpact::PrivacyBreach,
                    people_affected: 1000,
                    ..f()
                },
                24.67,
                "medio",
                "medio",
                0,
            ),
            (
                "essential service floor",
                ImpactFactors {
                    essential_service: true,
                    ..f()
                },
                20.0,
                "medio",
                "alto",
                1,
            ),
            (
                "core credentials floor",
                ImpactFactors {
                    information_impact: InformationImpact::CoreCredentialCompromise,
                    ..f()
                },
                18.0,
                "medio",
                "alto",
                1,
            ),
            (
                "denial of a critical essential service",
                ImpactFactors {
                    functional_impact: FunctionalImpact::DenialCritical,
                    essential_service: true,
                    ..f()
                },
                40.0,
                "alto",
                "muy-alto",
                2,
            ),
            (
                "ransomware on a ministry",
                ImpactFactors {
                    functional_impact: FunctionalImpact::DenialNonCritical,
                    information_impact: InformationImpact::DestructionNonCritical,
                    recoverability: Recoverability::Extended,
                    people_affected: 100_000,
                    institutions_affected: 1,
                    ..f()
                },
                41.0,
                "alto",
                "alto",
                0,
            ),
            (
                "everything at its worst",
                ImpactFactors {
                    functional_impact: FunctionalImpact::DenialCritical,
                    information_impact: InformationImpact::DestructionCritical,
                    recoverability: Recoverability::NotRecoverable,
                    people_affected: 5_000_000,
                    essential_service: true,
                    institutions_affected: 12,
                    cross_border: true,
                },
                100.0,
                "critico",
                "critico",
                3,
            ),
        ];
        for (name, factors, score, score_level, level, floors) in cases {
            let a = model.assess(&factors);
            assert_eq!(a.score, score, "{name}");
            assert_eq!(a.score_level, score_level, "{name}");
            assert_eq!(a.level, level, "{name}");
            assert_eq!(a.computed_level, level, "{name}");
            assert_eq!(a.floors_fired.len(), floors, "{name}");
            assert_eq!(
                a.significant,
                ["critico", "muy-alto", "alto"].contains(&level),
                "{name}"
            );
            assert_eq!(a.model, "mx-apf-2025-severity@1");
            assert_eq!(a.contributions.len(), 7, "{name}");
            let sum: f64 = a.contributions.iter().map(|c| c.contribution).sum();
            assert!((sum - a.score).abs() < 0.05, "{name}: {sum} vs {}", a.score);
            if a.score > 0.0 {
                let shares: f64 = a.contributions.iter().map(|c| c.share).sum();
                assert!((shares - 1.0).abs() < 0.05, "{name}: shares {shares}");
            }
        }
    }

    #[test]
    fn explanation_names_each_factor() {
        let r = ProtocolRegistry::builtin();
        let model = &r.get("mx-apf-2025", "2025.1").unwrap().severity;
        let a = model.assess(&ImpactFactors {
            people_affected: 1500,
            essential_service: true,
            ..f()
        });
        let people = a
            .contributions
            .iter()
            .find(|c| c.factor == Factor::PeopleAffected)
            .unwrap();
        assert_eq!(
            (people.input.as_str(), people.points, people.weight),
            ("1500", 35, 2)
        );
        assert_eq!(people.contribution, 4.67);
        let essential = a
            .contributions
            .iter()
            .find(|c| c.factor == Factor::EssentialService)
            .unwrap();
        assert_eq!((essential.input.as_str(), essential.points), ("yes", 100));
        assert_eq!(a.floors_fired[0].min_level, "alto");
        assert!(a.floors_fired[0].why.es.contains("Servicio esencial"));
        assert_eq!(a.thresholds[0], ("critico".to_string(), 70));
    }

    #[test]
    fn nis2_cross_border_floor() {
        let r = ProtocolRegistry::builtin();
        let model = &r.get("eu-nis2", "2022-2555.1").unwrap().severity;
        let cases = [
            (
                ImpactFactors {
                    cross_border: true,
                    ..f()
                },
                "negligible",
                "minor",
                false,
            ),
            (
                ImpactFactors {
                    functional_impact: FunctionalImpact::SignificantCritical,
                    ..f()
                },
                "minor",
                "significant",
                true,
            ),
            (f(), "negligible", "negligible", false),
        ];
        for (factors, score_level, level, significant) in cases {
            let a = model.assess(&factors);
            assert_eq!(
                (a.score_level.as_str(), a.level.as_str()),
                (score_level, level)
            );
            assert_eq!(a.significant, significant);
        }
    }

    #[test]
    fn override_needs_reason_and_known_level() {
        let r = ProtocolRegistry::builtin();
        let model = &r.get("mx-apf-2025", "2025.1").unwrap().severity;
        let a = model.assess(&f());
        let by = Uuid::nil();
        let at = datetime!(2026-03-02 10:00 UTC);
        let mk = |level: &str, reason: &str| SeverityOverride {
            level: level.into(),
            reason: reason.into(),
            by,
            at,
        };
        let cases = [
            ("critico", "Afecta a SPEI", Ok(())),
            ("critico", "  ", Err(vec!["err-severity-override-reason"])),
            ("urgente", "x", Err(vec!["err-severity-unknown-level"])),
            (
                "",
                "",
                Err(vec![
                    "err-severity-unknown-level",
                    "err-severity-override-reason",
                ]),
            ),
        ];
        for (level, reason, expected) in cases {
            let got = model
                .check_override(&mk(level, reason))
                .map_err(|e| e.iter().map(|e| e.key).collect::<Vec<_>>());
            assert_eq!(got, expected, "{level} {reason}");
        }
        let o = model
            .apply_override(a, mk("critico", "Afecta a SPEI"))
            .unwrap();
        assert_eq!(
            (o.level.as_str(), o.computed_level.as_str()),
            ("critico", "bajo")
        );
        assert!(o.significant);
        assert_eq!(o.overridden.unwrap().previous_level, "bajo");
    }
}
