//! C2SP checkpoints (<https://c2sp.org/tlog-checkpoint>): the signed
//! statement "the log named *origin* has *size* entries with this root".
//!
//! The note text is the origin line, the decimal tree size, the standard
//! base64 root hash, then optional extension lines (we emit none).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::hash::Hash;
use crate::note::{self, Note, NoteError, Signer, Verifier};

/// What is wrong with a checkpoint.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CheckpointError {
    /// The note text is not a checkpoint.
    #[error("malformed checkpoint: {0}")]
    Malformed(&'static str),
    /// The checkpoint names another log.
    #[error("checkpoint is for origin {found:?}, expected {expected:?}")]
    WrongOrigin {
        /// Origin we trust.
        expected: String,
        /// Origin in the checkpoint.
        found: String,
    },
    /// The signed note around it is invalid.
    #[error(transparent)]
    Note(#[from] NoteError),
}

/// The body of a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// Log identity, a schema-less URL such as `audit.gob.example/log1`.
    pub origin: String,
    /// Number of entries.
    pub size: u64,
    /// Merkle tree root of those entries.
    pub root: Hash,
    /// Opaque extension lines, without their newlines.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint with no extension lines.
    pub fn new(origin: &str, size: u64, root: Hash) -> Self {
        Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        }
    }

    /// The note text.
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Parses note text into a checkpoint.
    pub fn from_text(text: &str) -> Result<Self, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::Malformed("text must end in a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(CheckpointError::Malformed("empty origin"));
        }
        let size = lines
            .next()
            .ok_or(CheckpointError::Malformed("missing tree size"))?;
        let valid_size = !size.is_empty()
            && size.bytes().all(|b| b.is_ascii_digit())
            && (size == "0" || !size.starts_with('0'));
        if !valid_size {
            return Err(CheckpointError::Malformed(
                "tree size must be decimal with no leading zeros",
            ));
        }
        let size: u64 = size
            .parse()
            .map_err(|_| CheckpointError::Malformed("tree size out of range"))?;
        let root = lines
            .next()
            .ok_or(CheckpointError::Malformed("missing root hash"))?;
        let root: Hash = B64
            .decode(root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or(CheckpointError::Malformed(
                "root hash must be 32 bytes of base64",
            ))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(CheckpointError::Malformed("empty extension line"));
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// Signs the checkpoint; the result is the complete signed note.
    pub fn sign(&self, signer: &Signer) -> Result<String, CheckpointError> {
        Ok(note::sign(&self.to_text(), &[signer])?)
    }
}

/// Verifies a signed checkpoint from the log `origin`: at least one of
/// `verifiers` must have signed it (and no known key may have signed badly).
pub fn open(
    msg: &[u8],
    origin: &str,
    verifiers: &[Verifier],
) -> Result<(Checkpoint, Note), CheckpointError> {
    let note = note::open(msg, verifiers)?;
    let cp = Checkpoint::from_text(&note.text)?;
    if cp.origin != origin {
        return Err(CheckpointError::WrongOrigin {
            expected: origin.to_owned(),
            found: cp.origin,
        });
    }
    Ok((cp, note))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::empty_root;

    #[test]
    fn text_round_trip() {
        let mut cp = Checkpoint::new("audit.gob.example/log1", 70_000, [9; 32]);
        assert_eq!(
            cp.to_text(),
            "audit.gob.example/log1\n70000\nCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=\n"
        );
        assert_eq!(Checkpoint::from_text(&cp.to_text()).unwrap(), cp);
        cp.extensions.push("ext line".into());
        assert_eq!(Checkpoint::from_text(&cp.to_text()).unwrap(), cp);
    }

    #[test]
    fn empty_log_checkpoint() {
        let cp = Checkpoint::new("o", 0, empty_root());
        assert_eq!(Checkpoint::from_text(&cp.to_text()).unwrap().size, 0);
    }

    #[test]
    fn malformed_bodies() {
        let root = B64.encode([1u8; 32]);
        let cases = [
            format!("o\n1\n{root}"),
            format!("\n1\n{root}\n"),
            format!("o\n01\n{root}\n"),
            format!("o\n+1\n{root}\n"),
            format!("o\n\n{root}\n"),
            format!("o\n18446744073709551616\n{root}\n"),
            "o\n1\nAAAA\n".to_owned(),
            "o\n1\n".to_owned(),
            format!("o\n1\n{root}\n\n"),
        ];
        for c in cases {
            assert!(Checkpoint::from_text(&c).is_err(), "{c:?}");
        }
    }

    #[test]
    fn signed_checkpoint_opens_only_for_its_origin() {
        let signer = Signer::from_seed("log.example/a", [4; 32]).unwrap();
        let cp = Checkpoint::new("log.example/a", 3, [2; 32]);
        let msg = cp.sign(&signer).unwrap();
        let v = [signer.verifier().clone()];
        assert_eq!(open(msg.as_bytes(), "log.example/a", &v).unwrap().0, cp);
        assert!(matches!(
            open(msg.as_bytes(), "log.example/b", &v),
            Err(CheckpointError::WrongOrigin { .. })
        ));
    }
}
