//! Crash test: a child process appends at full speed and is killed with
//! SIGKILL, 20 times. After each kill the log must reopen with every entry
//! the child acknowledged, and agree with every checkpoint it published.
//!
//! The child is this same test binary, re-run with `TLOG_CRASH_CHILD` set
//! (so no separate binary has to be located).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tlog::checkpoint;
use tlog::hash::{from_hex, to_hex};
use tlog::note::Signer;
use tlog::proof::verify_consistency;
use tlog::storage::Log;

const ORIGIN: &str = "crash.test/log";
const CHILD_ENV: &str = "TLOG_CRASH_CHILD";
const RUNS: u64 = 20;

fn signer() -> Signer {
    Signer::from_seed(ORIGIN, [42; 32]).unwrap()
}

/// The child: append forever from 4 threads in batches of varying size,
/// printing `ack <index> <entry>` once each batch is durable, and publish a
/// checkpoint every 10 ms, printing `cp <size> <hex root>`.
#[test]
fn child_process_entry_point() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return; // Not the child: nothing to do.
    };
    let (dir, run) = spec.split_once('|').unwrap();
    let log = Arc::new(Log::open(dir, ORIGIN, signer()).unwrap());
    let publisher = {
        let log = Arc::clone(&log);
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(10));
                let cp = log.publish_checkpoint().unwrap();
                let mut out = std::io::stdout().lock();
                writeln!(
                    out,
                    "cp {} {}",
                    cp.checkpoint.size,
                    to_hex(&cp.checkpoint.root)
                )
                .unwrap();
                out.flush().unwrap();
            }
        })
    };
    let run = run.to_owned();
    let appenders: Vec<_> = (0..4u64)
        .map(|t| {
            let log = Arc::clone(&log);
            let run = run.clone();
            std::thread::spawn(move || {
                for seq in 0u64.. {
                    let n = 1 + (seq * 7 + t) % 40;
                    let batch: Vec<String> =
                        (0..n).map(|k| format!("r{run}-t{t}-s{seq}-{k}")).collect();
                    let range = log.append_batch(&batch).unwrap();
                    let mut out = std::io::stdout().lock();
                    for (i, e) in range.zip(&batch) {
                        writeln!(out, "ack {i} {e}").unwrap();
                    }
                    out.flush().unwrap();
                }
            })
        })
        .collect();
    for a in appenders {
        a.join().unwrap();
    }
    publisher.join().unwrap();
}

#[test]
fn acknowledged_entries_survive_sigkill() {
    let dir = std::env::temp_dir().join(format!("tlog-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let exe = std::env::current_exe().unwrap();
    let verifier = signer().verifier().clone();

    let mut acked: BTreeMap<u64, String> = BTreeMap::new();
    // Every checkpoint any run published, by size.
    let mut published: BTreeMap<u64, [u8; 32]> = BTreeMap::new();
    let mut last_checkpoint = None;

    for run in 0..RUNS {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "child_process_entry_point",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, format!("{}|{run}", dir.display()))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        // Kill after a varying number of acknowledgements, so that the kill
        // lands at different points of the append/sync/publish cycle.
        let kill_after = 300 + (run * 7919) % 3000;
        let mut seen = 0u64;
        let mut killed = false;
        for line in stdout.lines() {
            let line = line.unwrap();
            let mut f = line.split(' ');
            match (f.next(), f.next(), f.next()) {
                (Some("ack"), Some(i), Some(e)) => {
                    let prev = acked.insert(i.parse().unwrap(), e.to_owned());
                    assert!(prev.is_none(), "index {i} acknowledged twice");
                    seen += 1;
                }
                (Some("cp"), Some(size), Some(root)) => {
                    let root: [u8; 32] = from_hex(root).unwrap().try_into().unwrap();
                    let size: u64 = size.parse().unwrap();
                    if let Some(old) = published.insert(size, root) {
                        assert_eq!(old, root, "two different checkpoints for size {size}");
                    }
                }
                _ => {} // libtest chatter
            }
            if !killed && seen >= kill_after {
                child.kill().unwrap(); // SIGKILL
                killed = true;
                // Keep reading: lines already in the pipe were acknowledged.
            }
        }
        let status = child.wait().unwrap();
        assert!(killed, "child exited by itself: {status}");

        // The checkpoint file on disk is the last one published.
        let on_disk = std::fs::read(dir.join("checkpoint")).unwrap();
        let (disk_cp, _) =
            checkpoint::open(&on_disk, ORIGIN, std::slice::from_ref(&verifier)).unwrap();

        let log = Log::open(&dir, ORIGIN, signer()).unwrap();
        let size = log.size();
        let max_acked = acked.keys().next_back().copied().unwrap_or(0);
        assert!(
            size > max_acked,
            "run {run}: size {size} but {max_acked} was acknowledged"
        );
        for (&i, e) in &acked {
            assert_eq!(log.entry(i).unwrap(), e.as_bytes(), "run {run}: entry {i}");
        }
        for (&s, root) in &published {
            assert_eq!(
                &log.root_at(s).unwrap(),
                root,
                "run {run}: checkpoint at size {s}"
            );
        }
        assert_eq!(log.root_at(disk_cp.size).unwrap(), disk_cp.root);

        // A fresh checkpoint is consistent with the last published one and
        // with the one the previous run ended on.
        let new = log.publish_checkpoint().unwrap();
        let (new_cp, _) =
            checkpoint::open(new.note.as_bytes(), ORIGIN, std::slice::from_ref(&verifier)).unwrap();
        assert_eq!(new_cp.size, size);
        for old in [Some(disk_cp), last_checkpoint.take()]
            .into_iter()
            .flatten()
        {
            let proof = log.consistency_proof(old.size, new_cp.size).unwrap();
            verify_consistency(old.size, new_cp.size, &old.root, &new_cp.root, &proof).unwrap();
        }
        published.insert(new_cp.size, new_cp.root);
        last_checkpoint = Some(new_cp);
        drop(log);
    }
    assert!(acked.len() as u64 >= RUNS * 300);
    let _ = std::fs::remove_dir_all(&dir);
    let _: PathBuf = dir;
}
