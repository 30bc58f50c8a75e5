//! Static mirrors of the log and a whole-log audit over them.
//!
//! The tlog-tiles layout is meant to be served as plain files: [`write_mirror`] copies the
//! tiles and entry bundles a published checkpoint needs into a directory (immutable files,
//! written once, then the checkpoint, replaced atomically), so that any web server, any
//! replica sharing the directory, or an auditor with a copy can serve or read the log.
//!
//! [`audit`] reads such a directory and checks all of it against its signed checkpoint and,
//! optionally, an earlier checkpoint: every entry decodes, every hash tile equals the tree
//! recomputed from the entries, the root matches the checkpoint, and the earlier checkpoint's
//! root is the root of the same tree at its size (consistency, shown by recomputation, which
//! needs no proof since every leaf is at hand).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::checkpoint::{self, Checkpoint, CheckpointError};
use crate::entry::Entry;
use crate::hash::{Hash, leaf_hash, node_hash, root_from_leaf_hashes, to_hex};
use crate::note::Verifier;
use crate::storage::{Log, StorageError};
use crate::tile::{TILE_HEIGHT, TileId, tiles_for_size};

/// Errors while writing or auditing a mirror.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: missing from the mirror")]
    Missing { path: String },
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    #[error("{path}: malformed entry bundle: {why}")]
    Bundle { path: String, why: String },
    #[error("{path}: hash {index} differs from the tree recomputed from the entries")]
    TileMismatch { path: String, index: u64 },
    #[error("the entries' root {computed} is not the checkpoint's root {published}")]
    RootMismatch { computed: String, published: String },
    #[error(
        "the earlier checkpoint (size {old_size}) is not a prefix of this log: its root {old_root} is not the root {computed} of the first {old_size} entries"
    )]
    Inconsistent {
        old_size: u64,
        old_root: String,
        computed: String,
    },
    #[error("the earlier checkpoint has {old} entries, more than the log's {new}")]
    Shrunk { old: u64, new: u64 },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> MirrorError + '_ {
    move |source| MirrorError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn write_atomic(path: &Path, body: &[u8]) -> Result<(), MirrorError> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    {
        let mut f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(body).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
    }
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// Copies into `dir` what the log's current checkpoint needs, skipping full tiles below
/// `from_size` (already mirrored), then the checkpoint. Returns the mirrored size.
pub fn write_mirror(log: &Log, dir: &Path, from_size: u64) -> Result<u64, MirrorError> {
    let signed = log.checkpoint();
    let size = signed.checkpoint.size;
    for tile in tiles_for_size(size) {
        let level_shift = tile
            .level
            .map_or(0, |l| u32::from(l) * u32::from(TILE_HEIGHT));
        let done_below = (from_size >> level_shift) / 256;
        if tile.is_full() && tile.index < done_below {
            continue;
        }
        let path = dir.join(tile.path());
        if path.exists() {
            continue;
        }
        let body = log.read_path(&tile.path())?.body;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        write_atomic(&path, &body)?;
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    write_atomic(&dir.join("checkpoint"), signed.note.as_bytes())?;
    Ok(size)
}

/// What an audit found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditReport {
    pub checkpoint: Checkpoint,
    /// Statements per record kind.
    pub kinds: BTreeMap<String, u64>,
    /// Entries that are not Centinela statements (allowed by the log, counted).
    pub foreign: u64,
    /// Hash tiles compared with the recomputed tree.
    pub tiles_checked: u64,
    /// The earlier checkpoint proven to be a prefix, if one was given.
    pub since: Option<Checkpoint>,
}

fn read(dir: &Path, rel: &str) -> Result<Vec<u8>, MirrorError> {
    let path: PathBuf = dir.join(rel);
    match std::fs::read(&path) {
        Ok(b) => Ok(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(MirrorError::Missing {
            path: rel.to_owned(),
        }),
        Err(e) => Err(io(&path)(e)),
    }
}

/// Splits an entry bundle (big-endian u16 length, then the entry, repeated).
fn split_bundle<'b>(path: &str, body: &'b [u8], width: u16) -> Result<Vec<&'b [u8]>, MirrorError> {
    let bad = |why: &str| MirrorError::Bundle {
        path: path.to_owned(),
        why: why.to_owned(),
    };
    let mut out = Vec::with_capacity(usize::from(width));
    let mut at = 0usize;
    while at < body.len() {
        let len = body
            .get(at..at + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            .ok_or_else(|| bad("truncated length"))?;
        let entry = body
            .get(at + 2..at + 2 + len)
            .ok_or_else(|| bad("truncated entry"))?;
        out.push(entry);
        at += 2 + len;
    }
    if out.len() != usize::from(width) {
        return Err(bad(&format!("{} entries, expected {width}", out.len())));
    }
    Ok(out)
}

/// Audits the mirror in `dir` of the log `origin`, signed by one of `verifiers`; with
/// `since`, also proves that earlier signed checkpoint is a prefix of it.
pub fn audit(
    dir: &Path,
    origin: &str,
    verifiers: &[Verifier],
    since: Option<&[u8]>,
) -> Result<AuditReport, MirrorError> {
    let (cp, _) = checkpoint::open(&read(dir, "checkpoint")?, origin, verifiers)?;
    let old = since
        .map(|note| checkpoint::open(note, origin, verifiers).map(|(c, _)| c))
        .transpose()?;
    if let Some(o) = &old
        && o.size > cp.size
    {
        return Err(MirrorError::Shrunk {
            old: o.size,
            new: cp.size,
        });
    }
    let tiles = tiles_for_size(cp.size);
    let mut leaves: Vec<Hash> = Vec::with_capacity(cp.size as usize);
    let mut kinds = BTreeMap::new();
    let mut foreign = 0u64;
    for t in tiles.iter().filter(|t| t.level.is_none()) {
        let path = t.path();
        let body = read(dir, &path)?;
        for entry in split_bundle(&path, &body, t.width)? {
            leaves.push(leaf_hash(entry));
            match Entry::decode(entry) {
                Ok(e) => *kinds.entry(e.kind().to_owned()).or_insert(0) += 1,
                Err(_) => foreign += 1,
            }
        }
    }
    // Every level of the tree, carrying an odd last node up (only the first `size >> h`
    // nodes of height h are complete and can appear in tiles).
    let mut levels: Vec<Vec<Hash>> = vec![leaves];
    while levels.last().is_some_and(|l| l.len() > 1) {
        let below = levels.last().expect("non-empty");
        let next = below
            .chunks(2)
            .map(|p| match p {
                [l, r] => node_hash(l, r),
                [one] => *one,
                _ => unreachable!("chunks(2)"),
            })
            .collect();
        levels.push(next);
    }
    let mut tiles_checked = 0;
    for t in tiles.iter().filter(|t| t.level.is_some()) {
        let TileId {
            level: Some(level),
            index,
            width,
        } = *t
        else {
            continue;
        };
        let path = t.path();
        let body = read(dir, &path)?;
        let height = usize::from(level) * usize::from(TILE_HEIGHT);
        let row = levels.get(height).map(Vec::as_slice).unwrap_or(&[]);
        if body.len() != usize::from(width) * 32 {
            return Err(MirrorError::Bundle {
                path,
                why: "wrong hash tile length".into(),
            });
        }
        for (i, h) in body.chunks(32).enumerate() {
            let n = index * 256 + i as u64;
            if row.get(n as usize).map(|x| &x[..]) != Some(h) {
                return Err(MirrorError::TileMismatch { path, index: n });
            }
        }
        tiles_checked += 1;
    }
    let computed = root_from_leaf_hashes(&levels[0]);
    if computed != cp.root {
        return Err(MirrorError::RootMismatch {
            computed: to_hex(&computed),
            published: to_hex(&cp.root),
        });
    }
    if let Some(o) = &old {
        let prefix = root_from_leaf_hashes(&levels[0][..o.size as usize]);
        if prefix != o.root {
            return Err(MirrorError::Inconsistent {
                old_size: o.size,
                old_root: to_hex(&o.root),
                computed: to_hex(&prefix),
            });
        }
    }
    Ok(AuditReport {
        checkpoint: cp,
        kinds,
        foreign,
        tiles_checked,
        since: old,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::Signer;

    fn temp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "tlog-mirror-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn statement(i: u64) -> Vec<u8> {
        Entry::new(
            "audit",
            &i.to_string(),
            [i as u8; 32],
            1_700_000_000_000 + i,
        )
        .unwrap()
        .encode()
    }

    #[test]
    fn a_mirror_audits_clean_and_proves_an_earlier_checkpoint() {
        let (logdir, mirror) = (temp("log"), temp("mirror"));
        let signer = Signer::from_seed("example.test/log", [3; 32]).unwrap();
        let verifier = signer.verifier().clone();
        let log = Log::open(&logdir, "example.test/log", signer).unwrap();
        let batch: Vec<Vec<u8>> = (0..300).map(statement).collect();
        log.append_batch(&batch).unwrap();
        log.publish_checkpoint().unwrap();
        let mirrored = write_mirror(&log, &mirror, 0).unwrap();
        assert_eq!(mirrored, 300);
        let early = log.checkpoint().note;

        let batch: Vec<Vec<u8>> = (300..70_000).map(statement).collect();
        log.append_batch(&batch).unwrap();
        log.publish_checkpoint().unwrap();
        assert_eq!(write_mirror(&log, &mirror, mirrored).unwrap(), 70_000);

        let report = audit(
            &mirror,
            "example.test/log",
            std::slice::from_ref(&verifier),
            Some(early.as_bytes()),
        )
        .unwrap();
        assert_eq!(report.checkpoint.size, 70_000);
        assert_eq!(report.kinds["audit"], 70_000);
        assert_eq!(report.since.unwrap().size, 300);
        assert!(report.tiles_checked > 270);

        // A rewritten entry is caught by the tiles or the root.
        let bundle = mirror.join(TileId::entries(5, 256).path());
        let mut body = std::fs::read(&bundle).unwrap();
        body[10] ^= 1;
        std::fs::write(&bundle, &body).unwrap();
        let err = audit(
            &mirror,
            "example.test/log",
            std::slice::from_ref(&verifier),
            None,
        )
        .unwrap_err();
        assert!(matches!(err, MirrorError::TileMismatch { .. }), "{err}");
        body[10] ^= 1;
        std::fs::write(&bundle, &body).unwrap();

        // A checkpoint from a different history is inconsistent.
        let other_signer = Signer::from_seed("example.test/log", [3; 32]).unwrap();
        let forged = Checkpoint::new("example.test/log", 300, [7; 32])
            .sign(&other_signer)
            .unwrap();
        let err = audit(
            &mirror,
            "example.test/log",
            std::slice::from_ref(&verifier),
            Some(forged.as_bytes()),
        )
        .unwrap_err();
        assert!(matches!(err, MirrorError::Inconsistent { .. }), "{err}");

        // A missing tile is named.
        std::fs::remove_file(&bundle).unwrap();
        let err = audit(&mirror, "example.test/log", &[verifier], None).unwrap_err();
        assert!(err.to_string().contains("tile/entries"), "{err}");
        let _ = std::fs::remove_dir_all(&logdir);
        let _ = std::fs::remove_dir_all(&mirror);
    }
}
