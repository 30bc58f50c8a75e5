//! C2SP tlog-tiles (<https://c2sp.org/tlog-tiles>): the static-file view
//! of a log.
//!
//! A hash tile at level `L` holds up to 256 consecutive tree nodes of height
//! `8·L`: level-0 tiles hold leaf hashes, a level-1 tile the roots of 256
//! full level-0 tiles, and so on. A partial tile (`.p/<W>`) holds the first
//! `W` hashes of a tile the tree has not filled yet; partial tiles are never
//! hashed upwards. Entry bundles hold the entries themselves, 256 per bundle,
//! each prefixed by its big-endian `u16` length.

use crate::hash::{HASH_SIZE, Hash, root_from_leaf_hashes};
use crate::tree::{HashReader, ReadError, stored_hash_count, stored_hash_index};

/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u64 = 256;

/// Tree levels per tile level.
pub const TILE_HEIGHT: u8 = 8;

/// Bytes in a full hash tile.
pub const FULL_TILE_SIZE: usize = TILE_WIDTH as usize * HASH_SIZE;

/// Why a path or tile is not acceptable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TileError {
    /// The path is not a tile, entry bundle or checkpoint path.
    #[error("not a tlog-tiles path: {0:?}")]
    BadPath(String),
}

/// A hash tile or entry bundle: level (`None` for entry bundles), index and width.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TileId {
    /// Tile level, or `None` for an entry bundle.
    pub level: Option<u8>,
    /// Tile index `N` within its level.
    pub index: u64,
    /// Number of hashes or entries, 1..=256; 256 is a full tile.
    pub width: u16,
}

impl TileId {
    /// A hash tile.
    pub fn hashes(level: u8, index: u64, width: u16) -> Self {
        Self {
            level: Some(level),
            index,
            width,
        }
    }

    /// An entry bundle.
    pub fn entries(index: u64, width: u16) -> Self {
        Self {
            level: None,
            index,
            width,
        }
    }

    /// Whether this is a full (256-wide) tile.
    pub fn is_full(&self) -> bool {
        u64::from(self.width) == TILE_WIDTH
    }

    /// Its path, relative to the log prefix: `tile/<L>/<N>[.p/<W>]` or
    /// `tile/entries/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        let level = match self.level {
            Some(l) => l.to_string(),
            None => "entries".to_owned(),
        };
        let mut p = format!("tile/{level}/{}", encode_index(self.index));
        if !self.is_full() {
            p.push_str(&format!(".p/{}", self.width));
        }
        p
    }

    /// Parses a path produced by [`TileId::path`], accepting only the
    /// canonical form (so every tile has exactly one URL, for caching).
    pub fn parse(path: &str) -> Result<Self, TileError> {
        let bad = || TileError::BadPath(path.to_owned());
        let rest = path.strip_prefix("tile/").ok_or_else(bad)?;
        let (level, rest) = rest.split_once('/').ok_or_else(bad)?;
        let level = if level == "entries" {
            None
        } else {
            Some(parse_decimal(level, 63).ok_or_else(bad)? as u8)
        };
        let (index, width) = match rest.split_once(".p/") {
            Some((index, width)) => {
                let w = parse_decimal(width, TILE_WIDTH - 1).filter(|&w| w > 0);
                (index, w.ok_or_else(bad)? as u16)
            }
            None => (rest, TILE_WIDTH as u16),
        };
        let index = decode_index(index).ok_or_else(bad)?;
        Ok(Self {
            level,
            index,
            width,
        })
    }

    /// Whether a tree of `size` leaves has all of this tile's hashes or
    /// entries. Partial tiles of every earlier size stay available, since
    /// clients holding older checkpoints ask for them.
    pub fn exists_at(&self, size: u64) -> bool {
        let level = self.level.unwrap_or(0);
        if level >= TILE_HEIGHT {
            // Level 8 would need nodes of height 64: more leaves than a u64 counts.
            return false;
        }
        let end = u128::from(self.index) * u128::from(TILE_WIDTH) + u128::from(self.width);
        (end << (u32::from(level) * u32::from(TILE_HEIGHT))) <= u128::from(size)
    }
}

/// Decimal with no leading zeros, at most `max`.
fn parse_decimal(s: &str, max: u64) -> Option<u64> {
    let ok =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    s.parse().ok().filter(|&v| ok && v <= max)
}

/// `N` as 3-digit path elements, all but the last prefixed with `x`:
/// 1234067 → `x001/x234/067`, 5 → `005`.
pub fn encode_index(n: u64) -> String {
    let mut groups = vec![n % 1000];
    let mut rest = n / 1000;
    while rest > 0 {
        groups.push(rest % 1000);
        rest /= 1000;
    }
    let last = groups.len() - 1;
    groups
        .iter()
        .rev()
        .enumerate()
        .map(|(i, g)| {
            if i < last {
                format!("x{g:03}")
            } else {
                format!("{g:03}")
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Inverse of [`encode_index`]; `None` for any non-canonical spelling.
pub fn decode_index(s: &str) -> Option<u64> {
    let elems: Vec<&str> = s.split('/').collect();
    let last = elems.len() - 1;
    let mut n: u64 = 0;
    for (i, e) in elems.iter().enumerate() {
        let digits = if i < last { e.strip_prefix('x')? } else { e };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let g: u64 = digits.parse().ok()?;
        // A leading group of zeros would be a second name for the same tile.
        if i == 0 && i < last && g == 0 {
            return None;
        }
        n = n.checked_mul(1000)?.checked_add(g)?;
    }
    Some(n)
}

/// Every tile and entry bundle of a tree of `size` leaves: the full ones and
/// the rightmost partial one of each level. Meant for tests and mirroring;
/// a server computes single tiles with [`tile_hashes`].
pub fn tiles_for_size(size: u64) -> Vec<TileId> {
    let mut out = Vec::new();
    for level in 0..TILE_HEIGHT {
        let nodes = size >> (u32::from(level) * u32::from(TILE_HEIGHT));
        if nodes == 0 {
            break;
        }
        push_level(&mut out, nodes, |i, w| TileId::hashes(level, i, w));
    }
    push_level(&mut out, size, TileId::entries);
    out
}

fn push_level(out: &mut Vec<TileId>, nodes: u64, make: impl Fn(u64, u16) -> TileId) {
    for i in 0..nodes / TILE_WIDTH {
        out.push(make(i, TILE_WIDTH as u16));
    }
    let partial = (nodes % TILE_WIDTH) as u16;
    if partial > 0 {
        out.push(make(nodes / TILE_WIDTH, partial));
    }
}

/// The tile, of the width a tree of `size` leaves has, that holds the
/// level-`8·L` node `n`: full if the tree has filled it, else partial.
/// `None` if the tree does not have that node yet.
pub fn tile_for_node(tile_level: u8, n: u64, size: u64) -> Option<TileId> {
    if tile_level >= TILE_HEIGHT {
        return None;
    }
    let nodes = size >> (u32::from(tile_level) * u32::from(TILE_HEIGHT));
    if n >= nodes {
        return None;
    }
    let index = n / TILE_WIDTH;
    let width = (nodes - index * TILE_WIDTH).min(TILE_WIDTH) as u16;
    Some(TileId::hashes(tile_level, index, width))
}

/// Contents of a hash tile: its `width` hashes, concatenated.
pub fn tile_hashes<R: HashReader + ?Sized>(
    tile: &TileId,
    reader: &R,
) -> Result<Vec<u8>, ReadError> {
    let level = tile.level.expect("tile_hashes needs a hash tile") * TILE_HEIGHT;
    let first = tile.index * TILE_WIDTH;
    let indexes: Vec<u64> = (first..first + u64::from(tile.width))
        .map(|n| stored_hash_index(level, n))
        .collect();
    Ok(reader.read_hashes(&indexes)?.concat())
}

/// Splits a stored-hash index back into `(level, n)`.
pub fn split_stored_hash_index(index: u64) -> (u8, u64) {
    // Find the leaf whose append stored this hash: the last leaf `j` with
    // stored_hash_count(j) <= index. The count grows by 1 or more per leaf,
    // so start from an underestimate and step forward.
    let mut leaf = index / 2;
    while stored_hash_count(leaf + 1) <= index {
        leaf += 1;
    }
    let level = (index - stored_hash_count(leaf)) as u8;
    (level, ((leaf + 1) >> level) - 1)
}

/// Reads stored hashes out of hash tiles, for clients and mirrors that have
/// tiles rather than a hash file. Nodes between tile levels are recomputed
/// from the tile below.
///
/// A tile is only as trustworthy as its source: check the proofs built from
/// it against a signed checkpoint (which is the whole point of proofs).
pub struct TileHashReader<F> {
    size: u64,
    fetch: F,
}

impl<F> TileHashReader<F>
where
    F: Fn(&TileId) -> Result<Vec<u8>, ReadError>,
{
    /// A reader for the tree of `size` leaves; `fetch` returns a tile's bytes.
    pub fn new(size: u64, fetch: F) -> Self {
        Self { size, fetch }
    }

    fn node(&self, level: u8, n: u64) -> Result<Hash, ReadError> {
        let tile_level = level / TILE_HEIGHT;
        let sub = level % TILE_HEIGHT;
        // The node is the root of 2^sub consecutive nodes of the tile's
        // level; 2^sub divides 256, so they sit in one tile.
        let lo = n << sub;
        let hi = (n + 1) << sub;
        let tile = tile_for_node(tile_level, hi - 1, self.size)
            .ok_or(ReadError::Missing(stored_hash_index(level, n)))?;
        let data = (self.fetch)(&tile)?;
        if data.len() != usize::from(tile.width) * HASH_SIZE {
            return Err(ReadError::Tile(format!(
                "{} has {} bytes",
                tile.path(),
                data.len()
            )));
        }
        let hashes: Vec<Hash> = (lo..hi)
            .map(|i| {
                let off = ((i - tile.index * TILE_WIDTH) as usize) * HASH_SIZE;
                data[off..off + HASH_SIZE].try_into().expect("32 bytes")
            })
            .collect();
        Ok(root_from_leaf_hashes(&hashes))
    }
}

impl<F> HashReader for TileHashReader<F>
where
    F: Fn(&TileId) -> Result<Vec<u8>, ReadError>,
{
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, ReadError> {
        indexes
            .iter()
            .map(|&i| {
                let (level, n) = split_stored_hash_index(i);
                self.node(level, n)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proof::{consistency_proof, inclusion_proof};
    use crate::tree::MemoryTree;

    #[test]
    fn index_encoding_table() {
        let table = [
            (0, "000"),
            (5, "005"),
            (999, "999"),
            (1000, "x001/000"),
            (1_234_067, "x001/x234/067"),
            (u64::MAX, "x018/x446/x744/x073/x709/x551/615"),
        ];
        for (n, s) in table {
            assert_eq!(encode_index(n), s);
            assert_eq!(decode_index(s), Some(n), "{s}");
        }
        for bad in [
            "5",
            "0005",
            "x000/005",
            "001/234",
            "x1/234",
            "x001/x234",
            "",
            "abc",
            "x018/x446/x744/x073/x709/x551/616",
        ] {
            assert_eq!(decode_index(bad), None, "{bad}");
        }
    }

    #[test]
    fn paths() {
        let table = [
            (TileId::hashes(0, 1_234_067, 256), "tile/0/x001/x234/067"),
            (TileId::hashes(2, 0, 1), "tile/2/000.p/1"),
            (TileId::entries(5, 256), "tile/entries/005"),
            (TileId::entries(1000, 112), "tile/entries/x001/000.p/112"),
        ];
        for (tile, path) in table {
            assert_eq!(tile.path(), path);
            assert_eq!(TileId::parse(path).unwrap(), tile);
        }
        for bad in [
            "tile/0/000.p/256",
            "tile/0/000.p/0",
            "tile/0/000.p/07",
            "tile/00/000",
            "tile/64/000",
            "tile/x/000",
            "tile/0/5",
            "tiles/0/000",
            "tile/0",
            "tile/entries/000.p/",
        ] {
            assert!(TileId::parse(bad).is_err(), "{bad}");
        }
    }

    /// The worked example of the tlog-tiles spec.
    #[test]
    fn spec_vector_size_70000() {
        let tiles = tiles_for_size(70_000);
        let count = |level: Option<u8>, full: bool| {
            tiles
                .iter()
                .filter(|t| t.level == level && t.is_full() == full)
                .count()
        };
        assert_eq!(count(Some(0), true), 273);
        assert!(tiles.contains(&TileId::hashes(0, 273, 112)));
        assert_eq!(count(Some(1), true), 1);
        assert!(tiles.contains(&TileId::hashes(1, 1, 17)));
        assert!(tiles.contains(&TileId::hashes(2, 0, 1)));
        assert_eq!(count(Some(2), false) + count(Some(2), true), 1);
        assert_eq!(count(Some(3), false) + count(Some(3), true), 0);
        assert!(tiles.iter().all(|t| t.exists_at(70_000)));
        assert!(!TileId::hashes(0, 273, 113).exists_at(70_000));

        let tiles = tiles_for_size(256);
        assert!(tiles.contains(&TileId::hashes(0, 0, 256)));
        assert!(tiles.contains(&TileId::hashes(1, 0, 1)));
        assert!(tiles.contains(&TileId::entries(0, 256)));
        assert_eq!(tiles.len(), 3);
    }

    #[test]
    fn stored_index_split_round_trips() {
        for level in 0..20u8 {
            for n in 0..300u64 {
                assert_eq!(
                    split_stored_hash_index(stored_hash_index(level, n)),
                    (level, n)
                );
            }
        }
    }

    /// Proofs computed from tiles equal proofs computed from stored hashes.
    #[test]
    fn hashes_read_back_from_tiles() {
        let mut tree = MemoryTree::new();
        for i in 0..70_000u32 {
            tree.push(&i.to_be_bytes());
        }
        for size in [1u64, 255, 256, 257, 65_535, 65_536, 65_537, 70_000] {
            let reader = TileHashReader::new(size, |t: &TileId| {
                assert!(t.exists_at(size), "asked for {} at size {size}", t.path());
                tile_hashes(t, &tree)
            });
            assert_eq!(
                crate::tree::tree_hash(size, &reader).unwrap(),
                crate::tree::tree_hash(size, &tree).unwrap()
            );
            for index in [0, size / 3, size - 1] {
                assert_eq!(
                    inclusion_proof(index, size, &reader).unwrap(),
                    inclusion_proof(index, size, &tree).unwrap()
                );
            }
            for old in [1, size / 2, size - 1] {
                assert_eq!(
                    consistency_proof(old, size, &reader).unwrap(),
                    consistency_proof(old, size, &tree).unwrap()
                );
            }
        }
    }

    #[test]
    fn tile_contents_are_the_level_nodes() {
        let mut tree = MemoryTree::new();
        for i in 0..600u32 {
            tree.push(&i.to_be_bytes());
        }
        let t = tile_hashes(&TileId::hashes(0, 1, 256), &tree).unwrap();
        assert_eq!(t.len(), FULL_TILE_SIZE);
        assert_eq!(t[..32], crate::hash::leaf_hash(&256u32.to_be_bytes()));
        let t = tile_hashes(&TileId::hashes(1, 0, 2), &tree).unwrap();
        let first: Vec<_> = (0..256u32)
            .map(|i| crate::hash::leaf_hash(&i.to_be_bytes()))
            .collect();
        assert_eq!(t[..32], crate::hash::root_from_leaf_hashes(&first));
    }
}
