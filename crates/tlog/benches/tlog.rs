//! Log benchmarks (plain harness, no extra dependencies): durable appends per
//! second with a checkpoint every second, and proof latency.
//!
//! `cargo bench -p tlog` — see bench/tlog/README.md for the knobs and figures.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tlog::entry::Entry;
use tlog::hash::{leaf_hash, sha256};
use tlog::note::Signer;
use tlog::proof::{verify_consistency, verify_inclusion};
use tlog::storage::Log;

const ORIGIN: &str = "bench.example/log";

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn entry(i: u64) -> Vec<u8> {
    Entry::new(
        "tsa.token",
        &format!("0197a3c2-7f1e-7c4d-9a55-{i:012x}"),
        sha256(&i.to_be_bytes()),
        1_750_000_000_000 + i,
    )
    .unwrap()
    .encode()
}

fn fresh_log(name: &str) -> (Arc<Log>, std::path::PathBuf) {
    let base =
        std::env::var("TLOG_BENCH_DIR").unwrap_or_else(|_| env!("CARGO_TARGET_TMPDIR").to_owned());
    let dir = std::path::Path::new(&base).join(format!("tlog-bench-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    let signer = Signer::from_seed(ORIGIN, [3; 32]).unwrap();
    (Arc::new(Log::open(&dir, ORIGIN, signer).unwrap()), dir)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p) as usize]
}

/// `threads` callers each append one entry at a time, for `secs` seconds,
/// while a checkpointer publishes every second.
fn durable_appends(threads: u64, secs: u64) {
    let (log, dir) = fresh_log(&format!("append-{threads}"));
    let checkpointer = log.spawn_checkpointer(Duration::from_secs(1));
    let stop = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let log = Arc::clone(&log);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut latencies = Vec::new();
                let mut i = t << 40;
                while !stop.load(Ordering::Relaxed) {
                    let e = entry(i);
                    let t0 = Instant::now();
                    log.append(&e).unwrap();
                    latencies.push(t0.elapsed());
                    i += 1;
                }
                latencies
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    let mut latencies: Vec<Duration> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    let elapsed = start.elapsed();
    drop(checkpointer);
    let cp = log.checkpoint();
    latencies.sort();
    let n = latencies.len();
    println!(
        "durable append, {threads:>4} concurrent callers: {:>9.0} appends/s  (ack latency p50 {:?}, p99 {:?}; {n} entries, last checkpoint {})",
        n as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        cp.checkpoint.size,
    );
    drop(log);
    let _ = std::fs::remove_dir_all(dir);
}

/// One caller appending client-side batches of `batch` entries.
fn durable_batches(batch: u64, secs: u64) {
    let (log, dir) = fresh_log(&format!("batch-{batch}"));
    let checkpointer = log.spawn_checkpointer(Duration::from_secs(1));
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < Duration::from_secs(secs) {
        let entries: Vec<Vec<u8>> = (n..n + batch).map(entry).collect();
        log.append_batch(&entries).unwrap();
        n += batch;
    }
    let elapsed = start.elapsed();
    drop(checkpointer);
    println!(
        "durable append_batch of {batch:>4}, 1 caller:      {:>9.0} appends/s  ({n} entries)",
        n as f64 / elapsed.as_secs_f64()
    );
    drop(log);
    let _ = std::fs::remove_dir_all(dir);
}

fn time_per_op(iterations: u64, mut op: impl FnMut(u64)) -> (Duration, Duration) {
    let mut samples = Vec::with_capacity(iterations as usize);
    for i in 0..iterations {
        let t0 = Instant::now();
        op(i);
        samples.push(t0.elapsed());
    }
    samples.sort();
    (percentile(&samples, 0.5), percentile(&samples, 0.99))
}

/// Proof latency in a log of `size` entries, hashes read from the file.
fn proofs(size: u64) {
    let (log, dir) = fresh_log("proofs");
    let t0 = Instant::now();
    let mut i = 0;
    while i < size {
        let entries: Vec<Vec<u8>> = (i..(i + 65_536).min(size)).map(entry).collect();
        log.append_batch(&entries).unwrap();
        i += entries.len() as u64;
    }
    let cp = log.publish_checkpoint().unwrap().checkpoint;
    println!(
        "filled {size} entries in {:.1} s ({:.0} appends/s in batches of 65,536)",
        t0.elapsed().as_secs_f64(),
        size as f64 / t0.elapsed().as_secs_f64()
    );
    // A cheap deterministic spread of indexes.
    let pick = |k: u64| (k.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) % size;

    let (p50, p99) = time_per_op(100_000, |k| {
        let p = log.inclusion_proof(pick(k), size).unwrap();
        std::hint::black_box(p);
    });
    println!("inclusion proof (generate), size {size}: p50 {p50:?}, p99 {p99:?}");

    let index = pick(7);
    let proof = log.inclusion_proof(index, size).unwrap();
    let leaf = leaf_hash(&entry(index));
    let (p50, p99) = time_per_op(100_000, |_| {
        verify_inclusion(&leaf, index, size, &proof, &cp.root).unwrap();
    });
    println!(
        "inclusion proof (verify, {} hashes): p50 {p50:?}, p99 {p99:?}",
        proof.len()
    );

    let (p50, p99) = time_per_op(20_000, |k| {
        let r = log.receipt(pick(k)).unwrap();
        std::hint::black_box(r.encode());
    });
    println!("receipt (proof + checkpoint, encoded): p50 {p50:?}, p99 {p99:?}");

    let old = size / 3 + 1;
    let old_root = log.root_at(old).unwrap();
    let (p50, p99) = time_per_op(20_000, |k| {
        let p = log
            .consistency_proof(1 + pick(k) % (size - 1), size)
            .unwrap();
        std::hint::black_box(p);
    });
    println!("consistency proof (generate): p50 {p50:?}, p99 {p99:?}");
    let cproof = log.consistency_proof(old, size).unwrap();
    let (p50, p99) = time_per_op(20_000, |_| {
        verify_consistency(old, size, &old_root, &cp.root, &cproof).unwrap();
    });
    println!("consistency proof (verify): p50 {p50:?}, p99 {p99:?}");

    let (p50, p99) = time_per_op(5_000, |k| {
        let n = pick(k) / 256;
        let t = log
            .read_path(&tlog::tile::TileId::hashes(0, n.min(size / 256 - 1), 256).path())
            .unwrap();
        std::hint::black_box(t);
    });
    println!("serve full level-0 hash tile (8 KiB): p50 {p50:?}, p99 {p99:?}");
    let (p50, p99) = time_per_op(5_000, |k| {
        let n = pick(k) / 256;
        let t = log
            .read_path(&tlog::tile::TileId::entries(n.min(size / 256 - 1), 256).path())
            .unwrap();
        std::hint::black_box(t);
    });
    println!("serve full entry bundle: p50 {p50:?}, p99 {p99:?}");
    drop(log);
    let _ = std::fs::remove_dir_all(dir);
}

fn main() {
    // `cargo test --benches` runs benches with no arguments but `--bench`
    // absent; keep that quick.
    if !std::env::args().any(|a| a == "--bench") {
        println!("tlog bench: run with `cargo bench -p tlog`");
        return;
    }
    let secs = env_u64("TLOG_BENCH_SECS", 5);
    println!(
        "machine: {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for threads in [1, 16, 64, 256] {
        durable_appends(threads, secs);
    }
    for batch in [256, 4096] {
        durable_batches(batch, secs);
    }
    proofs(env_u64("TLOG_BENCH_PROOF_SIZE", 1_000_000));
}
