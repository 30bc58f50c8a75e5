//! De-duplication: which events are the same finding, and whether a sighting is a repeat.
//!
//! Pure functions only; the server keeps the state (first/last seen per key).

use std::net::IpAddr;

use crate::event::Event;
use crate::report::parse_time;

/// Identity of a finding: same `source.ip`, `source.port` and `classification.identifier`.
/// Time is deliberately not part of it, so daily re-scans of one host collapse.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DedupKey {
    pub ip: Option<IpAddr>,
    pub port: Option<u16>,
    pub identifier: Box<str>,
}

impl DedupKey {
    /// A stable 64-bit digest (FNV-1a over a fixed encoding), for compact state tables.
    /// Stable across runs and Rust versions, unlike `std`'s `DefaultHasher`.
    pub fn digest(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |bytes: &[u8]| {
            for &b in bytes {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        };
        match self.ip {
            None => eat(&[0]),
            Some(IpAddr::V4(a)) => {
                eat(&[4]);
                eat(&a.octets());
            }
            Some(IpAddr::V6(a)) => {
                eat(&[6]);
                eat(&a.octets());
            }
        }
        match self.port {
            None => eat(&[0]),
            Some(p) => {
                eat(&[1]);
                eat(&p.to_be_bytes());
            }
        }
        eat(self.identifier.as_bytes());
        h
    }
}

/// The de-duplication key of an event.
pub fn dedup_key(event: &Event<'_>) -> DedupKey {
    DedupKey {
        ip: event.source_ip(),
        port: event.source_port(),
        identifier: event.identifier().into(),
    }
}

/// `time.source` of an event as Unix seconds, if present and valid.
pub fn sighting_time(event: &Event<'_>) -> Option<i64> {
    event
        .get("time.source")?
        .as_str()
        .and_then(parse_time)
        .map(|t| t.unix_seconds())
}

/// Whether a sighting at `current` (Unix seconds) repeats one at `previous` within
/// `window_secs`. A sighting older than the previous one is a repeat too (reports can arrive
/// out of order); a window of zero or less never suppresses.
pub fn within_window(previous: i64, current: i64, window_secs: i64) -> bool {
    window_secs > 0 && current.saturating_sub(previous) < window_secs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_table() {
        const DAY: i64 = 86_400;
        let cases = [
            ("same instant", 1000, 1000, DAY, true),
            ("inside window", 1000, 1000 + DAY - 1, DAY, true),
            ("exactly one window later", 1000, 1000 + DAY, DAY, false),
            ("long after", 1000, 1000 + 10 * DAY, DAY, false),
            ("older than previous", 1000, 10, DAY, true),
            ("zero window", 1000, 1000, 0, false),
            ("negative window", 1000, 1000, -5, false),
            ("extreme values", i64::MIN, i64::MAX, DAY, false),
        ];
        for (name, prev, cur, win, want) in cases {
            assert_eq!(within_window(prev, cur, win), want, "{name}");
        }
    }

    #[test]
    fn digest_separates_fields() {
        let k = |ip: Option<&str>, port: Option<u16>, id: &str| DedupKey {
            ip: ip.map(|i| i.parse().unwrap()),
            port,
            identifier: id.into(),
        };
        let keys = [
            k(Some("10.0.0.1"), Some(80), "accessible-http"),
            k(Some("10.0.0.1"), Some(8080), "accessible-http"),
            k(Some("10.0.0.2"), Some(80), "accessible-http"),
            k(Some("10.0.0.1"), Some(80), "vulnerable-http"),
            k(Some("::ffff:10.0.0.1"), Some(80), "accessible-http"),
            k(None, Some(80), "accessible-http"),
            k(Some("10.0.0.1"), None, "accessible-http"),
        ];
        let digests: std::collections::HashSet<u64> = keys.iter().map(DedupKey::digest).collect();
        assert_eq!(digests.len(), keys.len());
        assert_eq!(
            keys[0].digest(),
            k(Some("10.0.0.1"), Some(80), "accessible-http").digest()
        );
    }
}
