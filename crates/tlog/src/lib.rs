//! The Centinela transparency log: an append-only, verifiable record of the
//! statements the platform makes (seals, time-stamp tokens, delivery
//! evidence), so that nobody — including us — can rewrite history unseen.
//!
//! What is here, each module named after the spec it implements:
//!
//! - [`hash`]: RFC 6962 / RFC 9162 Merkle tree hashing.
//! - [`tree`]: the stored-hash layout of an append-only tree (Go
//!   `sumdb/tlog`'s), and an in-memory tree.
//! - [`proof`]: inclusion and consistency proofs, generated from stored
//!   hashes and verified by pure functions (RFC 9162 §2.1.3–2.1.4).
//! - [`note`]: C2SP signed notes with Ed25519 keys, in the key formats of
//!   Go's `sumdb/note`.
//! - [`checkpoint`]: C2SP tlog-checkpoint.
//! - [`tile`]: C2SP tlog-tiles paths, tile contents, and reading hashes back
//!   from tiles.
//! - [`entry`]: the compact statement we log about each record, and its
//!   canonical encoding.
//! - [`receipt`]: C2SP tlog-proof receipts for citizens.
//! - [`storage`]: a durable file-backed log: group-committed, fsync'd
//!   appends, signed checkpoints, crash recovery, and the static files of
//!   tlog-tiles.
//!
//! What is not here: no HTTP server, database or async runtime (the web crate
//! mounts [`storage::Log::read_path`] under `/log/`), no witness or
//! cosignature handling yet, and nothing that decides *what* to log (the
//! trust crate does).
//!
//! Pure tree maths and verification:
//!
//! ```
//! use tlog::{checkpoint::{self, Checkpoint}, hash::leaf_hash, note::Signer, proof, tree::MemoryTree};
//!
//! let mut tree = MemoryTree::new();
//! for record in [b"first".as_slice(), b"second", b"third"] {
//!     tree.push(record);
//! }
//! let signer = Signer::generate("audit.example/log1")?;
//! let signed = Checkpoint::new("audit.example/log1", tree.size(), tree.root()).sign(&signer)?;
//!
//! // A verifier needs only the origin, the public key and the proof.
//! let (cp, _) = checkpoint::open(signed.as_bytes(), "audit.example/log1", &[signer.verifier().clone()])?;
//! let path = proof::inclusion_proof(1, cp.size, &tree)?;
//! proof::verify_inclusion(&leaf_hash(b"second"), 1, cp.size, &path, &cp.root)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The durable log, as a server uses it:
//!
//! ```no_run
//! use std::{sync::Arc, time::Duration};
//! use tlog::{entry::Entry, hash::sha256, note::Signer, storage::Log};
//!
//! let signer = Signer::parse(&std::fs::read_to_string("/etc/centinela/log.key")?)?;
//! let log = Arc::new(Log::open("/var/lib/centinela/log", "audit.gob.example/log1", signer)?);
//! let _checkpointer = log.spawn_checkpointer(Duration::from_secs(1));
//!
//! let entry = Entry::new("tsa.token", "42", sha256(b"canonical record"), 1_750_000_000_000)?;
//! let index = log.append_entry(&entry)?; // durable when this returns
//! log.wait_for_checkpoint(index + 1, Duration::from_secs(5));
//! let receipt = log.receipt(index)?.encode(); // the citizen's .tlog-proof
//! let tile = log.read_path("tile/0/000.p/1")?; // GET /log/tile/0/000.p/1
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod checkpoint;
pub mod entry;
pub mod hash;
pub mod mirror;
pub mod note;
pub mod proof;
pub mod receipt;
pub mod storage;
pub mod tile;
pub mod tree;
