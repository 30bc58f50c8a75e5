//! Version comparison for CPE version ranges.
//!
//! NVD ranges (`versionStartIncluding` … `versionEndExcluding`) are compared with
//! [`compare_versions`], which tokenises both strings into runs of digits and runs of
//! letters and compares them token by token:
//!
//! - numbers compare numerically, whatever their length (`10.0.17763` > `10.0.9200`,
//!   leading zeros ignored);
//! - a known pre-release tag (`dev`, `alpha`/`a`, `beta`/`b`, `pre`/`preview`, `rc`/`cr`,
//!   `snapshot`, `milestone`/`m`) sorts before the release it precedes
//!   (`1.0.0-rc1` < `1.0.0`, `2.0-beta` < `2.0`);
//! - any other letters sort after the release (`1.0.2k` > `1.0.2`, `8u401` > `8`), and two
//!   such tags compare alphabetically (`1.0.2k` > `1.0.2j`, OpenSSL style);
//! - missing trailing zeros are equal (`2.15` == `2.15.0`);
//! - separators (`.`, `-`, `_`, `+`, `~`) only split tokens; a leading `v` is ignored.
//!
//! **Limits.** It is a heuristic, not any ecosystem's exact ordering. It returns `None`
//! ("not comparable, review by hand") when a number meets an unknown word at the same
//! position (`1.0.1` vs `1.0.x`), or when either side is empty. It does not understand
//! Debian epochs and revisions (`1:2.4-3+deb11u1`), build metadata (`+build5` is compared
//! like any suffix), calendar versions with different granularity, or distribution
//! backports, which keep an old upstream version with the fix applied (a source of false
//! positives that only the distribution's own advisories can remove).

use std::cmp::Ordering;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Number(&'a str),
    Word(&'a str),
}

struct Tokens<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let s = self
            .rest
            .trim_start_matches(|c: char| !c.is_ascii_alphanumeric());
        if s.is_empty() {
            self.rest = s;
            return None;
        }
        let first = s.as_bytes()[0];
        let len = if first.is_ascii_digit() {
            s.bytes().take_while(u8::is_ascii_digit).count()
        } else {
            s.bytes().take_while(u8::is_ascii_alphabetic).count()
        };
        let (tok, rest) = s.split_at(len);
        self.rest = rest;
        Some(if first.is_ascii_digit() {
            Token::Number(tok.trim_start_matches('0'))
        } else {
            Token::Word(tok)
        })
    }
}

fn tokens(v: &str) -> Tokens<'_> {
    let v = v.trim();
    let v = match v.as_bytes() {
        [b'v' | b'V', d, ..] if d.is_ascii_digit() => &v[1..],
        _ => v,
    };
    Tokens { rest: v }
}

/// Rank of a pre-release word, lower is earlier; `None` for words that are not pre-release
/// tags (they sort after the release, like OpenSSL's letters or Java's `u`).
fn prerelease_rank(word: &str) -> Option<u8> {
    const TAGS: &[(&str, u8)] = &[
        ("dev", 0),
        ("snapshot", 0),
        ("alpha", 1),
        ("a", 1),
        ("beta", 2),
        ("b", 2),
        ("milestone", 3),
        ("m", 3),
        ("pre", 4),
        ("preview", 4),
        ("rc", 5),
        ("cr", 5),
    ];
    TAGS.iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(word))
        .map(|&(_, r)| r)
}

fn compare_numbers(a: &str, b: &str) -> Ordering {
    // Leading zeros are already stripped: longer is larger, then lexicographic.
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn compare_words(a: &str, b: &str) -> Ordering {
    match (prerelease_rank(a), prerelease_rank(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase()),
    }
}

/// How a version that has ended compares with a remaining token of the other version.
/// `None` when the remaining token is a number ≠ 0 … handled by the caller.
fn compare_end_with(tok: Token<'_>) -> Ordering {
    match tok {
        // `1.0` vs `1.0.0`: equal so far; `1.0` vs `1.0.1`: less.
        Token::Number("") => Ordering::Equal,
        Token::Number(_) => Ordering::Less,
        // `1.0` vs `1.0-rc1`: the release is greater.
        Token::Word(w) if prerelease_rank(w).is_some() => Ordering::Greater,
        // `1.0.2` vs `1.0.2k`: the lettered one is a later patch.
        Token::Word(_) => Ordering::Less,
    }
}

/// Compares two version strings; `None` when they are not comparable (see the module
/// documentation for the rules and their limits).
///
/// ```
/// use std::cmp::Ordering;
/// use vuln::version::compare_versions;
/// assert_eq!(compare_versions("2.4.49", "2.4.50"), Some(Ordering::Less));
/// assert_eq!(compare_versions("1.0.0-rc1", "1.0.0"), Some(Ordering::Less));
/// assert_eq!(compare_versions("2.15", "2.15.0"), Some(Ordering::Equal));
/// ```
#[must_use]
pub fn compare_versions(a: &str, b: &str) -> Option<Ordering> {
    if tokens(a).next().is_none() || tokens(b).next().is_none() {
        return None;
    }
    let mut ta = tokens(a);
    let mut tb = tokens(b);
    loop {
        match (ta.next(), tb.next()) {
            (None, None) => return Some(Ordering::Equal),
            (Some(x), None) => {
                let ord = compare_end_with(x).reverse();
                if ord != Ordering::Equal {
                    return Some(ord);
                }
                // Trailing zero: keep going, more tokens may follow (`1.0` vs `1.0.0.1`).
            }
            (None, Some(y)) => {
                let ord = compare_end_with(y);
                if ord != Ordering::Equal {
                    return Some(ord);
                }
            }
            (Some(x), Some(y)) => {
                let ord = match (x, y) {
                    (Token::Number(p), Token::Number(q)) => compare_numbers(p, q),
                    (Token::Word(p), Token::Word(q)) => compare_words(p, q),
                    // `2.0-beta` vs `2.0.1`: a pre-release word sorts before any number.
                    (Token::Word(p), Token::Number(_)) => {
                        prerelease_rank(p).map(|_| Ordering::Less)?
                    }
                    (Token::Number(_), Token::Word(q)) => {
                        prerelease_rank(q).map(|_| Ordering::Greater)?
                    }
                };
                if ord != Ordering::Equal {
                    return Some(ord);
                }
            }
        }
    }
}

/// One end of an NVD version range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionBound {
    /// The version string as given by the feed.
    pub version: Box<str>,
    /// `true` for `…Including`, `false` for `…Excluding`.
    pub inclusive: bool,
}

/// Result of checking a version against a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeCheck {
    /// Inside the range.
    Inside,
    /// Outside the range.
    Outside,
    /// A bound could not be compared with the version: a person should look.
    Uncertain,
}

/// Checks `version` against optional start and end bounds.
#[must_use]
pub fn check_range(
    version: &str,
    start: Option<&VersionBound>,
    end: Option<&VersionBound>,
) -> RangeCheck {
    let mut uncertain = false;
    if let Some(s) = start {
        match compare_versions(version, &s.version) {
            Some(Ordering::Less) => return RangeCheck::Outside,
            Some(Ordering::Equal) if !s.inclusive => return RangeCheck::Outside,
            Some(_) => {}
            None => uncertain = true,
        }
    }
    if let Some(e) = end {
        match compare_versions(version, &e.version) {
            Some(Ordering::Greater) => return RangeCheck::Outside,
            Some(Ordering::Equal) if !e.inclusive => return RangeCheck::Outside,
            Some(_) => {}
            None => uncertain = true,
        }
    }
    if uncertain {
        RangeCheck::Uncertain
    } else {
        RangeCheck::Inside
    }
}

/// A version tokenised once, so that matching compares it against many range bounds
/// without re-scanning text or allocating. [`PreparedVersion::compare`] gives exactly the
/// answer of [`compare_versions`] on the original strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PreparedVersion {
    /// The numbers, zero-padded, when the version is one to four numbers and nothing else:
    /// for such pairs the token rules reduce to comparing arrays (trailing zeros equal).
    numeric: Option<[u64; 4]>,
    /// How many of `numeric` were in the text.
    numeric_len: u8,
    /// The tokens, when not `numeric` (saves an allocation for the common case).
    toks: Box<[Tok]>,
}

/// A token with its comparison facts worked out in advance.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// A number of at most 19 digits once leading zeros are gone (fits a `u64`).
    Num(u64),
    /// A longer number (digits, leading zeros stripped): greater than any `Num`.
    Big(Box<str>),
    /// A pre-release word, by rank.
    Pre(u8),
    /// Any other word, lower case.
    Word(Box<str>),
}

impl PreparedVersion {
    pub(crate) fn new(v: &str) -> Self {
        let mut numeric = [0u64; 4];
        let mut count = 0usize;
        let mut only_numbers = true;
        for t in tokens(v) {
            match t {
                Token::Number(n) if n.len() <= 19 && count < 4 => {
                    numeric[count] = number(n);
                    count += 1;
                }
                _ => {
                    only_numbers = false;
                    break;
                }
            }
        }
        if only_numbers && count > 0 {
            return PreparedVersion {
                numeric: Some(numeric),
                numeric_len: u8::try_from(count).unwrap_or(4),
                toks: Box::default(),
            };
        }
        let toks = tokens(v)
            .map(|t| match t {
                Token::Number(n) if n.len() <= 19 => Tok::Num(number(n)),
                Token::Number(n) => Tok::Big(n.into()),
                Token::Word(w) => match prerelease_rank(w) {
                    Some(r) => Tok::Pre(r),
                    None => Tok::Word(w.to_ascii_lowercase().into()),
                },
            })
            .collect();
        PreparedVersion {
            numeric: None,
            numeric_len: 0,
            toks,
        }
    }

    /// The version as one integer ordered like [`PreparedVersion::compare`], when it is
    /// one to four numbers below 65,536 (most versions): 16 bits each, zero-padded.
    pub(crate) fn packed(&self) -> Option<u64> {
        let n = self.numeric?;
        n.iter().try_fold(0u64, |acc, &x| {
            let x = u16::try_from(x).ok()?;
            Some((acc << 16) | u64::from(x))
        })
    }

    /// [`compare_versions`] on the strings these were prepared from.
    pub(crate) fn compare(&self, other: &Self) -> Option<Ordering> {
        if let (Some(a), Some(b)) = (&self.numeric, &other.numeric) {
            return Some(a.cmp(b));
        }
        let (abuf, bbuf);
        let a: &[Tok] = match &self.numeric {
            Some(n) => {
                abuf = n.map(Tok::Num);
                &abuf[..usize::from(self.numeric_len)]
            }
            None => &self.toks,
        };
        let b: &[Tok] = match &other.numeric {
            Some(n) => {
                bbuf = n.map(Tok::Num);
                &bbuf[..usize::from(other.numeric_len)]
            }
            None => &other.toks,
        };
        if a.is_empty() || b.is_empty() {
            return None;
        }
        for i in 0..a.len().max(b.len()) {
            let ord = match (a.get(i), b.get(i)) {
                (Some(x), Some(y)) => compare_toks(x, y)?,
                (Some(x), None) => end_with(x).reverse(),
                (None, Some(y)) => end_with(y),
                (None, None) => Ordering::Equal,
            };
            if ord != Ordering::Equal {
                return Some(ord);
            }
        }
        Some(Ordering::Equal)
    }
}

/// Digits without leading zeros, at most 19 of them, as a number.
fn number(digits: &str) -> u64 {
    digits
        .bytes()
        .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'))
}

fn compare_toks(x: &Tok, y: &Tok) -> Option<Ordering> {
    use Tok::{Big, Num, Pre, Word};
    Some(match (x, y) {
        (Num(p), Num(q)) => p.cmp(q),
        (Num(_), Big(_)) | (Pre(_), Word(_) | Num(_) | Big(_)) => Ordering::Less,
        (Big(_), Num(_)) | (Word(_) | Num(_) | Big(_), Pre(_)) => Ordering::Greater,
        (Big(p), Big(q)) => compare_numbers(p, q),
        (Pre(p), Pre(q)) => p.cmp(q),
        (Word(p), Word(q)) => p.cmp(q),
        (Word(_), Num(_) | Big(_)) | (Num(_) | Big(_), Word(_)) => return None,
    })
}

/// [`compare_end_with`] for a prepared token.
fn end_with(t: &Tok) -> Ordering {
    match t {
        Tok::Num(0) => Ordering::Equal,
        Tok::Num(_) | Tok::Big(_) | Tok::Word(_) => Ordering::Less,
        Tok::Pre(_) => Ordering::Greater,
    }
}

/// A [`VersionBound`] with its version prepared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PreparedBound {
    pub(crate) version: PreparedVersion,
    pub(crate) inclusive: bool,
}

impl PreparedBound {
    pub(crate) fn new(b: &VersionBound) -> Self {
        PreparedBound {
            version: PreparedVersion::new(&b.version),
            inclusive: b.inclusive,
        }
    }
}

/// [`check_range`] over prepared values.
pub(crate) fn check_prepared_range(
    version: &PreparedVersion,
    start: Option<&PreparedBound>,
    end: Option<&PreparedBound>,
) -> RangeCheck {
    let mut uncertain = false;
    if let Some(s) = start {
        match version.compare(&s.version) {
            Some(Ordering::Less) => return RangeCheck::Outside,
            Some(Ordering::Equal) if !s.inclusive => return RangeCheck::Outside,
            Some(_) => {}
            None => uncertain = true,
        }
    }
    if let Some(e) = end {
        match version.compare(&e.version) {
            Some(Ordering::Greater) => return RangeCheck::Outside,
            Some(Ordering::Equal) if !e.inclusive => return RangeCheck::Outside,
            Some(_) => {}
            None => uncertain = true,
        }
    }
    if uncertain {
        RangeCheck::Uncertain
    } else {
        RangeCheck::Inside
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::{Equal, Greater, Less};

    #[test]
    fn comparison_table() {
        let cases: &[(&str, &str, Option<Ordering>)] = &[
            ("2.4.49", "2.4.50", Some(Less)),
            ("2.4.50", "2.4.49", Some(Greater)),
            ("2.4.9", "2.4.10", Some(Less)),
            ("1.0.0-rc1", "1.0.0", Some(Less)),
            ("1.0.0", "1.0.0-rc1", Some(Greater)),
            ("1.0.0-rc1", "1.0.0-rc2", Some(Less)),
            ("1.0.0-alpha", "1.0.0-beta", Some(Less)),
            ("1.0.0-beta2", "1.0.0-rc1", Some(Less)),
            ("2.0-beta", "2.0.1", Some(Less)),
            ("10.0.17763", "10.0.9200", Some(Greater)),
            ("10.0.17763.1", "10.0.17763", Some(Greater)),
            ("2.15", "2.15.0", Some(Equal)),
            ("2.15.0", "2.15", Some(Equal)),
            ("1.0", "1.0.0.1", Some(Less)),
            ("1.0.2k", "1.0.2", Some(Greater)),
            ("1.0.2k", "1.0.2j", Some(Greater)),
            ("1.0.2", "1.0.2k", Some(Less)),
            ("8u401", "8u72", Some(Greater)),
            ("v1.2.3", "1.2.3", Some(Equal)),
            ("1.2.03", "1.2.3", Some(Equal)),
            ("2.14.1", "2.15.0", Some(Less)),
            ("2.17.1", "2.12.4", Some(Greater)),
            ("12345678901234567890", "9", Some(Greater)),
            ("1.0.1", "1.0.x", None),
            ("", "1.0", None),
            ("", "", None),
            ("1.0_RC1", "1.0", Some(Less)),
            ("15.00.1497.012", "15.00.1497.2", Some(Greater)),
        ];
        for &(a, b, want) in cases {
            assert_eq!(compare_versions(a, b), want, "{a} vs {b}");
        }
    }

    #[test]
    fn ranges() {
        let b = |v: &str, inclusive| VersionBound {
            version: v.into(),
            inclusive,
        };
        let s = b("2.0-beta9", true);
        let e = b("2.15.0", false);
        assert_eq!(
            check_range("2.14.1", Some(&s), Some(&e)),
            RangeCheck::Inside
        );
        assert_eq!(
            check_range("2.15.0", Some(&s), Some(&e)),
            RangeCheck::Outside
        );
        assert_eq!(check_range("2.15", Some(&s), Some(&e)), RangeCheck::Outside);
        assert_eq!(check_range("1.2", Some(&s), Some(&e)), RangeCheck::Outside);
        assert_eq!(
            check_range("2.0-beta9", Some(&s), Some(&e)),
            RangeCheck::Inside
        );
        let e2 = b("2.4.49", true);
        assert_eq!(check_range("2.4.49", None, Some(&e2)), RangeCheck::Inside);
        assert_eq!(check_range("2.4.x", None, Some(&e2)), RangeCheck::Uncertain);
    }

    /// Version-like text built from the pieces the rules care about: numbers with leading
    /// zeros and past `u64`, pre-release and other words in any case, separators, a `v`.
    fn version_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            "[0-9]{1,3}",
            "[1-9][0-9]{4,6}",
            Just("0".to_owned()),
            Just("00".to_owned()),
            "[1-9][0-9]{18,21}",
            "(rc|RC|alpha|a|b|Beta|m|pre|preview|dev|snapshot|cr|milestone)",
            "[a-zA-Z]{1,3}",
            "[.\\-_+~ ]",
        ];
        (
            proptest::option::of(Just("v")),
            proptest::collection::vec(piece, 0..8),
        )
            .prop_map(|(v, parts)| format!("{}{}", v.unwrap_or(""), parts.concat()))
    }

    proptest::proptest! {
        #[test]
        fn prepared_compare_agrees(a in version_text(), b in version_text()) {
            let (pa, pb) = (PreparedVersion::new(&a), PreparedVersion::new(&b));
            proptest::prop_assert_eq!(pa.compare(&pb), compare_versions(&a, &b));
            if let (Some(x), Some(y)) = (pa.packed(), pb.packed()) {
                proptest::prop_assert_eq!(Some(x.cmp(&y)), compare_versions(&a, &b));
            }
        }

        #[test]
        fn prepared_range_agrees(
            v in version_text(),
            s in proptest::option::of((version_text(), proptest::bool::ANY)),
            e in proptest::option::of((version_text(), proptest::bool::ANY)),
        ) {
            let bound = |(version, inclusive): (String, bool)| VersionBound {
                version: version.into(),
                inclusive,
            };
            let (s, e) = (s.map(bound), e.map(bound));
            let (ps, pe) = (s.as_ref().map(PreparedBound::new), e.as_ref().map(PreparedBound::new));
            proptest::prop_assert_eq!(
                check_prepared_range(&PreparedVersion::new(&v), ps.as_ref(), pe.as_ref()),
                check_range(&v, s.as_ref(), e.as_ref())
            );
        }
    }
}
