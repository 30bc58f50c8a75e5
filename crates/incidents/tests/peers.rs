//! The exports, read by the real peers: Python's `stix2` parses the bundle,
//! `stix2-validator` accepts it, PyMISP loads the event.
//!
//! Needs a virtualenv with the three packages (path in `CENTINELA_PY`, default
//! `/var/tmp/centinela-venv-incidents/bin/python`):
//!
//! ```sh
//! python3 -m venv /var/tmp/centinela-venv-incidents && /var/tmp/centinela-venv-incidents/bin/pip install stix2 stix2-validator pymisp
//! ```

use std::path::PathBuf;
use std::process::Command;

use centinela_core::tlp::Tlp;
use incidents::incident::{Incident, IncidentDraft, Pap};
use incidents::misp::export_event;
use incidents::observable::{Observable, ObservableKind};
use incidents::protocol::{ProtocolKey, ProtocolRegistry};
use incidents::severity::ImpactFactors;
use incidents::stix::{Reporter, export_bundle};
use incidents::taxonomy::Classification;
use serde_json::Value;
use time::macros::datetime;
use uuid::Uuid;

const INSTALL: &str = "python3 -m venv /var/tmp/centinela-venv-incidents && /var/tmp/centinela-venv-incidents/bin/pip install stix2 stix2-validator pymisp";

fn python() -> PathBuf {
    let py = std::env::var_os("CENTINELA_PY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/tmp/centinela-venv-incidents/bin/python"));
    assert!(
        py.exists(),
        "the Python peers are missing: {} does not exist.\nInstall them with:\n  {INSTALL}\n(or point CENTINELA_PY at a python that has stix2, stix2-validator and pymisp)",
        py.display()
    );
    let probe = Command::new(&py)
        .args(["-c", "import stix2, stix2validator, pymisp"])
        .output()
        .expect("run python");
    assert!(
        probe.status.success(),
        "{} lacks stix2, stix2-validator or pymisp ({}).\nInstall them with:\n  {INSTALL}",
        py.display(),
        String::from_utf8_lossy(&probe.stderr).trim()
    );
    py
}

fn incident() -> Incident {
    let observables = vec![
        Observable::new(ObservableKind::Ip, "198.51.100.7", Tlp::Clear),
        Observable::new(ObservableKind::Ip, "2001:db8::7", Tlp::Green),
        Observable::new(ObservableKind::Domain, "pago-seguro.example", Tlp::Green),
        Observable::new(
            ObservableKind::Url,
            "https://pago-seguro.example/login?next=/spei",
            Tlp::Amber,
        ),
        Observable::new(
            ObservableKind::Email,
            "soporte@pago-seguro.example",
            Tlp::Amber,
        ),
        Observable::new(
            ObservableKind::Md5,
            "d41d8cd98f00b204e9800998ecf8427e",
            Tlp::AmberStrict,
        ),
        Observable::new(
            ObservableKind::Sha1,
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            Tlp::AmberStrict,
        ),
        Observable::new(
            ObservableKind::Sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            Tlp::Red,
        ),
    ];
    Incident {
        id: Uuid::parse_str("6f1c2b9e-8d4a-4c3e-9b7a-2e5d1f0a3c4b").unwrap(),
        reference: "CEN-2026-000007".into(),
        protocol: ProtocolKey::new("mx-apf-2025", "2025.1"),
        reported_at: datetime!(2026-04-27 15:00 UTC),
        updated_at: datetime!(2026-04-28 10:30:15.25 UTC),
        level: "critico".into(),
        sector: Some("finance".into()),
        closed_at: None,
        draft: IncidentDraft {
            reporter_institution: Uuid::from_u128(0xba_0c0),
            title: "Transferencias fraudulentas vía software de participante SPEI".into(),
            description:
                "Órdenes de transferencia no autorizadas desde el aplicativo del participante."
                    .into(),
            detected_at: datetime!(2026-04-27 09:00 UTC),
            aware_at: datetime!(2026-04-27 11:00 UTC),
            classifications: vec![
                Classification::new("fraud", "unauthorised-use-of-resources"),
                Classification::new("intrusions", "application-compromise"),
            ],
            tlp: Tlp::Amber,
            pap: Pap::Amber,
            affected_assets: "Servidor de participante".into(),
            affected_services: "SPEI".into(),
            affected_asset_ids: vec![],
            affected_service_ids: vec![],
            impact: ImpactFactors::default(),
            observables,
        },
    }
}

fn run_peers(label: &str, visible: fn(Tlp) -> bool) -> (Value, usize, usize) {
    let py = python();
    let inc = incident();
    let registry = ProtocolRegistry::builtin();
    let protocol = registry.get_key(&inc.protocol).unwrap();
    inc.draft
        .validate(protocol, inc.updated_at)
        .expect("fixture is a valid incident");
    let reporter = Reporter {
        id: inc.draft.reporter_institution,
        name: "Banco Participante S.A.",
    };
    let stix = export_bundle(&inc, reporter, visible);
    let misp = export_event(&inc, protocol, visible);
    let dir = std::env::temp_dir().join(format!("incidents-peers-{label}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (b, e) = (dir.join("bundle.json"), dir.join("event.json"));
    std::fs::write(&b, serde_json::to_string_pretty(&stix.json).unwrap()).unwrap();
    std::fs::write(&e, serde_json::to_string_pretty(&misp.json).unwrap()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/peers/check.py");
    let out = Command::new(py)
        .arg(script)
        .arg(&b)
        .arg(&e)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "peer check failed on {}:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).unwrap();
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    (summary, stix.omitted, misp.omitted)
}

#[test]
fn stix2_parses_and_validator_accepts_the_bundle_and_pymisp_loads_the_event() {
    let (s, stix_omitted, misp_omitted) = run_peers("all", |_| true);
    assert_eq!((stix_omitted, misp_omitted), (0, 0));
    assert_eq!(s["valid"], true, "{s:#}");
    assert_eq!(s["errors"], Value::Array(vec![]), "{s:#}");
    assert_eq!(s["warnings"], Value::Array(vec![]), "{s:#}");
    let types: Vec<&str> = s["stix_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "domain-name",
            "email-addr",
            "file",
            "identity",
            "incident",
            "indicator",
            "ipv4-addr",
            "ipv6-addr",
            "marking-definition",
            "relationship",
            "url"
        ]
    );
    assert_eq!(
        s["misp_info"],
        "Transferencias fraudulentas vía software de participante SPEI"
    );
    assert_eq!(s["misp_threat_level"], 1, "crítico → high");
    assert_eq!(s["misp_uuid"], "6f1c2b9e-8d4a-4c3e-9b7a-2e5d1f0a3c4b");
    let tags: Vec<&str> = s["misp_tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        tags,
        [
            "tlp:amber",
            "PAP:AMBER",
            "rsit:fraud=\"unauthorised-use-of-resources\"",
            "rsit:intrusions=\"application-compromise\""
        ]
    );
    assert_eq!(s["misp_attributes"].as_array().unwrap().len(), 8);
    assert_eq!(
        s["misp_attributes"][7],
        serde_json::json!([
            "sha256",
            "Payload delivery",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ])
    );
}

#[test]
fn a_green_caller_gets_a_valid_export_without_the_stricter_observables() {
    let (s, stix_omitted, misp_omitted) = run_peers("green", |t| t <= Tlp::Green);
    assert_eq!((stix_omitted, misp_omitted), (5, 5));
    assert_eq!(s["valid"], true, "{s:#}");
    assert_eq!(s["warnings"], Value::Array(vec![]), "{s:#}");
    let values: Vec<&str> = s["misp_attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a[2].as_str().unwrap())
        .collect();
    assert_eq!(
        values,
        ["198.51.100.7", "2001:db8::7", "pago-seguro.example"]
    );
    let types: Vec<&str> = s["stix_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        !types.contains(&"file") && !types.contains(&"url"),
        "{types:?}"
    );
}
