//! Resolving NIST's SP 800-53 rev5 baselines against the full v5.0.1 catalog.
//!
//! NIST resolved LOW against the 5.1.1 catalog, which is not in our data set, so the golden
//! comparison is structural. Deliberate differences, all from the catalog version or from
//! resolution provenance: control text (7 titles), params (5.1.1 renamed them to ODP ids and
//! kept the old id as `alt-identifier`: compared through it, new ODPs left out), no
//! `assessment-*` parts, metadata `uuid`/`last-modified`/`resolution-tool`, and the
//! `source-profile` link names the JSON profile rather than NIST's XML one.

mod common;

use std::collections::{BTreeSet, HashSet};

use assess::catalog::{Control, param_inserts, prop_value};
use assess::{
    AssessError, Catalog, Group, Profile, WarningKind, resolve_profile_file,
    resolve_profile_file_with,
};
use common::{CATALOG, LOW, LOW_RESOLVED, MODERATE, PRIVACY, nist};

/// (depth, id) of every control, depth-first.
fn tree(controls: &[Control], depth: usize, out: &mut Vec<(usize, String)>) {
    for c in controls {
        out.push((depth, c.id.clone()));
        tree(&c.controls, depth + 1, out);
    }
}

type Shape = Vec<(Option<String>, Vec<(usize, String)>)>;

fn shape(groups: &[Group]) -> Shape {
    groups
        .iter()
        .map(|g| {
            assert!(g.groups.is_empty(), "NIST baselines have no sub-groups");
            let mut controls = Vec::new();
            tree(&g.controls, 0, &mut controls);
            (g.id.clone(), controls)
        })
        .collect()
}

/// Param ids as the 2021 catalog names them: NIST's 5.1.1 ODP params carry the old id as
/// `alt-identifier`; ODPs new in 5.1.1 (no old id) are left out of the comparison.
fn legacy_param_ids(control: &Control) -> BTreeSet<String> {
    control
        .params
        .iter()
        .map(|p| {
            prop_value(&p.props, "alt-identifier")
                .unwrap_or(&p.id)
                .to_string()
        })
        .filter(|id| id.contains("_prm_"))
        .collect()
}

fn resolve(profile: &str) -> Catalog {
    resolve_profile_file(&nist(profile), Some(&nist(CATALOG))).expect("resolves")
}

#[test]
fn low_matches_nists_own_resolution() {
    let ours = resolve(LOW);
    let golden = Catalog::from_file(&nist(LOW_RESOLVED)).expect("golden parses");

    // Same groups, same controls, same order, same nesting.
    assert_eq!(shape(&ours.groups), shape(&golden.groups));
    assert_eq!(ours.groups.len(), 18);
    assert_eq!(ours.all_controls().len(), 149);
    for (a, b) in ours.groups.iter().zip(&golden.groups) {
        assert_eq!(
            (&a.class, &a.title),
            (&b.class, &b.title),
            "group {:?}",
            a.id
        );
    }

    // Same parameters per control, modulo the 5.1.1 ODP renaming.
    for control in golden.all_controls() {
        let mine = ours.control(&control.id).expect("control present");
        let want = legacy_param_ids(control);
        let have: BTreeSet<String> = mine.params.iter().map(|p| p.id.clone()).collect();
        assert_eq!(have, want, "params of {}", control.id);
    }

    // No duplicate ids; every insert names a param of the resolved catalog.
    let ids: Vec<&str> = ours.all_controls().iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), ids.iter().collect::<HashSet<_>>().len());
    let params: HashSet<&str> = ours
        .all_controls()
        .iter()
        .flat_map(|c| c.params.iter().map(|p| p.id.as_str()))
        .collect();
    let text = ours.to_json_pretty();
    for insert in param_inserts(&text) {
        assert!(params.contains(insert), "dangling insert {insert}");
    }

    // Back-matter pruned from the catalog's 192 resources to exactly NIST's 135, same order.
    let uuids = |c: &Catalog| -> Vec<String> {
        let resources = &c.back_matter.as_ref().expect("back-matter").resources;
        resources.iter().map(|r| r.uuid.clone()).collect()
    };
    assert_eq!(uuids(&ours), uuids(&golden));
    assert_eq!(uuids(&ours).len(), 135);

    // Metadata: the profile's, plus resolution provenance.
    assert_eq!(ours.metadata.title, golden.metadata.title);
    assert_eq!(ours.metadata.oscal_version, "1.1.2");
    assert!(
        ours.metadata
            .props
            .iter()
            .any(|p| p.name == "resolution-tool")
    );
    assert!(
        ours.metadata
            .links
            .iter()
            .any(|l| l.rel.as_deref() == Some("source-profile"))
    );
}

#[test]
fn resolved_catalog_round_trips_through_json() {
    let ours = resolve(LOW);
    let again = Catalog::from_json_str(&ours.to_json_pretty(), "round-trip").expect("re-parses");
    assert_eq!(again, ours);
}

#[test]
fn moderate_and_privacy_resolve() {
    // PRIVACY selects six enhancements without their parent: they are up-levelled, with a warning.
    for (file, count, orphans) in [(MODERATE, 287, 0), (PRIVACY, 96, 6)] {
        let profile = Profile::from_file(&nist(file)).unwrap();
        let wanted: HashSet<&str> = profile.imports[0].include_controls[0]
            .with_ids
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(wanted.len(), count, "{file}");
        let resolved =
            resolve_profile_file_with(&nist(file), Some(&nist(CATALOG)), Default::default())
                .unwrap();
        let got: HashSet<&str> = resolved
            .catalog
            .all_controls()
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        assert_eq!(got, wanted, "{file}");
        assert_eq!(
            resolved.warnings.len(),
            orphans,
            "{file}: {:?}",
            resolved.warnings
        );
        assert!(
            resolved
                .warnings
                .iter()
                .all(|w| w.kind == WarningKind::OrphanEnhancement),
            "{file}: {:?}",
            resolved.warnings
        );
    }
    let privacy = resolve(PRIVACY);
    let ac = privacy
        .groups
        .iter()
        .find(|g| g.id.as_deref() == Some("ac"))
        .unwrap();
    assert!(
        ac.controls.iter().any(|c| c.id == "ac-3.14"),
        "ac-3.14 up-levelled into the family"
    );
}

#[test]
fn without_override_the_nist_catalog_link_is_missing() {
    // The profiles point at ../../../../nist.gov/..., which is not in our data set.
    let err = resolve_profile_file(&nist(LOW), None).unwrap_err();
    assert!(matches!(err, AssessError::Import { .. }), "{err}");
    assert!(err.to_string().contains("no such file"), "{err}");
}

#[test]
fn full_catalog_loads() {
    let catalog = Catalog::from_file(&nist(CATALOG)).unwrap();
    assert_eq!(catalog.groups.len(), 20);
    let controls = catalog.all_controls();
    assert_eq!(controls.len(), 1189);
    assert_eq!(controls.iter().filter(|c| c.is_withdrawn()).count(), 182);
}

#[test]
fn csf_catalog_loads() {
    let path = common::shared("oscal/nist-csf-2.0/NIST_CSF_v2.0_catalog.converted-from-xml.json");
    let catalog = Catalog::from_file(&path).unwrap();
    assert_eq!(catalog.groups.len(), 6);
    assert!(catalog.control("GV.OC-01").is_some());
}
