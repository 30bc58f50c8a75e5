//! National roll-up of a campaign: 2,000 institutions × 400 measures (800,000 answers).
//!
//! `cargo bench -p assess --bench rollup` (a plain `harness = false` binary; see README.md).
//! The answers are synthetic and deterministic (a small xorshift generator, no dependency);
//! building them is not timed. Prints min, median and p95 of the roll-up; asserts nothing
//! about time.

use std::time::{Duration, Instant};

use assess::campaign::{InstitutionAnswers, MeasureAnswer, MeasureIndex, rollup};
use assess::score::ImplementationStatus;

const INSTITUTIONS: usize = 2_000;
const MEASURES: usize = 400;
const GROUPS: usize = 20;
const RUNS: usize = 40;

const SECTORS: [&str; 8] = [
    "energy",
    "finance",
    "health",
    "telecom",
    "water",
    "transport",
    "public-administration",
    "other",
];
const LEVELS: [&str; 3] = ["federal", "state", "municipal"];

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn campaign() -> (MeasureIndex, Vec<InstitutionAnswers>) {
    let mut index = MeasureIndex::new();
    for m in 0..MEASURES {
        let weight = (m % 3 + 1) as f64;
        index
            .insert(
                &format!("m-{m:03}"),
                &format!("g-{:02}", m % GROUPS),
                weight,
            )
            .expect("measure");
    }
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let institutions = (0..INSTITUTIONS)
        .map(|i| InstitutionAnswers {
            institution_id: format!("INST-{i:04}"),
            sector: SECTORS[i % SECTORS.len()].to_string(),
            government_level: LEVELS[i % LEVELS.len()].to_string(),
            answers: (0..MEASURES)
                .map(|m| {
                    let r = rng.next();
                    let status = match r % 12 {
                        0..=4 => Some(ImplementationStatus::Implemented),
                        5..=6 => Some(ImplementationStatus::Partial),
                        7 => Some(ImplementationStatus::Planned),
                        8..=9 => Some(ImplementationStatus::NotImplemented),
                        10 => Some(ImplementationStatus::NotApplicable {
                            reason: "no aplica".into(),
                        }),
                        _ => None,
                    };
                    MeasureAnswer {
                        measure_id: format!("m-{m:03}"),
                        status,
                        maturity: Some(((r >> 8) % 6) as u8),
                    }
                })
                .collect(),
        })
        .collect();
    (index, institutions)
}

fn main() {
    let (index, institutions) = campaign();
    let answers: usize = institutions.iter().map(|i| i.answers.len()).sum();
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    let mut compliance = None;
    for _ in 0..RUNS {
        let start = Instant::now();
        let r = std::hint::black_box(rollup(&index, &institutions).expect("rollup"));
        times.push(start.elapsed());
        compliance = r.national.compliance;
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "rollup {INSTITUTIONS} institutions × {MEASURES} measures ({answers} answers): \
         min {:.2} ms   median {:.2} ms   p95 {:.2} ms   ({RUNS} runs; national compliance {:.3})",
        ms(times[0]),
        ms(times[RUNS / 2]),
        ms(times[(RUNS * 95).div_ceil(100) - 1]),
        compliance.unwrap_or(f64::NAN),
    );
}
