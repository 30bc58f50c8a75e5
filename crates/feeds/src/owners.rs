//! Owner routing: which institution owns an address, an AS or a host name.
//!
//! Prefixes are flattened at load time into sorted, non-overlapping ranges, each carrying the
//! owner of the most specific covering prefix (the n6 "elementary interval" idea), so a lookup
//! is one binary search over a flat `u32` or `u128` array. We wrote this rather than take
//! `prefix-trie`: owner tables are read-only between reloads, the flat arrays are smaller and
//! cache-friendlier than a tree, and it costs about a hundred lines with no dependency.

use std::collections::HashMap;
use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::FeedsError;

/// Index of an owner in an [`OwnerTable`]; resolve it with [`OwnerTable::owner_name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OwnerId(u32);

impl OwnerId {
    /// Dense index, `0..OwnerTable::owner_count()`, for per-owner counters.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

const NO_OWNER: u32 = u32::MAX;

/// How an event was routed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    /// Most specific covering prefix, with its length.
    Prefix(u8),
    Asn,
    /// Suffix of the reverse DNS name (lower confidence: set by the address holder).
    Domain,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub owner: OwnerId,
    pub matched_by: MatchedBy,
}

/// A line of OWNERS.csv that repeats an earlier entry; the first one is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub line: u64,
    pub first_line: u64,
    pub kind: &'static str,
    pub value: String,
    pub kept_owner: String,
    pub owner: String,
}

/// Sorted range starts with the owner of each range (`NO_OWNER` for gaps).
#[derive(Debug, Default)]
struct Ranges<T> {
    starts: Vec<T>,
    owners: Vec<u32>,
}

impl<T: Copy + Ord> Ranges<T> {
    fn get(&self, addr: T) -> Option<(u32, u8)> {
        let i = self.starts.partition_point(|&s| s <= addr);
        if i == 0 {
            return None;
        }
        let v = self.owners[i - 1];
        (v != NO_OWNER).then_some((v & 0x00FF_FFFF, (v >> 24) as u8))
    }
}

/// A parsed prefix: start, inclusive end, length, owner.
type Prefix = (u128, u128, u8, u32);

/// Flattens nested or disjoint prefixes into elementary ranges (most specific wins).
fn flatten(mut prefixes: Vec<Prefix>, top: u128) -> (Vec<u128>, Vec<u32>) {
    // Containing prefixes first: by start, then by widest.
    prefixes.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut starts = Vec::with_capacity(prefixes.len() * 2 + 1);
    let mut owners = Vec::with_capacity(prefixes.len() * 2 + 1);
    let mut emit = |start: u128, owner: u32| {
        if owners.last() == Some(&owner) {
            return;
        }
        if starts.last() == Some(&start) {
            starts.pop();
            owners.pop();
            if owners.last() == Some(&owner) {
                return;
            }
        }
        starts.push(start);
        owners.push(owner);
    };
    let tag = |p: &Prefix| (u32::from(p.2) << 24) | p.3;
    // `cur` is the first address not yet emitted; None once past `top`.
    let mut cur: Option<u128> = Some(0);
    let mut stack: Vec<Prefix> = Vec::new();
    for p in prefixes {
        while let Some(top_p) = stack.last().copied() {
            if top_p.1 >= p.0 {
                break;
            }
            stack.pop();
            if let Some(c) = cur
                && c <= top_p.1
            {
                emit(c, tag(&top_p));
            }
            cur = top_p.1.checked_add(1);
        }
        if let Some(c) = cur
            && c < p.0
        {
            emit(c, stack.last().map_or(NO_OWNER, tag));
        }
        cur = Some(p.0);
        stack.push(p);
    }
    while let Some(top_p) = stack.pop() {
        if let Some(c) = cur
            && c <= top_p.1
        {
            emit(c, tag(&top_p));
        }
        cur = top_p.1.checked_add(1);
    }
    if let Some(c) = cur
        && c <= top
    {
        emit(c, NO_OWNER);
    }
    (starts, owners)
}

/// Owners of prefixes (IPv4 and IPv6), autonomous systems and domains, read from OWNERS.csv.
///
/// Lookup order: most specific prefix, then ASN, then the longest label-boundary suffix of
/// the reverse DNS name. `::ffff:a.b.c.d` is looked up as IPv4.
#[derive(Debug, Default)]
pub struct OwnerTable {
    names: Vec<Box<str>>,
    v4: Ranges<u32>,
    v6: Ranges<u128>,
    asns: HashMap<u32, u32>,
    domains: HashMap<Box<str>, u32>,
    duplicates: Vec<Duplicate>,
    prefixes: usize,
}

/// Entries as read, before flattening (the builder side of [`OwnerTable`]).
#[derive(Debug, Default)]
pub struct OwnerTableBuilder {
    names: Vec<Box<str>>,
    name_ids: HashMap<Box<str>, u32>,
    v4: Vec<Prefix>,
    v6: Vec<Prefix>,
    seen_prefixes: HashMap<(bool, u128, u8), (u64, u32)>,
    asns: HashMap<u32, (u64, u32)>,
    domains: HashMap<Box<str>, (u64, u32)>,
    duplicates: Vec<Duplicate>,
}

fn parse_cidr(value: &str) -> Option<(bool, u128, u8)> {
    let (addr, len) = match value.split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
        None => (value, None),
    };
    match addr.parse::<IpAddr>().ok()? {
        IpAddr::V4(a) => {
            let len = len.unwrap_or(32);
            (len <= 32).then_some((false, u128::from(u32::from(a)), len))
        }
        IpAddr::V6(a) => {
            let len = len.unwrap_or(128);
            (len <= 128).then_some((true, u128::from(a), len))
        }
    }
}

/// The name without one trailing dot, if it is a plausible DNS name (any case).
pub(crate) fn domain_shape(value: &str) -> Option<&str> {
    let v = value.strip_suffix('.').unwrap_or(value);
    let b = v.as_bytes();
    let mut label = 0usize;
    for &c in b {
        if c == b'.' {
            if label == 0 {
                return None;
            }
            label = 0;
        } else if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' {
            label += 1;
            if label > 63 {
                return None;
            }
        } else {
            return None;
        }
    }
    (label > 0 && b.len() <= 253).then_some(v)
}

/// Lowercased, without trailing dot; None if empty or not a plausible DNS name.
pub(crate) fn normalise_domain(value: &str) -> Option<String> {
    domain_shape(value.trim()).map(str::to_ascii_lowercase)
}

impl OwnerTableBuilder {
    fn owner_id(&mut self, owner: &str) -> u32 {
        if let Some(&id) = self.name_ids.get(owner) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(owner.into());
        self.name_ids.insert(owner.into(), id);
        id
    }

    fn duplicate(
        &mut self,
        line: u64,
        first: (u64, u32),
        kind: &'static str,
        value: &str,
        owner: u32,
    ) {
        self.duplicates.push(Duplicate {
            line,
            first_line: first.0,
            kind,
            value: value.to_string(),
            kept_owner: self.names[first.1 as usize].to_string(),
            owner: self.names[owner as usize].to_string(),
        });
    }

    /// Adds one entry; `line` is used in errors and duplicate reports.
    pub fn add(
        &mut self,
        line: u64,
        kind: &str,
        value: &str,
        owner: &str,
    ) -> Result<(), FeedsError> {
        let bad = |message: String| FeedsError::Owners { line, message };
        let owner = owner.trim();
        if owner.is_empty() {
            return Err(bad("empty owner".into()));
        }
        if self.names.len() >= 0x00FF_FFFF && !self.name_ids.contains_key(owner) {
            return Err(bad("too many distinct owners".into()));
        }
        let value = value.trim();
        match kind.trim().to_ascii_lowercase().as_str() {
            "cidr" => {
                let (v6, addr, len) =
                    parse_cidr(value).ok_or_else(|| bad(format!("invalid prefix {value:?}")))?;
                let bits: u8 = if v6 { 128 } else { 32 };
                let host_bits = u32::from(bits - len);
                let host = if host_bits == 128 {
                    u128::MAX
                } else {
                    (1u128 << host_bits) - 1
                };
                let start = addr & !host;
                let id = self.owner_id(owner);
                if let Some(&first) = self.seen_prefixes.get(&(v6, start, len)) {
                    self.duplicate(line, first, "cidr", value, id);
                    return Ok(());
                }
                self.seen_prefixes.insert((v6, start, len), (line, id));
                let p = (start, start | host, len, id);
                if v6 { self.v6.push(p) } else { self.v4.push(p) }
            }
            "asn" => {
                let digits = value
                    .strip_prefix("AS")
                    .or(value.strip_prefix("as"))
                    .unwrap_or(value);
                let asn = digits
                    .parse::<u32>()
                    .ok()
                    .filter(|&a| a != 0)
                    .ok_or_else(|| bad(format!("invalid ASN {value:?}")))?;
                let id = self.owner_id(owner);
                if let Some(&first) = self.asns.get(&asn) {
                    self.duplicate(line, first, "asn", value, id);
                } else {
                    self.asns.insert(asn, (line, id));
                }
            }
            "domain" => {
                let d = normalise_domain(value)
                    .ok_or_else(|| bad(format!("invalid domain {value:?}")))?;
                let id = self.owner_id(owner);
                if let Some(&first) = self.domains.get(d.as_str()) {
                    self.duplicate(line, first, "domain", value, id);
                } else {
                    self.domains.insert(d.into(), (line, id));
                }
            }
            other => {
                return Err(bad(format!(
                    "unknown kind {other:?} (expected cidr, asn or domain)"
                )));
            }
        }
        Ok(())
    }

    pub fn build(self) -> OwnerTable {
        let prefixes = self.v4.len() + self.v6.len();
        let (s4, o4) = flatten(self.v4, u128::from(u32::MAX));
        let (s6, o6) = flatten(self.v6, u128::MAX);
        OwnerTable {
            names: self.names,
            v4: Ranges {
                starts: s4.into_iter().map(|s| s as u32).collect(),
                owners: o4,
            },
            v6: Ranges {
                starts: s6,
                owners: o6,
            },
            asns: self.asns.into_iter().map(|(k, v)| (k, v.1)).collect(),
            domains: self.domains.into_iter().map(|(k, v)| (k, v.1)).collect(),
            duplicates: self.duplicates,
            prefixes,
        }
    }
}

impl OwnerTable {
    pub fn builder() -> OwnerTableBuilder {
        OwnerTableBuilder::default()
    }

    /// Reads OWNERS.csv: a `kind,value,owner` header, then one entry per line
    /// (`cidr`, `asn` or `domain`). Any malformed line fails the load with its line number;
    /// exact duplicates keep the first entry and are listed in [`OwnerTable::duplicates`].
    pub fn from_csv(input: impl Read) -> Result<OwnerTable, FeedsError> {
        let mut rdr = crate::records::RecordReader::new(input, 64 * 1024, 16);
        let mut b = OwnerTable::builder();
        let mut header_seen = false;
        loop {
            let next = rdr.next_record().map_err(FeedsError::Input)?;
            let line = rdr.position().line;
            match next {
                crate::records::Next::End => break,
                crate::records::Next::TooLarge => {
                    return Err(FeedsError::Owners {
                        line,
                        message: "line too long".into(),
                    });
                }
                crate::records::Next::Record => {}
            }
            let field = |i: usize| {
                std::str::from_utf8(rdr.field(i)).map_err(|_| FeedsError::Owners {
                    line,
                    message: "not UTF-8".into(),
                })
            };
            if rdr.field_count() == 1 && rdr.field(0).is_empty()
                || field(0)?.trim_start().starts_with('#')
            {
                continue;
            }
            if rdr.field_count() != 3 {
                return Err(FeedsError::Owners {
                    line,
                    message: format!(
                        "expected 3 columns (kind,value,owner), found {}",
                        rdr.field_count()
                    ),
                });
            }
            if !header_seen {
                header_seen = true;
                if field(0)?.trim().eq_ignore_ascii_case("kind") {
                    continue;
                }
            }
            b.add(line, field(0)?, field(1)?, field(2)?)?;
        }
        Ok(b.build())
    }

    pub fn owner_name(&self, id: OwnerId) -> &str {
        &self.names[id.0 as usize]
    }

    /// Distinct owners, in first-seen order.
    pub fn owners(&self) -> impl Iterator<Item = (OwnerId, &str)> {
        self.names
            .iter()
            .enumerate()
            .map(|(i, n)| (OwnerId(i as u32), &**n))
    }

    pub fn owner_count(&self) -> usize {
        self.names.len()
    }

    /// Prefixes loaded (duplicates not counted).
    pub fn prefix_count(&self) -> usize {
        self.prefixes
    }

    pub fn duplicates(&self) -> &[Duplicate] {
        &self.duplicates
    }

    /// Most specific prefix covering `ip`, if any.
    pub fn lookup_ip(&self, ip: IpAddr) -> Option<Route> {
        let hit = match ip {
            IpAddr::V4(a) => self.v4.get(u32::from(a)),
            IpAddr::V6(a) => match a.to_ipv4_mapped() {
                Some(v4) => self.v4.get(u32::from(v4)),
                None => self.v6.get(u128::from(a)),
            },
        };
        hit.map(|(o, len)| Route {
            owner: OwnerId(o),
            matched_by: MatchedBy::Prefix(len),
        })
    }

    pub fn lookup_v4(&self, ip: Ipv4Addr) -> Option<Route> {
        self.lookup_ip(IpAddr::V4(ip))
    }

    pub fn lookup_v6(&self, ip: Ipv6Addr) -> Option<Route> {
        self.lookup_ip(IpAddr::V6(ip))
    }

    pub fn lookup_asn(&self, asn: u32) -> Option<Route> {
        self.asns.get(&asn).map(|&o| Route {
            owner: OwnerId(o),
            matched_by: MatchedBy::Asn,
        })
    }

    /// Longest label-boundary suffix of `name` (`evilgob.mx` does not match `gob.mx`).
    /// `name` must already be lowercase without a trailing dot.
    pub fn lookup_domain(&self, name: &str) -> Option<Route> {
        if self.domains.is_empty() {
            return None;
        }
        let mut rest = name;
        loop {
            if let Some(&o) = self.domains.get(rest) {
                return Some(Route {
                    owner: OwnerId(o),
                    matched_by: MatchedBy::Domain,
                });
            }
            rest = rest.split_once('.')?.1;
        }
    }

    /// The full routing rule: prefix, then ASN, then reverse DNS suffix.
    pub fn route(
        &self,
        ip: Option<IpAddr>,
        asn: Option<u32>,
        reverse_dns: Option<&str>,
    ) -> Option<Route> {
        ip.and_then(|ip| self.lookup_ip(ip))
            .or_else(|| asn.and_then(|a| self.lookup_asn(a)))
            .or_else(|| reverse_dns.and_then(|d| self.lookup_domain(d)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(csv: &str) -> OwnerTable {
        OwnerTable::from_csv(csv.as_bytes()).unwrap()
    }

    fn owner(t: &OwnerTable, r: Option<Route>) -> Option<(String, MatchedBy)> {
        r.map(|r| (t.owner_name(r.owner).to_string(), r.matched_by))
    }

    #[test]
    fn longest_prefix_table() {
        let t = table(
            "kind,value,owner\n\
             cidr,10.0.0.0/8,big\ncidr,10.1.0.0/16,mid\ncidr,10.1.2.0/24,small\n\
             cidr,10.1.2.128/32,host\ncidr,0.0.0.0/0,default\ncidr,255.255.255.255/32,top\n\
             cidr,2001:db8::/32,v6big\ncidr,2001:db8:1::/48,v6small\ncidr,192.0.2.77/24,noncanon\n\
             asn,AS64500,asn-owner\ndomain,gob.mx,gob\ndomain,Salud.Gob.MX.,salud\n",
        );
        let p = |o: &str, l: u8| Some((o.to_string(), MatchedBy::Prefix(l)));
        let cases: Vec<(&str, Option<(String, MatchedBy)>)> = vec![
            ("10.0.0.1", p("big", 8)),
            ("10.1.0.0", p("mid", 16)),
            ("10.1.2.0", p("small", 24)),
            ("10.1.2.127", p("small", 24)),
            ("10.1.2.128", p("host", 32)),
            ("10.1.2.129", p("small", 24)),
            ("10.1.3.0", p("mid", 16)),
            ("10.2.0.0", p("big", 8)),
            ("11.0.0.0", p("default", 0)),
            ("0.0.0.0", p("default", 0)),
            ("255.255.255.254", p("default", 0)),
            ("255.255.255.255", p("top", 32)),
            ("192.0.2.1", p("noncanon", 24)),
            ("::ffff:10.1.2.128", p("host", 32)),
            ("2001:db8::1", p("v6big", 32)),
            ("2001:db8:1::ffff", p("v6small", 48)),
            ("2001:db8:2::", p("v6big", 32)),
            ("2001:db9::", None),
            ("::", None),
        ];
        for (ip, want) in cases {
            assert_eq!(owner(&t, t.lookup_ip(ip.parse().unwrap())), want, "{ip}");
        }
    }

    #[test]
    fn route_falls_back_to_asn_then_domain() {
        let t = table(
            "kind,value,owner\ncidr,10.0.0.0/8,net\nasn,64500,asn\ndomain,gob.mx,gob\ndomain,salud.gob.mx,salud\n",
        );
        let ip = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        type Case<'a> = (
            Option<IpAddr>,
            Option<u32>,
            Option<&'a str>,
            Option<(&'a str, MatchedBy)>,
        );
        let cases: Vec<Case> = vec![
            (
                ip("10.0.0.1"),
                Some(64500),
                Some("a.gob.mx"),
                Some(("net", MatchedBy::Prefix(8))),
            ),
            (
                ip("11.0.0.1"),
                Some(64500),
                Some("a.gob.mx"),
                Some(("asn", MatchedBy::Asn)),
            ),
            (
                ip("11.0.0.1"),
                Some(1),
                Some("a.gob.mx"),
                Some(("gob", MatchedBy::Domain)),
            ),
            (
                None,
                None,
                Some("x.salud.gob.mx"),
                Some(("salud", MatchedBy::Domain)),
            ),
            (None, None, Some("gob.mx"), Some(("gob", MatchedBy::Domain))),
            (None, None, Some("evilgob.mx"), None),
            (None, None, Some("mx"), None),
            (None, None, None, None),
        ];
        for (i, (ip, asn, dns, want)) in cases.into_iter().enumerate() {
            let got = t
                .route(ip, asn, dns)
                .map(|r| (t.owner_name(r.owner), r.matched_by));
            assert_eq!(got, want, "case {i}");
        }
    }

    #[test]
    fn duplicates_are_reported_and_first_kept() {
        let t = table(
            "kind,value,owner\ncidr,10.0.0.0/8,a\ncidr,10.1.0.0/8,b\nasn,1,a\nasn,AS1,a\ndomain,x.mx,a\ndomain,X.MX,c\n",
        );
        let d: Vec<_> = t
            .duplicates()
            .iter()
            .map(|d| {
                (
                    d.line,
                    d.first_line,
                    d.kind,
                    d.kept_owner.as_str(),
                    d.owner.as_str(),
                )
            })
            .collect();
        assert_eq!(
            d,
            vec![
                (3, 2, "cidr", "a", "b"),
                (5, 4, "asn", "a", "a"),
                (7, 6, "domain", "a", "c")
            ]
        );
        assert_eq!(
            owner(&t, t.lookup_ip("10.9.9.9".parse().unwrap())),
            Some(("a".into(), MatchedBy::Prefix(8)))
        );
    }

    #[test]
    fn bad_lines_name_their_line() {
        let cases = [
            (
                "kind,value,owner\ncidr,10.0.0.0/33,a\n",
                2,
                "invalid prefix",
            ),
            ("kind,value,owner\ncidr,banana,a\n", 2, "invalid prefix"),
            ("kind,value,owner\n\nasn,0,a\n", 3, "invalid ASN"),
            ("kind,value,owner\ndomain,a..b,a\n", 2, "invalid domain"),
            ("kind,value,owner\nhost,a,b\n", 2, "unknown kind"),
            (
                "kind,value,owner\ncidr,10.0.0.0/8\n",
                2,
                "expected 3 columns",
            ),
            ("kind,value,owner\ncidr,10.0.0.0/8,\n", 2, "empty owner"),
        ];
        for (csv, line, msg) in cases {
            match OwnerTable::from_csv(csv.as_bytes()) {
                Err(FeedsError::Owners { line: l, message }) => {
                    assert_eq!(l, line, "{csv}");
                    assert!(message.contains(msg), "{csv}: {message}");
                }
                other => panic!("{csv}: {other:?}"),
            }
        }
    }

    /// Brute-force check of the flattening against a linear longest-prefix scan.
    #[test]
    fn flatten_matches_linear_scan() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut rnd = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut b = OwnerTable::builder();
        let mut entries = Vec::new();
        for i in 0..300u64 {
            let len = (rnd() % 9) as u8 + 4; // nested prefixes in a small space
            let addr = (rnd() as u32) & 0xFFF0_0000;
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            let net = Ipv4Addr::from(addr & mask);
            b.add(i + 2, "cidr", &format!("{net}/{len}"), &format!("o{i}"))
                .unwrap();
            entries.push((addr & mask, mask, len, i));
        }
        let t = b.build();
        for _ in 0..20_000 {
            let ip = (rnd() as u32) & 0xFFF8_0000 | (rnd() as u32 & 0x7);
            let mut best: Option<(u8, u64)> = None;
            for &(net, mask, len, i) in &entries {
                if ip & mask == net && best.is_none_or(|(l, _)| len > l) {
                    best = Some((len, i));
                }
            }
            let got = t
                .lookup_ip(IpAddr::V4(ip.into()))
                .map(|r| t.owner_name(r.owner).to_string());
            // The first entry of a duplicated prefix wins, as in the table.
            let want = best.map(|(len, _)| {
                let first = entries
                    .iter()
                    .find(|&&(n, m, l, _)| l == len && ip & m == n)
                    .unwrap();
                format!("o{}", first.3)
            });
            assert_eq!(got, want, "{}", Ipv4Addr::from(ip));
        }
    }
}
