//! Benchmark driver for `bench/feeds/README.md` (build with `--release`).
//!
//! ```text
//! feeds_bench gen-owners N OUT.csv          N mixed IPv4/IPv6 prefixes + the peer's three
//! feeds_bench lookup OWNERS.csv [LOOKUPS]   owner lookups/s on random addresses
//! feeds_bench parse REPORT.csv              parse-only events/s (no routing, no output)
//! feeds_bench route REPORT.csv OWNERS.csv   route-only lookups/s on the parsed events
//! feeds_bench e2e REPORT.csv OWNERS.csv OUT file -> routed JSONL on disk, events/s
//! ```

use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use feeds::{OwnerTable, ReportKind, RouteOptions};

type Error = Box<dyn std::error::Error>;

/// User + system CPU seconds of this process (Linux `/proc/self/stat`, 10 ms ticks): on a
/// shared 2-core machine wall time includes waiting for the core, CPU time does not.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // Fields 14 and 15 of the file are utime and stime; `after` starts at field 3.
    (f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0)) / 100.0
}

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Three quarters IPv4 (/8–/32, mostly /16–/24), one quarter IPv6 (/20–/64).
fn gen_owners(n: usize, path: &str) -> Result<(), Error> {
    let mut rng = Rng(42);
    let mut out = BufWriter::new(File::create(path)?);
    writeln!(out, "kind,value,owner")?;
    // The IntelMQ peer's sieve.rules, so both systems route the generated report alike.
    writeln!(
        out,
        "cidr,10.0.0.0/10,ministry-a\ncidr,10.64.0.0/10,ministry-b\ncidr,10.128.0.0/9,agency-c"
    )?;
    let mut seen = std::collections::HashSet::new();
    let mut i = 0;
    while i < n.saturating_sub(3) {
        let owner = format!("inst-{}", i % 5000);
        let mut line = Vec::new();
        if !rng.next().is_multiple_of(4) {
            let len = [8, 12, 16, 16, 20, 22, 24, 24, 24, 28, 32][(rng.next() % 11) as usize];
            let mut a = rng.next() as u32 | 0x0100_0000;
            if a >> 24 == 10 {
                a ^= 0x0100_0000; // keep 10/8 to the peer's three owners
            }
            let a = if len == 32 { a } else { a & !(u32::MAX >> len) };
            write!(line, "cidr,{}/{len}", Ipv4Addr::from(a))?;
        } else {
            let len = 20 + (rng.next() % 45) as u32;
            let a = (0x2000u128 << 112)
                | ((u128::from(rng.next()) << 64 | u128::from(rng.next())) >> 4);
            let a = a & !(u128::MAX >> len);
            write!(line, "cidr,{}/{len}", Ipv6Addr::from(a))?;
        }
        // Exact duplicates would be reported and dropped: keep the count exact.
        if seen.insert(line.clone()) {
            out.write_all(&line)?;
            writeln!(out, ",{owner}")?;
            i += 1;
        }
    }
    out.flush()?;
    Ok(())
}

fn load(path: &str) -> Result<OwnerTable, Error> {
    let t0 = Instant::now();
    let t = OwnerTable::from_csv(File::open(path)?)?;
    eprintln!(
        "owners: {} prefixes, {} owners, {} duplicates, loaded in {:.3}s",
        t.prefix_count(),
        t.owner_count(),
        t.duplicates().len(),
        t0.elapsed().as_secs_f64()
    );
    Ok(t)
}

fn lookup(path: &str, n: usize) -> Result<(), Error> {
    let t = load(path)?;
    let mut rng = Rng(7);
    let addrs: Vec<IpAddr> = (0..1 << 20)
        .map(|_| {
            if !rng.next().is_multiple_of(4) {
                IpAddr::V4(Ipv4Addr::from(rng.next() as u32))
            } else {
                let hi = (0x2000u128 << 112) | (u128::from(rng.next()) << 60);
                IpAddr::V6(Ipv6Addr::from(hi | u128::from(rng.next() & 0xFFFF)))
            }
        })
        .collect();
    let t0 = Instant::now();
    let mut hits = 0u64;
    for i in 0..n {
        if black_box(t.lookup_ip(addrs[i & (addrs.len() - 1)])).is_some() {
            hits += 1;
        }
    }
    let s = t0.elapsed().as_secs_f64();
    println!(
        "lookup: {n} lookups in {s:.3}s = {:.0} lookups/s ({:.1} ns each), {:.1}% matched",
        n as f64 / s,
        s * 1e9 / n as f64,
        100.0 * hits as f64 / n as f64
    );
    Ok(())
}

fn kind_of(path: &str) -> Result<ReportKind, Error> {
    Ok(ReportKind::from_file_name(path)?)
}

fn parse(path: &str) -> Result<(), Error> {
    let t0 = Instant::now();
    let c0 = cpu_seconds();
    let mut fields = 0usize;
    let s = feeds::parse_stream(
        kind_of(path)?,
        File::open(path)?,
        &RouteOptions::default(),
        |_| {},
        |_, e, _, _| {
            fields += black_box(e).fields().count();
            Ok(())
        },
    )?;
    let secs = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - c0;
    println!(
        "parse: {} events in {secs:.3}s = {:.0} events/s ({:.0} per CPU-second; {fields} fields, {} rejected)",
        s.events_written,
        s.events_written as f64 / secs,
        s.events_written as f64 / cpu.max(0.01),
        s.rows_rejected
    );
    Ok(())
}

fn route(path: &str, owners: &str) -> Result<(), Error> {
    let t = load(owners)?;
    let mut keys = Vec::new();
    feeds::parse_stream(
        kind_of(path)?,
        File::open(path)?,
        &RouteOptions::default(),
        |_| {},
        |_, e, _, _| {
            keys.push((e.source_ip(), e.source_asn()));
            Ok(())
        },
    )?;
    let t0 = Instant::now();
    let mut routed = 0u64;
    for &(ip, asn) in &keys {
        if black_box(t.route(ip, asn, None)).is_some() {
            routed += 1;
        }
    }
    let s = t0.elapsed().as_secs_f64();
    println!(
        "route: {} events in {s:.4}s = {:.0} events/s, {routed} routed",
        keys.len(),
        keys.len() as f64 / s
    );
    Ok(())
}

fn e2e(path: &str, owners: &str, out: &str) -> Result<(), Error> {
    let t = load(owners)?;
    let opts = RouteOptions {
        // As the IntelMQ peer's sieve.rules `else` branch and its report's feed.name.
        unrouted_owner: Some("unknown".into()),
        feed_name: Some("Shadowserver".into()),
        ..RouteOptions::default()
    };
    let t0 = Instant::now();
    let c0 = cpu_seconds();
    // As `centinela feeds route` writes: direct I/O where the filesystem has it.
    let sink = if std::env::var_os("FEEDS_BENCH_BUFFERED").is_some() {
        feeds::EventFile::buffered(out.as_ref())?
    } else {
        feeds::EventFile::create(out.as_ref())?
    };
    eprintln!("output: {out} (direct I/O: {})", sink.is_direct());
    let s = feeds::route_stream_with(&t, kind_of(path)?, File::open(path)?, sink, &opts, |_| {})?;
    let secs = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - c0;
    println!(
        "e2e: {} events in {secs:.3}s = {:.0} events/s ({:.0} per CPU-second), {:.1} MB/s in; rejected {}, unrouted {}, owners {}",
        s.events_written,
        s.events_written as f64 / secs,
        s.events_written as f64 / cpu.max(0.01),
        s.bytes_read as f64 / secs / 1e6,
        s.rows_rejected,
        s.unrouted,
        s.events_per_owner.len()
    );
    Ok(())
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let a = |i: usize| {
        args.get(i)
            .map(String::as_str)
            .ok_or("missing argument; see the file's doc comment")
    };
    match a(0)? {
        "gen-owners" => gen_owners(a(1)?.parse()?, a(2)?),
        "lookup" => lookup(a(1)?, args.get(2).map_or(Ok(20_000_000), |n| n.parse())?),
        "parse" => parse(a(1)?),
        "route" => route(a(1)?, a(2)?),
        "e2e" => e2e(a(1)?, a(2)?, a(3)?),
        other => Err(format!("unknown command {other:?}").into()),
    }
}
