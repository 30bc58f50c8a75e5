//! The shared framework mappings load and answer by source control id.

mod common;

use assess::MappingSet;
use assess::mapping::{Inference, Relationship, Trust};

#[test]
fn shared_mappings_load_with_provenance() {
    let set = MappingSet::load_dir(&common::shared("mappings")).unwrap();
    assert_eq!(set.len(), 642 + 343 + 185);
    assert!(
        set.iter()
            .all(|m| m.relationship == Relationship::Intersects),
        "all rows intersect"
    );

    // OSCAL-style lower-case ids find the upper-case CSV rows.
    let ac1 = set.targets("ac-1");
    let targets: Vec<&str> = ac1.iter().map(|m| m.target_id.as_str()).collect();
    assert!(
        targets.contains(&"5.2") && targets.contains(&"7.5.1"),
        "{targets:?}"
    );
    for m in &ac1 {
        assert_eq!(m.provenance.trust, Trust::Official);
        assert_eq!(m.provenance.source_framework, "nist-sp800-53r5");
        assert_eq!(m.provenance.target_framework, "iso27001-2022");
        assert_eq!(
            m.relationship.inference(),
            Inference::SuggestEvidence,
            "intersect copies nothing"
        );
    }

    let csf = set.targets("GV.OC-01");
    assert!(!csf.is_empty());
    assert!(csf.iter().all(|m| m.provenance.trust == Trust::Community));

    let transition = set.targets("ID.BE-2");
    assert_eq!(transition[0].target_id, "GV.OC-01");
    assert_eq!(
        transition[0].rationale,
        Some(assess::mapping::Rationale::Semantic)
    );

    // Reverse lookup: which 800-53 controls touch ISO 27001 Annex A 5.15?
    assert!(
        set.sources("A.5.15")
            .iter()
            .any(|m| m.source_id.starts_with("AC-"))
    );
    assert!(set.targets("zz-404").is_empty());
}
