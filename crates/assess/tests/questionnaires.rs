//! The two questionnaires (privacy-by-design impact assessment, cloud-migration security gap
//! analysis) load as catalogs and resolve strictly as profiles: their questions plus the
//! baseline measures they pull in, the same in both languages.

use std::path::PathBuf;

use assess::campaign::MeasureIndex;
use assess::catalog::prop_value;
use assess::{Catalog, ResolveOptions, resolve_profile_file_with};

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data/questionnaires")
        .join(rel)
}

/// (questionnaire, questions, topics, baseline measures imported)
const CASES: [(&str, usize, &[&str], &[&str]); 2] = [
    (
        "pia",
        14,
        &[
            "pia-dat", "pia-leg", "pia-min", "pia-ret", "pia-der", "pia-seg",
        ],
        &["pro-5", "pro-7"],
    ),
    (
        "cloud",
        12,
        &[
            "cloud-cla",
            "cloud-idn",
            "cloud-cif",
            "cloud-reg",
            "cloud-prv",
            "cloud-sal",
        ],
        &["gob-3", "pro-5", "det-1", "rec-1"],
    ),
];

#[test]
fn questionnaires_load_and_resolve() {
    for (id, questions, topics, baseline) in CASES {
        let mut shapes = Vec::new();
        for lang in ["es", "en"] {
            let why = format!("{id}.{lang}");
            let catalog = Catalog::from_file(&data(&format!("{id}.catalog.{lang}.json"))).unwrap();
            assert_eq!(catalog.all_controls().len(), questions, "{why}");
            let groups: Vec<&str> = catalog
                .groups
                .iter()
                .filter_map(|g| g.id.as_deref())
                .collect();
            assert_eq!(groups, topics, "{why}");
            for q in catalog.all_controls() {
                assert!(prop_value(&q.props, "weight").is_some(), "{why}: {}", q.id);
                let statement = q.parts.iter().find(|p| p.name == "statement").unwrap();
                assert!(statement.prose.as_deref().is_some_and(|p| p.len() > 30));
            }

            let resolved = resolve_profile_file_with(
                &data(&format!("{id}.profile.{lang}.json")),
                None,
                ResolveOptions { strict: true },
            )
            .unwrap_or_else(|e| panic!("{why}: {e}"));
            assert!(resolved.warnings.is_empty(), "{why}");
            let all = resolved.catalog.all_controls();
            assert_eq!(all.len(), questions + baseline.len(), "{why}");
            for measure in baseline {
                assert!(
                    resolved.catalog.control(measure).is_some(),
                    "{why}: {measure}"
                );
            }
            // The questionnaire is assessable by the campaign engine as it stands.
            let index = MeasureIndex::from_catalog(&resolved.catalog).unwrap();
            assert_eq!(index.len(), all.len(), "{why}");
            shapes.push(
                all.iter()
                    .map(|c| (c.id.clone(), c.title.clone()))
                    .collect::<Vec<_>>(),
            );
        }
        let ids = |s: &Vec<(String, String)>| s.iter().map(|(i, _)| i.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&shapes[0]), ids(&shapes[1]), "{id}: same questions");
        assert_ne!(shapes[0], shapes[1], "{id}: translated");
    }
}
