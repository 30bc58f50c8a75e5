//! OSCAL assessment-results and POA&M output: structure checked here, and validated by IBM's
//! compliance-trestle (its pydantic models) when its virtualenv exists. The trestle test
//! FAILS when the virtualenv is missing, printing how to create it.

use std::path::{Path, PathBuf};
use std::process::Command;

use assess::Catalog;
use assess::assessment_results::{ControlAnswer, Evidence, ResultsInput, assessment_results};
use assess::poam::{ItemStatus, PlanItem, PoamInput, poam};
use assess::score::{ImplementationStatus as S, Requirement, gaps};
use serde_json::Value;

const VENV: &str = "/var/tmp/centinela-venv-assess";
const INSTALL: &str = "python3 -m venv /var/tmp/centinela-venv-assess && \
    /var/tmp/centinela-venv-assess/bin/pip install compliance-trestle";

fn baseline() -> Catalog {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/baseline/baseline.es.json");
    Catalog::from_file(&path).unwrap()
}

fn answer(id: &str, status: Option<S>) -> ControlAnswer {
    ControlAnswer {
        control_id: id.into(),
        status,
        maturity: Some(2),
        comment: None,
        collected: "2026-04-10T10:00:00-06:00".into(),
        evidence: vec![],
    }
}

fn answers() -> Vec<ControlAnswer> {
    let mut with_evidence = answer("rec-1", Some(S::Implemented));
    with_evidence.comment = Some("Restauración probada en marzo".into());
    with_evidence.evidence = vec![Evidence {
        href: "https://centinela.example/ev/123".into(),
        description: "Acta de prueba de restauración".into(),
        sha256: Some("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into()),
    }];
    vec![
        with_evidence,
        answer("gob-1", Some(S::Partial)),
        answer("pro-1", Some(S::NotImplemented)),
        answer(
            "pro-6",
            Some(S::NotApplicable {
                reason: "no desarrolla software".into(),
            }),
        ),
        answer("det-1", Some(S::Planned)),
        answer("res-1", None),
    ]
}

fn results(catalog: &Catalog, answers: &[ControlAnswer]) -> Value {
    assessment_results(&ResultsInput {
        title: "Autoevaluación 2026".into(),
        description: "Campaña nacional 2026-1".into(),
        version: "1".into(),
        last_modified: "2026-05-04T12:00:00-06:00".into(),
        start: "2026-04-01T00:00:00-06:00".into(),
        end: None,
        institution_id: "INST-0042".into(),
        profile_href: "urn:centinela:profile:baseline:0.1.0".into(),
        catalog,
        answers,
        compliance: Some(0.4),
        maturity: Some(2.0),
    })
    .unwrap()
}

fn plan(catalog: &Catalog) -> Value {
    let requirements: Vec<Requirement> = answers()
        .into_iter()
        .map(|a| {
            let mut r = Requirement::new(&a.control_id, "g");
            r.status = a.status;
            r
        })
        .collect();
    let items: Vec<PlanItem> = gaps(&requirements)
        .iter()
        .enumerate()
        .map(|(i, gap)| {
            let mut item = PlanItem::from_gap(gap, &catalog.control(&gap.id).unwrap().title);
            if i == 0 {
                item.owner = Some("Dirección de TI".into());
                item.due = Some("2026-09-30T23:59:59-06:00".into());
                item.status = ItemStatus::InProgress;
            }
            item
        })
        .collect();
    poam(&PoamInput {
        title: "Plan de remediación 2026".into(),
        version: "1".into(),
        last_modified: "2026-05-04T12:00:00-06:00".into(),
        institution_id: "INST-0042".into(),
        id_scheme: "urn:centinela:institution".into(),
        items: &items,
    })
    .unwrap()
}

fn uuids(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "uuid" {
                    out.push(v.as_str().unwrap().to_string());
                }
                uuids(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| uuids(v, out)),
        _ => {}
    }
}

fn no_empty_arrays(value: &Value, path: &str) {
    match value {
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| no_empty_arrays(v, &format!("{path}.{k}"))),
        Value::Array(items) => {
            assert!(!items.is_empty(), "empty array at {path}");
            items.iter().for_each(|v| no_empty_arrays(v, path));
        }
        _ => {}
    }
}

fn check_common(doc: &Value) {
    let mut all = Vec::new();
    uuids(doc, &mut all);
    let unique: std::collections::HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "duplicate uuids");
    for u in &all {
        assert_eq!(
            uuid::Uuid::parse_str(u).unwrap().get_version_num(),
            4,
            "{u}"
        );
    }
    no_empty_arrays(doc, "");
}

#[test]
fn assessment_results_structure() {
    let catalog = baseline();
    let doc = results(&catalog, &answers());
    check_common(&doc);
    let ar = &doc["assessment-results"];
    assert_eq!(ar["metadata"]["oscal-version"], "1.1.2");
    let import = ar["import-ap"]["href"].as_str().unwrap();
    let resources = ar["back-matter"]["resources"].as_array().unwrap();
    assert!(
        resources
            .iter()
            .any(|r| format!("#{}", r["uuid"].as_str().unwrap()) == import)
    );
    let result = &ar["results"][0];
    let findings = result["findings"].as_array().unwrap();
    // Five assessed answers; the unassessed one has no finding.
    assert_eq!(findings.len(), 5);
    let state = |id: &str| {
        let f = findings
            .iter()
            .find(|f| f["target"]["target-id"] == format!("{id}_obj"))
            .unwrap();
        (
            f["target"]["status"]["state"].as_str().unwrap().to_string(),
            f["target"]["implementation-status"]["state"]
                .as_str()
                .unwrap()
                .to_string(),
        )
    };
    let cases = [
        ("rec-1", "satisfied", "implemented"),
        ("gob-1", "not-satisfied", "partial"),
        ("pro-1", "not-satisfied", "not-implemented"),
        ("pro-6", "satisfied", "not-applicable"),
        ("det-1", "not-satisfied", "planned"),
    ];
    for (id, s, i) in cases {
        assert_eq!(state(id), (s.to_string(), i.to_string()), "{id}");
    }
    let evidence = result["observations"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|o| o.get("relevant-evidence"))
        .unwrap();
    let href = evidence[0]["href"].as_str().unwrap();
    let resource = resources
        .iter()
        .find(|r| format!("#{}", r["uuid"].as_str().unwrap()) == href)
        .unwrap();
    assert_eq!(resource["rlinks"][0]["hashes"][0]["algorithm"], "SHA-256");
}

#[test]
fn bad_export_input_is_refused() {
    let catalog = baseline();
    let mut naive = answers();
    naive[0].collected = "2026-04-10T10:00:00".into();
    let unknown = vec![answer("zz-9", Some(S::Implemented))];
    for bad in [naive, unknown] {
        let r = assessment_results(&ResultsInput {
            title: "t".into(),
            description: "d".into(),
            version: "1".into(),
            last_modified: "2026-05-04T12:00:00Z".into(),
            start: "2026-05-04T12:00:00Z".into(),
            end: None,
            institution_id: "i".into(),
            profile_href: "p".into(),
            catalog: &catalog,
            answers: &bad,
            compliance: None,
            maturity: None,
        });
        assert!(matches!(r, Err(assess::AssessError::Export(_))), "{r:?}");
    }
    let empty = poam(&PoamInput {
        title: "t".into(),
        version: "1".into(),
        last_modified: "2026-05-04T12:00:00Z".into(),
        institution_id: "i".into(),
        id_scheme: "urn:x".into(),
        items: &[],
    });
    assert!(empty.is_err());
}

#[test]
fn poam_structure() {
    let doc = plan(&baseline());
    check_common(&doc);
    let p = &doc["plan-of-action-and-milestones"];
    let items = p["poam-items"].as_array().unwrap();
    // Gaps: partial, not implemented, planned (n/a and implemented are not gaps).
    assert_eq!(items.len(), 3);
    let first = &items[0];
    let props = first["props"].as_array().unwrap();
    let value = |name: &str| {
        props
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["value"].clone())
    };
    assert_eq!(value("owner"), Some("Dirección de TI".into()));
    assert_eq!(value("status"), Some("in-progress".into()));
    let finding = first["related-findings"][0]["finding-uuid"]
        .as_str()
        .unwrap();
    assert!(
        p["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["uuid"] == finding)
    );
    let risk = first["related-risks"][0]["risk-uuid"].as_str().unwrap();
    let risk = p["risks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["uuid"] == risk)
        .unwrap();
    assert_eq!(risk["status"], "remediating");
    assert_eq!(risk["deadline"], "2026-09-30T23:59:59-06:00");
}

fn trestle_parse(python: &Path, class: &str, module: &str, file: &Path) {
    // `oscal_read` unwraps the OSCAL root key and runs the pydantic models (`parse_file`
    // expects the bare model); the validator factory in mode "all" adds trestle's own checks
    // (duplicate uuids, role references...).
    let script = format!(
        "import argparse, pathlib, sys\n\
         from trestle.oscal.{module} import {class}\n\
         from trestle.core.validator_factory import validator_factory\n\
         m = {class}.oscal_read(pathlib.Path(sys.argv[1]))\n\
         v = validator_factory.get(argparse.Namespace(mode='all'))\n\
         sys.exit(0 if m is not None and v.model_is_valid(m, False, None) else 3)\n"
    );
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .arg(file)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "trestle rejected {}:\n{}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn trestle_loads_assessment_results_and_poam() {
    let python = Path::new(VENV).join("bin/python");
    assert!(
        python.exists(),
        "compliance-trestle virtualenv missing at {VENV}; create it with:\n  {INSTALL}"
    );
    let catalog = baseline();
    let dir = std::env::temp_dir().join(format!("assess-trestle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ar = dir.join("assessment-results.json");
    let pm = dir.join("poam.json");
    std::fs::write(
        &ar,
        serde_json::to_string_pretty(&results(&catalog, &answers())).unwrap(),
    )
    .unwrap();
    std::fs::write(&pm, serde_json::to_string_pretty(&plan(&catalog)).unwrap()).unwrap();
    trestle_parse(&python, "AssessmentResults", "assessment_results", &ar);
    trestle_parse(&python, "PlanOfActionAndMilestones", "poam", &pm);
    std::fs::remove_dir_all(&dir).unwrap();
}
