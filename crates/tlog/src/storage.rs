//! A durable, file-backed, append-only log.
//!
//! # On disk
//!
//! A log is a directory holding:
//!
//! - `entries`: every entry as a big-endian `u16` length and the entry bytes,
//!   back to back — the framing of tlog-tiles entry bundles, so a bundle is a
//!   byte range of this file. This file is the source of truth.
//! - `hashes`: the stored hashes of the tree, 32 bytes each, in the order of
//!   [`crate::tree`]. Derived from `entries`.
//! - `checkpoint`: the latest published signed checkpoint, replaced
//!   atomically (written to `checkpoint.tmp`, synced, renamed, directory synced).
//! - `lock`: held exclusively while the log is open.
//!
//! # Durability
//!
//! Appends are group-committed: callers queue entries; one of them writes the
//! whole queue and `fdatasync`s `entries` before any of them is told its
//! index. Hashes are written with each batch but synced only when a
//! checkpoint is published (once a second), because they can be recomputed:
//! on open, the log keeps the hashes up to the published checkpoint, checks
//! they give the checkpoint's root, and recomputes the rest from `entries`.
//! A torn last entry (a crash mid-write) is cut off. So after a crash at any
//! moment, every acknowledged entry is still there, and the tree still
//! extends every checkpoint ever published (entries are never rewritten, and
//! a checkpoint is published only for synced entries).
//!
//! Opening scans `entries` once to find bundle boundaries: about a second
//! per gigabyte.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Write};
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::checkpoint::{self, Checkpoint, CheckpointError};
use crate::entry::Entry;
use crate::hash::{HASH_SIZE, Hash, leaf_hash};
use crate::note::{NoteError, Signer};
use crate::proof::{self, ProofError};
use crate::receipt::Receipt;
use crate::tile::{TILE_WIDTH, TileError, TileId, tile_hashes};
use crate::tree::{Frontier, HashReader, ReadError, stored_hash_count};

/// Longest entry: the `u16` length prefix of entry bundles.
pub const MAX_ENTRY_SIZE: usize = u16::MAX as usize;

/// Most entries written in one batch, to bound memory under load.
const MAX_BATCH: usize = 1 << 16;

/// Why the log could not do something.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A file operation failed.
    #[error("log storage I/O: {0}")]
    Io(#[from] io::Error),
    /// Another process (or another `Log` in this one) has the log open.
    #[error("log directory {0} is locked by another process")]
    Locked(PathBuf),
    /// The files contradict the published checkpoint: data was lost or
    /// altered outside this crate. The log refuses to open rather than fork.
    #[error("log is corrupt: {0}")]
    Corrupt(String),
    /// The checkpoint key's name is not the log's origin.
    #[error("signer key name {key} differs from origin {origin}")]
    KeyName {
        /// Name in the signer key.
        key: String,
        /// Origin of the log.
        origin: String,
    },
    /// An entry is empty or longer than [`MAX_ENTRY_SIZE`].
    #[error("entry of {0} bytes: entries must be 1 to 65535 bytes")]
    EntrySize(usize),
    /// A previous write failed; the log must be reopened (which repairs it).
    #[error("log stopped after a write failure: {0}")]
    Poisoned(String),
    /// The entry is not yet covered by a published checkpoint.
    #[error("entry {index} is not yet in a checkpoint (checkpointed size {size})")]
    NotCheckpointed {
        /// Requested index.
        index: u64,
        /// Size of the latest checkpoint.
        size: u64,
    },
    /// The requested index or size is beyond the log.
    #[error("{0} is beyond the end of the log")]
    OutOfRange(u64),
    /// The requested path is not a resource of the log.
    #[error("not found: {0}")]
    NotFound(String),
    /// Signing or reading the checkpoint failed.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// Proof generation failed.
    #[error(transparent)]
    Proof(#[from] ProofError),
}

impl From<NoteError> for StorageError {
    fn from(e: NoteError) -> Self {
        Self::Checkpoint(e.into())
    }
}

impl From<ReadError> for StorageError {
    fn from(e: ReadError) -> Self {
        Self::Proof(e.into())
    }
}

impl From<TileError> for StorageError {
    fn from(e: TileError) -> Self {
        Self::NotFound(e.to_string())
    }
}

/// A published checkpoint: the parsed body and the signed note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The checkpoint body.
    pub checkpoint: Checkpoint,
    /// The complete signed note, as served at `checkpoint`.
    pub note: String,
}

/// A file served from the log's static tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// Response body.
    pub body: Vec<u8>,
    /// `Content-Type` to send.
    pub content_type: &'static str,
    /// Whether the content can never change (`Cache-Control: immutable`);
    /// the checkpoint changes every second.
    pub immutable: bool,
}

/// State shared by appenders, guarded by `Log::queue`.
struct Queue {
    pending: Vec<Vec<u8>>,
    /// Index the next queued entry gets.
    next_index: u64,
    /// Entries synced to disk (and acknowledged).
    durable_size: u64,
    durable_root: Hash,
    /// Whether some appender is writing a batch now.
    writing: bool,
    poisoned: Option<String>,
}

/// What only the batch writer touches.
struct Writer {
    frontier: Frontier,
    entries_len: u64,
    hashes_len: u64,
}

/// Where each bundle of 256 entries starts in `entries`, plus the end of
/// the durable entries.
struct BundleIndex {
    starts: Vec<u64>,
    end: u64,
}

/// An open log. Share it between threads with `Arc<Log>`.
pub struct Log {
    dir: PathBuf,
    origin: String,
    signer: Signer,
    entries: File,
    hashes: File,
    _lock: File,
    queue: Mutex<Queue>,
    appended: Condvar,
    writer: Mutex<Writer>,
    bundles: RwLock<BundleIndex>,
    published: Mutex<SignedCheckpoint>,
    checkpointed: Condvar,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock leaves plain data behind; carry on.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Scans `entries` framing: returns the number of complete, non-empty
/// entries, where the last one ends, and bundle start offsets.
fn scan_entries(file: &File) -> io::Result<(u64, u64, Vec<u64>)> {
    let len = file.metadata()?.len();
    let mut r = BufReader::with_capacity(1 << 20, file);
    let (mut count, mut offset, mut starts) = (0u64, 0u64, Vec::new());
    let mut buf = vec![0u8; MAX_ENTRY_SIZE];
    loop {
        let mut prefix = [0u8; 2];
        if offset + 2 > len || r.read_exact(&mut prefix).is_err() {
            break;
        }
        let n = u64::from(u16::from_be_bytes(prefix));
        // Zero length never happens in a valid file: it is the zero fill a
        // power loss may leave at the end.
        if n == 0 || offset + 2 + n > len {
            break;
        }
        r.read_exact(&mut buf[..n as usize])?;
        if count.is_multiple_of(TILE_WIDTH) {
            starts.push(offset);
        }
        count += 1;
        offset += 2 + n;
    }
    Ok((count, offset, starts))
}

/// Hash reader over the `hashes` file.
struct FileHashes<'a> {
    file: &'a File,
    /// Stored hashes that are valid to read.
    limit: u64,
}

impl HashReader for FileHashes<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, ReadError> {
        if let Some(&bad) = indexes.iter().find(|&&i| i >= self.limit) {
            return Err(ReadError::Missing(bad));
        }
        let (Some(&lo), Some(&hi)) = (indexes.iter().min(), indexes.iter().max()) else {
            return Ok(Vec::new());
        };
        // A tile's hashes are close together (interleaved with their
        // parents): one read of the span beats hundreds of small ones.
        if hi - lo < 4 * indexes.len() as u64 + 64 {
            let mut span = vec![0u8; ((hi - lo + 1) as usize) * HASH_SIZE];
            self.file.read_exact_at(&mut span, lo * HASH_SIZE as u64)?;
            return Ok(indexes
                .iter()
                .map(|&i| {
                    let at = ((i - lo) as usize) * HASH_SIZE;
                    span[at..at + HASH_SIZE].try_into().expect("32 bytes")
                })
                .collect());
        }
        indexes
            .iter()
            .map(|&i| {
                let mut h = [0u8; HASH_SIZE];
                self.file.read_exact_at(&mut h, i * HASH_SIZE as u64)?;
                Ok(h)
            })
            .collect()
    }
}

impl Log {
    /// Opens the log in `dir`, creating it if needed, and recovers from any
    /// crash (see the module docs). `signer`'s name must be `origin`, as
    /// tlog-checkpoint recommends.
    pub fn open(dir: impl AsRef<Path>, origin: &str, signer: Signer) -> Result<Self, StorageError> {
        let dir = dir.as_ref().to_path_buf();
        if signer.name() != origin {
            return Err(StorageError::KeyName {
                key: signer.name().to_owned(),
                origin: origin.to_owned(),
            });
        }
        fs::create_dir_all(&dir)?;
        let lock_file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("lock"))?;
        if lock_file.try_lock().is_err() {
            return Err(StorageError::Locked(dir));
        }
        let open_rw = |name: &str| {
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .open(dir.join(name))
        };
        let entries = open_rw("entries")?;
        let hashes = open_rw("hashes")?;
        let _ = fs::remove_file(dir.join("checkpoint.tmp"));
        sync_dir(&dir)?;

        let verifier = signer.verifier().clone();
        let published = match fs::read(dir.join("checkpoint")) {
            Ok(bytes) => {
                let (cp, _) = checkpoint::open(&bytes, origin, std::slice::from_ref(&verifier))?;
                let note = String::from_utf8(bytes).expect("opened notes are UTF-8");
                Some(SignedCheckpoint {
                    checkpoint: cp,
                    note,
                })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e.into()),
        };
        let cp_size = published.as_ref().map_or(0, |p| p.checkpoint.size);

        // Entries: keep every complete one, cut a torn tail.
        let (count, entries_len, starts) = scan_entries(&entries)?;
        if count < cp_size {
            return Err(StorageError::Corrupt(format!(
                "{count} entries on disk but checkpoint says {cp_size}"
            )));
        }
        entries.set_len(entries_len)?;

        // Hashes: trust what the checkpoint covers, recompute the rest.
        let keep = stored_hash_count(cp_size) * HASH_SIZE as u64;
        if hashes.metadata()?.len() < keep {
            return Err(StorageError::Corrupt(format!(
                "hash file shorter than checkpoint size {cp_size} needs"
            )));
        }
        hashes.set_len(keep)?;
        let mut frontier = Frontier::load(
            cp_size,
            &FileHashes {
                file: &hashes,
                limit: stored_hash_count(cp_size),
            },
        )?;
        if let Some(p) = &published
            && frontier.root() != p.checkpoint.root
        {
            return Err(StorageError::Corrupt(
                "stored hashes do not match the published checkpoint".into(),
            ));
        }
        let mut stored = Vec::new();
        let tail_start = entry_offset(&entries, &starts, cp_size)?;
        let tail = read_frames(&entries, tail_start, entries_len, count - cp_size)?;
        for e in &tail {
            frontier.append(leaf_hash(e), &mut stored);
        }
        hashes.write_all_at(stored.as_flattened(), keep)?;
        hashes.sync_data()?;

        let size = frontier.size();
        let root = frontier.root();
        let hashes_len = stored_hash_count(size) * HASH_SIZE as u64;
        let had_checkpoint = published.is_some();
        let log = Self {
            dir,
            origin: origin.to_owned(),
            signer,
            entries,
            hashes,
            _lock: lock_file,
            queue: Mutex::new(Queue {
                pending: Vec::new(),
                next_index: size,
                durable_size: size,
                durable_root: root,
                writing: false,
                poisoned: None,
            }),
            appended: Condvar::new(),
            writer: Mutex::new(Writer {
                frontier,
                entries_len,
                hashes_len,
            }),
            bundles: RwLock::new(BundleIndex {
                starts,
                end: entries_len,
            }),
            published: Mutex::new(published.unwrap_or_else(|| SignedCheckpoint {
                checkpoint: Checkpoint::new(origin, 0, crate::hash::empty_root()),
                note: String::new(),
            })),
            checkpointed: Condvar::new(),
        };
        if !had_checkpoint {
            // A new log publishes its first checkpoint at once.
            log.publish(true)?;
        }
        Ok(log)
    }

    /// The log's origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The directory holding the log.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The checkpoint signer's verifier key.
    pub fn verifier(&self) -> &crate::note::Verifier {
        self.signer.verifier()
    }

    /// Number of durable (acknowledged) entries.
    pub fn size(&self) -> u64 {
        lock(&self.queue).durable_size
    }

    /// Appends one entry and returns its index once it is on disk.
    ///
    /// Concurrent callers are written and synced together, so throughput
    /// grows with the number of callers; each call waits for one `fdatasync`.
    pub fn append(&self, entry: &[u8]) -> Result<u64, StorageError> {
        Ok(self.append_batch(&[entry])?.start)
    }

    /// Appends an [`Entry`] statement; see [`Log::append`].
    pub fn append_entry(&self, entry: &Entry) -> Result<u64, StorageError> {
        self.append(&entry.encode())
    }

    /// Appends entries with consecutive indexes and returns them once all
    /// are on disk.
    pub fn append_batch<E: AsRef<[u8]>>(&self, entries: &[E]) -> Result<Range<u64>, StorageError> {
        for e in entries {
            let n = e.as_ref().len();
            if n == 0 || n > MAX_ENTRY_SIZE {
                return Err(StorageError::EntrySize(n));
            }
        }
        let mut q = lock(&self.queue);
        if let Some(why) = &q.poisoned {
            return Err(StorageError::Poisoned(why.clone()));
        }
        if entries.is_empty() {
            return Ok(q.next_index..q.next_index);
        }
        let start = q.next_index;
        let end = start + entries.len() as u64;
        q.next_index = end;
        q.pending
            .extend(entries.iter().map(|e| e.as_ref().to_vec()));
        loop {
            if q.durable_size >= end {
                return Ok(start..end);
            }
            if let Some(why) = &q.poisoned {
                return Err(StorageError::Poisoned(why.clone()));
            }
            if q.writing {
                q = self.appended.wait(q).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            // Nobody is writing: this caller writes everything queued so far.
            q.writing = true;
            let take = q.pending.len().min(MAX_BATCH);
            let batch: Vec<Vec<u8>> = q.pending.drain(..take).collect();
            drop(q);
            let result = self.write_batch(&batch);
            q = lock(&self.queue);
            q.writing = false;
            match result {
                Ok(root) => {
                    q.durable_size += batch.len() as u64;
                    q.durable_root = root;
                }
                Err(e) => q.poisoned = Some(e.to_string()),
            }
            self.appended.notify_all();
        }
    }

    /// Writes a batch after the durable entries and syncs it; returns the new root.
    fn write_batch(&self, batch: &[Vec<u8>]) -> Result<Hash, StorageError> {
        let mut w = lock(&self.writer);
        let mut framed = Vec::with_capacity(batch.iter().map(|e| e.len() + 2).sum());
        let mut stored = Vec::with_capacity(batch.len() * 2);
        let mut new_starts = Vec::new();
        let mut offset = w.entries_len;
        for e in batch {
            if w.frontier.size().is_multiple_of(TILE_WIDTH) {
                new_starts.push(offset);
            }
            framed.extend_from_slice(&(e.len() as u16).to_be_bytes());
            framed.extend_from_slice(e);
            offset += 2 + e.len() as u64;
            w.frontier.append(leaf_hash(e), &mut stored);
        }
        self.entries.write_all_at(&framed, w.entries_len)?;
        let hash_bytes = stored.as_flattened();
        self.hashes.write_all_at(hash_bytes, w.hashes_len)?;
        // Only the entries must be synced before acknowledging: hashes are
        // recomputed from them on open (and synced before each checkpoint).
        self.entries.sync_data()?;
        w.entries_len = offset;
        w.hashes_len += hash_bytes.len() as u64;
        let mut b = self.bundles.write().unwrap_or_else(|p| p.into_inner());
        b.starts.extend(new_starts);
        b.end = offset;
        Ok(w.frontier.root())
    }

    /// Signs and publishes a checkpoint for every entry acknowledged so far,
    /// if there are new ones. Call it on a timer (at least once a second), or
    /// use [`Log::spawn_checkpointer`]. Returns the latest checkpoint.
    pub fn publish_checkpoint(&self) -> Result<SignedCheckpoint, StorageError> {
        self.publish(false)
    }

    fn publish(&self, force: bool) -> Result<SignedCheckpoint, StorageError> {
        let mut published = lock(&self.published);
        let (size, root) = {
            let q = lock(&self.queue);
            (q.durable_size, q.durable_root)
        };
        if size == published.checkpoint.size && !force {
            return Ok(published.clone());
        }
        // The hashes the checkpoint covers must survive a crash, since open
        // trusts them up to the checkpoint.
        self.hashes.sync_data()?;
        let cp = Checkpoint::new(&self.origin, size, root);
        let note = cp.sign(&self.signer)?;
        let tmp = self.dir.join("checkpoint.tmp");
        let mut f = File::create(&tmp)?;
        f.write_all(note.as_bytes())?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, self.dir.join("checkpoint"))?;
        sync_dir(&self.dir)?;
        *published = SignedCheckpoint {
            checkpoint: cp,
            note,
        };
        self.checkpointed.notify_all();
        Ok(published.clone())
    }

    /// The latest published checkpoint.
    pub fn checkpoint(&self) -> SignedCheckpoint {
        lock(&self.published).clone()
    }

    /// Waits until a published checkpoint covers `size` entries, or until
    /// `timeout`. Returns the latest checkpoint either way.
    pub fn wait_for_checkpoint(&self, size: u64, timeout: Duration) -> SignedCheckpoint {
        let guard = lock(&self.published);
        let (guard, _) = self
            .checkpointed
            .wait_timeout_while(guard, timeout, |p| p.checkpoint.size < size)
            .unwrap_or_else(|p| p.into_inner());
        guard.clone()
    }

    /// Starts a thread that publishes a checkpoint every `interval` while
    /// entries arrive. It stops when the returned handle is dropped.
    pub fn spawn_checkpointer(self: &Arc<Self>, interval: Duration) -> Checkpointer {
        let (stop, stopped) = mpsc::channel::<()>();
        let log = Arc::clone(self);
        let thread = std::thread::Builder::new()
            .name("tlog-checkpointer".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                    // A failed publish is retried on the next tick; the
                    // previous checkpoint stays valid meanwhile.
                    let _ = log.publish_checkpoint();
                }
            })
            .expect("spawning the checkpointer thread");
        Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    fn hash_reader(&self, size: u64) -> FileHashes<'_> {
        FileHashes {
            file: &self.hashes,
            limit: stored_hash_count(size),
        }
    }

    fn check_size(&self, size: u64) -> Result<(), StorageError> {
        if size > self.size() {
            return Err(StorageError::OutOfRange(size));
        }
        Ok(())
    }

    /// Root of the tree of the first `size` durable entries.
    pub fn root_at(&self, size: u64) -> Result<Hash, StorageError> {
        self.check_size(size)?;
        Ok(crate::tree::tree_hash(size, &self.hash_reader(size))?)
    }

    /// Inclusion proof of entry `index` in the tree of `size` entries.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, StorageError> {
        self.check_size(size)?;
        Ok(proof::inclusion_proof(
            index,
            size,
            &self.hash_reader(size),
        )?)
    }

    /// Consistency proof from the tree of `old` entries to that of `new`.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, StorageError> {
        self.check_size(new)?;
        Ok(proof::consistency_proof(old, new, &self.hash_reader(new))?)
    }

    /// A tlog-proof receipt for entry `index` against the latest checkpoint.
    pub fn receipt(&self, index: u64) -> Result<Receipt, StorageError> {
        let cp = self.checkpoint();
        if index >= cp.checkpoint.size {
            return Err(StorageError::NotCheckpointed {
                index,
                size: cp.checkpoint.size,
            });
        }
        Ok(Receipt {
            extra: None,
            index,
            proof: self.inclusion_proof(index, cp.checkpoint.size)?,
            checkpoint: cp.note,
        })
    }

    /// The entry at `index`.
    pub fn entry(&self, index: u64) -> Result<Vec<u8>, StorageError> {
        let size = self.size();
        if index >= size {
            return Err(StorageError::OutOfRange(index));
        }
        let (start, end) = {
            let b = self.bundles.read().unwrap_or_else(|p| p.into_inner());
            (entry_offset(&self.entries, &b.starts, index)?, b.end)
        };
        Ok(read_frames(&self.entries, start, end, 1)?.remove(0))
    }

    /// Serves a path of the log's static tree (tlog-tiles): `checkpoint`,
    /// `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`. Tiles are
    /// available for every size up to the durable size, so any checkpoint a
    /// client holds can be followed.
    pub fn read_path(&self, path: &str) -> Result<Resource, StorageError> {
        if path == "checkpoint" {
            return Ok(Resource {
                body: self.checkpoint().note.into_bytes(),
                content_type: "text/plain; charset=utf-8",
                immutable: false,
            });
        }
        let tile = TileId::parse(path)?;
        let size = self.size();
        if !tile.exists_at(size) {
            return Err(StorageError::NotFound(path.to_owned()));
        }
        let body = match tile.level {
            Some(_) => tile_hashes(&tile, &self.hash_reader(size))?,
            None => self.entry_bundle(tile.index, tile.width)?,
        };
        Ok(Resource {
            body,
            content_type: "application/octet-stream",
            immutable: true,
        })
    }

    fn entry_bundle(&self, index: u64, width: u16) -> Result<Vec<u8>, StorageError> {
        let (start, limit) = {
            let b = self.bundles.read().unwrap_or_else(|p| p.into_inner());
            let i = index as usize;
            (b.starts[i], b.starts.get(i + 1).copied().unwrap_or(b.end))
        };
        let mut buf = vec![0u8; (limit - start) as usize];
        self.entries.read_exact_at(&mut buf, start)?;
        // Walk the frames to cut a partial bundle at `width` entries.
        let mut at = 0usize;
        for _ in 0..width {
            let n = usize::from(u16::from_be_bytes([buf[at], buf[at + 1]]));
            at += 2 + n;
        }
        buf.truncate(at);
        Ok(buf)
    }
}

/// Offset in `entries` of entry `index` (at most the entry count).
fn entry_offset(file: &File, starts: &[u64], index: u64) -> io::Result<u64> {
    let bundle = (index / TILE_WIDTH) as usize;
    let Some(&mut_start) = starts.get(bundle) else {
        // `index` is the first entry of a bundle not started yet: the end.
        return file.metadata().map(|m| m.len());
    };
    let mut offset = mut_start;
    for _ in 0..index % TILE_WIDTH {
        let mut prefix = [0u8; 2];
        file.read_exact_at(&mut prefix, offset)?;
        offset += 2 + u64::from(u16::from_be_bytes(prefix));
    }
    Ok(offset)
}

/// Reads `count` framed entries starting at `offset` (ending by `end`).
fn read_frames(file: &File, offset: u64, end: u64, count: u64) -> io::Result<Vec<Vec<u8>>> {
    let mut buf = vec![0u8; (end - offset) as usize];
    file.read_exact_at(&mut buf, offset)?;
    let mut out = Vec::with_capacity(count as usize);
    let mut at = 0usize;
    for _ in 0..count {
        let n = usize::from(u16::from_be_bytes([buf[at], buf[at + 1]]));
        out.push(buf[at + 2..at + 2 + n].to_vec());
        at += 2 + n;
    }
    Ok(out)
}

/// Handle of the thread started by [`Log::spawn_checkpointer`]; dropping it
/// stops the thread.
pub struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proof::{verify_consistency, verify_inclusion};

    const ORIGIN: &str = "test.example/log";

    fn signer() -> Signer {
        Signer::from_seed(ORIGIN, [1; 32]).unwrap()
    }

    fn tempdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("tlog-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn key_name_must_be_origin() {
        let dir = tempdir("keyname");
        assert!(matches!(
            Log::open(&dir, "other.example/log", signer()),
            Err(StorageError::KeyName { .. })
        ));
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn new_log_has_empty_checkpoint() {
        let dir = tempdir("empty");
        let log = Log::open(&dir, ORIGIN, signer()).unwrap();
        let cp = log.checkpoint();
        assert_eq!(cp.checkpoint.size, 0);
        assert_eq!(cp.checkpoint.root, crate::hash::empty_root());
        assert_eq!(fs::read_to_string(dir.join("checkpoint")).unwrap(), cp.note);
        assert!(matches!(
            Log::open(&dir, ORIGIN, signer()),
            Err(StorageError::Locked(_))
        ));
        drop(log);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn append_prove_serve_reopen() {
        let dir = tempdir("roundtrip");
        let entries: Vec<Vec<u8>> = (0..700u32)
            .map(|i| format!("entry {i}").into_bytes())
            .collect();
        let log = Log::open(&dir, ORIGIN, signer()).unwrap();
        assert_eq!(log.append(&entries[0]).unwrap(), 0);
        assert_eq!(log.append_batch(&entries[1..300]).unwrap(), 1..300);
        let cp300 = log.publish_checkpoint().unwrap();
        assert_eq!(log.append_batch(&entries[300..]).unwrap(), 300..700);
        let cp = log.publish_checkpoint().unwrap();
        assert_eq!(cp.checkpoint.size, 700);

        let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
        assert_eq!(
            cp.checkpoint.root,
            crate::hash::root_from_leaf_hashes(&leaves)
        );
        for i in [0u64, 1, 255, 256, 299, 699] {
            assert_eq!(log.entry(i).unwrap(), entries[i as usize]);
            let p = log.inclusion_proof(i, 700).unwrap();
            verify_inclusion(&leaves[i as usize], i, 700, &p, &cp.checkpoint.root).unwrap();
            let r = log.receipt(i).unwrap();
            r.verify(&entries[i as usize], ORIGIN, &[log.verifier().clone()])
                .unwrap();
        }
        let p = log.consistency_proof(300, 700).unwrap();
        verify_consistency(300, 700, &cp300.checkpoint.root, &cp.checkpoint.root, &p).unwrap();

        // Static paths.
        let t = log.read_path("tile/0/001").unwrap();
        assert!(t.immutable);
        assert_eq!(t.body, leaves[256..512].concat());
        let t = log.read_path("tile/0/002.p/188").unwrap();
        assert_eq!(t.body, leaves[512..700].concat());
        assert_eq!(
            log.read_path("tile/0/002.p/100").unwrap().body,
            leaves[512..612].concat()
        );
        assert!(log.read_path("tile/0/002.p/189").is_err());
        assert!(log.read_path("tile/0/002").is_err());
        assert!(log.read_path("tile/1/000.p/2").is_ok());
        let b = log.read_path("tile/entries/002.p/3").unwrap().body;
        let mut want = vec![];
        for e in &entries[512..515] {
            want.extend_from_slice(&(e.len() as u16).to_be_bytes());
            want.extend_from_slice(e);
        }
        assert_eq!(b, want);
        assert_eq!(
            log.read_path("checkpoint").unwrap().body,
            cp.note.as_bytes()
        );
        assert!(log.read_path("tile/9/000").is_err());
        assert!(log.read_path("../etc/passwd").is_err());

        drop(log);
        let log = Log::open(&dir, ORIGIN, signer()).unwrap();
        assert_eq!(log.size(), 700);
        assert_eq!(log.checkpoint(), cp);
        assert_eq!(log.entry(699).unwrap(), entries[699]);
        drop(log);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn torn_tail_is_cut_and_unsynced_hashes_recomputed() {
        let dir = tempdir("torn");
        let log = Log::open(&dir, ORIGIN, signer()).unwrap();
        log.append_batch(&[b"a".as_slice(), b"bb", b"ccc"]).unwrap();
        let cp = log.publish_checkpoint().unwrap();
        log.append_batch(&[b"dddd".as_slice(), b"eeeee"]).unwrap();
        let root5 = log.root_at(5).unwrap();
        drop(log);
        // A crash mid-append: half an entry, and hash-file garbage.
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.join("entries"))
            .unwrap();
        f.write_all(&[0, 9, b'x']).unwrap();
        let h = OpenOptions::new()
            .write(true)
            .open(dir.join("hashes"))
            .unwrap();
        h.set_len(stored_hash_count(3) * 32 + 5).unwrap();

        let log = Log::open(&dir, ORIGIN, signer()).unwrap();
        assert_eq!(log.size(), 5);
        assert_eq!(log.root_at(5).unwrap(), root5);
        assert_eq!(log.root_at(3).unwrap(), cp.checkpoint.root);
        assert_eq!(log.append(b"ffffff").unwrap(), 5);
        drop(log);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn lost_checkpointed_entries_refuse_to_open() {
        let dir = tempdir("lost");
        let log = Log::open(&dir, ORIGIN, signer()).unwrap();
        log.append_batch(&[b"a".as_slice(), b"b"]).unwrap();
        log.publish_checkpoint().unwrap();
        drop(log);
        let f = OpenOptions::new()
            .write(true)
            .open(dir.join("entries"))
            .unwrap();
        f.set_len(3).unwrap();
        assert!(matches!(
            Log::open(&dir, ORIGIN, signer()),
            Err(StorageError::Corrupt(_))
        ));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn concurrent_appends_get_distinct_indexes() {
        let dir = tempdir("concurrent");
        let log = Arc::new(Log::open(&dir, ORIGIN, signer()).unwrap());
        let _cp = log.spawn_checkpointer(Duration::from_millis(5));
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let log = Arc::clone(&log);
                std::thread::spawn(move || {
                    (0..200)
                        .map(|i| {
                            let e = format!("{t}/{i}");
                            (log.append(e.as_bytes()).unwrap(), e)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<(u64, String)> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        all.sort();
        assert_eq!(all.len(), 1600);
        for (i, (index, e)) in all.iter().enumerate() {
            assert_eq!(*index, i as u64);
            assert_eq!(log.entry(*index).unwrap(), e.as_bytes());
        }
        assert_eq!(log.publish_checkpoint().unwrap().checkpoint.size, 1600);
        let cp = log.wait_for_checkpoint(1600, Duration::ZERO);
        assert_eq!(cp.checkpoint.size, 1600);
        drop(_cp);
        drop(log);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn entry_size_limits() {
        let dir = tempdir("limits");
        let log = Log::open(&dir, ORIGIN, signer()).unwrap();
        assert!(matches!(log.append(b""), Err(StorageError::EntrySize(0))));
        assert_eq!(log.append_batch::<&[u8]>(&[]).unwrap(), 0..0);
        assert!(log.append(&vec![1u8; MAX_ENTRY_SIZE + 1]).is_err());
        assert_eq!(log.append(&vec![1u8; MAX_ENTRY_SIZE]).unwrap(), 0);
        assert!(matches!(
            log.receipt(0),
            Err(StorageError::NotCheckpointed { .. })
        ));
        drop(log);
        fs::remove_dir_all(&dir).unwrap();
    }
}
