//! An output file for routed events that keeps the writing off the parsing core.
//!
//! A routed report is several times larger than its input (≈ 790 bytes of JSON per event), and
//! copying that much into the page cache costs more kernel time than parsing it: on our VMs a
//! fresh page-cache page is the expensive part. [`EventFile`] therefore writes with `O_DIRECT`
//! where the filesystem allows it: full, page-aligned blocks go from our buffers to the device
//! by DMA, from a writer thread that spends its time blocked on I/O, so parsing goes on while
//! the disk writes. Memory stays bounded: a fixed ring of [`BLOCK`]-sized buffers.
//!
//! Where `O_DIRECT` is refused (tmpfs before Linux 6.6, other systems), it is an ordinary buffered file.
//! The unaligned tail goes through a second, ordinary descriptor at [`EventFile::flush`].
//!
//! Written here because no maintained crate offers an aligned, double-buffered direct-I/O
//! writer; the part that needs the OS is one open flag.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

/// Bytes per direct write: a multiple of any device's logical block size.
pub const BLOCK: usize = 1 << 20;
/// Buffers in the ring: one filling, the others queued or being written.
const BUFFERS: usize = 3;
/// Alignment of buffer addresses, lengths and file offsets for `O_DIRECT`.
const ALIGN: usize = 4096;

/// A buffer whose usable window starts at an [`ALIGN`]-aligned address.
struct Block {
    mem: Vec<u8>,
    start: usize,
    len: usize,
}

impl Block {
    fn new() -> Block {
        let mem = vec![0u8; BLOCK + ALIGN];
        // The Vec is never resized, so the aligned window stays put.
        let start = mem.as_ptr().align_offset(ALIGN).min(ALIGN);
        Block { mem, start, len: 0 }
    }

    fn filled(&self) -> &[u8] {
        &self.mem[self.start..self.start + self.len]
    }

    fn spare(&mut self) -> &mut [u8] {
        &mut self.mem[self.start + self.len..self.start + BLOCK]
    }
}

struct Direct {
    path: PathBuf,
    /// Full blocks to the writer thread.
    to_writer: Option<SyncSender<Block>>,
    /// Written (or failed) blocks back from it.
    back: Receiver<io::Result<Block>>,
    writer: Option<JoinHandle<File>>,
    current: Block,
    /// Blocks handed out and not yet returned.
    in_flight: usize,
    /// Bytes handed to the writer so far (the file offset of `current`).
    offset: u64,
}

enum Mode {
    Direct(Box<Direct>),
    Buffered(io::BufWriter<File>),
}

/// A newly created (truncated) output file; see the module documentation.
pub struct EventFile {
    mode: Mode,
}

impl EventFile {
    /// Creates or truncates `path`, with direct I/O if the filesystem supports it.
    pub fn create(path: &Path) -> io::Result<EventFile> {
        // Pipes and devices (`/dev/stdout`, a FIFO) stay buffered: O_DIRECT would put a pipe
        // in packet mode.
        if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
            return EventFile::buffered(path);
        }
        match open_direct(path) {
            Ok(file) => Ok(EventFile::direct(path, file)),
            // EINVAL: the filesystem has no O_DIRECT (older tmpfs); anything else is a real error.
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => EventFile::buffered(path),
            Err(e) => Err(e),
        }
    }

    /// An ordinary buffered file, never direct I/O.
    pub fn buffered(path: &Path) -> io::Result<EventFile> {
        let file = File::create(path)?;
        Ok(EventFile {
            mode: Mode::Buffered(io::BufWriter::with_capacity(BLOCK, file)),
        })
    }

    /// Whether writes bypass the page cache.
    pub fn is_direct(&self) -> bool {
        matches!(self.mode, Mode::Direct(_))
    }

    fn direct(path: &Path, mut file: File) -> EventFile {
        let (to_writer, inbox) = sync_channel::<Block>(BUFFERS);
        let (done, back) = sync_channel::<io::Result<Block>>(BUFFERS);
        let writer = std::thread::spawn(move || {
            for mut block in inbox {
                let result = file.write_all(block.filled()).map(|()| {
                    block.len = 0;
                    block
                });
                if done.send(result).is_err() {
                    break;
                }
            }
            file
        });
        EventFile {
            mode: Mode::Direct(Box::new(Direct {
                path: path.to_path_buf(),
                to_writer: Some(to_writer),
                back,
                writer: Some(writer),
                current: Block::new(),
                in_flight: 0,
                offset: 0,
            })),
        }
    }
}

#[cfg(target_os = "linux")]
fn open_direct(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
}

#[cfg(not(target_os = "linux"))]
fn open_direct(_path: &Path) -> io::Result<File> {
    Err(io::ErrorKind::InvalidInput.into())
}

fn writer_gone() -> io::Error {
    io::Error::other("the event file's writer thread stopped")
}

impl Direct {
    /// Queues the full current block and takes an empty one (a fresh one while the ring is
    /// not yet full, else the next returned from the writer).
    fn hand_over(&mut self) -> io::Result<()> {
        let next = if self.in_flight + 1 < BUFFERS {
            Block::new()
        } else {
            self.in_flight -= 1;
            self.back.recv().map_err(|_| writer_gone())??
        };
        let full = std::mem::replace(&mut self.current, next);
        self.offset += full.len as u64;
        self.to_writer
            .as_ref()
            .ok_or_else(writer_gone)?
            .send(full)
            .map_err(|_| writer_gone())?;
        self.in_flight += 1;
        Ok(())
    }

    fn write(&mut self, mut data: &[u8]) -> io::Result<usize> {
        let total = data.len();
        while !data.is_empty() {
            // Handing over before copying (not after) means a failed hand-over is retried by
            // the next write instead of leaving a full block that nothing drains.
            if self.current.len == BLOCK {
                self.hand_over()?;
            }
            let spare = self.current.spare();
            let n = spare.len().min(data.len());
            spare[..n].copy_from_slice(&data[..n]);
            self.current.len += n;
            data = &data[n..];
        }
        Ok(total)
    }

    /// Writes the aligned part of the current block directly, waits for the writer, then
    /// writes the unaligned rest through an ordinary descriptor. Returns that descriptor:
    /// further writes must go through it, since the file offset is no longer aligned.
    fn finish(&mut self) -> io::Result<File> {
        let aligned = self.current.len / ALIGN * ALIGN;
        let tail = self.current.filled()[aligned..].to_vec();
        self.current.len = aligned;
        if aligned > 0 {
            let next = Block::new();
            let full = std::mem::replace(&mut self.current, next);
            self.offset += full.len as u64;
            self.to_writer
                .as_ref()
                .ok_or_else(writer_gone)?
                .send(full)
                .map_err(|_| writer_gone())?;
            self.in_flight += 1;
        }
        drop(self.to_writer.take());
        let mut first_error = None;
        for result in self.back.iter() {
            if let Err(e) = result {
                first_error.get_or_insert(e);
            }
        }
        self.in_flight = 0;
        if let Some(handle) = self.writer.take() {
            handle.join().map_err(|_| writer_gone())?;
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        let mut file = OpenOptions::new().write(true).open(&self.path)?;
        file.seek(SeekFrom::Start(self.offset))?;
        file.write_all(&tail)?;
        Ok(file)
    }
}

impl Write for EventFile {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match &mut self.mode {
            Mode::Direct(d) => d.write(data),
            Mode::Buffered(w) => w.write(data),
        }
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.write(data).map(|_| ())
    }

    /// Everything written so far reaches the file. After a flush the file is an ordinary
    /// buffered one (the direct part is over; its offset is no longer block-aligned).
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.mode {
            Mode::Direct(d) => {
                let file = d.finish()?;
                self.mode = Mode::Buffered(io::BufWriter::with_capacity(BLOCK, file));
                Ok(())
            }
            Mode::Buffered(w) => w.flush(),
        }
    }
}

impl Drop for EventFile {
    fn drop(&mut self) {
        // As BufWriter does: a caller who needs the error calls flush first.
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn writes_every_byte_in_order_whatever_the_sizes() {
        let dir = std::env::temp_dir().join(format!("feeds-sink-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // Empty, under one page, one page, unaligned, exactly one block, several blocks + tail.
        let sizes = [
            0,
            100,
            ALIGN,
            ALIGN + 1,
            BLOCK,
            3 * BLOCK + 12_345,
            7 * BLOCK,
        ];
        for (case, &n) in sizes.iter().enumerate() {
            for direct_wanted in [true, false] {
                let path = dir.join(format!("out-{case}-{direct_wanted}.jsonl"));
                let data = pattern(n);
                let mut f = if direct_wanted {
                    EventFile::create(&path).unwrap()
                } else {
                    EventFile::buffered(&path).unwrap()
                };
                // Odd-sized pieces cross block boundaries at odd places.
                for piece in data.chunks(777) {
                    f.write_all(piece).unwrap();
                }
                f.flush().unwrap();
                // Writes after a flush are appended, not lost.
                f.write_all(b"after").unwrap();
                drop(f);
                let got = std::fs::read(&path).unwrap();
                let mut want = data.clone();
                want.extend_from_slice(b"after");
                assert_eq!(got.len(), want.len(), "size {n}, direct {direct_wanted}");
                assert!(
                    got == want,
                    "size {n}, direct {direct_wanted}: content differs"
                );
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn devices_stay_buffered_and_tmpfs_works_either_way() {
        let null = EventFile::create(Path::new("/dev/null")).unwrap();
        assert!(!null.is_direct());
        let shm = Path::new("/dev/shm");
        if cfg!(target_os = "linux") && shm.is_dir() {
            let path = shm.join(format!("feeds-sink-{}", std::process::id()));
            // Linux 6.6+ tmpfs accepts O_DIRECT, older ones refuse it: both must work.
            let mut f = EventFile::create(&path).unwrap();
            f.write_all(b"{}\n").unwrap();
            drop(f);
            assert_eq!(std::fs::read(&path).unwrap(), b"{}\n");
            std::fs::remove_file(&path).unwrap();
        }
    }

    #[test]
    fn creating_truncates_an_existing_file() {
        let path = std::env::temp_dir().join(format!("feeds-sink-trunc-{}", std::process::id()));
        std::fs::write(&path, vec![b'x'; 3 * ALIGN]).unwrap();
        let mut f = EventFile::create(&path).unwrap();
        f.write_all(b"{}\n").unwrap();
        f.flush().unwrap();
        drop(f);
        assert_eq!(std::fs::read(&path).unwrap(), b"{}\n");
        std::fs::remove_file(&path).unwrap();
    }
}
