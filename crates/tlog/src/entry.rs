//! Log entries: compact statements about records, never the records.
//!
//! The log proves *that* a record existed in a given form at a given time
//! without publishing it: an entry names the record and carries the SHA-256
//! of its canonical form. Whoever holds the record recomputes the entry and
//! checks it against a receipt.
//!
//! # Canonical encoding, version 1
//!
//! The leaf data hashed into the tree (RFC 6962 leaf input) is exactly:
//!
//! | bytes | field |
//! |---|---|
//! | 1 | format version, `0x01` |
//! | 1 + k | kind: length `k` (1..=64), then lowercase ASCII `[a-z0-9._-]`, e.g. `tsa.token` |
//! | 1 + r | record id: length `r` (1..=255), then UTF-8 without control characters |
//! | 32 | SHA-256 of the record's canonical form |
//! | 8 | time: milliseconds since 1970-01-01T00:00:00Z, unsigned big-endian |
//!
//! There is one encoding per entry (no optional fields, no padding) and
//! [`Entry::decode`] rejects anything else, so equal entries always hash
//! equally. The longest entry is 362 bytes, well under the 65,535-byte limit
//! of tlog-tiles entry bundles.

use crate::hash::Hash;

/// Version byte of the current encoding.
pub const ENTRY_VERSION: u8 = 1;

/// Longest kind, in bytes.
pub const MAX_KIND_LEN: usize = 64;

/// Longest record id, in bytes.
pub const MAX_RECORD_ID_LEN: usize = 255;

/// Why an entry is invalid.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EntryError {
    /// The kind is empty, too long or has a character outside `[a-z0-9._-]`.
    #[error("invalid record kind {0:?}")]
    InvalidKind(String),
    /// The record id is empty, too long or has a control character.
    #[error("invalid record id {0:?}")]
    InvalidRecordId(String),
    /// The bytes are not a version-1 entry.
    #[error("malformed entry: {0}")]
    Malformed(&'static str),
}

/// A statement that a record of `kind` with id `record_id` had the
/// canonical-form digest `digest` at `time_ms`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    kind: String,
    record_id: String,
    digest: Hash,
    time_ms: u64,
}

fn valid_kind(kind: &str) -> bool {
    (1..=MAX_KIND_LEN).contains(&kind.len())
        && kind
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
}

fn valid_record_id(id: &str) -> bool {
    (1..=MAX_RECORD_ID_LEN).contains(&id.len()) && !id.chars().any(char::is_control)
}

impl Entry {
    /// A statement, checked against the encoding's limits.
    pub fn new(
        kind: &str,
        record_id: &str,
        digest: Hash,
        time_ms: u64,
    ) -> Result<Self, EntryError> {
        if !valid_kind(kind) {
            return Err(EntryError::InvalidKind(kind.to_owned()));
        }
        if !valid_record_id(record_id) {
            return Err(EntryError::InvalidRecordId(record_id.to_owned()));
        }
        Ok(Self {
            kind: kind.to_owned(),
            record_id: record_id.to_owned(),
            digest,
            time_ms,
        })
    }

    /// Record kind, e.g. `tsa.token`, `seal.cades`, `delivery.evidence`.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// Record id within its kind.
    pub fn record_id(&self) -> &str {
        &self.record_id
    }

    /// SHA-256 of the record's canonical form.
    pub fn digest(&self) -> &Hash {
        &self.digest
    }

    /// Time of the statement, milliseconds since the Unix epoch (UTC).
    pub fn time_ms(&self) -> u64 {
        self.time_ms
    }

    /// The canonical encoding (the leaf data).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(3 + self.kind.len() + self.record_id.len() + 40);
        out.push(ENTRY_VERSION);
        // Lengths fit in a byte: checked in `new` and `decode`.
        out.push(self.kind.len() as u8);
        out.extend_from_slice(self.kind.as_bytes());
        out.push(self.record_id.len() as u8);
        out.extend_from_slice(self.record_id.as_bytes());
        out.extend_from_slice(&self.digest);
        out.extend_from_slice(&self.time_ms.to_be_bytes());
        out
    }

    /// Parses the canonical encoding; rejects every other byte string.
    pub fn decode(bytes: &[u8]) -> Result<Self, EntryError> {
        fn take<'a>(b: &mut &'a [u8], n: usize) -> Result<&'a [u8], EntryError> {
            if b.len() < n {
                return Err(EntryError::Malformed("truncated"));
            }
            let (head, tail) = b.split_at(n);
            *b = tail;
            Ok(head)
        }
        let mut b = bytes;
        if take(&mut b, 1)?[0] != ENTRY_VERSION {
            return Err(EntryError::Malformed("unknown version"));
        }
        let n = usize::from(take(&mut b, 1)?[0]);
        let kind = std::str::from_utf8(take(&mut b, n)?)
            .map_err(|_| EntryError::Malformed("kind is not UTF-8"))?;
        let n = usize::from(take(&mut b, 1)?[0]);
        let record_id = std::str::from_utf8(take(&mut b, n)?)
            .map_err(|_| EntryError::Malformed("record id is not UTF-8"))?;
        let digest: Hash = take(&mut b, 32)?.try_into().expect("32 bytes");
        let time_ms = u64::from_be_bytes(take(&mut b, 8)?.try_into().expect("8 bytes"));
        if !b.is_empty() {
            return Err(EntryError::Malformed("trailing bytes"));
        }
        Self::new(kind, record_id, digest, time_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{from_hex, sha256, to_hex};

    #[test]
    fn golden_encoding() {
        let e = Entry::new("tsa.token", "42", sha256(b"record"), 1_750_000_000_123).unwrap();
        let want = format!(
            "01{}{}{}{}{}{}",
            "09",
            to_hex(b"tsa.token"),
            "02",
            to_hex(b"42"),
            to_hex(&sha256(b"record")),
            "000001977420dc7b"
        );
        assert_eq!(to_hex(&e.encode()), want);
        assert_eq!(Entry::decode(&from_hex(&want).unwrap()).unwrap(), e);
    }

    #[test]
    fn invalid_fields() {
        let d = [0u8; 32];
        for kind in ["", "Upper", "with space", "ñ", &"k".repeat(65)] {
            assert!(Entry::new(kind, "1", d, 0).is_err(), "{kind:?}");
        }
        for id in ["", "a\nb", &"i".repeat(256)] {
            assert!(Entry::new("k", id, d, 0).is_err(), "{id:?}");
        }
        assert!(Entry::new(&"k".repeat(64), &"é".repeat(127), d, u64::MAX).is_ok());
    }

    #[test]
    fn decode_rejects_non_canonical() {
        let good = Entry::new("seal", "r-1", [7; 32], 5).unwrap().encode();
        assert!(Entry::decode(&good).is_ok());
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(Entry::decode(&trailing).is_err());
        assert!(Entry::decode(&good[..good.len() - 1]).is_err());
        let mut version = good.clone();
        version[0] = 2;
        assert!(Entry::decode(&version).is_err());
        assert!(Entry::decode(&[]).is_err());
    }

    #[test]
    fn longest_entry_fits_a_bundle() {
        let e = Entry::new(&"k".repeat(64), &"i".repeat(255), [0; 32], 0).unwrap();
        assert_eq!(e.encode().len(), 362);
    }
}
