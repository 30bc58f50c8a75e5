//! The shipped NCAF data file loads, has the 2020 shape, and a 20-objective edition loads
//! through the same code. Scoring cases live in the module's unit tests; here the data file
//! is scored end to end.

use std::path::PathBuf;

use assess::AssessError;
use assess::ncaf::{IndicatorAnswer, NcafAnswers, NcafFramework, compare, score};

fn shipped() -> NcafFramework {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/ncaf/ncaf-2020.json");
    NcafFramework::from_file(&path).unwrap()
}

#[test]
fn edition_2020_has_17_objectives_in_4_clusters() {
    let f = shipped();
    assert_eq!(f.edition, "2020");
    let per_cluster: Vec<usize> = f.clusters.iter().map(|c| c.objectives.len()).collect();
    assert_eq!(per_cluster, [3, 7, 4, 3]);
    assert_eq!(
        f.levels.iter().map(|l| l.level).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    for (_, objective) in f.objectives() {
        for level in 1..=5 {
            let n = objective
                .indicators
                .iter()
                .filter(|i| i.level == level)
                .count();
            assert!((2..=4).contains(&n), "{} level {level}: {n}", objective.id);
        }
        for i in &objective.indicators {
            assert!(!i.text.es.is_empty() && !i.text.en.is_empty() && i.text.es != i.text.en);
        }
    }
}

fn test_edition() -> NcafFramework {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ncaf-test-2.0.json");
    NcafFramework::from_file(&path).unwrap()
}

fn all_yes_up_to(f: &NcafFramework, level: u8) -> NcafAnswers {
    f.objectives()
        .flat_map(|(_, o)| &o.indicators)
        .map(|i| {
            let a = if i.level <= level {
                IndicatorAnswer::Yes
            } else {
                IndicatorAnswer::No
            };
            (i.id.clone(), a)
        })
        .collect()
}

/// The fictional 20-objective fixture (the 2026 edition's count, not its content) loads
/// through the same code, is scored, and compares with itself year over year; it does not
/// compare with 2020, whose clusters and objectives are different groupings.
#[test]
fn a_20_objective_edition_loads_scores_and_compares_within_itself() {
    let f = test_edition();
    assert_eq!(f.edition, "test-2.0");
    assert_eq!(f.objectives().count(), 20);
    assert_eq!(f.clusters.len(), 4);
    assert_eq!(
        f.indicators_per_level(),
        [(1, 20), (2, 20), (3, 20), (4, 20), (5, 20)]
    );

    let before = score(&f, &all_yes_up_to(&f, 2)).unwrap();
    let after = score(&f, &all_yes_up_to(&f, 3)).unwrap();
    assert_eq!(before.overall.level, 2.0);
    assert_eq!(after.overall.level, 3.0);
    assert_eq!(after.overall.objectives, 20);
    let c = compare(&before, &after).unwrap();
    assert_eq!(c.objectives.len(), 20);
    assert!(c.objectives.iter().all(|d| d.level_delta == Some(1)));
    assert_eq!(c.overall.level_delta, Some(1.0));
    assert_eq!(c.clusters.len(), 4);

    let f2020 = shipped();
    let y2020 = score(&f2020, &all_yes_up_to(&f2020, 2)).unwrap();
    let err = compare(&y2020, &after).unwrap_err();
    assert!(
        matches!(&err, AssessError::EditionMismatch { before, after } if before == "2020" && after == "test-2.0"),
        "{err}"
    );
    // Answers of one edition are not accepted by the other.
    assert!(score(&f, &all_yes_up_to(&f2020, 1)).is_err());
}

#[test]
fn cluster_and_overall_are_means_over_objectives() {
    let f = shipped();
    // Cluster c1 (o1-o3): o1 at level 5, o2 at 1, o3 at 0 → mean 2.
    let mut answers = NcafAnswers::new();
    for (_, o) in f.objectives() {
        for i in &o.indicators {
            let yes = match o.id.as_str() {
                "o1" => true,
                "o2" => i.level == 1,
                _ => false,
            };
            let a = if yes {
                IndicatorAnswer::Yes
            } else {
                IndicatorAnswer::No
            };
            answers.insert(i.id.clone(), a);
        }
    }
    let s = score(&f, &answers).unwrap();
    let c1 = &s.clusters[0];
    assert_eq!(c1.cluster_id, "c1");
    assert_eq!(c1.averages.level, 2.0);
    let o2 = &s.objectives[1];
    assert_eq!(o2.level, 1);
    assert_eq!(o2.coverage, Some(o2.met as f64 / o2.applicable as f64));
    assert_eq!(s.overall.level, 6.0 / 17.0);
    assert_eq!(s.clusters[1].averages.coverage, Some(0.0));
}

#[test]
fn bad_files_name_file_and_json_path() {
    let cases: &[(&str, &str)] = &[
        (r#"{"ncaf": {"id": "x"}}"#, "ncaf"),
        (
            r#"{"ncaf": {"id":"x","edition":"1","year":2020,"title":{"es":"a","en":"b"},"levels":[{"level":1,"title":{"es":"a","en":"b"}}],
               "clusters":[{"id":"c","title":{"es":"a","en":"b"},"objectives":[{"id":"o","title":{"es":"a","en":"b"},
               "indicators":[{"id":"i","level":"one","text":{"es":"a","en":"b"}}]}]}]}}"#,
            "ncaf.clusters[0].objectives[0].indicators[0].level",
        ),
        (
            r#"{"ncaf": {"id":"x","edition":"1","year":2020,"title":{"es":"a","en":"b"},"levels":[{"level":1,"title":{"es":"a","en":"b"}}],
               "clusters":[{"id":"c","title":{"es":"a","en":"b"},"objectives":[{"id":"o","title":{"es":"a","en":"b"},
               "indicators":[{"id":"i","level":2,"text":{"es":"a","en":"b"}}]}]}]}}"#,
            "ncaf.clusters[0].objectives[0].indicators[0].level",
        ),
        (
            r#"{"ncaf": {"id":"x","edition":"1","year":2020,"title":{"es":"a","en":"b","fr":"c"},"levels":[],"clusters":[]}}"#,
            "ncaf.title",
        ),
        (
            r#"{"ncaf": {"id":"x","edition":"1","title":{"es":"a","en":"b"},"levels":[{"level":1,"title":{"es":"a","en":"b"}}],
               "clusters":[{"id":"c","title":{"es":"a","en":"b"},"objectives":[{"id":"o","title":{"es":"a","en":"b"},
               "indicators":[{"id":"i","level":1,"text":{"es":"a","en":"b"}}]}]}]}}"#,
            "ncaf.year",
        ),
        ("{\"ncaf\": ", "ncaf: EOF"),
    ];
    for (text, path) in cases {
        let err = NcafFramework::from_json_str(text, "bad.json").unwrap_err();
        assert!(matches!(err, AssessError::Json { .. }), "{err}");
        let msg = err.to_string();
        assert!(msg.starts_with("bad.json: "), "{msg}");
        assert!(msg.contains(path), "{path}: {msg}");
    }
}
