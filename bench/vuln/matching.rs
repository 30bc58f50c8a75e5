//! Vulnerability matching benchmark (harness = false): synthetic NVD-like data with
//! 250,000 configurations, 10,000 inventory items. Prints load, index and matching
//! figures. Run: `cargo bench -p vuln --bench matching [-- CONFIGS ITEMS]`.

use std::fmt::Write as _;
use std::hash::{Hash as _, Hasher as _};
use std::time::Instant;

use vuln::{NvdFeed, SoftwareItem, VulnDbBuilder};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Skewed pick in 0..n, density ≈ 1/x: the top product gets ≈ 7 % of the CVEs
    /// (the Linux kernel's share of the real NVD is of that order).
    fn skewed(&mut self, n: u64) -> u64 {
        let r = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(r) as u64).saturating_sub(1).min(n - 1)
    }
}

const PRODUCTS: u64 = 20_000;

fn product(p: u64) -> (String, String) {
    (format!("vendor{}", p % 5_000), format!("product{p}"))
}

fn version(rng: &mut Rng) -> String {
    format!("{}.{}.{}", rng.below(12), rng.below(20), rng.below(30))
}

fn nvd_json(configs: usize, rng: &mut Rng) -> String {
    let mut s = String::with_capacity(configs * 900);
    let _ = write!(
        s,
        "{{\"resultsPerPage\":{configs},\"startIndex\":0,\"totalResults\":{configs},\"format\":\"NVD_CVE\",\"version\":\"2.0\",\"timestamp\":\"2025-01-01T00:00:00.000\",\"vulnerabilities\":["
    );
    for i in 0..configs {
        if i > 0 {
            s.push(',');
        }
        // Half the CVEs spread evenly, half skewed: the top product gets ≈ 3.5 %.
        let p = if rng.below(2) == 0 {
            rng.below(PRODUCTS)
        } else {
            rng.skewed(PRODUCTS)
        };
        let (vendor, prod) = product(p);
        let score = 1.0 + rng.below(90) as f64 / 10.0;
        let sev = match score {
            x if x >= 9.0 => "CRITICAL",
            x if x >= 7.0 => "HIGH",
            x if x >= 4.0 => "MEDIUM",
            _ => "LOW",
        };
        let _ = write!(
            s,
            "{{\"cve\":{{\"id\":\"CVE-{}-{:05}\",\"sourceIdentifier\":\"cve@mitre.org\",\"published\":\"2024-01-01T00:00:00.000\",\"lastModified\":\"2024-06-01T00:00:00.000\",\"vulnStatus\":\"Analyzed\",\"descriptions\":[{{\"lang\":\"en\",\"value\":\"Synthetic vulnerability {i} in {prod} allows remote attackers to do something bad via crafted input.\"}}],\"metrics\":{{\"cvssMetricV31\":[{{\"source\":\"nvd@nist.gov\",\"type\":\"Primary\",\"cvssData\":{{\"version\":\"3.1\",\"vectorString\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\",\"baseScore\":{score:.1},\"baseSeverity\":\"{sev}\"}},\"exploitabilityScore\":3.9,\"impactScore\":5.9}}]}},\"weaknesses\":[{{\"source\":\"nvd@nist.gov\",\"type\":\"Primary\",\"description\":[{{\"lang\":\"en\",\"value\":\"CWE-79\"}}]}}],\"configurations\":[{{\"nodes\":[{{\"operator\":\"OR\",\"negate\":false,\"cpeMatch\":[",
            2000 + i / 100_000,
            i % 100_000
        );
        let matches = 1 + rng.below(3);
        for m in 0..matches {
            if m > 0 {
                s.push(',');
            }
            let kind = rng.below(10);
            let (a, b) = (rng.below(12), rng.below(20));
            if kind < 6 {
                let _ = write!(
                    s,
                    "{{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:{vendor}:{prod}:*:*:*:*:*:*:*:*\",\"versionStartIncluding\":\"{a}.{b}.0\",\"versionEndExcluding\":\"{a}.{b}.{}\",\"matchCriteriaId\":\"00000000-0000-0000-0000-000000000000\"}}",
                    1 + rng.below(30)
                );
            } else if kind < 9 {
                let _ = write!(
                    s,
                    "{{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:{vendor}:{prod}:{a}.{b}.{}:*:*:*:*:*:*:*\",\"matchCriteriaId\":\"00000000-0000-0000-0000-000000000000\"}}",
                    rng.below(30)
                );
            } else {
                let _ = write!(
                    s,
                    "{{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:{vendor}:{prod}:*:*:*:*:*:*:*:*\",\"versionEndIncluding\":\"{a}.{b}.{}\",\"matchCriteriaId\":\"00000000-0000-0000-0000-000000000000\"}}",
                    rng.below(30)
                );
            }
        }
        s.push_str("]}]}],\"references\":[{\"url\":\"https://example.invalid/advisory\",\"source\":\"cve@mitre.org\"}]}}");
    }
    s.push_str("]}");
    s
}

fn items(n: usize, rng: &mut Rng) -> Vec<SoftwareItem> {
    (0..n)
        .map(|i| {
            let (vendor, prod) = product(rng.skewed(PRODUCTS));
            let v = version(rng);
            let with_cpe = i % 10 < 7;
            SoftwareItem {
                id: format!("sw-{i}"),
                cpe: with_cpe.then(|| format!("cpe:2.3:a:{vendor}:{prod}:{v}:*:*:*:*:*:*:*")),
                vendor,
                product: prod,
                version: (!with_cpe).then_some(v),
                purl: None,
            }
        })
        .collect()
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// CPU time of this thread in seconds (from the scheduler's own accounting): on a
/// machine shared with other builds it moves far less than wall time.
fn thread_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let configs = args.first().copied().unwrap_or(250_000);
    let n_items = args.get(1).copied().unwrap_or(10_000);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    let t = Instant::now();
    let json = nvd_json(configs, &mut rng);
    println!(
        "generated {configs} CVE records ({} MB of NVD 2.0 JSON) in {:.2} s",
        json.len() / 1_000_000,
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let feed = NvdFeed::from_slice(json.as_bytes()).expect("feed");
    let slice_s = t.elapsed().as_secs_f64();
    let criteria: usize = feed
        .cves
        .iter()
        .flat_map(|c| &c.configurations)
        .flat_map(|c| &c.nodes)
        .map(|n| n.cpe_match.len())
        .sum();
    drop(feed);
    println!(
        "load (NvdFeed::from_slice, all records in memory): {slice_s:.2} s, {:.0} records/s, {:.0} MB/s ({criteria} criteria)",
        configs as f64 / slice_s,
        json.len() as f64 / 1e6 / slice_s
    );

    let t = Instant::now();
    let mut builder = VulnDbBuilder::new();
    builder
        .add_nvd_reader(json.as_bytes(), vuln::DEFAULT_MAX_BYTES)
        .expect("reader");
    let reader_s = t.elapsed().as_secs_f64();
    println!(
        "load (VulnDbBuilder::add_nvd_reader, streamed): {reader_s:.2} s, {:.0} records/s, {:.0} MB/s",
        configs as f64 / reader_s,
        json.len() as f64 / 1e6 / reader_s
    );
    let t = Instant::now();
    let db = builder.build();
    println!(
        "index build: {:.3} s; {:?}",
        t.elapsed().as_secs_f64(),
        db.stats()
    );
    drop(json);

    let inventory = items(n_items, &mut rng);
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut report = None;
    for _ in 0..5 {
        let c = thread_cpu_s();
        let t = Instant::now();
        let r = db.match_inventory(&inventory);
        times.push(t.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (c, thread_cpu_s()) {
            cpu.push(b - a);
        }
        report = Some(r);
    }
    let report = report.expect("ran");
    let m = median(times);
    if !cpu.is_empty() {
        println!(
            "match: thread CPU time, median of 5 = {:.1} ms",
            median(cpu) * 1e3
        );
    }
    let vulnerable: std::collections::HashSet<&str> = report
        .findings
        .iter()
        .map(|f| f.software_id.as_str())
        .collect();
    println!(
        "match {n_items} items: median of 5 = {:.1} ms ({:.0} items/s, {:.1} µs/item); {} findings, {} vulnerable items, {} skipped",
        m * 1e3,
        n_items as f64 / m,
        m * 1e6 / n_items as f64,
        report.findings.len(),
        vulnerable.len(),
        report.skipped.len()
    );
    // A digest of the whole report, in order, to compare implementations run to run.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for f in &report.findings {
        format!("{f:?}").hash(&mut h);
    }
    for s in &report.skipped {
        format!("{s:?}").hash(&mut h);
    }
    println!("report digest: {:016x}", h.finish());
    if let Some(rss) = peak_rss_mib() {
        println!("peak RSS: {rss:.0} MiB (includes the generated JSON)");
    }
}
