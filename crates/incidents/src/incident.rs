//! The incident as reported (`IncidentDraft`), its validation, and the stored record shape the
//! exporters read (`Incident`).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use centinela_core::tlp::Tlp;
use centinela_core::validate::{Checks, FieldError};
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::clock::{ClockInput, StageRequest, Submission};
use crate::observable::Observable;
use crate::protocol::{Protocol, ProtocolKey};
use crate::severity::{Assessment, ImpactFactors};
use crate::taxonomy::{Classification, ClassificationError};

/// Permissible Actions Protocol (FIRST), least to most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Pap {
    #[serde(rename = "PAP:CLEAR")]
    Clear,
    #[serde(rename = "PAP:GREEN")]
    Green,
    #[serde(rename = "PAP:AMBER")]
    Amber,
    #[serde(rename = "PAP:RED")]
    Red,
}

impl Pap {
    pub fn as_str(self) -> &'static str {
        match self {
            Pap::Clear => "PAP:CLEAR",
            Pap::Green => "PAP:GREEN",
            Pap::Amber => "PAP:AMBER",
            Pap::Red => "PAP:RED",
        }
    }
}

impl fmt::Display for Pap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown PAP label {0:?}; expected PAP:CLEAR, PAP:GREEN, PAP:AMBER or PAP:RED")]
pub struct UnknownPap(pub String);

impl FromStr for Pap {
    type Err = UnknownPap;
    /// With or without the `PAP:` prefix, any case; WHITE is the old name of CLEAR.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        match upper.strip_prefix("PAP:").unwrap_or(&upper) {
            "CLEAR" | "WHITE" => Ok(Pap::Clear),
            "GREEN" => Ok(Pap::Green),
            "AMBER" => Ok(Pap::Amber),
            "RED" => Ok(Pap::Red),
            _ => Err(UnknownPap(s.to_string())),
        }
    }
}

/// Limits on a draft.
pub const MAX_TITLE: usize = 200;
pub const MAX_DESCRIPTION: usize = 20_000;
pub const MAX_AFFECTED: usize = 5_000;
pub const MAX_CLASSIFICATIONS: usize = 10;
pub const MAX_OBSERVABLES: usize = 5_000;
/// Most inventory assets or services one report links.
pub const MAX_LINKED: usize = 500;
/// Reported times may be this far ahead of the server's `now` (clock skew of the reporter).
pub const CLOCK_SKEW: Duration = Duration::minutes(5);

/// An incident as a reporter submits it (web form, API, bulk import, MISP import).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncidentDraft {
    pub reporter_institution: Uuid,
    pub title: String,
    pub description: String,
    #[serde(with = "time::serde::rfc3339")]
    pub detected_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub aware_at: OffsetDateTime,
    /// One or more RSIT pairs.
    pub classifications: Vec<Classification>,
    pub tlp: Tlp,
    pub pap: Pap,
    /// Affected assets, free text until the inventory exists.
    #[serde(default)]
    pub affected_assets: String,
    /// Affected digital services, free text.
    #[serde(default)]
    pub affected_services: String,
    /// Affected assets from the institution's inventory.
    #[serde(default)]
    pub affected_asset_ids: Vec<Uuid>,
    /// Affected digital services from the institution's inventory.
    #[serde(default)]
    pub affected_service_ids: Vec<Uuid>,
    #[serde(default)]
    pub impact: ImpactFactors,
    #[serde(default)]
    pub observables: Vec<Observable>,
}

impl IncidentDraft {
    /// Every problem at once, as translatable field errors. `now` is the server's time.
    pub fn validate(
        &self,
        protocol: &Protocol,
        now: OffsetDateTime,
    ) -> Result<(), Vec<FieldError>> {
        let mut c = Checks::default();
        if self.reporter_institution.is_nil() {
            c.push(FieldError::new("reporter_institution", "err-required"));
        }
        c.text("title", &self.title, MAX_TITLE);
        if self.title.contains('\n') {
            c.push(FieldError::new("title", "err-control-chars"));
        }
        c.text("description", &self.description, MAX_DESCRIPTION);
        c.optional_text("affected_assets", &self.affected_assets, MAX_AFFECTED);
        c.optional_text("affected_services", &self.affected_services, MAX_AFFECTED);
        for (field, ids) in [
            ("affected_asset_ids", &self.affected_asset_ids),
            ("affected_service_ids", &self.affected_service_ids),
        ] {
            if ids.len() > MAX_LINKED {
                c.push(FieldError::new(field, "err-too-many").arg("max", MAX_LINKED));
            }
        }

        let latest = now + CLOCK_SKEW;
        for (field, t) in [
            ("detected_at", self.detected_at),
            ("aware_at", self.aware_at),
        ] {
            if t > latest {
                c.push(FieldError::new(field, "err-incident-time-future"));
            }
        }
        if self.aware_at < self.detected_at {
            c.push(FieldError::new(
                "aware_at",
                "err-incident-aware-before-detected",
            ));
        }

        if protocol.taxonomy != "rsit" {
            c.push(
                FieldError::new("classifications", "err-incident-protocol-taxonomy")
                    .arg("taxonomy", &protocol.taxonomy),
            );
        }
        if self.classifications.is_empty() {
            c.push(FieldError::new(
                "classifications",
                "err-incident-classification-required",
            ));
        } else if self.classifications.len() > MAX_CLASSIFICATIONS {
            c.push(
                FieldError::new("classifications", "err-too-many").arg("max", MAX_CLASSIFICATIONS),
            );
        }
        let mut seen = BTreeSet::new();
        for (i, cl) in self.classifications.iter().enumerate() {
            match cl.check() {
                Ok(()) => {}
                Err(ClassificationError::UnknownClass(v)) => c.push(
                    FieldError::new(
                        &format!("classifications[{i}].class"),
                        "err-taxonomy-unknown-class",
                    )
                    .arg("value", v),
                ),
                Err(ClassificationError::UnknownType { class, kind }) => c.push(
                    FieldError::new(
                        &format!("classifications[{i}].type"),
                        "err-taxonomy-unknown-type",
                    )
                    .arg("class", class)
                    .arg("value", kind),
                ),
            }
            if !seen.insert(cl) {
                c.push(FieldError::new(
                    &format!("classifications[{i}]"),
                    "err-incident-classification-duplicate",
                ));
            }
        }

        if self.observables.len() > MAX_OBSERVABLES {
            c.push(FieldError::new("observables", "err-too-many").arg("max", MAX_OBSERVABLES));
        } else {
            let mut seen = BTreeSet::new();
            for (i, o) in self.observables.iter().enumerate() {
                let field = format!("observables[{i}]");
                let errors = o.check(&field);
                let ok = errors.is_empty();
                errors.into_iter().for_each(|e| c.push(e));
                if ok && !seen.insert((o.kind, o.normalized())) {
                    c.push(FieldError::new(&field, "err-observable-duplicate"));
                }
            }
        }
        c.finish()
    }

    /// The severity assessment under `protocol`.
    pub fn assess(&self, protocol: &Protocol) -> Assessment {
        protocol.severity.assess(&self.impact)
    }
}

/// A stored incident, as the exporters and clocks read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    pub id: Uuid,
    /// Human reference shown on the receipt (`CEN-2026-000123`).
    pub reference: String,
    /// The protocol it was reported under (never rewritten).
    pub protocol: ProtocolKey,
    #[serde(with = "time::serde::rfc3339")]
    pub reported_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    /// The level in force (computed or overridden).
    pub level: String,
    pub sector: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub draft: IncidentDraft,
}

impl Incident {
    /// The clocks' view of this incident.
    pub fn clock_input<'a>(
        &'a self,
        significant_since: Option<OffsetDateTime>,
        submissions: &'a [Submission],
        requests: &'a [StageRequest],
    ) -> ClockInput<'a> {
        ClockInput {
            detected_at: self.draft.detected_at,
            aware_at: self.draft.aware_at,
            level: &self.level,
            significant_since,
            sector: self.sector.as_deref(),
            closed_at: self.closed_at,
            submissions,
            requests,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::observable::ObservableKind;
    use crate::protocol::ProtocolRegistry;
    use time::macros::datetime;

    pub(crate) fn draft() -> IncidentDraft {
        IncidentDraft {
            reporter_institution: Uuid::from_u128(0x5a7),
            title: "Cifrado de servidores de la Secretaría".into(),
            description: "Ransomware en 60 servidores; trámites suspendidos.".into(),
            detected_at: datetime!(2026-02-23 06:00 UTC),
            aware_at: datetime!(2026-02-23 07:30 UTC),
            classifications: vec![Classification::new(
                "information-content-security",
                "unauthorised-information-modification",
            )],
            tlp: Tlp::Amber,
            pap: Pap::Amber,
            affected_assets: "60 servidores Windows".into(),
            affected_services: "Ventanilla única".into(),
            affected_asset_ids: vec![],
            affected_service_ids: vec![],
            impact: ImpactFactors::default(),
            observables: vec![
                Observable::new(ObservableKind::Ip, "198.51.100.7", Tlp::Green),
                Observable::new(ObservableKind::Domain, "c2.example.net", Tlp::Amber),
                Observable::new(
                    ObservableKind::Sha256,
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                    Tlp::Red,
                ),
            ],
        }
    }

    fn keys(d: &IncidentDraft) -> Vec<(String, &'static str)> {
        let r = ProtocolRegistry::builtin();
        let p = r.default_protocol().unwrap();
        match d.validate(p, datetime!(2026-02-24 00:00 UTC)) {
            Ok(()) => vec![],
            Err(errors) => errors.into_iter().map(|e| (e.field, e.key)).collect(),
        }
    }

    #[test]
    fn bad_input_table() {
        type Edit = fn(&mut IncidentDraft);
        type Case = (&'static str, Edit, Vec<(&'static str, &'static str)>);
        let cases: Vec<Case> = vec![
            ("valid", |_| {}, vec![]),
            (
                "empty title",
                |d| d.title = " ".into(),
                vec![("title", "err-required")],
            ),
            (
                "two-line title",
                |d| d.title = "a\nb".into(),
                vec![("title", "err-control-chars")],
            ),
            (
                "no reporter",
                |d| d.reporter_institution = Uuid::nil(),
                vec![("reporter_institution", "err-required")],
            ),
            (
                "detected in the future",
                |d| {
                    d.detected_at = datetime!(2026-02-24 01:00 UTC);
                    d.aware_at = datetime!(2026-02-24 01:00 UTC);
                },
                vec![
                    ("detected_at", "err-incident-time-future"),
                    ("aware_at", "err-incident-time-future"),
                ],
            ),
            (
                "within clock skew",
                |d| d.aware_at = datetime!(2026-02-24 00:04 UTC),
                vec![],
            ),
            (
                "aware before detection",
                |d| d.aware_at = datetime!(2026-02-23 05:00 UTC),
                vec![("aware_at", "err-incident-aware-before-detected")],
            ),
            (
                "no classification",
                |d| d.classifications.clear(),
                vec![("classifications", "err-incident-classification-required")],
            ),
            (
                "unknown class",
                |d| d.classifications = vec![Classification::new("ransomware", "x")],
                vec![("classifications[0].class", "err-taxonomy-unknown-class")],
            ),
            (
                "the often-quoted non-RSIT value",
                |d| {
                    d.classifications
                        .push(Classification::new("malicious-code", "ransomware"))
                },
                vec![("classifications[1].type", "err-taxonomy-unknown-type")],
            ),
            (
                "duplicate pair",
                |d| d.classifications.push(d.classifications[0].clone()),
                vec![(
                    "classifications[1]",
                    "err-incident-classification-duplicate",
                )],
            ),
            (
                "bad observable",
                |d| d.observables[0].value = "198.51.100.300".into(),
                vec![("observables[0].value", "err-observable-ip")],
            ),
            (
                "duplicate observable after normalisation",
                |d| {
                    d.observables.push(Observable::new(
                        ObservableKind::Domain,
                        "C2.example.net.",
                        Tlp::Red,
                    ))
                },
                vec![("observables[3]", "err-observable-duplicate")],
            ),
        ];
        for (name, edit, expected) in cases {
            let mut d = draft();
            edit(&mut d);
            let got = keys(&d);
            let want: Vec<(String, &str)> = expected
                .into_iter()
                .map(|(f, k)| (f.to_string(), k))
                .collect();
            assert_eq!(got, want, "{name}");
        }
        let e = draft()
            .validate(
                ProtocolRegistry::builtin().default_protocol().unwrap(),
                datetime!(2026-02-24 00:00 UTC),
            )
            .map(|_| ());
        assert_eq!(e, Ok(()));
    }

    #[test]
    fn unknown_type_error_carries_arguments() {
        let mut d = draft();
        d.classifications = vec![Classification::new("fraud", "ransom")];
        let r = ProtocolRegistry::builtin();
        let errs = d
            .validate(
                r.default_protocol().unwrap(),
                datetime!(2026-03-01 00:00 UTC),
            )
            .unwrap_err();
        assert_eq!(
            errs[0].args,
            vec![
                ("class", "fraud".to_string()),
                ("value", "ransom".to_string())
            ]
        );
    }

    #[test]
    fn pap_labels() {
        let cases = [
            ("PAP:AMBER", Some(Pap::Amber)),
            ("white", Some(Pap::Clear)),
            ("pap:red", Some(Pap::Red)),
            ("PAP:PURPLE", None),
        ];
        for (s, expected) in cases {
            assert_eq!(s.parse::<Pap>().ok(), expected, "{s}");
        }
        assert!(Pap::Clear < Pap::Red);
    }

    #[test]
    fn draft_round_trips_as_json() {
        let d = draft();
        let json = serde_json::to_string(&d).unwrap();
        assert!(
            json.contains("\"type\":\"unauthorised-information-modification\""),
            "{json}"
        );
        assert!(json.contains("\"TLP:AMBER\""));
        let back: IncidentDraft = serde_json::from_str(&json).unwrap();
        assert_eq!(back, d);
    }
}
