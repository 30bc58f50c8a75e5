//! Open-source heuristic for the national KPI: SPDX licence expressions checked against a
//! small data list of OSI-approved licences (`data/osi-licences.txt`, with free-text names
//! mapped by `data/licence-aliases.txt`), and purl types that imply open-source packages.
//!
//! It is a heuristic: the lists are partial, public registries also carry proprietary
//! packages, and a component without licence or purl counts as not open source.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

const OSI_LIST: &str = include_str!("../data/osi-licences.txt");
const ALIAS_LIST: &str = include_str!("../data/licence-aliases.txt");

/// Longest licence text examined.
pub const MAX_LICENCE_LEN: usize = 4096;
/// Deepest parenthesis nesting accepted in an expression.
pub const MAX_DEPTH: usize = 32;

/// purl types whose packages are open source by the nature of the channel (public
/// language registries and Linux distribution archives).
pub const OPEN_SOURCE_PURL_TYPES: &[&str] = &[
    "alpm",
    "apk",
    "bitnami",
    "cargo",
    "cocoapods",
    "composer",
    "conan",
    "conda",
    "cran",
    "deb",
    "gem",
    "golang",
    "hackage",
    "hex",
    "maven",
    "npm",
    "nuget",
    "pub",
    "pypi",
    "rpm",
    "swift",
];

/// What a licence says about openness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenceVerdict {
    /// OSI-approved (for an expression: a satisfiable open choice).
    Open,
    /// A licence that is not on the list (proprietary, `LicenseRef-…`, source-available…).
    NotOpen,
    /// Nothing usable: empty, `NOASSERTION`, `NONE`, or text that is not an expression.
    Unknown,
}

struct Tables {
    osi: HashSet<String>,
    aliases: HashMap<String, String>,
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
}

fn normalise_name(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| Tables {
        osi: lines(OSI_LIST).map(str::to_ascii_lowercase).collect(),
        aliases: lines(ALIAS_LIST)
            .filter_map(|l| l.split_once("=>"))
            .map(|(n, id)| (normalise_name(n), id.trim().to_owned()))
            .collect(),
    })
}

/// Whether a single SPDX id is OSI-approved (case-insensitive; `+` and `-or-later` forms
/// of a listed licence count).
#[must_use]
pub fn is_osi_approved(id: &str) -> bool {
    let t = tables();
    let id = id.trim().to_ascii_lowercase();
    let base = id.strip_suffix('+').unwrap_or(&id);
    t.osi.contains(base)
        || base
            .strip_suffix("-or-later")
            .is_some_and(|b| t.osi.contains(b) || t.osi.contains(&format!("{b}-only")))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok<'a> {
    Open,
    Close,
    And,
    Or,
    With,
    Id(&'a str),
}

fn tokenise(s: &str) -> Option<Vec<Tok<'_>>> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start();
        let Some(c) = rest.chars().next() else {
            return Some(out);
        };
        if c == '(' || c == ')' {
            out.push(if c == '(' { Tok::Open } else { Tok::Close });
            rest = &rest[1..];
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '(' || c == ')')
            .unwrap_or(rest.len());
        let word = &rest[..end];
        rest = &rest[end..];
        let valid_id = word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '+' | ':'));
        out.push(match word.to_ascii_uppercase().as_str() {
            "AND" => Tok::And,
            "OR" => Tok::Or,
            "WITH" => Tok::With,
            _ if valid_id => Tok::Id(word),
            _ => return None,
        });
    }
}

struct Parser<'a> {
    toks: Vec<Tok<'a>>,
    pos: usize,
}

fn and(a: LicenceVerdict, b: LicenceVerdict) -> LicenceVerdict {
    use LicenceVerdict::{NotOpen, Open, Unknown};
    match (a, b) {
        (NotOpen, _) | (_, NotOpen) => NotOpen,
        (Open, Open) => Open,
        _ => Unknown,
    }
}

fn or(a: LicenceVerdict, b: LicenceVerdict) -> LicenceVerdict {
    use LicenceVerdict::{NotOpen, Open, Unknown};
    match (a, b) {
        (Open, _) | (_, Open) => Open,
        (NotOpen, NotOpen) => NotOpen,
        _ => Unknown,
    }
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&Tok<'a>> {
        self.toks.get(self.pos)
    }

    fn or_expr(&mut self, depth: usize) -> Option<LicenceVerdict> {
        let mut v = self.and_expr(depth)?;
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            v = or(v, self.and_expr(depth)?);
        }
        Some(v)
    }

    fn and_expr(&mut self, depth: usize) -> Option<LicenceVerdict> {
        let mut v = self.with_expr(depth)?;
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            v = and(v, self.with_expr(depth)?);
        }
        Some(v)
    }

    fn with_expr(&mut self, depth: usize) -> Option<LicenceVerdict> {
        let v = self.primary(depth)?;
        if self.peek() == Some(&Tok::With) {
            self.pos += 1;
            // The exception (Classpath-exception-2.0…) only adds permissions.
            matches!(self.peek(), Some(Tok::Id(_))).then_some(())?;
            self.pos += 1;
        }
        Some(v)
    }

    fn primary(&mut self, depth: usize) -> Option<LicenceVerdict> {
        match self.peek()?.clone() {
            Tok::Open if depth < MAX_DEPTH => {
                self.pos += 1;
                let v = self.or_expr(depth + 1)?;
                (self.peek() == Some(&Tok::Close)).then_some(())?;
                self.pos += 1;
                Some(v)
            }
            Tok::Id(id) => {
                self.pos += 1;
                Some(match id.to_ascii_uppercase().as_str() {
                    "NOASSERTION" | "NONE" => LicenceVerdict::Unknown,
                    _ if is_osi_approved(id) => LicenceVerdict::Open,
                    _ => LicenceVerdict::NotOpen,
                })
            }
            _ => None,
        }
    }
}

/// Classifies a licence: an SPDX id or expression (`MIT OR Apache-2.0`,
/// `GPL-2.0-only WITH Classpath-exception-2.0`), or a common free-text name
/// (`Apache License, Version 2.0`). `OR` is open if any side is, `AND` only if both are.
#[must_use]
pub fn classify_licence(text: &str) -> LicenceVerdict {
    let text = text.trim();
    if text.is_empty() || text.len() > MAX_LICENCE_LEN {
        return LicenceVerdict::Unknown;
    }
    let text = tables()
        .aliases
        .get(&normalise_name(text))
        .map_or(text, String::as_str);
    let Some(toks) = tokenise(text) else {
        return LicenceVerdict::Unknown;
    };
    let mut p = Parser { toks, pos: 0 };
    match p.or_expr(0) {
        Some(v) if p.pos == p.toks.len() => v,
        _ => LicenceVerdict::Unknown,
    }
}

/// The open-source KPI heuristic: the licence decides when it says something
/// ([`classify_licence`]); otherwise a purl type from [`OPEN_SOURCE_PURL_TYPES`] means open
/// source; otherwise not.
///
/// ```
/// use vuln::licence::is_open_source;
/// assert!(is_open_source(Some("MIT OR Apache-2.0"), None));
/// assert!(!is_open_source(Some("LicenseRef-Proprietary"), Some("npm")));
/// assert!(is_open_source(None, Some("pypi")));
/// assert!(!is_open_source(None, None));
/// ```
#[must_use]
pub fn is_open_source(licence: Option<&str>, purl_type: Option<&str>) -> bool {
    match licence.map_or(LicenceVerdict::Unknown, classify_licence) {
        LicenceVerdict::Open => true,
        LicenceVerdict::NotOpen => false,
        LicenceVerdict::Unknown => purl_type.is_some_and(|t| {
            OPEN_SOURCE_PURL_TYPES
                .iter()
                .any(|o| o.eq_ignore_ascii_case(t.trim()))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LicenceVerdict::{NotOpen, Open, Unknown};

    #[test]
    fn licence_table() {
        let cases: &[(&str, LicenceVerdict)] = &[
            ("MIT", Open),
            ("mit", Open),
            ("Apache-2.0", Open),
            ("GPL-2.0+", Open),
            ("GPL-2.0-or-later", Open),
            ("LGPL-2.1-or-later", Open),
            ("MIT OR Apache-2.0", Open),
            ("(MIT AND BSD-3-Clause)", Open),
            ("MIT AND LicenseRef-Commercial", NotOpen),
            ("LicenseRef-Commercial OR MIT", Open),
            ("GPL-2.0-only WITH Classpath-exception-2.0", Open),
            (
                "(EPL-2.0 OR (GPL-2.0-only WITH Classpath-exception-2.0))",
                Open,
            ),
            ("Apache License, Version 2.0", Open),
            ("The  MIT   License", Open),
            ("BUSL-1.1", NotOpen),
            ("SSPL-1.0", NotOpen),
            ("Proprietary", NotOpen),
            ("NOASSERTION", Unknown),
            ("", Unknown),
            ("MIT OR", Unknown),
            ("(MIT", Unknown),
            ("MIT WITH", Unknown),
            ("See LICENSE file, all rights reserved", Unknown),
            ("NOASSERTION AND MIT", Unknown),
        ];
        for &(text, want) in cases {
            assert_eq!(classify_licence(text), want, "{text:?}");
        }
    }

    #[test]
    fn open_source_table() {
        let cases: &[(Option<&str>, Option<&str>, bool)] = &[
            (Some("MIT"), None, true),
            (Some("Proprietary"), Some("npm"), false),
            (None, Some("npm"), true),
            (None, Some("Cargo"), true),
            (None, Some("generic"), false),
            (Some("NOASSERTION"), Some("deb"), true),
            (None, None, false),
        ];
        for &(l, t, want) in cases {
            assert_eq!(is_open_source(l, t), want, "{l:?} {t:?}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{}MIT{}", "(".repeat(2000), ")".repeat(2000));
        assert_eq!(classify_licence(&deep), Unknown);
    }
}
