//! Throughput of the pure incident functions (see bench/incidents/README.md).
//! Plain harness: `cargo bench -p incidents`. `INCIDENTS_BENCH_SECS` (default 2) per scenario.

use std::hint::black_box;
use std::time::{Duration as StdDuration, Instant};

use centinela_core::tlp::Tlp;
use incidents::clock::{ClockInput, Submission, stage_clocks};
use incidents::incident::{Incident, IncidentDraft, Pap};
use incidents::misp::export_event;
use incidents::observable::{Observable, ObservableKind};
use incidents::protocol::{ProtocolKey, ProtocolRegistry};
use incidents::severity::{FunctionalImpact, ImpactFactors, InformationImpact, Recoverability};
use incidents::stix::{Reporter, export_bundle};
use incidents::taxonomy::Classification;
use time::Duration;
use time::macros::datetime;
use uuid::Uuid;

fn run(name: &str, secs: f64, mut f: impl FnMut(u64)) {
    // Warm-up, then as many iterations as fit in the time budget.
    for i in 0..100 {
        f(i);
    }
    let budget = StdDuration::from_secs_f64(secs);
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        for _ in 0..100 {
            f(n);
            n += 1;
        }
    }
    let el = start.elapsed().as_secs_f64();
    println!(
        "{name:<48} {:>12.0} /s   {:>9.2} µs/op",
        n as f64 / el,
        el * 1e6 / n as f64
    );
}

fn factors(i: u64) -> ImpactFactors {
    ImpactFactors {
        functional_impact: FunctionalImpact::ALL[(i % 8) as usize],
        information_impact: InformationImpact::ALL[((i / 8) % 8) as usize],
        recoverability: Recoverability::ALL[((i / 64) % 4) as usize],
        people_affected: (i * 7919) % 2_000_000,
        essential_service: i.is_multiple_of(3),
        institutions_affected: (i % 13) as u32,
        cross_border: i.is_multiple_of(5),
    }
}

fn incident(observables: usize) -> Incident {
    let kinds = [
        ObservableKind::Ip,
        ObservableKind::Domain,
        ObservableKind::Url,
        ObservableKind::Sha256,
    ];
    let tlps = [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::Red];
    let obs = (0..observables)
        .map(|i| {
            let value = match kinds[i % 4] {
                ObservableKind::Ip => format!("198.51.{}.{}", i / 250, i % 250),
                ObservableKind::Domain => format!("host{i}.example.net"),
                ObservableKind::Url => format!("https://host{i}.example.net/path/{i}"),
                _ => format!("{:064x}", i as u128 * 0x9e37_79b9_7f4a_7c15),
            };
            Observable::new(kinds[i % 4], &value, tlps[i % 4])
        })
        .collect();
    Incident {
        id: Uuid::from_u128(42),
        reference: "CEN-2026-000042".into(),
        protocol: ProtocolKey::new("mx-apf-2025", "2025.1"),
        reported_at: datetime!(2026-02-23 08:00 UTC),
        updated_at: datetime!(2026-02-23 09:00 UTC),
        level: "alto".into(),
        sector: None,
        closed_at: None,
        draft: IncidentDraft {
            reporter_institution: Uuid::from_u128(7),
            title: "Ransomware".into(),
            description: "Bench".into(),
            detected_at: datetime!(2026-02-23 06:00 UTC),
            aware_at: datetime!(2026-02-23 07:00 UTC),
            classifications: vec![Classification::new(
                "information-content-security",
                "unauthorised-information-modification",
            )],
            tlp: Tlp::Amber,
            pap: Pap::Amber,
            affected_assets: String::new(),
            affected_services: String::new(),
            affected_asset_ids: vec![],
            affected_service_ids: vec![],
            impact: ImpactFactors::default(),
            observables: obs,
        },
    }
}

fn main() {
    let secs: f64 = std::env::var("INCIDENTS_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    let registry = ProtocolRegistry::builtin();
    let mx = registry.get("mx-apf-2025", "2025.1").unwrap();
    let eu = registry.get("eu-nis2", "2022-2555.1").unwrap();

    run("severity: assess (mx-apf-2025)", secs, |i| {
        black_box(mx.severity.assess(black_box(&factors(i))));
    });
    let aware = datetime!(2026-01-28 10:00 UTC);
    let subs = [
        Submission {
            stage: "early-warning".into(),
            at: aware + Duration::hours(20),
        },
        Submission {
            stage: "notification".into(),
            at: aware + Duration::hours(60),
        },
    ];
    run("clocks: stage_clocks (mx-apf-2025, 1 stage)", secs, |i| {
        let input = ClockInput {
            detected_at: aware,
            aware_at: aware,
            level: "alto",
            significant_since: None,
            sector: None,
            closed_at: None,
            submissions: &[],
            requests: &[],
        };
        black_box(stage_clocks(
            mx,
            &input,
            aware + Duration::minutes(i as i64 % 5000),
        ));
    });
    run("clocks: stage_clocks (eu-nis2, 5 stages)", secs, |i| {
        let input = ClockInput {
            detected_at: aware,
            aware_at: aware,
            level: "significant",
            significant_since: None,
            sector: None,
            closed_at: None,
            submissions: &subs,
            requests: &[],
        };
        black_box(stage_clocks(
            eu,
            &input,
            aware + Duration::hours(i as i64 % 2000),
        ));
    });
    run("severity + clocks (mx, one incident)", secs, |i| {
        let a = mx.severity.assess(&factors(i));
        let input = ClockInput {
            detected_at: aware,
            aware_at: aware,
            level: &a.level,
            significant_since: None,
            sector: None,
            closed_at: None,
            submissions: &[],
            requests: &[],
        };
        black_box(stage_clocks(mx, &input, aware + Duration::hours(3)));
    });

    let big = incident(100);
    let reporter = Reporter {
        id: Uuid::from_u128(7),
        name: "Secretaría",
    };
    run("stix: export_bundle, 100 observables", secs, |_| {
        black_box(export_bundle(black_box(&big), reporter, |_| true));
    });
    run(
        "stix: export_bundle + to_string, 100 observables",
        secs,
        |_| {
            let e = export_bundle(black_box(&big), reporter, |_| true);
            black_box(serde_json::to_string(&e.json).unwrap());
        },
    );
    run("stix: export_bundle, 100 obs, GREEN caller", secs, |_| {
        black_box(export_bundle(black_box(&big), reporter, |t| {
            t <= Tlp::Green
        }));
    });
    run(
        "misp: export_event + to_string, 100 observables",
        secs,
        |_| {
            let e = export_event(black_box(&big), mx, |_| true);
            black_box(serde_json::to_string(&e.json).unwrap());
        },
    );
    let bytes = serde_json::to_string(&export_bundle(&big, reporter, |_| true).json)
        .unwrap()
        .len();
    println!("bundle size, 100 observables: {bytes} bytes");
}
