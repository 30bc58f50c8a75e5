//! The Centinela transparency log: an append-only, verifiable record of the
//! statements the platform makes (seals, time-stamp tokens, delivery
//! evidence), so that nobody — including us — can rewrite history unseen.
//!
//! What is here, each module named after the spec it implements:
//!
//! - [`hash`]: RFC 6962 / RFC 9162 Merkle tree hashing.
//! - [`tree`]: the stored-hash layout of an append-only tree, and an
//!   in-memory tree.
//! - [`proof`]: inclusion and consistency proofs, generated from stored
//!   hashes and verified by pure functions (RFC 9162 §2.1.3–2.1.4).
//! - [`note`]: C2SP signed notes with Ed25519 keys, in the key formats of
//!   Go's `sumdb/note`.
//! - [`checkpoint`]: C2SP tlog-checkpoint.
//!
//! What is not here: no HTTP server, database or async runtime. The web crate
//! serves what this crate produces; the trust crate decides what to log.
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

pub mod checkpoint;
pub mod entry;
pub mod hash;
pub mod note;
pub mod proof;
pub mod receipt;
pub mod storage;
pub mod tile;
pub mod tree;
