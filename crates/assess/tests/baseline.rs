//! The national baseline catalog (Spanish original, English translation) loads and its
//! mappings point at real ids.

mod common;

use std::collections::HashSet;
use std::path::PathBuf;

use assess::catalog::{Control, param_inserts};
use assess::{Catalog, MappingSet};

const NS: &str = "urn:centinela:ns:oscal";

fn baseline(lang: &str) -> Catalog {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("data/baseline/baseline.{lang}.json"));
    Catalog::from_file(&path).unwrap()
}

fn maps_to<'a>(control: &'a Control, framework: &str) -> Vec<&'a str> {
    control
        .props
        .iter()
        .filter(|p| {
            p.name == "maps-to"
                && p.ns.as_deref() == Some(NS)
                && p.class.as_deref() == Some(framework)
        })
        .map(|p| p.value.as_str())
        .collect()
}

/// What must not differ between the two languages.
fn skeleton(catalog: &Catalog) -> Vec<String> {
    catalog
        .all_controls()
        .iter()
        .map(|c| {
            let params: Vec<&str> = c.params.iter().map(|p| p.id.as_str()).collect();
            let props: Vec<String> = c
                .props
                .iter()
                .map(|p| format!("{}:{:?}:{}", p.name, p.class, p.value))
                .collect();
            let parts: Vec<String> = c
                .parts
                .iter()
                .map(|p| {
                    format!(
                        "{:?}({:?})",
                        p.id,
                        p.parts.iter().map(|q| &q.id).collect::<Vec<_>>()
                    )
                })
                .collect();
            format!("{} {params:?} {props:?} {parts:?}", c.id)
        })
        .collect()
}

#[test]
fn both_languages_load_and_agree() {
    let (es, en) = (baseline("es"), baseline("en"));
    assert_eq!(es.all_controls().len(), 15);
    assert_eq!(skeleton(&es), skeleton(&en));
    let groups = |c: &Catalog| c.groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>();
    assert_eq!(groups(&es), groups(&en));
    assert_ne!(
        es.control("pro-1").unwrap().title,
        en.control("pro-1").unwrap().title
    );
    for catalog in [&es, &en] {
        for control in catalog.all_controls() {
            let own: HashSet<&str> = control.params.iter().map(|p| p.id.as_str()).collect();
            let text = serde_json::to_string(&control.parts).unwrap();
            for insert in param_inserts(&text) {
                assert!(
                    own.contains(insert),
                    "{}: insert {insert} has no param",
                    control.id
                );
            }
            for param in &control.params {
                assert!(
                    !param.values.is_empty(),
                    "{}: national default for {}",
                    control.id,
                    param.id
                );
            }
            for framework in [
                "csf-2.0",
                "sp800-53r5",
                "iso27001-2022",
                "iso20000-1-2018",
                "pci-dss-4",
            ] {
                assert!(
                    !maps_to(control, framework).is_empty(),
                    "{} maps to {framework}",
                    control.id
                );
            }
        }
    }
}

#[test]
fn mappings_name_real_controls() {
    let nist = Catalog::from_file(&common::nist(common::CATALOG)).unwrap();
    let csf = Catalog::from_file(&common::shared(
        "oscal/nist-csf-2.0/NIST_CSF_v2.0_catalog.converted-from-xml.json",
    ))
    .unwrap();
    let iso_targets: HashSet<String> = MappingSet::load_dir(&common::shared("mappings"))
        .unwrap()
        .iter()
        .map(|m| m.target_id.clone())
        .collect();
    for control in baseline("es").all_controls() {
        for id in maps_to(control, "sp800-53r5") {
            let target = nist
                .control(id)
                .unwrap_or_else(|| panic!("{}: no SP 800-53 {id}", control.id));
            assert!(!target.is_withdrawn(), "{}: {id} is withdrawn", control.id);
        }
        for id in maps_to(control, "csf-2.0") {
            let target = csf
                .control(id)
                .unwrap_or_else(|| panic!("{}: no CSF {id}", control.id));
            // Active CSF 2.0 subcategories are the ones with examples (see the data README).
            assert!(
                target.parts.iter().any(|p| p.name == "example"),
                "{}: {id} is legacy CSF 1.1",
                control.id
            );
        }
        for id in maps_to(control, "iso27001-2022") {
            assert!(
                iso_targets.contains(id),
                "{}: ISO/IEC 27001 {id} unknown to the mappings",
                control.id
            );
        }
    }
}
