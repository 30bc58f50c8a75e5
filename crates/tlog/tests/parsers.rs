//! Parsers take untrusted bytes from the network: they must never panic,
//! and whatever they accept must re-encode to the same bytes.

use proptest::prelude::*;

use tlog::checkpoint::Checkpoint;
use tlog::entry::Entry;
use tlog::note;
use tlog::receipt::Receipt;
use tlog::tile::TileId;

proptest! {
    #[test]
    fn note_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = note::parse(&bytes);
    }

    #[test]
    fn note_like_text_never_panics(s in "[a-z0-9\n \u{2014}+/=]{0,200}") {
        let _ = note::parse(s.as_bytes());
    }

    #[test]
    fn checkpoint_text_round_trips(s in "[a-zA-Z0-9\n+/=.]{0,120}") {
        if let Ok(cp) = Checkpoint::from_text(&s) {
            prop_assert_eq!(cp.to_text(), s);
        }
    }

    #[test]
    fn receipt_parse_round_trips(s in "(c2sp.org/tlog-proof@v1\n)?(index [0-9]{1,3}\n)?[A-Za-z0-9+/=\n]{0,120}") {
        if let Ok(r) = Receipt::parse(s.as_bytes()) {
            prop_assert_eq!(r.encode(), s);
        }
    }

    #[test]
    fn tile_paths_round_trip(s in "tile/(entries|[0-9]{1,2})/(x[0-9]{3}/){0,3}[0-9]{1,4}(\\.p/[0-9]{1,3})?") {
        if let Ok(t) = TileId::parse(&s) {
            prop_assert_eq!(t.path(), s);
        }
    }

    #[test]
    fn entry_decode_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
        if let Ok(e) = Entry::decode(&bytes) {
            prop_assert_eq!(e.encode(), bytes);
        }
    }

    #[test]
    fn entries_round_trip(kind in "[a-z0-9._-]{1,64}", id in "[^\\p{Cc}]{1,60}", digest: [u8; 32], time: u64) {
        let e = Entry::new(&kind, &id, digest, time).unwrap();
        prop_assert_eq!(Entry::decode(&e.encode()).unwrap(), e);
    }
}
