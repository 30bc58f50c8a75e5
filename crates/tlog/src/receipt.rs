//! Receipts in the C2SP tlog-proof format (<https://c2sp.org/tlog-proof>):
//! an offline-verifiable proof that an entry is in the log.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64>            (optional, unauthenticated)
//! index <n>
//! <base64 inclusion hash>   (zero or more, leaf's sibling first)
//!
//! <the signed checkpoint, verbatim, with every signature>
//! ```
//!
//! A verifier needs the entry (which the holder of the record recomputes),
//! the log's origin and the keys it trusts.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::checkpoint::{self, Checkpoint, CheckpointError};
use crate::hash::{Hash, leaf_hash};
use crate::note::Verifier;
use crate::proof::{ProofError, verify_inclusion};

/// First line of every receipt.
pub const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// Receipts larger than this are rejected before parsing.
pub const MAX_RECEIPT_SIZE: usize = 1 << 20;

/// Why a receipt is malformed or does not verify.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    /// The text is not a tlog-proof.
    #[error("malformed receipt: {0}")]
    Malformed(&'static str),
    /// The embedded checkpoint is not trusted.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The inclusion proof does not match the checkpoint.
    #[error(transparent)]
    Proof(#[from] ProofError),
}

/// A parsed receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// Opaque extra data; never trusted.
    pub extra: Option<Vec<u8>>,
    /// Zero-based index of the entry.
    pub index: u64,
    /// Inclusion proof of the entry in the checkpointed tree.
    pub proof: Vec<Hash>,
    /// The signed checkpoint, verbatim.
    pub checkpoint: String,
}

impl Receipt {
    /// The `.tlog-proof` text.
    pub fn encode(&self) -> String {
        let mut s = format!("{HEADER}\n");
        if let Some(extra) = &self.extra {
            s.push_str(&format!("extra {}\n", B64.encode(extra)));
        }
        s.push_str(&format!("index {}\n", self.index));
        for h in &self.proof {
            s.push_str(&B64.encode(h));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint);
        s
    }

    /// Parses `.tlog-proof` text (without verifying anything).
    pub fn parse(bytes: &[u8]) -> Result<Self, ReceiptError> {
        if bytes.len() > MAX_RECEIPT_SIZE {
            return Err(ReceiptError::Malformed("too large"));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| ReceiptError::Malformed("not UTF-8"))?;
        // The proof lines are non-empty, so the first empty line ends them.
        let (head, checkpoint) = text.split_once("\n\n").ok_or(ReceiptError::Malformed(
            "no empty line before the checkpoint",
        ))?;
        let mut lines = head.split('\n').peekable();
        if lines.next() != Some(HEADER) {
            return Err(ReceiptError::Malformed(
                "first line must be c2sp.org/tlog-proof@v1",
            ));
        }
        let mut extra = None;
        if let Some(e) = lines.peek().and_then(|l| l.strip_prefix("extra ")) {
            extra = Some(
                B64.decode(e)
                    .map_err(|_| ReceiptError::Malformed("extra is not base64"))?,
            );
            lines.next();
        }
        let index = lines
            .next()
            .and_then(|l| l.strip_prefix("index "))
            .ok_or(ReceiptError::Malformed("missing index line"))?;
        let canonical = !index.is_empty()
            && index.bytes().all(|b| b.is_ascii_digit())
            && (index == "0" || !index.starts_with('0'));
        let index: u64 =
            index
                .parse()
                .ok()
                .filter(|_| canonical)
                .ok_or(ReceiptError::Malformed(
                    "index must be decimal with no leading zeros",
                ))?;
        let proof = lines
            .map(|l| {
                B64.decode(l)
                    .ok()
                    .and_then(|h| Hash::try_from(h).ok())
                    .ok_or(ReceiptError::Malformed("proof line is not a base64 hash"))
            })
            .collect::<Result<Vec<Hash>, _>>()?;
        if proof.len() > 63 {
            return Err(ReceiptError::Malformed(
                "proof is longer than any tree needs",
            ));
        }
        Ok(Self {
            extra,
            index,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }

    /// Verifies that `entry` (the leaf data, e.g. an encoded
    /// [`crate::entry::Entry`]) is in the log `origin`, as of a checkpoint
    /// signed by one of `verifiers`. Returns that checkpoint.
    pub fn verify(
        &self,
        entry: &[u8],
        origin: &str,
        verifiers: &[Verifier],
    ) -> Result<Checkpoint, ReceiptError> {
        let (cp, _) = checkpoint::open(self.checkpoint.as_bytes(), origin, verifiers)?;
        verify_inclusion(
            &leaf_hash(entry),
            self.index,
            cp.size,
            &self.proof,
            &cp.root,
        )?;
        Ok(cp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::note::Signer;
    use crate::proof::inclusion_proof;
    use crate::tree::MemoryTree;

    fn fixture() -> (Receipt, Signer, Vec<u8>) {
        let signer = Signer::from_seed("log.example/r", [9; 32]).unwrap();
        let mut tree = MemoryTree::new();
        for i in 0..10u8 {
            tree.push(&[i]);
        }
        let cp = Checkpoint::new("log.example/r", tree.size(), tree.root());
        let receipt = Receipt {
            extra: Some(b"hello".to_vec()),
            index: 6,
            proof: inclusion_proof(6, tree.size(), &tree).unwrap(),
            checkpoint: cp.sign(&signer).unwrap(),
        };
        (receipt, signer, vec![6])
    }

    #[test]
    fn round_trip_and_verify() {
        let (r, signer, entry) = fixture();
        let text = r.encode();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra aGVsbG8=\nindex 6\n"));
        let parsed = Receipt::parse(text.as_bytes()).unwrap();
        assert_eq!(parsed, r);
        let v = [signer.verifier().clone()];
        assert_eq!(parsed.verify(&entry, "log.example/r", &v).unwrap().size, 10);
        assert!(parsed.verify(&[7], "log.example/r", &v).is_err());
        assert!(parsed.verify(&entry, "log.example/other", &v).is_err());

        let mut no_extra = r.clone();
        no_extra.extra = None;
        assert_eq!(
            Receipt::parse(no_extra.encode().as_bytes()).unwrap(),
            no_extra
        );
    }

    #[test]
    fn tampered_receipts_fail() {
        let (r, signer, entry) = fixture();
        let v = [signer.verifier().clone()];
        let text = r.encode();
        let mut wrong_index = r.clone();
        wrong_index.index = 5;
        assert!(wrong_index.verify(&entry, "log.example/r", &v).is_err());
        // Any single-bit flip outside the unauthenticated extra line breaks it.
        let extra_end = text.find("index").unwrap();
        for i in extra_end..text.len() {
            let mut b = text.clone().into_bytes();
            b[i] ^= 0x01;
            let ok = Receipt::parse(&b)
                .map(|p| p.verify(&entry, "log.example/r", &v).is_ok())
                .unwrap_or(false);
            assert!(!ok, "flip at byte {i} still verifies");
        }
    }

    #[test]
    fn malformed() {
        for bad in [
            "",
            "c2sp.org/tlog-proof@v2\nindex 0\n\nx\n",
            "c2sp.org/tlog-proof@v1\nindex 01\n\nx\n",
            "c2sp.org/tlog-proof@v1\nindex 1\nnot-base64\n\nx\n",
            "c2sp.org/tlog-proof@v1\nextra !!\nindex 1\n\nx\n",
            "c2sp.org/tlog-proof@v1\nindex 1\n",
        ] {
            assert!(Receipt::parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
    }
}
