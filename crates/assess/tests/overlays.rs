//! Every sector overlay resolves against the national baseline in strict mode (no warnings)
//! and yields the whole baseline plus exactly the overlay's additions.

use std::collections::BTreeSet;
use std::path::PathBuf;

use assess::catalog::prop_value;
use assess::profile::Profile;
use assess::{Catalog, ResolveOptions, resolve_profile_file_with};

const SECTORS: [&str; 7] = [
    "energy",
    "finance",
    "health",
    "telecom",
    "water",
    "transport",
    "public-administration",
];

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(rel)
}

fn strict() -> ResolveOptions {
    ResolveOptions { strict: true }
}

/// Group id → control ids, in order.
fn shape(catalog: &Catalog) -> Vec<(Option<String>, Vec<String>)> {
    catalog
        .groups
        .iter()
        .map(|g| {
            (
                g.id.clone(),
                g.controls.iter().map(|c| c.id.clone()).collect(),
            )
        })
        .collect()
}

fn part_ids(catalog: &Catalog) -> BTreeSet<String> {
    fn walk(parts: &[assess::Part], out: &mut BTreeSet<String>) {
        for p in parts {
            out.extend(p.id.clone());
            walk(&p.parts, out);
        }
    }
    let mut out = BTreeSet::new();
    for c in catalog.all_controls() {
        walk(&c.parts, &mut out);
    }
    out
}

#[test]
fn every_overlay_resolves_strictly_to_baseline_plus_additions() {
    for lang in ["es", "en"] {
        let baseline =
            Catalog::from_file(&data(&format!("baseline/baseline.{lang}.json"))).unwrap();
        for sector in SECTORS {
            let path = data(&format!("overlays/{sector}.{lang}.json"));
            let why = format!("{sector}.{lang}");
            let resolved = resolve_profile_file_with(&path, None, strict())
                .unwrap_or_else(|e| panic!("{why}: {e}"));
            assert!(
                resolved.warnings.is_empty(),
                "{why}: {:?}",
                resolved.warnings
            );
            let catalog = resolved.catalog;
            assert_eq!(
                shape(&catalog),
                shape(&baseline),
                "{why}: groups and measures"
            );

            let profile = Profile::from_file(&path).unwrap();
            assert_eq!(
                prop_value(&profile.metadata.props, "sector"),
                Some(sector),
                "{why}"
            );
            let modify = profile.modify.as_ref().expect("overlays modify");
            assert!(!modify.set_parameters.is_empty(), "{why}: sets parameters");
            assert!(!modify.alters.is_empty(), "{why}: adds measures");

            for set in &modify.set_parameters {
                let param = catalog
                    .all_controls()
                    .into_iter()
                    .flat_map(|c| &c.params)
                    .find(|p| p.id == set.param_id)
                    .unwrap_or_else(|| panic!("{why}: {}", set.param_id));
                assert_eq!(param.values, set.values, "{why}: {}", set.param_id);
            }

            // The resolved part ids are the baseline's plus exactly the added ones.
            let mut expected = part_ids(&baseline);
            for alter in &modify.alters {
                let control = catalog.control(&alter.control_id).unwrap();
                assert!(
                    control
                        .props
                        .iter()
                        .any(|p| p.name == "overlay" && p.value == sector),
                    "{why}: {} marked",
                    alter.control_id
                );
                for add in &alter.adds {
                    for part in &add.parts {
                        let id = part.id.clone().expect("added parts have ids");
                        assert!(id.starts_with(&format!("{}_smt.", alter.control_id)));
                        let prose = part.prose.as_deref().unwrap_or_default();
                        assert!(prose.len() > 20, "{why}: {id} has prose");
                        expected.insert(id);
                    }
                }
            }
            assert_eq!(part_ids(&catalog), expected, "{why}: parts");
        }
    }
}

#[test]
fn languages_of_an_overlay_agree() {
    for sector in SECTORS {
        let load =
            |lang: &str| Profile::from_file(&data(&format!("overlays/{sector}.{lang}.json")));
        let (es, en) = (load("es").unwrap(), load("en").unwrap());
        let skeleton = |p: &Profile| {
            let m = p.modify.as_ref().unwrap();
            let sets: Vec<&str> = m
                .set_parameters
                .iter()
                .map(|s| s.param_id.as_str())
                .collect();
            let adds: Vec<(String, Vec<Option<String>>)> = m
                .alters
                .iter()
                .map(|a| {
                    let ids = a.adds.iter().flat_map(|x| &x.parts).map(|p| p.id.clone());
                    (a.control_id.clone(), ids.collect())
                })
                .collect();
            format!("{sets:?} {adds:?}")
        };
        assert_eq!(skeleton(&es), skeleton(&en), "{sector}");
        assert_ne!(es.metadata.title, en.metadata.title, "{sector}");
    }
}
