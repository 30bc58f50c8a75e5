//! Inclusion and consistency proofs (RFC 6962 §2.1.1–2.1.2, verified with the
//! tree-free algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2).
//!
//! Generation reads stored hashes through a [`HashReader`]; verification is
//! pure: bytes in, result out.

use crate::hash::{Hash, node_hash};
use crate::tree::{HashReader, ReadError, covering_subtrees, fold_right, stored_hash_index};

/// Why a proof could not be made or did not verify.
#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error("index {index} is outside a tree of size {size}")]
    IndexOutOfRange {
        /// Requested leaf index.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// The older tree is larger than the newer one.
    #[error("tree size {old} is larger than {new}")]
    SizeOrder {
        /// Older size.
        old: u64,
        /// Newer size.
        new: u64,
    },
    /// The proof has too many or too few hashes for these sizes.
    #[error("proof has the wrong number of hashes")]
    WrongLength,
    /// The recomputed root differs from the expected one.
    #[error("proof does not lead to the expected root")]
    RootMismatch,
    /// Stored hashes could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
}

/// Largest power of two strictly smaller than `n` (`n ≥ 2`): RFC 6962's split point.
fn split(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// Accumulates the leaf ranges whose hashes make up a proof, then reads all
/// their covering subtrees in one batch.
#[derive(Default)]
struct Plan {
    ranges: Vec<(u64, u64)>,
}

impl Plan {
    fn resolve<R: HashReader + ?Sized>(self, reader: &R) -> Result<Vec<Hash>, ReadError> {
        let per_range: Vec<Vec<(u8, u64)>> = self
            .ranges
            .iter()
            .map(|&(lo, hi)| covering_subtrees(lo, hi))
            .collect();
        let indexes: Vec<u64> = per_range
            .iter()
            .flatten()
            .map(|&(level, n)| stored_hash_index(level, n))
            .collect();
        let hashes = reader.read_hashes(&indexes)?;
        let mut at = 0;
        Ok(per_range
            .iter()
            .map(|subtrees| {
                let h = fold_right(&hashes[at..at + subtrees.len()]);
                at += subtrees.len();
                h
            })
            .collect())
    }

    /// RFC 6962 PATH(m, D[lo:hi]), leaf's sibling first.
    fn path(&mut self, m: u64, lo: u64, hi: u64) {
        if hi - lo <= 1 {
            return;
        }
        let k = split(hi - lo);
        if m < lo + k {
            self.path(m, lo, lo + k);
            self.ranges.push((lo + k, hi));
        } else {
            self.path(m, lo + k, hi);
            self.ranges.push((lo, lo + k));
        }
    }

    /// RFC 6962 SUBPROOF(m, D[lo:hi], b), `m` counted from `lo`.
    fn subproof(&mut self, m: u64, lo: u64, hi: u64, complete: bool) {
        let n = hi - lo;
        if m == n {
            if !complete {
                self.ranges.push((lo, hi));
            }
            return;
        }
        let k = split(n);
        if m <= k {
            self.subproof(m, lo, lo + k, complete);
            self.ranges.push((lo + k, hi));
        } else {
            self.subproof(m - k, lo + k, hi, false);
            self.ranges.push((lo, lo + k));
        }
    }
}

/// Inclusion proof for leaf `index` in the tree of `size` leaves.
pub fn inclusion_proof<R: HashReader + ?Sized>(
    index: u64,
    size: u64,
    reader: &R,
) -> Result<Vec<Hash>, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let mut plan = Plan::default();
    plan.path(index, 0, size);
    Ok(plan.resolve(reader)?)
}

/// Consistency proof from the tree of `old` leaves to the tree of `new` leaves.
///
/// Empty when `old == new` or `old == 0` (every tree extends the empty one).
pub fn consistency_proof<R: HashReader + ?Sized>(
    old: u64,
    new: u64,
    reader: &R,
) -> Result<Vec<Hash>, ProofError> {
    if old > new {
        return Err(ProofError::SizeOrder { old, new });
    }
    if old == 0 || old == new {
        return Ok(Vec::new());
    }
    let mut plan = Plan::default();
    plan.subproof(old, 0, new, true);
    Ok(plan.resolve(reader)?)
}

/// Root implied by an inclusion proof (RFC 9162 §2.1.3.2, steps 1–6).
pub fn root_from_inclusion_proof(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return Err(ProofError::WrongLength);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            // Skip the levels where this node is the right edge's only child.
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::WrongLength);
    }
    Ok(r)
}

/// Checks that `leaf` (a leaf hash) is at `index` in the tree of `size`
/// leaves whose root is `root`.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if root_from_inclusion_proof(leaf, index, size, proof)? == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// Checks that the tree of `old` leaves with root `old_root` is a prefix of
/// the tree of `new` leaves with root `new_root` (RFC 9162 §2.1.4.2).
///
/// As with [`consistency_proof`], `old == 0` needs an empty proof (and the
/// empty-tree root), and `old == new` an empty proof and equal roots.
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::SizeOrder { old, new });
    }
    if old == 0 || old == new {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        let expected = if old == 0 {
            crate::hash::empty_root()
        } else {
            *new_root
        };
        return if *old_root == expected {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    // When the old tree is a complete subtree, its root is the proof's
    // implicit first element.
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (first, rest) = path.split_first().ok_or(ProofError::WrongLength)?;

    let (mut fnode, mut snode) = (old - 1, new - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if snode == 0 {
            return Err(ProofError::WrongLength);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode & 1 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::WrongLength);
    }
    if fr == *old_root && sr == *new_root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{leaf_hash, vectors};
    use crate::tree::MemoryTree;
    use proptest::prelude::*;

    fn tree_of(n: u64) -> (MemoryTree, Vec<Hash>) {
        let mut t = MemoryTree::new();
        let mut roots = vec![t.root()];
        for i in 0..n {
            t.push(format!("entry {i}").as_bytes());
            roots.push(t.root());
        }
        (t, roots)
    }

    #[test]
    fn rfc6962_reference_proofs() {
        let v = vectors::load();
        let mut t = MemoryTree::new();
        for leaf in &v.leaves {
            t.push(leaf);
        }
        for (index, size, want) in &v.inclusion {
            let got = inclusion_proof(*index, *size, &t).unwrap();
            assert_eq!(&got, want, "inclusion {index} in {size}");
            let leaf = leaf_hash(&v.leaves[*index as usize]);
            verify_inclusion(&leaf, *index, *size, want, &v.roots[*size as usize]).unwrap();
        }
        for (old, new, want) in &v.consistency {
            let got = consistency_proof(*old, *new, &t).unwrap();
            assert_eq!(&got, want, "consistency {old} -> {new}");
            let (o, n) = (*old as usize, *new as usize);
            verify_consistency(*old, *new, &v.roots[o], &v.roots[n], want).unwrap();
        }
    }

    /// Every inclusion proof in every tree up to 64 leaves verifies, and
    /// changing any one bit of it, the leaf, the index or the size fails.
    #[test]
    fn every_inclusion_proof_up_to_64_leaves() {
        let (t, roots) = tree_of(64);
        for size in 1..=64u64 {
            for index in 0..size {
                let proof = inclusion_proof(index, size, &t).unwrap();
                let leaf = leaf_hash(format!("entry {index}").as_bytes());
                let root = &roots[size as usize];
                verify_inclusion(&leaf, index, size, &proof, root).unwrap();

                for i in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[i][i % 32] ^= 1;
                    assert!(verify_inclusion(&leaf, index, size, &bad, root).is_err());
                }
                let mut bad_leaf = leaf;
                bad_leaf[0] ^= 0x80;
                assert!(verify_inclusion(&bad_leaf, index, size, &proof, root).is_err());
                if index + 1 < size {
                    assert!(verify_inclusion(&leaf, index + 1, size, &proof, root).is_err());
                }
                let mut longer = proof.clone();
                longer.push(*root);
                assert!(verify_inclusion(&leaf, index, size, &longer, root).is_err());
                if !proof.is_empty() {
                    let shorter = &proof[..proof.len() - 1];
                    assert!(verify_inclusion(&leaf, index, size, shorter, root).is_err());
                }
            }
        }
    }

    /// Every consistency proof between trees up to 64 leaves verifies, and
    /// tampering with any hash, either root or either size fails.
    #[test]
    fn every_consistency_proof_up_to_64_leaves() {
        let (t, roots) = tree_of(64);
        for new in 0..=64u64 {
            for old in 0..=new {
                let proof = consistency_proof(old, new, &t).unwrap();
                let (o, n) = (&roots[old as usize], &roots[new as usize]);
                verify_consistency(old, new, o, n, &proof).unwrap();

                for i in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[i][31 - i % 32] ^= 4;
                    assert!(verify_consistency(old, new, o, n, &bad).is_err());
                }
                // (From the empty tree any new root is consistent.)
                if old != new && old > 0 {
                    let mut bad_old = *o;
                    bad_old[5] ^= 1;
                    assert!(verify_consistency(old, new, &bad_old, n, &proof).is_err());
                    let mut bad_new = *n;
                    bad_new[6] ^= 1;
                    assert!(verify_consistency(old, new, o, &bad_new, &proof).is_err());
                }
                if old > 0 && old < new {
                    assert!(
                        verify_consistency(old - 1, new, &roots[old as usize - 1], n, &proof)
                            .is_err()
                    );
                }
                if new < 64 && old > 0 {
                    assert!(
                        verify_consistency(old, new + 1, o, &roots[new as usize + 1], &proof)
                            .is_err()
                    );
                }
            }
        }
    }

    #[test]
    fn bad_arguments() {
        let (t, roots) = tree_of(5);
        assert!(matches!(
            inclusion_proof(5, 5, &t),
            Err(ProofError::IndexOutOfRange { .. })
        ));
        assert!(matches!(
            consistency_proof(6, 5, &t),
            Err(ProofError::SizeOrder { .. })
        ));
        assert!(matches!(
            inclusion_proof(1, 6, &t),
            Err(ProofError::Read(ReadError::Missing(_)))
        ));
        assert!(verify_consistency(0, 5, &roots[1], &roots[5], &[]).is_err());
        assert!(verify_consistency(3, 3, &roots[3], &roots[4], &[]).is_err());
    }

    proptest! {
        /// Random large trees are not materialised: proofs are checked in a
        /// tree of `size` leaves built on the fly for moderate sizes.
        #[test]
        fn random_sizes_roundtrip(size in 1u64..700, index_seed: u64, old_seed: u64) {
            let (t, roots) = tree_of(size);
            let index = index_seed % size;
            let proof = inclusion_proof(index, size, &t).unwrap();
            let leaf = leaf_hash(format!("entry {index}").as_bytes());
            prop_assert!(verify_inclusion(&leaf, index, size, &proof, &roots[size as usize]).is_ok());
            let old = old_seed % (size + 1);
            let proof = consistency_proof(old, size, &t).unwrap();
            prop_assert!(verify_consistency(old, size, &roots[old as usize], &roots[size as usize], &proof).is_ok());
        }
    }
}
