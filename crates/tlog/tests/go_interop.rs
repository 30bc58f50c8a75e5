//! Interop with a real peer: Go's `golang.org/x/mod/sumdb/note` and
//! `sumdb/tlog` check our hashes, proofs and signed notes, and we check
//! theirs. (Go's tile paths are the older sumdb ones, so tiles are not
//! compared.)
//!
//! Needs `go` and the x/mod sources: on Debian,
//! `apt-get install -y golang-go golang-golang-x-mod-dev`. Without them the
//! test fails rather than pass silently.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use tlog::checkpoint::{self, Checkpoint};
use tlog::hash::{Hash, leaf_hash};
use tlog::note::{self, Signer, Verifier};
use tlog::proof::{consistency_proof, inclusion_proof};
use tlog::tree::MemoryTree;

const GOPATH_SYSTEM: &str = "/usr/share/gocode";
const INSTALL_HINT: &str = "Go interop test needs Go and golang.org/x/mod: \
     run `apt-get install -y golang-go golang-golang-x-mod-dev` (CI installs them)";

/// Builds tests/go/interop.go once per test run.
fn peer_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let go = Command::new("go").arg("version").output();
        assert!(
            go.as_ref().is_ok_and(|o| o.status.success()),
            "`go` is not on PATH. {INSTALL_HINT}"
        );
        assert!(
            Path::new(GOPATH_SYSTEM)
                .join("src/golang.org/x/mod/sumdb/note")
                .is_dir(),
            "{GOPATH_SYSTEM}/src/golang.org/x/mod is missing. {INSTALL_HINT}"
        );
        let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tlog-go-interop");
        std::fs::create_dir_all(&work).unwrap();
        let bin = work.join("interop");
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go/interop.go");
        // GOPATH mode, offline: the Debian package puts x/mod in the system GOPATH.
        let out = Command::new("go")
            .arg("build")
            .arg("-o")
            .arg(&bin)
            .arg(&src)
            .current_dir(&work)
            .env("GO111MODULE", "off")
            .env(
                "GOPATH",
                format!("{}:{GOPATH_SYSTEM}", work.join("gopath").display()),
            )
            .env("GOCACHE", work.join("cache"))
            .env("GOFLAGS", "")
            .env("GOTOOLCHAIN", "local")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "go build failed:\n{}\n{INSTALL_HINT}",
            String::from_utf8_lossy(&out.stderr)
        );
        bin
    })
}

/// A running Go peer answering one line per command.
struct Peer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Peer {
    fn start() -> Self {
        let mut child = Command::new(peer_binary())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self {
            child,
            stdin,
            stdout,
        }
    }

    fn ask(&mut self, line: &str) -> String {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
        let mut answer = String::new();
        self.stdout.read_line(&mut answer).unwrap();
        assert!(!answer.is_empty(), "Go peer died on {line:?}");
        answer.trim_end().to_owned()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn b64(data: &[u8]) -> String {
    if data.is_empty() {
        "-".into()
    } else {
        B64.encode(data)
    }
}

fn list(hashes: &[Hash]) -> String {
    if hashes.is_empty() {
        return "-".into();
    }
    hashes
        .iter()
        .map(|h| B64.encode(h))
        .collect::<Vec<_>>()
        .join(" ")
}

fn flip(mut h: Hash, bit: usize) -> Hash {
    h[bit / 8 % 32] ^= 1 << (bit % 8);
    h
}

fn records(n: u32) -> Vec<Vec<u8>> {
    (0..n).map(|i| format!("record {i}").into_bytes()).collect()
}

#[test]
fn go_agrees_on_leaf_hashes_and_roots() {
    let mut go = Peer::start();
    let recs = records(70);
    let cmd = format!(
        "records {}",
        recs.iter().map(|r| b64(r)).collect::<Vec<_>>().join(" ")
    );
    assert_eq!(go.ask(&cmd), "ok");
    let mut tree = MemoryTree::new();
    for (i, r) in recs.iter().enumerate() {
        assert_eq!(
            go.ask(&format!("leafhash {}", b64(r))),
            B64.encode(leaf_hash(r))
        );
        tree.push(r);
        assert_eq!(
            go.ask(&format!("root {}", i + 1)),
            B64.encode(tree.root()),
            "size {}",
            i + 1
        );
    }
    // The empty leaf of the RFC 6962 vectors.
    assert_eq!(go.ask("leafhash -"), B64.encode(leaf_hash(b"")));
}

#[test]
fn go_produces_and_accepts_our_inclusion_proofs() {
    let mut go = Peer::start();
    let recs = records(300);
    let cmd = format!(
        "records {}",
        recs.iter().map(|r| b64(r)).collect::<Vec<_>>().join(" ")
    );
    assert_eq!(go.ask(&cmd), "ok");
    let mut tree = MemoryTree::new();
    let mut roots = vec![tree.root()];
    for r in &recs {
        tree.push(r);
        roots.push(tree.root());
    }
    let mut checked = 0;
    for size in (1..=300u64).filter(|s| *s <= 70 || s % 23 == 0 || *s == 256 || *s == 300) {
        for index in (0..size).filter(|i| size <= 40 || i % 7 == 0 || *i == size - 1) {
            let proof = inclusion_proof(index, size, &tree).unwrap();
            assert_eq!(
                go.ask(&format!("prove-record {index} {size}")),
                list(&proof)
            );
            let leaf = leaf_hash(&recs[index as usize]);
            let root = roots[size as usize];
            let check = |p: &[Hash], l: &Hash, r: &Hash| {
                format!(
                    "check-record {size} {} {index} {} {}",
                    B64.encode(r),
                    B64.encode(l),
                    list(p)
                )
            };
            assert_eq!(
                go.ask(&check(&proof, &leaf, &root)),
                "ok",
                "{index} in {size}"
            );
            let bad = go.ask(&check(&proof, &flip(leaf, index as usize), &root));
            assert!(bad.starts_with("err "), "tampered leaf accepted: {bad}");
            if !proof.is_empty() {
                let mut p = proof.clone();
                p[0] = flip(p[0], 3);
                assert!(go.ask(&check(&p, &leaf, &root)).starts_with("err "));
            }
            checked += 1;
        }
    }
    assert!(checked > 1000);
}

#[test]
fn go_produces_and_accepts_our_consistency_proofs() {
    let mut go = Peer::start();
    let recs = records(300);
    let cmd = format!(
        "records {}",
        recs.iter().map(|r| b64(r)).collect::<Vec<_>>().join(" ")
    );
    assert_eq!(go.ask(&cmd), "ok");
    let mut tree = MemoryTree::new();
    let mut roots = vec![tree.root()];
    for r in &recs {
        tree.push(r);
        roots.push(tree.root());
    }
    for new in (1..=300u64).filter(|s| *s <= 64 || s % 37 == 0 || *s == 256 || *s == 300) {
        for old in (1..=new).filter(|o| new <= 64 || o % 5 == 0 || *o == new) {
            let proof = consistency_proof(old, new, &tree).unwrap();
            assert_eq!(go.ask(&format!("prove-tree {old} {new}")), list(&proof));
            let check = |p: &[Hash], o: &Hash| {
                format!(
                    "check-tree {new} {} {old} {} {}",
                    B64.encode(roots[new as usize]),
                    B64.encode(o),
                    list(p)
                )
            };
            let old_root = roots[old as usize];
            assert_eq!(go.ask(&check(&proof, &old_root)), "ok", "{old} -> {new}");
            if old != new {
                assert!(
                    go.ask(&check(&proof, &flip(old_root, 9)))
                        .starts_with("err ")
                );
                let mut p = proof.clone();
                let last = p.len() - 1;
                p[last] = flip(p[last], 200);
                assert!(go.ask(&check(&p, &old_root)).starts_with("err "));
            }
        }
    }
}

#[test]
fn go_opens_our_checkpoints_and_we_open_go_notes() {
    let mut go = Peer::start();
    let origin = "audit.gob.example/log1";
    let signer = Signer::from_seed(origin, [0x5a; 32]).unwrap();
    let vkey = signer.verifier().to_string();
    let mut tree = MemoryTree::new();
    for r in records(1234) {
        tree.push(&r);
    }
    let cp = Checkpoint::new(origin, tree.size(), tree.root());
    let signed = cp.sign(&signer).unwrap();

    let answer = go.ask(&format!("open {vkey} {}", b64(signed.as_bytes())));
    assert_eq!(answer, format!("ok {}", b64(cp.to_text().as_bytes())));

    // A flipped size must be caught by Go too.
    let tampered = signed.replacen("1234", "1235", 1);
    let answer = go.ask(&format!("open {vkey} {}", b64(tampered.as_bytes())));
    assert!(
        answer.starts_with("err ") && answer.contains("invalid signature"),
        "{answer}"
    );

    // Another key under the same name is unknown to Go.
    let other = Signer::from_seed(origin, [0x5b; 32]).unwrap();
    let answer = go.ask(&format!(
        "open {} {}",
        other.verifier(),
        b64(signed.as_bytes())
    ));
    assert!(answer.starts_with("err "), "{answer}");

    // Go signs with our signer key string; Ed25519 is deterministic, so the
    // notes must be byte-identical, and we must open Go's.
    let go_signed = go.ask(&format!(
        "sign {} {}",
        signer.to_key_string(),
        b64(cp.to_text().as_bytes())
    ));
    let go_signed = String::from_utf8(B64.decode(go_signed).unwrap()).unwrap();
    assert_eq!(go_signed, signed);
    let (opened, _) = checkpoint::open(
        go_signed.as_bytes(),
        origin,
        std::slice::from_ref(signer.verifier()),
    )
    .unwrap();
    assert_eq!(opened, cp);

    // A note with two signatures, one from a key Go does not know.
    let witness = Signer::from_seed("witness.example", [7; 32]).unwrap();
    let two = note::sign(&cp.to_text(), &[&signer, &witness]).unwrap();
    let answer = go.ask(&format!(
        "open {} {}",
        witness.verifier(),
        b64(two.as_bytes())
    ));
    assert!(answer.starts_with("ok "), "{answer}");

    // Go's verifier key parser accepts ours, and ours round-trips it.
    assert_eq!(Verifier::parse(&vkey).unwrap(), *signer.verifier());
}
