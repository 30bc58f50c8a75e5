//! CPE 2.3 formatted strings (NISTIR 7695) and name matching (NISTIR 7696).
//!
//! A [`Cpe`] keeps the whole name as one canonical string: lower case, every value in the
//! formatted-string quoting with no needless escapes (`\.` becomes `.`), so that two
//! attribute values are equal exactly when their canonical texts are. This keeps a parsed
//! name to one allocation, which matters with millions of NVD match criteria.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// Number of attributes after `cpe:2.3:` (part … other).
pub const ATTRIBUTES: usize = 11;

/// Names of the attributes, in order, for error messages.
pub const ATTRIBUTE_NAMES: [&str; ATTRIBUTES] = [
    "part",
    "vendor",
    "product",
    "version",
    "update",
    "edition",
    "language",
    "sw_edition",
    "target_sw",
    "target_hw",
    "other",
];

/// Why a CPE 2.3 formatted string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CpeError {
    /// The string does not start with `cpe:2.3:`.
    #[error("a CPE 2.3 name starts with \"cpe:2.3:\"")]
    Prefix,
    /// Not exactly eleven attributes after the prefix.
    #[error("a CPE 2.3 name has 11 attributes after \"cpe:2.3:\", found {found}")]
    FieldCount {
        /// How many were found.
        found: usize,
    },
    /// The part is not `a`, `o`, `h` or `*`.
    #[error("part must be a, o, h or *, found {found:?}")]
    Part {
        /// The value found.
        found: String,
    },
    /// An attribute is empty (a logical value is `*` or `-`).
    #[error("{attribute} is empty (use * for any or - for not applicable)")]
    Empty {
        /// The attribute's name.
        attribute: &'static str,
    },
    /// A character that must be quoted with a backslash, or is not printable ASCII.
    #[error("{attribute}: character {found:?} must be escaped or is not allowed")]
    Character {
        /// The attribute's name.
        attribute: &'static str,
        /// The offending character.
        found: char,
    },
    /// A backslash ends the value.
    #[error("{attribute}: a backslash ends the value")]
    DanglingEscape {
        /// The attribute's name.
        attribute: &'static str,
    },
    /// An unquoted `*` or `?` inside a value rather than at its ends.
    #[error("{attribute}: unquoted * or ? is only allowed at the ends of a value")]
    EmbeddedWildcard {
        /// The attribute's name.
        attribute: &'static str,
    },
    /// The name is longer than this crate accepts.
    #[error("a CPE name longer than {max} bytes")]
    TooLong {
        /// The limit.
        max: usize,
    },
}

/// Longest accepted formatted string; the longest in NVD are a few hundred bytes.
pub const MAX_CPE_LEN: usize = 2048;

/// The `part` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// `a`: application.
    Application,
    /// `o`: operating system.
    OperatingSystem,
    /// `h`: hardware.
    Hardware,
    /// `*`: any.
    Any,
}

/// One attribute value of a parsed name, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpeValue<'a> {
    /// `*`: ANY.
    Any,
    /// `-`: NA (not applicable).
    Na,
    /// A value without wildcards, in canonical quoted form (`1.0`, `c\+\+`).
    Literal(&'a str),
    /// A value with an unquoted `*` or `?` at one or both ends, canonical quoted form.
    Pattern(&'a str),
}

impl<'a> CpeValue<'a> {
    /// The value with quoting removed (`c\+\+` → `c++`); `*`/`-` for the logical values.
    #[must_use]
    pub fn unquoted(self) -> Cow<'a, str> {
        match self {
            CpeValue::Any => Cow::Borrowed("*"),
            CpeValue::Na => Cow::Borrowed("-"),
            CpeValue::Literal(s) | CpeValue::Pattern(s) => unquote(s),
        }
    }
}

fn unquote(s: &str) -> Cow<'_, str> {
    if !s.contains('\\') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A parsed CPE 2.3 name (a WFN in formatted-string form).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cpe {
    /// Canonical formatted string, `cpe:2.3:` included.
    text: Box<str>,
    /// Byte offset where each attribute starts and ends in `text`.
    spans: [(u16, u16); ATTRIBUTES],
}

impl fmt::Debug for Cpe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cpe({})", self.text)
    }
}

impl fmt::Display for Cpe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

const PREFIX: &str = "cpe:2.3:";

/// Characters that may appear unquoted in a formatted-string value.
fn plain(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
}

/// Canonicalises one value onto `out`; returns whether it carries wildcards.
fn canonical_value(raw: &str, attribute: &'static str, out: &mut String) -> Result<bool, CpeError> {
    if raw.is_empty() {
        return Err(CpeError::Empty { attribute });
    }
    if raw == "*" || raw == "-" {
        out.push_str(raw);
        return Ok(false);
    }
    let bytes = raw.as_bytes();
    let mut wildcard = false;
    let mut i = 0;
    let start_len = out.len();
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\\' => {
                let Some(&n) = bytes.get(i + 1) else {
                    return Err(CpeError::DanglingEscape { attribute });
                };
                if !(0x21..0x7f).contains(&n) {
                    return Err(CpeError::Character {
                        attribute,
                        found: raw[i + 1..].chars().next().unwrap_or('\\'),
                    });
                }
                let n = n.to_ascii_lowercase();
                // A quoted `-` stays quoted only when it is the whole value (else it would
                // read as NA); other plain characters lose their needless quote.
                if plain(n) && !(n == b'-' && bytes.len() == 2) {
                    out.push(char::from(n));
                } else {
                    out.push('\\');
                    out.push(char::from(n));
                }
                i += 2;
            }
            b'*' | b'?' => {
                // Wildcards only in a run at either end of the value.
                let at_start = bytes[..i].iter().all(|&b| b == b'?' || b == b'*');
                let at_end = bytes[i..].iter().all(|&b| b == b'?' || b == b'*');
                if !(at_start || at_end) {
                    return Err(CpeError::EmbeddedWildcard { attribute });
                }
                wildcard = true;
                out.push(char::from(c));
                i += 1;
            }
            _ if plain(c) => {
                out.push(char::from(c.to_ascii_lowercase()));
                i += 1;
            }
            _ => {
                return Err(CpeError::Character {
                    attribute,
                    found: raw[i..].chars().next().unwrap_or('?'),
                });
            }
        }
    }
    debug_assert!(out.len() > start_len);
    Ok(wildcard)
}

impl FromStr for Cpe {
    type Err = CpeError;

    fn from_str(s: &str) -> Result<Self, CpeError> {
        if s.len() > MAX_CPE_LEN {
            return Err(CpeError::TooLong { max: MAX_CPE_LEN });
        }
        let prefix_ok = s
            .get(..PREFIX.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(PREFIX));
        if !prefix_ok {
            return Err(CpeError::Prefix);
        }
        let body = &s[PREFIX.len()..];
        let mut fields: [&str; ATTRIBUTES] = [""; ATTRIBUTES];
        let mut count = 0;
        let mut start = 0;
        let bytes = body.as_bytes();
        let mut i = 0;
        while i <= bytes.len() {
            if i == bytes.len() || bytes[i] == b':' {
                if count < ATTRIBUTES {
                    fields[count] = &body[start..i];
                }
                count += 1;
                start = i + 1;
                i += 1;
            } else if bytes[i] == b'\\' {
                i = (i + 2).min(bytes.len());
            } else {
                i += 1;
            }
        }
        if count != ATTRIBUTES {
            return Err(CpeError::FieldCount { found: count });
        }
        let mut text = String::with_capacity(s.len());
        text.push_str(PREFIX);
        let mut spans = [(0u16, 0u16); ATTRIBUTES];
        for (n, raw) in fields.iter().enumerate() {
            if n > 0 {
                text.push(':');
            }
            let begin = text.len();
            if n == 0 {
                let p = raw.to_ascii_lowercase();
                if !matches!(p.as_str(), "a" | "o" | "h" | "*") {
                    return Err(CpeError::Part {
                        found: (*raw).to_owned(),
                    });
                }
                text.push_str(&p);
            } else {
                canonical_value(raw, ATTRIBUTE_NAMES[n], &mut text)?;
            }
            // Bounded by MAX_CPE_LEN plus a few quotes, far below u16::MAX.
            let to16 = |v: usize| u16::try_from(v).unwrap_or(u16::MAX);
            spans[n] = (to16(begin), to16(text.len()));
        }
        Ok(Cpe {
            text: text.into_boxed_str(),
            spans,
        })
    }
}

impl Cpe {
    /// Builds an application name `cpe:2.3:a:vendor:product:version:*:…` from free-text
    /// inventory fields: lower case, spaces become `_`, other punctuation is quoted.
    /// Returns `None` when vendor or product is empty.
    #[must_use]
    pub fn from_parts(vendor: &str, product: &str, version: Option<&str>) -> Option<Cpe> {
        let quote = |v: &str| -> String {
            let mut out = String::with_capacity(v.len());
            for c in v.trim().chars() {
                if c == ' ' {
                    out.push('_');
                } else if c.is_ascii() && !c.is_ascii_control() && plain(c as u8) {
                    out.push(c.to_ascii_lowercase());
                } else if c.is_ascii_graphic() {
                    out.push('\\');
                    out.push(c);
                }
                // Non-ASCII characters have no place in a formatted string: dropped.
            }
            out
        };
        let (vendor, product) = (quote(vendor), quote(product));
        if vendor.is_empty() || product.is_empty() || vendor == "-" || product == "-" {
            return None;
        }
        let version = match version.map(quote) {
            Some(v) if !v.is_empty() => v,
            _ => "*".to_owned(),
        };
        format!("cpe:2.3:a:{vendor}:{product}:{version}:*:*:*:*:*:*:*")
            .parse()
            .ok()
    }

    /// The canonical formatted string.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    fn raw(&self, n: usize) -> &str {
        let (b, e) = self.spans[n];
        &self.text[usize::from(b)..usize::from(e)]
    }

    /// Attribute `n` (0 = part … 10 = other) as a value.
    #[must_use]
    pub fn value(&self, n: usize) -> CpeValue<'_> {
        let raw = self.raw(n);
        match raw {
            "*" => CpeValue::Any,
            "-" => CpeValue::Na,
            _ if has_wildcard(raw) => CpeValue::Pattern(raw),
            _ => CpeValue::Literal(raw),
        }
    }

    /// The part.
    #[must_use]
    pub fn part(&self) -> Part {
        match self.raw(0) {
            "a" => Part::Application,
            "o" => Part::OperatingSystem,
            "h" => Part::Hardware,
            _ => Part::Any,
        }
    }

    /// The vendor.
    #[must_use]
    pub fn vendor(&self) -> CpeValue<'_> {
        self.value(1)
    }

    /// The product.
    #[must_use]
    pub fn product(&self) -> CpeValue<'_> {
        self.value(2)
    }

    /// The version.
    #[must_use]
    pub fn version(&self) -> CpeValue<'_> {
        self.value(3)
    }

    /// The `vendor:product` key used by the matching index, when both are literals.
    #[must_use]
    pub fn vendor_product_key(&self) -> Option<&str> {
        match (self.vendor(), self.product()) {
            (CpeValue::Literal(_), CpeValue::Literal(_)) => {
                let (b, _) = self.spans[1];
                let (_, e) = self.spans[2];
                Some(&self.text[usize::from(b)..usize::from(e)])
            }
            _ => None,
        }
    }

    /// The same name with its version attribute replaced (used when an inventory row
    /// carries its version apart from a CPE whose version is `*`).
    #[must_use]
    pub fn with_version(&self, version: &str) -> Option<Cpe> {
        let mut s = String::with_capacity(self.text.len() + version.len());
        s.push_str(&self.text[..usize::from(self.spans[3].0)]);
        for c in version.trim().chars() {
            if c.is_ascii() && plain(c as u8) {
                s.push(c);
            } else if c.is_ascii_graphic() {
                s.push('\\');
                s.push(c);
            } else {
                return None;
            }
        }
        s.push_str(&self.text[usize::from(self.spans[3].1)..]);
        s.parse().ok()
    }

    /// Name matching: does this name (the *source*, e.g. an NVD criteria) match `target`
    /// (an installed product)? True when every attribute of the source is a superset of or
    /// equal to the target's (NISTIR 7696 §6.2). Wildcards in the target never match.
    #[must_use]
    pub fn matches(&self, target: &Cpe) -> bool {
        (0..ATTRIBUTES).all(|n| attribute_superset_or_equal(self.value(n), target.value(n)))
    }

    /// Like [`Cpe::matches`] but ignores the version attribute (compared by the caller
    /// against a version range).
    #[must_use]
    pub fn matches_except_version(&self, target: &Cpe) -> bool {
        (0..ATTRIBUTES)
            .filter(|&n| n != 3)
            .all(|n| attribute_superset_or_equal(self.value(n), target.value(n)))
    }
}

fn has_wildcard(raw: &str) -> bool {
    let b = raw.as_bytes();
    let first = matches!(b.first(), Some(b'*' | b'?'));
    // A trailing `*`/`?` is a wildcard unless it is quoted by an odd run of backslashes.
    let last = match b.last() {
        Some(b'*' | b'?') => {
            let slashes = b[..b.len() - 1]
                .iter()
                .rev()
                .take_while(|&&c| c == b'\\')
                .count();
            slashes % 2 == 0
        }
        _ => false,
    };
    first || last
}

/// NISTIR 7696 attribute comparison: is `source` a superset of or equal to `target`?
pub(crate) fn attribute_superset_or_equal(source: CpeValue<'_>, target: CpeValue<'_>) -> bool {
    match (source, target) {
        (CpeValue::Any, _) => true,
        (_, CpeValue::Pattern(_)) => false,
        (CpeValue::Na, t) => t == CpeValue::Na,
        (CpeValue::Literal(s), CpeValue::Literal(t)) => s == t,
        (CpeValue::Literal(_), _) => false,
        (CpeValue::Pattern(p), CpeValue::Literal(t)) => pattern_matches(p, t),
        (CpeValue::Pattern(_), _) => false,
    }
}

/// Matches a value with wildcards at its ends against a literal (both quoted forms).
fn pattern_matches(pattern: &str, literal: &str) -> bool {
    let lead: String = pattern
        .chars()
        .take_while(|&c| c == '*' || c == '?')
        .collect();
    let rest = &pattern[lead.len()..];
    // Trailing wildcard run (not quoted: `has_wildcard` semantics).
    let mut trail_len = 0;
    let rb = rest.as_bytes();
    while trail_len < rb.len() && matches!(rb[rb.len() - 1 - trail_len], b'*' | b'?') {
        trail_len += 1;
    }
    let slashes = rb[..rb.len() - trail_len]
        .iter()
        .rev()
        .take_while(|&&c| c == b'\\')
        .count();
    if slashes % 2 == 1 && trail_len > 0 {
        trail_len -= 1; // the first of the run is quoted
    }
    let trail = &rest[rest.len() - trail_len..];
    let body = unquote(&rest[..rest.len() - trail_len]);
    let target = unquote(literal);
    let target: Vec<char> = target.chars().collect();
    let body: Vec<char> = body.chars().collect();
    let (lead_star, lead_q) = (lead.contains('*'), lead.matches('?').count());
    let (trail_star, trail_q) = (trail.contains('*'), trail.matches('?').count());
    // Try every position of `body` in `target` and check the ends' lengths.
    if body.len() > target.len() {
        return false;
    }
    (0..=target.len() - body.len()).any(|at| {
        target[at..at + body.len()] == body[..]
            && (if lead_star {
                at >= lead_q
            } else {
                at == lead_q
            })
            && {
                let after = target.len() - at - body.len();
                if trail_star {
                    after >= trail_q
                } else {
                    after == trail_q
                }
            }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpe(s: &str) -> Cpe {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_and_canonicalises() {
        let c = cpe("cpe:2.3:a:Apache:HTTP_Server:2.4.49:*:*:*:*:*:*:*");
        assert_eq!(
            c.as_str(),
            "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"
        );
        assert_eq!(c.part(), Part::Application);
        assert_eq!(c.vendor(), CpeValue::Literal("apache"));
        assert_eq!(c.vendor_product_key(), Some("apache:http_server"));
        let q = cpe(r"cpe:2.3:a:gnu:g\+\+:1\.0:-:*:*:*:*:*:*");
        assert_eq!(q.as_str(), r"cpe:2.3:a:gnu:g\+\+:1.0:-:*:*:*:*:*:*");
        assert_eq!(q.product().unquoted(), "g++");
        assert_eq!(q.value(4), CpeValue::Na);
        let colon = cpe(r"cpe:2.3:a:foo\:bar:baz:1:*:*:*:*:*:*:*");
        assert_eq!(colon.vendor().unquoted(), "foo:bar");
        let dash = cpe(r"cpe:2.3:a:x:y:\-:*:*:*:*:*:*:*");
        assert_eq!(dash.version(), CpeValue::Literal(r"\-"));
    }

    #[test]
    fn rejects_bad_names() {
        let cases: &[(&str, CpeError)] = &[
            ("cpe:/a:apache:http_server:2.4.49", CpeError::Prefix),
            ("", CpeError::Prefix),
            (
                "cpe:2.3:a:apache:http_server",
                CpeError::FieldCount { found: 3 },
            ),
            (
                "cpe:2.3:a:a:b:c:d:e:f:g:h:i:j:k",
                CpeError::FieldCount { found: 12 },
            ),
            (
                "cpe:2.3:x:a:b:*:*:*:*:*:*:*:*",
                CpeError::Part { found: "x".into() },
            ),
            (
                "cpe:2.3:a::b:*:*:*:*:*:*:*:*",
                CpeError::Empty {
                    attribute: "vendor",
                },
            ),
            (
                "cpe:2.3:a:a:b+c:*:*:*:*:*:*:*:*",
                CpeError::Character {
                    attribute: "product",
                    found: '+',
                },
            ),
            (
                "cpe:2.3:a:a:b:1*2:*:*:*:*:*:*:*",
                CpeError::EmbeddedWildcard {
                    attribute: "version",
                },
            ),
            (
                "cpe:2.3:a:a:b:*:*:*:*:*:*:*:x\\",
                CpeError::DanglingEscape { attribute: "other" },
            ),
            (
                "cpe:2.3:a:a:bé:*:*:*:*:*:*:*:*",
                CpeError::Character {
                    attribute: "product",
                    found: 'é',
                },
            ),
        ];
        for (s, want) in cases {
            assert_eq!(s.parse::<Cpe>().as_ref(), Err(want), "{s}");
        }
    }

    #[test]
    fn name_matching_table() {
        let cases: &[(&str, &str, bool)] = &[
            (
                "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*",
                "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*",
                true,
            ),
            (
                "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*",
                "cpe:2.3:a:apache:http_server:2.4.49:-:*:*:*:*:*:*",
                true,
            ),
            // Criteria more specific than the inventory: SUBSET, no match.
            (
                "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*",
                "cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*",
                false,
            ),
            // NA vs a value: disjoint.
            (
                "cpe:2.3:a:microsoft:exchange_server:2016:-:*:*:*:*:*:*",
                "cpe:2.3:a:microsoft:exchange_server:2016:cumulative_update_18:*:*:*:*:*:*",
                false,
            ),
            (
                "cpe:2.3:a:microsoft:exchange_server:2016:cumulative_update_18:*:*:*:*:*:*",
                "cpe:2.3:a:microsoft:exchange_server:2016:cumulative_update_18:*:*:*:*:*:*",
                true,
            ),
            (
                "cpe:2.3:a:apache:http_server:2.4.*:*:*:*:*:*:*:*",
                "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*",
                true,
            ),
            (
                "cpe:2.3:a:apache:http_server:2.4.?:*:*:*:*:*:*:*",
                "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*",
                false,
            ),
            (
                "cpe:2.3:a:apache:http_server:2.4.??:*:*:*:*:*:*:*",
                "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*",
                true,
            ),
            (
                "cpe:2.3:a:*:log4j:*:*:*:*:*:*:*:*",
                "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*",
                true,
            ),
            (
                "cpe:2.3:o:apache:log4j:*:*:*:*:*:*:*:*",
                "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*",
                false,
            ),
            // Wildcards in the target never match a literal source.
            (
                "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*",
                "cpe:2.3:a:apache:log4j:2.14.*:*:*:*:*:*:*:*",
                false,
            ),
            // Quoting is canonical: `\.` and `.` are the same character.
            (
                r"cpe:2.3:a:apache:log4j:2\.14\.1:*:*:*:*:*:*:*",
                "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*",
                true,
            ),
        ];
        for &(source, target, want) in cases {
            assert_eq!(
                cpe(source).matches(&cpe(target)),
                want,
                "{source} vs {target}"
            );
        }
    }

    #[test]
    fn builds_from_inventory_fields() {
        let c = Cpe::from_parts("Apache", "HTTP Server", Some("2.4.49")).unwrap();
        assert_eq!(
            c.as_str(),
            "cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"
        );
        let c = Cpe::from_parts("GNU", "g++", None).unwrap();
        assert_eq!(c.as_str(), r"cpe:2.3:a:gnu:g\+\+:*:*:*:*:*:*:*:*");
        assert!(Cpe::from_parts("", "x", None).is_none());
        let w = cpe("cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*")
            .with_version("2.14.1")
            .unwrap();
        assert_eq!(w.as_str(), "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*");
    }
}
