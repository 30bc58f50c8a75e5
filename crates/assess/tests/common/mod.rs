//! Paths to the shared data set (beside the repository: CARGO_MANIFEST_DIR/../../../shared)
//! and the hand-written fixtures.
#![allow(dead_code)]

pub mod fixture;

use std::path::PathBuf;

pub fn shared(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

pub fn nist(file: &str) -> PathBuf {
    shared("oscal/nist-sp800-53-rev5").join(file)
}

pub const CATALOG: &str = "NIST_SP-800-53_rev5_catalog_v5.0.1_2021-06-08.json";
pub const LOW: &str = "NIST_SP-800-53_rev5_LOW-baseline_profile.json";
pub const MODERATE: &str = "NIST_SP-800-53_rev5_MODERATE-baseline_profile.json";
pub const PRIVACY: &str = "NIST_SP-800-53_rev5_PRIVACY-baseline_profile.json";
pub const LOW_RESOLVED: &str = "NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog-min.json";
