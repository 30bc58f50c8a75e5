//! A watched directory of reports (`serve --feeds-watch DIR`): a pipeline or an SFTP drop
//! puts Shadowserver-style CSV files there, and they are ingested exactly like uploads.
//!
//! Each pass takes every `*.csv` whose size and modification time did not change since the
//! previous pass (so a file still being written is left alone), claims it by renaming it
//! into `DIR/.processing/<report-id>--<name>` (a rename succeeds for one replica only),
//! copies it into the files directory and queues the usual ingestion job under that report
//! id. Later passes move the claimed file to `DIR/done/` or `DIR/failed/` (with
//! `<name>.error.txt` saying why) once its report is finished. The state lives in the file
//! names and the database, so any replica watching the same directory can finish the work.

use crate::ingest;
use centinela_store::exposure;
use centinela_store::{Actor, Db, StoreError};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use uuid::Uuid;

const PROCESSING: &str = ".processing";
/// A claimed file with no report after this long was claimed by a replica that died.
const ORPHAN_AFTER: Duration = Duration::from_secs(600);

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Pass {
    pub queued: usize,
    pub done: usize,
    pub failed: usize,
}

pub struct Watcher {
    dir: PathBuf,
    files: PathBuf,
    /// Size and modification time of each candidate at the previous pass.
    seen: HashMap<PathBuf, (u64, Option<SystemTime>)>,
}

impl Watcher {
    pub fn new(dir: PathBuf, files: PathBuf) -> Watcher {
        Watcher {
            dir,
            files,
            seen: HashMap::new(),
        }
    }

    pub async fn pass(&mut self, db: &Db) -> Result<Pass, String> {
        let mut pass = Pass::default();
        for sub in [PROCESSING, "done", "failed"] {
            std::fs::create_dir_all(self.dir.join(sub))
                .map_err(|e| format!("{}: {e}", self.dir.join(sub).display()))?;
        }
        self.finish(db, &mut pass).await?;
        let mut now_seen = HashMap::new();
        let entries =
            std::fs::read_dir(&self.dir).map_err(|e| format!("{}: {e}", self.dir.display()))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(meta) = entry.metadata() else { continue };
            if name.starts_with('.')
                || !meta.is_file()
                || !name.to_ascii_lowercase().ends_with(".csv")
            {
                continue;
            }
            let stamp = (meta.len(), meta.modified().ok());
            let path = entry.path();
            if self.seen.get(&path) != Some(&stamp) {
                now_seen.insert(path, stamp);
                continue;
            }
            let id = Uuid::new_v4();
            let claimed = self.processing(id, &name);
            match std::fs::rename(&path, &claimed) {
                Ok(()) => {}
                // Another replica took it.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(format!("claiming {}: {e}", path.display())),
            }
            match self.register(db, id, &claimed, &name).await {
                Ok(()) => pass.queued += 1,
                Err(reason) => {
                    self.settle(&claimed, &name, "failed", Some(&reason))?;
                    pass.failed += 1;
                }
            }
        }
        self.seen = now_seen;
        Ok(pass)
    }

    fn processing(&self, id: Uuid, name: &str) -> PathBuf {
        self.dir.join(PROCESSING).join(format!("{id}--{name}"))
    }

    /// Copies a claimed file into the files directory and queues it, as an upload would be.
    async fn register(&self, db: &Db, id: Uuid, claimed: &Path, name: &str) -> Result<(), String> {
        let kind = feeds::ReportKind::from_file_name(name).map_err(|e| {
            format!("{e}: the file name must follow the Shadowserver convention YYYY-MM-DD-<type>-….csv with a known type")
        })?;
        let reports = ingest::reports_dir(&self.files);
        std::fs::create_dir_all(&reports).map_err(|e| format!("{}: {e}", reports.display()))?;
        let part = reports.join(format!("{}.part", Uuid::new_v4().simple()));
        let (src, dst) = (claimed.to_path_buf(), part.clone());
        let (sha, size) = tokio::task::spawn_blocking(move || copy_hashed(&src, &dst))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| {
                let _ = std::fs::remove_file(&part);
                format!("copying the report: {e}")
            })?;
        if size == 0 {
            let _ = std::fs::remove_file(&part);
            return Err("the file is empty".into());
        }
        let actor = Actor {
            user_id: None,
            email: "feeds-watch".into(),
        };
        ingest::queue_report(
            db,
            &actor,
            &self.files,
            id,
            &part,
            name,
            kind,
            &sha,
            size as i64,
        )
        .await
        .map(|_| ())
        .map_err(|e| format!("queueing the report: {}", e.key))
    }

    /// Moves finished reports' files out of `.processing`; re-registers orphans.
    async fn finish(&self, db: &Db, pass: &mut Pass) -> Result<(), String> {
        let dir = self.dir.join(PROCESSING);
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let file = entry.file_name().to_string_lossy().into_owned();
            let Some((id, name)) = file
                .split_once("--")
                .and_then(|(id, name)| Some((Uuid::try_parse(id).ok()?, name.to_string())))
            else {
                continue;
            };
            let path = entry.path();
            match exposure::get_report(db, id).await {
                Ok(r) if r.state == "done" => {
                    self.settle(&path, &name, "done", None)?;
                    pass.done += 1;
                }
                Ok(r) if r.state == "failed" => {
                    let reason = r.error.unwrap_or_else(|| "failed".into());
                    self.settle(&path, &name, "failed", Some(&reason))?;
                    pass.failed += 1;
                }
                Ok(_) => {}
                Err(StoreError::NotFound) if is_orphan(&path) => {
                    if let Err(reason) = self.register(db, id, &path, &name).await {
                        self.settle(&path, &name, "failed", Some(&reason))?;
                        pass.failed += 1;
                    }
                }
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(())
    }

    /// Moves a claimed file to `done/` or `failed/` (keeping its name unless taken), with
    /// the reason next to a failed one.
    fn settle(
        &self,
        from: &Path,
        name: &str,
        to: &str,
        reason: Option<&str>,
    ) -> Result<(), String> {
        let mut target = self.dir.join(to).join(name);
        if target.exists() {
            let claimed = from.file_name().map(|f| f.to_string_lossy().into_owned());
            target = self
                .dir
                .join(to)
                .join(claimed.unwrap_or_else(|| name.into()));
        }
        match std::fs::rename(from, &target) {
            Ok(()) => {}
            // Another replica settled it.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(format!("moving {}: {e}", from.display())),
        }
        if let Some(reason) = reason {
            let mut note = target.into_os_string();
            note.push(".error.txt");
            std::fs::write(&note, format!("{reason}\n")).map_err(|e| e.to_string())?;
            tracing::warn!(file = %name, %reason, "watched report failed");
        }
        Ok(())
    }
}

/// The claim time is the rename's inode change time.
fn is_orphan(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    let changed = SystemTime::UNIX_EPOCH + Duration::from_secs(meta.ctime().max(0) as u64);
    SystemTime::now()
        .duration_since(changed)
        .is_ok_and(|age| age > ORPHAN_AFTER)
}

fn copy_hashed(from: &Path, to: &Path) -> std::io::Result<(String, u64)> {
    let mut input = std::fs::File::open(from)?;
    let mut output = std::fs::File::create(to)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        output.write_all(&buf[..n])?;
        size += n as u64;
    }
    output.sync_all()?;
    Ok((hex::encode(hasher.finalize()), size))
}

/// Watches forever (on worker replicas), every `every`.
pub async fn watch_forever(db: Db, dir: PathBuf, files: PathBuf, every: Duration) {
    let mut watcher = Watcher::new(dir, files);
    loop {
        match watcher.pass(&db).await {
            Ok(p) if p != Pass::default() => {
                tracing::info!(
                    queued = p.queued,
                    done = p.done,
                    failed = p.failed,
                    "watched reports"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "watching reports failed; will retry"),
        }
        tokio::time::sleep(every).await;
    }
}
