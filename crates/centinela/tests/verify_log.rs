//! `centinela verify --log`: a copy of the log is audited offline against its checkpoint and
//! an earlier one, and any rewritten entry or foreign history is refused with a clear error.

use std::path::{Path, PathBuf};
use std::process::Command;
use tlog::entry::Entry;
use tlog::note::Signer;
use tlog::storage::Log;

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("centinela-verify-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn centinela(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_centinela"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn append(log: &Log, range: std::ops::Range<u64>) {
    let batch: Vec<Vec<u8>> = range
        .map(|i| {
            Entry::new(
                "audit",
                &i.to_string(),
                [i as u8; 32],
                1_796_000_000_000 + i,
            )
            .unwrap()
            .encode()
        })
        .collect();
    log.append_batch(&batch).unwrap();
    log.publish_checkpoint().unwrap();
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn verify_log_audits_a_copy_and_proves_consistency() {
    let (logdir, mirror, work) = (temp("log"), temp("mirror"), temp("work"));
    let origin = "centinela.test/log";
    let log = Log::open(&logdir, origin, Signer::from_seed(origin, [5; 32]).unwrap()).unwrap();
    let key = log.verifier().to_string();
    append(&log, 0..1000);
    let early = work.join("early.checkpoint");
    std::fs::write(&early, log.checkpoint().note).unwrap();
    append(&log, 1000..3000);
    tlog::mirror::write_mirror(&log, &mirror, 0).unwrap();

    let (ok, out) = centinela(&[
        "verify",
        "--log",
        s(&mirror),
        "--key",
        &key,
        "--since",
        s(&early),
    ]);
    assert!(ok, "{out}");
    assert!(out.contains("3000 entries"), "{out}");
    assert!(out.contains("earlier checkpoint of 1000 entries"), "{out}");

    // The wrong key, a forged earlier checkpoint, a rewritten entry: each refused.
    let other = Signer::from_seed(origin, [6; 32])
        .unwrap()
        .verifier()
        .to_string();
    let (ok, out) = centinela(&["verify", "--log", s(&mirror), "--key", &other]);
    assert!(!ok, "{out}");
    let forged = work.join("forged.checkpoint");
    let note = tlog::checkpoint::Checkpoint::new(origin, 1000, [9; 32])
        .sign(&Signer::from_seed(origin, [5; 32]).unwrap())
        .unwrap();
    std::fs::write(&forged, note).unwrap();
    let (ok, out) = centinela(&[
        "verify",
        "--log",
        s(&mirror),
        "--key",
        &key,
        "--since",
        s(&forged),
    ]);
    assert!(!ok);
    assert!(out.contains("not a prefix"), "{out}");
    let bundle = mirror.join("tile/entries/001");
    let mut body = std::fs::read(&bundle).unwrap();
    body[20] ^= 0x40;
    std::fs::write(&bundle, body).unwrap();
    let (ok, out) = centinela(&["verify", "--log", s(&mirror), "--key", &key]);
    assert!(!ok);
    assert!(
        out.contains("differs from the tree") || out.contains("root"),
        "{out}"
    );

    // `log tiles` lists what a copy needs.
    let (ok, out) = centinela(&["log", "tiles", "300"]);
    assert!(ok);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "checkpoint",
            "tile/0/000",
            "tile/0/001.p/44",
            "tile/1/000.p/1",
            "tile/entries/000",
            "tile/entries/001.p/44"
        ]
    );
    for d in [logdir, mirror, work] {
        let _ = std::fs::remove_dir_all(d);
    }
}
