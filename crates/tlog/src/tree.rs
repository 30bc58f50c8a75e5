//! The shape of an append-only Merkle tree and how its hashes are stored.
//!
//! Every *complete* subtree (a node whose `2^level` leaves all exist) has a
//! hash that never changes once written, so a log stores exactly those, in the
//! order they become complete: appending leaf `j` stores the leaf hash, then
//! the hash of every subtree that leaf completes, lowest level first. This is
//! the layout Go's `sumdb/tlog` uses, which lets tests compare the two.
//!
//! Hashes of incomplete (right-edge) subtrees are never stored; they are
//! recomputed from the complete subtrees that cover them.

use crate::hash::{Hash, empty_root, node_hash};

/// Where the hash of the complete subtree `(level, n)` — the `n`-th node of
/// height `level`, covering leaves `n·2^level .. (n+1)·2^level` — sits in
/// the stored-hash sequence.
pub fn stored_hash_index(level: u8, n: u64) -> u64 {
    // The node becomes complete when its last leaf is appended; that leaf's
    // hash follows everything stored for the leaves before it, and the node
    // is `level` hashes after the leaf hash.
    let last_leaf = ((n + 1) << level) - 1;
    stored_hash_count(last_leaf) + u64::from(level)
}

/// Number of stored hashes for a tree of `size` leaves: `2·size − popcount(size)`.
pub fn stored_hash_count(size: u64) -> u64 {
    2 * size - u64::from(size.count_ones())
}

/// Error from a [`HashReader`].
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The reader does not hold the requested hash (index past its end).
    #[error("stored hash {0} is not available")]
    Missing(u64),
    /// The underlying store failed.
    #[error("reading stored hashes: {0}")]
    Io(#[from] std::io::Error),
    /// A hash read back from tiles did not match what the tree requires.
    #[error("tile data is invalid: {0}")]
    Tile(String),
}

/// Source of stored hashes, by stored-hash index (see [`stored_hash_index`]).
///
/// Proof generation asks for all the hashes it needs in one call so that a
/// file- or network-backed reader can batch its reads.
pub trait HashReader {
    /// Returns the stored hashes at `indexes`, in the same order.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, ReadError>;
}

impl HashReader for [Hash] {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, ReadError> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.get(i))
                    .copied()
                    .ok_or(ReadError::Missing(i))
            })
            .collect()
    }
}

impl HashReader for Vec<Hash> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, ReadError> {
        self.as_slice().read_hashes(indexes)
    }
}

/// Splits the leaf range `lo..hi` into maximal aligned complete subtrees,
/// returned as `(level, n)`, left to right (and so by decreasing height).
///
/// For the ranges RFC 6962's recursion produces (`lo` is a multiple of a
/// power of two at least `hi − lo`, or `lo..hi` is the whole tree) the
/// range's Merkle hash is these subtrees folded from the right.
pub(crate) fn covering_subtrees(mut lo: u64, hi: u64) -> Vec<(u8, u64)> {
    let mut out = Vec::new();
    while lo < hi {
        // Largest block that starts at `lo`, is aligned and fits.
        let align = if lo == 0 { 63 } else { lo.trailing_zeros() };
        let fit = 63 - (hi - lo).leading_zeros();
        let level = align.min(fit) as u8;
        out.push((level, lo >> level));
        lo += 1 << level;
    }
    out
}

/// Folds subtree hashes (left to right) into the hash of the range they cover.
pub(crate) fn fold_right(hashes: &[Hash]) -> Hash {
    let mut it = hashes.iter().rev();
    let Some(last) = it.next() else {
        return empty_root();
    };
    it.fold(*last, |acc, left| node_hash(left, &acc))
}

/// Merkle hash of leaves `lo..hi` (a range from RFC 6962's recursion), read
/// from stored hashes.
pub(crate) fn subtree_hash<R: HashReader + ?Sized>(
    lo: u64,
    hi: u64,
    reader: &R,
) -> Result<Hash, ReadError> {
    let indexes: Vec<u64> = covering_subtrees(lo, hi)
        .into_iter()
        .map(|(level, n)| stored_hash_index(level, n))
        .collect();
    Ok(fold_right(&reader.read_hashes(&indexes)?))
}

/// Root hash of the tree of the first `size` leaves.
pub fn tree_hash<R: HashReader + ?Sized>(size: u64, reader: &R) -> Result<Hash, ReadError> {
    subtree_hash(0, size, reader)
}

/// The right edge of a tree: one complete subtree hash per set bit of the
/// size, largest first. That is all that appending needs to keep in memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// `(level, hash)`, levels strictly decreasing.
    nodes: Vec<(u8, Hash)>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds the frontier of a tree of `size` leaves from its stored hashes.
    pub fn load<R: HashReader + ?Sized>(size: u64, reader: &R) -> Result<Self, ReadError> {
        let subtrees = covering_subtrees(0, size);
        let indexes: Vec<u64> = subtrees
            .iter()
            .map(|&(level, n)| stored_hash_index(level, n))
            .collect();
        let hashes = reader.read_hashes(&indexes)?;
        Ok(Self {
            size,
            nodes: subtrees
                .iter()
                .zip(hashes)
                .map(|(&(level, _), h)| (level, h))
                .collect(),
        })
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash and pushes onto `stored` the hashes this append
    /// makes permanent: the leaf, then each subtree it completes.
    pub fn append(&mut self, leaf: Hash, stored: &mut Vec<Hash>) {
        stored.push(leaf);
        let mut carry = (0u8, leaf);
        while let Some(&(level, left)) = self.nodes.last() {
            if level != carry.0 {
                break;
            }
            self.nodes.pop();
            carry = (level + 1, node_hash(&left, &carry.1));
            stored.push(carry.1);
        }
        self.nodes.push(carry);
        self.size += 1;
    }

    /// Root hash of the current tree.
    pub fn root(&self) -> Hash {
        let hashes: Vec<Hash> = self.nodes.iter().map(|(_, h)| *h).collect();
        fold_right(&hashes)
    }
}

/// A whole tree in memory: the stored hashes and nothing else. Handy for
/// tests, tools and small logs; the durable log is [`crate::storage::Log`].
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    stored: Vec<Hash>,
    frontier: Frontier,
}

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a leaf given its leaf hash; returns its index.
    pub fn push_leaf_hash(&mut self, leaf: Hash) -> u64 {
        let index = self.frontier.size();
        self.frontier.append(leaf, &mut self.stored);
        index
    }

    /// Appends an entry (hashed as a leaf); returns its index.
    pub fn push(&mut self, entry: &[u8]) -> u64 {
        self.push_leaf_hash(crate::hash::leaf_hash(entry))
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// Current root hash.
    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    /// All stored hashes, in stored-hash order.
    pub fn stored_hashes(&self) -> &[Hash] {
        &self.stored
    }
}

impl HashReader for MemoryTree {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, ReadError> {
        self.stored.read_hashes(indexes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{leaf_hash, root_from_leaf_hashes};

    #[test]
    fn stored_index_table() {
        // (level, n, index): leaf 0 at 0, leaf 1 at 1, node(1,0) at 2, leaf 2
        // at 3, leaf 3 at 4, node(1,1) at 5, node(2,0) at 6, leaf 4 at 7.
        let table = [
            (0, 0, 0),
            (0, 1, 1),
            (1, 0, 2),
            (0, 2, 3),
            (0, 3, 4),
            (1, 1, 5),
            (2, 0, 6),
            (0, 4, 7),
            (3, 0, 14),
        ];
        for (level, n, want) in table {
            assert_eq!(stored_hash_index(level, n), want, "({level},{n})");
        }
        assert_eq!(stored_hash_count(0), 0);
        assert_eq!(stored_hash_count(1), 1);
        assert_eq!(stored_hash_count(4), 7);
        assert_eq!(stored_hash_count(5), 8);
    }

    #[test]
    fn memory_tree_matches_definition_for_every_size() {
        let mut tree = MemoryTree::new();
        let mut leaves = vec![];
        for i in 0..300u32 {
            assert_eq!(tree.root(), root_from_leaf_hashes(&leaves));
            assert_eq!(
                tree_hash(tree.size(), &tree).unwrap(),
                tree.root(),
                "size {i}"
            );
            assert_eq!(
                tree.stored_hashes().len() as u64,
                stored_hash_count(tree.size())
            );
            let h = leaf_hash(&i.to_be_bytes());
            leaves.push(h);
            tree.push_leaf_hash(h);
        }
        // Every complete subtree is where the layout says it is.
        for level in 0..8u8 {
            for n in 0..(300u64 >> level) {
                let lo = (n << level) as usize;
                let hi = ((n + 1) << level) as usize;
                let idx = stored_hash_index(level, n) as usize;
                assert_eq!(
                    tree.stored_hashes()[idx],
                    root_from_leaf_hashes(&leaves[lo..hi])
                );
            }
        }
        // Older roots can still be computed from the stored hashes.
        for size in 0..=300u64 {
            assert_eq!(
                tree_hash(size, &tree).unwrap(),
                root_from_leaf_hashes(&leaves[..size as usize])
            );
        }
    }

    #[test]
    fn frontier_reloads() {
        let mut tree = MemoryTree::new();
        for i in 0..77u32 {
            tree.push(&i.to_le_bytes());
            let f = Frontier::load(tree.size(), &tree).unwrap();
            assert_eq!(f, tree.frontier);
        }
    }
}
