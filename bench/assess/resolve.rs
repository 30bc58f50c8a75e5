//! Load the full SP 800-53 rev5 catalog and resolve the MODERATE baseline against it.
//!
//! `cargo bench -p assess --bench resolve` (a plain `harness = false` binary; see README.md).
//! Prints the minimum and median of several runs for each step; it asserts nothing about time.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use assess::{Catalog, resolve_profile_file};

const RUNS: usize = 15;

fn data(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/oscal/nist-sp800-53-rev5")
        .join(file)
}

fn measure(name: &str, unit: &str, mut step: impl FnMut() -> usize) {
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut size = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        size = std::hint::black_box(step());
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "{name:<48} min {:>8.2} ms   median {:>8.2} ms   ({size} {unit}, {RUNS} runs)",
        times[0].as_secs_f64() * 1e3,
        times[RUNS / 2].as_secs_f64() * 1e3,
    );
}

fn main() {
    let catalog = data("NIST_SP-800-53_rev5_catalog_v5.0.1_2021-06-08.json");
    let moderate = data("NIST_SP-800-53_rev5_MODERATE-baseline_profile.json");
    let low = data("NIST_SP-800-53_rev5_LOW-baseline_profile.json");
    measure("load full catalog (3.2 MB)", "controls", || {
        Catalog::from_file(&catalog)
            .expect("catalog")
            .all_controls()
            .len()
    });
    measure("load + resolve MODERATE (287 ids)", "controls", || {
        resolve_profile_file(&moderate, Some(&catalog))
            .expect("moderate")
            .all_controls()
            .len()
    });
    measure("load + resolve LOW (149 ids)", "controls", || {
        resolve_profile_file(&low, Some(&catalog))
            .expect("low")
            .all_controls()
            .len()
    });
    measure("load + resolve MODERATE + serialise JSON", "kB", || {
        let resolved = resolve_profile_file(&moderate, Some(&catalog)).expect("moderate");
        resolved.to_json_pretty().len() / 1000
    });
}
