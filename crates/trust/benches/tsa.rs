//! Time-stamp tokens per second, in process, ECDSA P-256 (ring), beside the
//! raw ring signing rate and `openssl speed ecdsap256` as the ceiling.
//!
//! `cargo bench -p trust --bench tsa` (set `TRUST_BENCH_SECS`, default 3).

use std::hint::black_box;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use trust::cades;
use trust::cert::DevelopmentPki;
use trust::tsp::{HashAlgorithm, TimeStampAuthority, TimeStampRequest, TsaConfig};

fn rate(secs: f64, mut op: impl FnMut()) -> f64 {
    for _ in 0..200 {
        op();
    }
    let start = Instant::now();
    let deadline = Duration::from_secs_f64(secs);
    let mut n = 0u64;
    while start.elapsed() < deadline {
        for _ in 0..100 {
            op();
        }
        n += 100;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let secs: f64 = std::env::var("TRUST_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let pki = DevelopmentPki::generate("Bench").unwrap();
    let key = trust::key::SigningKey::from_pkcs8_der(&pki.tsa_pkcs8).unwrap();
    let seal = pki.seal;
    let tsa = Arc::new(TimeStampAuthority::new(pki.tsa, TsaConfig::default()).unwrap());
    let request = |cert_req| {
        TimeStampRequest::new(HashAlgorithm::Sha256, &[0x5a; 32])
            .unwrap()
            .with_nonce(&[1, 2, 3, 4, 5, 6, 7, 8])
            .unwrap()
            .with_cert_req(cert_req)
            .to_der()
            .unwrap()
    };
    let with_cert = request(true);
    let without_cert = request(false);

    println!(
        "machine: {} cores available",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let raw = rate(secs, || {
        black_box(key.sign(black_box(&[7u8; 200])).unwrap());
    });
    println!("ring ECDSA P-256 sign (200 B), 1 thread:      {raw:>9.0} /s");
    let r = rate(secs, || {
        black_box(tsa.respond(black_box(&with_cert)));
    });
    println!(
        "TSA tokens, certReq=true, nonce, 1 thread:    {r:>9.0} /s  ({:.1} µs each)",
        1e6 / r
    );
    let r = rate(secs, || {
        black_box(tsa.respond(black_box(&without_cert)));
    });
    println!(
        "TSA tokens, certReq=false, nonce, 1 thread:   {r:>9.0} /s  ({:.1} µs each)",
        1e6 / r
    );
    let r = rate(secs, || {
        black_box(tsa.respond(black_box(b"\x30\x03\x02\x01\x01")));
    });
    println!("rejections (malformed request), 1 thread:     {r:>9.0} /s");

    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let tsa = Arc::clone(&tsa);
            let req = with_cert.clone();
            std::thread::spawn(move || {
                rate(secs, || {
                    black_box(tsa.respond(black_box(&req)));
                })
            })
        })
        .collect();
    let total: f64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    println!("TSA tokens, certReq=true, {threads} threads:          {total:>9.0} /s");

    let doc = vec![0x42u8; 4096];
    let r = rate(secs / 2.0, || {
        black_box(cades::seal(&seal, &tsa, black_box(&doc), std::time::SystemTime::now()).unwrap());
    });
    println!("CAdES-B-T seals (4 KiB document), 1 thread:   {r:>9.0} /s");

    match Command::new("openssl")
        .args([
            "speed",
            "-seconds",
            &format!("{}", secs.ceil() as u64),
            "ecdsap256",
        ])
        .output()
    {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout);
            let line = text
                .lines()
                .find(|l| l.contains("ecdsa (nistp256)"))
                .unwrap_or("?");
            println!("openssl speed ecdsap256 (sign/s, verify/s):  {line}");
        }
        Err(e) => println!("openssl speed not run: {e}"),
    }
}
