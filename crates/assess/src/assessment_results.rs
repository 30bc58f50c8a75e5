//! OSCAL `assessment-results` output: one result per assessment round, one observation and
//! one finding per answered measure, evidence as back-matter resources.
//!
//! Follows the OSCAL 1.1.x JSON model and the rules `compliance-trestle` enforces (see the
//! reference notes): UUID v4, date-times with an offset, no empty arrays, `import-ap` and
//! `reviewed-controls` present even without an assessment plan (`import-ap` points at a
//! back-matter resource naming the profile), `target-id` a token (`<control>_obj`), status
//! `satisfied | not-satisfied` only. Our statuses map as: implemented → satisfied; partial →
//! not-satisfied with `implementation-status: partial`; planned / not implemented →
//! not-satisfied (`planned` / `not-implemented`); not applicable → satisfied with
//! `not-applicable` and the reason. Scores and maturity travel as props in our namespace.
//! Unassessed measures get no finding (OSCAL has no "not assessed" state).

use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::catalog::Catalog;
use crate::error::AssessError;
use crate::score::ImplementationStatus;

/// Namespace of our props in OSCAL output.
pub const NS: &str = "urn:centinela:ns:oscal";
/// OSCAL version written into output metadata.
pub const OSCAL_VERSION: &str = "1.1.2";

/// A piece of evidence behind an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub href: String,
    pub description: String,
    /// Lower-case hex SHA-256 of the file, when it is a file.
    pub sha256: Option<String>,
}

/// One institution's answer to one measure, as the export needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlAnswer {
    pub control_id: String,
    pub status: Option<ImplementationStatus>,
    pub maturity: Option<u8>,
    pub comment: Option<String>,
    /// When the answer was recorded (RFC 3339 with offset).
    pub collected: String,
    pub evidence: Vec<Evidence>,
}

/// Everything an `assessment-results` document is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultsInput<'a> {
    pub title: String,
    pub description: String,
    /// Document version (the campaign's revision of these results).
    pub version: String,
    /// RFC 3339 with offset; also used as the result's `end` when `end` is `None`.
    pub last_modified: String,
    pub start: String,
    pub end: Option<String>,
    pub institution_id: String,
    /// Where the assessed profile lives (file name, URL or our own URN).
    pub profile_href: String,
    /// The resolved catalog: control titles for findings and a check on control ids.
    pub catalog: &'a Catalog,
    pub answers: &'a [ControlAnswer],
    /// Overall compliance (0–1) and maturity (0–5), written as result props when present.
    pub compliance: Option<f64>,
    pub maturity: Option<f64>,
}

pub(crate) fn uuid() -> String {
    Uuid::new_v4().to_string()
}

pub(crate) fn prop(name: &str, value: impl ToString) -> Value {
    json!({"name": name, "ns": NS, "value": value.to_string()})
}

/// Date-times in OSCAL need an explicit offset; trestle refuses naive ones.
pub(crate) fn check_datetime(field: &str, value: &str) -> Result<(), AssessError> {
    let has_time = value.len() >= 20 && value.as_bytes().get(10) == Some(&b'T');
    let tail = value.get(19..).unwrap_or("");
    let offset = tail.ends_with('Z')
        || tail
            .rfind(['+', '-'])
            .is_some_and(|i| tail[i + 1..].len() == 5 && tail.as_bytes()[i + 3] == b':');
    if has_time && offset {
        Ok(())
    } else {
        Err(AssessError::Export(format!(
            "{field}: {value:?} is not an RFC 3339 date-time with an offset"
        )))
    }
}

pub(crate) fn metadata(title: &str, last_modified: &str, version: &str) -> Value {
    json!({
        "title": title,
        "last-modified": last_modified,
        "version": version,
        "oscal-version": OSCAL_VERSION,
    })
}

/// The OSCAL finding target state and implementation-status for a status.
pub(crate) fn states(status: &ImplementationStatus) -> (&'static str, &'static str) {
    match status {
        ImplementationStatus::Implemented => ("satisfied", "implemented"),
        ImplementationStatus::Partial => ("not-satisfied", "partial"),
        ImplementationStatus::Planned => ("not-satisfied", "planned"),
        ImplementationStatus::NotImplemented => ("not-satisfied", "not-implemented"),
        ImplementationStatus::NotApplicable { .. } => ("satisfied", "not-applicable"),
    }
}

/// A finding's target for `control_id` in `state`.
pub(crate) fn target(control_id: &str, status: &ImplementationStatus) -> Value {
    let (state, implementation) = states(status);
    let mut implementation_status = json!({ "state": implementation });
    if let ImplementationStatus::NotApplicable { reason } = status {
        implementation_status["remarks"] = json!(reason);
    }
    json!({
        "type": "objective-id",
        "target-id": format!("{control_id}_obj"),
        "status": { "state": state },
        "implementation-status": implementation_status,
    })
}

/// Builds `{"assessment-results": {...}}`. Fails on date-times without offset and on answers
/// naming controls that the catalog does not have.
pub fn assessment_results(input: &ResultsInput<'_>) -> Result<Value, AssessError> {
    check_datetime("last-modified", &input.last_modified)?;
    check_datetime("start", &input.start)?;
    if let Some(end) = &input.end {
        check_datetime("end", end)?;
    }
    let plan_resource = uuid();
    let mut resources = vec![json!({
        "uuid": plan_resource,
        "title": format!("Assessed profile for {}", input.institution_id),
        "description": "No separate OSCAL assessment plan: the assessment follows this profile.",
        "rlinks": [{ "href": input.profile_href, "media-type": "application/oscal.profile+json" }],
    })];
    let mut observations = Vec::new();
    let mut findings = Vec::new();
    for answer in input.answers {
        check_datetime(
            &format!("{}: collected", answer.control_id),
            &answer.collected,
        )?;
        let control = input.catalog.control(&answer.control_id).ok_or_else(|| {
            AssessError::Export(format!(
                "answer for {:?}, which the assessed catalog does not have",
                answer.control_id
            ))
        })?;
        let Some(status) = &answer.status else {
            continue;
        };
        let observation_uuid = uuid();
        let mut observation = Map::new();
        observation.insert("uuid".into(), json!(observation_uuid));
        observation.insert(
            "description".into(),
            json!(
                answer
                    .comment
                    .clone()
                    .filter(|c| !c.trim().is_empty())
                    .unwrap_or_else(|| format!("Self-assessment answer for {}.", control.title))
            ),
        );
        let mut props = vec![prop("implementation-status", states(status).1)];
        if let Some(m) = answer.maturity {
            props.push(prop("maturity", m));
        }
        observation.insert("props".into(), Value::Array(props));
        observation.insert("methods".into(), json!(["EXAMINE"]));
        observation.insert("collected".into(), json!(answer.collected));
        let evidence: Vec<Value> = answer
            .evidence
            .iter()
            .map(|e| {
                let resource = uuid();
                let mut rlink = json!({ "href": e.href });
                if let Some(hash) = &e.sha256 {
                    rlink["hashes"] = json!([{ "algorithm": "SHA-256", "value": hash }]);
                }
                resources.push(json!({
                    "uuid": resource,
                    "title": e.description,
                    "rlinks": [rlink],
                }));
                json!({ "href": format!("#{resource}"), "description": e.description })
            })
            .collect();
        if !evidence.is_empty() {
            observation.insert("relevant-evidence".into(), Value::Array(evidence));
        }
        observations.push(Value::Object(observation));
        findings.push(json!({
            "uuid": uuid(),
            "title": format!("{}: {}", answer.control_id, control.title),
            "description": format!("{} — {}", control.title, states(status).1),
            "target": target(&answer.control_id, status),
            "related-observations": [{ "observation-uuid": observation_uuid }],
        }));
    }
    let mut result = Map::new();
    result.insert("uuid".into(), json!(uuid()));
    result.insert("title".into(), json!(input.title));
    result.insert("description".into(), json!(input.description));
    result.insert("start".into(), json!(input.start));
    result.insert(
        "end".into(),
        json!(input.end.as_deref().unwrap_or(&input.last_modified)),
    );
    let mut props = vec![prop("institution", &input.institution_id)];
    if let Some(c) = input.compliance {
        props.push(prop("compliance", format!("{c:.4}")));
    }
    if let Some(m) = input.maturity {
        props.push(prop("maturity", format!("{m:.2}")));
    }
    result.insert("props".into(), Value::Array(props));
    result.insert(
        "reviewed-controls".into(),
        json!({ "control-selections": [{ "include-all": {} }] }),
    );
    if !observations.is_empty() {
        result.insert("observations".into(), Value::Array(observations));
        result.insert("findings".into(), Value::Array(findings));
    }
    Ok(json!({
        "assessment-results": {
            "uuid": uuid(),
            "metadata": metadata(&input.title, &input.last_modified, &input.version),
            "import-ap": { "href": format!("#{plan_resource}") },
            "results": [Value::Object(result)],
            "back-matter": { "resources": resources },
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_need_an_offset() {
        let cases = [
            ("2026-05-04T12:00:00Z", true),
            ("2026-05-04T12:00:00-06:00", true),
            ("2026-05-04T12:00:00.123+01:00", true),
            ("2026-05-04T12:00:00", false),
            ("2026-05-04", false),
            ("2026-05-04 12:00:00Z", false),
        ];
        for (value, ok) in cases {
            assert_eq!(check_datetime("f", value).is_ok(), ok, "{value}");
        }
    }
}
