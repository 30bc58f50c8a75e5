//! RFC 6962 §2.1 Merkle tree hashing (unchanged in RFC 9162 §2.1).
//!
//! Leaves are hashed as `SHA-256(0x00 || entry)` and interior nodes as
//! `SHA-256(0x01 || left || right)`, so that a leaf can never be passed off as
//! an interior node (second-preimage resistance). The empty tree hashes to
//! `SHA-256("")`.

use sha2::{Digest, Sha256};

/// A SHA-256 hash: a leaf hash, an interior node hash or a tree root.
pub type Hash = [u8; 32];

/// Size in bytes of a [`type@Hash`].
pub const HASH_SIZE: usize = 32;

/// Root of the empty tree, `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// Hash of a leaf: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(data);
    h.finalize().into()
}

/// Hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Plain SHA-256, used for record digests and key ids.
pub fn sha256(data: &[u8]) -> Hash {
    Sha256::digest(data).into()
}

/// The Merkle tree hash `MTH(D[0:n])` of a list of leaf hashes.
///
/// This is the definition of RFC 6962 (split at the largest power of two
/// smaller than `n`), computed bottom-up without recursion: hash adjacent
/// pairs level by level, carrying an odd last node up unchanged, which yields
/// the same left-full tree.
pub fn root_from_leaf_hashes(leaves: &[Hash]) -> Hash {
    if leaves.is_empty() {
        return empty_root();
    }
    let mut level: Vec<Hash> = leaves.to_vec();
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        for pair in level.chunks(2) {
            match pair {
                [l, r] => next.push(node_hash(l, r)),
                [single] => next.push(*single),
                _ => unreachable!("chunks(2) yields one or two items"),
            }
        }
        level = next;
    }
    level[0]
}

/// Lowercase hex, for messages and test vectors.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    s
}

/// Parses hex (either case); `None` if the length is odd or a digit is invalid.
pub fn from_hex(s: &str) -> Option<Vec<u8>> {
    fn digit(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

#[cfg(test)]
pub(crate) mod vectors {
    //! The RFC 6962 reference tree (the Certificate Transparency test data
    //! used by every 6962 implementation), kept as data in
    //! `testdata/rfc6962.txt`.

    use super::*;

    pub struct Vectors {
        pub leaves: Vec<Vec<u8>>,
        /// `roots[n]` is the root of the first `n` leaves; `roots[0]` the empty tree.
        pub roots: Vec<Hash>,
        /// (index, size, proof)
        pub inclusion: Vec<(u64, u64, Vec<Hash>)>,
        /// (old size, new size, proof)
        pub consistency: Vec<(u64, u64, Vec<Hash>)>,
    }

    fn hash(s: &str) -> Hash {
        from_hex(s).unwrap().try_into().unwrap()
    }

    pub fn load() -> Vectors {
        let text = include_str!("../testdata/rfc6962.txt");
        let mut v = Vectors {
            leaves: vec![],
            roots: vec![],
            inclusion: vec![],
            consistency: vec![],
        };
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split_whitespace().collect();
            let proof = |from: usize| f[from..].iter().map(|h| hash(h)).collect::<Vec<_>>();
            match f[0] {
                "leaf" => v
                    .leaves
                    .push(from_hex(f.get(1).copied().unwrap_or("")).unwrap()),
                "root" => {
                    assert_eq!(f[1].parse::<usize>().unwrap(), v.roots.len(), "line {n}");
                    v.roots.push(hash(f[2]));
                }
                "inclusion" => {
                    v.inclusion
                        .push((f[1].parse().unwrap(), f[2].parse().unwrap(), proof(3)));
                }
                "consistency" => {
                    v.consistency
                        .push((f[1].parse().unwrap(), f[2].parse().unwrap(), proof(3)));
                }
                other => panic!("testdata/rfc6962.txt line {}: unknown {other}", n + 1),
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tree_is_sha256_of_nothing() {
        assert_eq!(
            to_hex(&empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(root_from_leaf_hashes(&[]), empty_root());
    }

    #[test]
    fn reference_roots_match_rfc6962() {
        let v = vectors::load();
        let leaves: Vec<Hash> = v.leaves.iter().map(|d| leaf_hash(d)).collect();
        assert_eq!(v.roots.len(), leaves.len() + 1);
        for (n, want) in v.roots.iter().enumerate() {
            assert_eq!(&root_from_leaf_hashes(&leaves[..n]), want, "size {n}");
        }
    }

    #[test]
    fn leaf_and_node_prefixes_differ() {
        // Same 64 input bytes, different domain: the prefixes must separate them.
        let a = [7u8; 32];
        let mut cat = a.to_vec();
        cat.extend_from_slice(&a);
        assert_ne!(leaf_hash(&cat), node_hash(&a, &a));
    }

    #[test]
    fn hex_round_trip() {
        let b = [0u8, 1, 0xab, 0xff];
        assert_eq!(to_hex(&b), "0001abff");
        assert_eq!(from_hex("0001ABff").unwrap(), b);
        assert!(from_hex("0").is_none());
        assert!(from_hex("zz").is_none());
    }
}
