//! Package URLs (ECMA-427, package-url/purl-spec):
//! `pkg:type/namespace/name@version?qualifiers#subpath`.
//!
//! Parsing percent-decodes every component; [`PackageUrl`]'s `Display` writes the canonical
//! form back. Per-type normalisation is applied for the types where the spec requires it
//! (`pypi`: lower case and `_` → `-`; `github`, `bitbucket`: lower case namespace and name).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// Why a purl was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PurlError {
    /// Does not start with `pkg:`.
    #[error("a package URL starts with \"pkg:\"")]
    Scheme,
    /// No type, or a type with characters other than `a-z0-9.+-`, or starting with a digit.
    #[error("bad or missing package type {0:?}")]
    Type(String),
    /// No name.
    #[error("a package URL needs a name")]
    Name,
    /// A `%` not followed by two hex digits, or bytes that are not UTF-8 once decoded.
    #[error("bad percent-encoding in {0}")]
    Encoding(&'static str),
    /// A qualifier key that is not `[a-z0-9.-_]`, starting with a letter, or repeated.
    #[error("bad or repeated qualifier key {0:?}")]
    Qualifier(String),
    /// Longer than this crate accepts.
    #[error("a package URL longer than {0} bytes")]
    TooLong(usize),
}

/// Longest accepted purl.
pub const MAX_PURL_LEN: usize = 4096;

/// A parsed package URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PackageUrl {
    /// Type (`npm`, `pypi`, `maven`…), lower case.
    pub ty: String,
    /// Namespace (`org.apache.logging.log4j`, `@angular`…), decoded, segments joined by `/`.
    pub namespace: Option<String>,
    /// Name, decoded.
    pub name: String,
    /// Version, decoded (opaque).
    pub version: Option<String>,
    /// Qualifiers, decoded; empty values are dropped.
    pub qualifiers: BTreeMap<String, String>,
    /// Subpath, decoded, without `.`/`..`/empty segments.
    pub subpath: Option<String>,
}

fn decode(s: &str, what: &'static str) -> Result<String, PurlError> {
    if !s.contains('%') {
        return Ok(s.to_owned());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: u8| (c as char).to_digit(16);
            let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            ) else {
                return Err(PurlError::Encoding(what));
            };
            out.push(u8::try_from(h * 16 + l).map_err(|_| PurlError::Encoding(what))?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| PurlError::Encoding(what))
}

fn encode(s: &str, keep: &[u8], out: &mut String) {
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

impl FromStr for PackageUrl {
    type Err = PurlError;

    fn from_str(s: &str) -> Result<Self, PurlError> {
        if s.len() > MAX_PURL_LEN {
            return Err(PurlError::TooLong(MAX_PURL_LEN));
        }
        let s = s.trim();
        let rest = s
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case("pkg:"))
            .map(|_| &s[4..])
            .ok_or(PurlError::Scheme)?;
        let rest = rest.trim_start_matches('/');
        let (rest, subpath) = match rest.split_once('#') {
            Some((r, sp)) => (r, Some(sp)),
            None => (rest, None),
        };
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (ty, rest) = rest.split_once('/').ok_or(PurlError::Name)?;
        let ty = ty.to_ascii_lowercase();
        let type_ok = ty.bytes().next().is_some_and(|c| c.is_ascii_alphabetic())
            && ty
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'+' | b'-'));
        if !type_ok {
            return Err(PurlError::Type(ty.chars().take(64).collect()));
        }
        let rest = rest.trim_matches('/');
        // The version follows the last `@` of the last path segment (npm scopes are `%40`).
        let (path, version) = match rest.rfind('@') {
            Some(at) if !rest[at..].contains('/') => (&rest[..at], Some(&rest[at + 1..])),
            _ => (rest, None),
        };
        let mut segments: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        let name = segments.pop().ok_or(PurlError::Name)?;
        let mut name = decode(name, "name")?;
        if name.is_empty() {
            return Err(PurlError::Name);
        }
        let mut namespace = if segments.is_empty() {
            None
        } else {
            let parts: Result<Vec<String>, PurlError> =
                segments.iter().map(|p| decode(p, "namespace")).collect();
            Some(parts?.join("/"))
        };
        let version = match version {
            Some(v) if !v.is_empty() => Some(decode(v, "version")?),
            _ => None,
        };
        let mut qualifiers = BTreeMap::new();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = k.to_ascii_lowercase();
            let key_ok = k.bytes().next().is_some_and(|c| c.is_ascii_alphabetic())
                && k.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'_'));
            if !key_ok || qualifiers.contains_key(&k) {
                return Err(PurlError::Qualifier(k.chars().take(64).collect()));
            }
            let v = decode(v, "qualifiers")?;
            if !v.is_empty() {
                qualifiers.insert(k, v);
            }
        }
        let subpath = match subpath {
            Some(sp) => {
                let parts: Result<Vec<String>, PurlError> = sp
                    .split('/')
                    .filter(|p| !p.is_empty() && *p != "." && *p != "..")
                    .map(|p| decode(p, "subpath"))
                    .collect();
                let joined = parts?.join("/");
                (!joined.is_empty()).then_some(joined)
            }
            None => None,
        };
        match ty.as_str() {
            "pypi" => {
                name = name.to_lowercase().replace('_', "-");
            }
            "github" | "bitbucket" => {
                name = name.to_lowercase();
                namespace = namespace.map(|n| n.to_lowercase());
            }
            _ => {}
        }
        Ok(PackageUrl {
            ty,
            namespace,
            name,
            version,
            qualifiers,
            subpath,
        })
    }
}

impl fmt::Display for PackageUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::from("pkg:");
        out.push_str(&self.ty);
        out.push('/');
        if let Some(ns) = &self.namespace {
            for seg in ns.split('/') {
                encode(seg, b"", &mut out);
                out.push('/');
            }
        }
        encode(&self.name, b"", &mut out);
        if let Some(v) = &self.version {
            out.push('@');
            encode(v, b":", &mut out);
        }
        for (n, (k, v)) in self.qualifiers.iter().enumerate() {
            out.push(if n == 0 { '?' } else { '&' });
            out.push_str(k);
            out.push('=');
            encode(v, b":/", &mut out);
        }
        if let Some(sp) = &self.subpath {
            out.push('#');
            encode(sp, b"/", &mut out);
        }
        f.write_str(&out)
    }
}

/// The ecosystem view of a purl, for inventory rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageCoordinates {
    /// The purl type (`npm`, `maven`…).
    pub ecosystem: String,
    /// The name as the ecosystem writes it: `namespace/name` for npm (`@scope/name`),
    /// golang and most types, `group:artifact` for maven.
    pub name: String,
    /// The version, if any.
    pub version: Option<String>,
}

impl PackageUrl {
    /// Ecosystem, full name and version.
    #[must_use]
    pub fn coordinates(&self) -> PackageCoordinates {
        let name = match (&self.namespace, self.ty.as_str()) {
            (Some(ns), "maven") => format!("{ns}:{}", self.name),
            (Some(ns), _) => format!("{ns}/{}", self.name),
            (None, _) => self.name.clone(),
        };
        PackageCoordinates {
            ecosystem: self.ty.clone(),
            name,
            version: self.version.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn purl(s: &str) -> PackageUrl {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn parses_the_spec_examples() {
        let p = purl("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar");
        assert_eq!(p.ty, "maven");
        assert_eq!(p.namespace.as_deref(), Some("org.apache.logging.log4j"));
        assert_eq!(p.name, "log4j-core");
        assert_eq!(p.version.as_deref(), Some("2.14.1"));
        assert_eq!(p.qualifiers.get("type").map(String::as_str), Some("jar"));
        assert_eq!(p.coordinates().name, "org.apache.logging.log4j:log4j-core");
        let n = purl("pkg:npm/%40angular/animation@12.3.1");
        assert_eq!(n.namespace.as_deref(), Some("@angular"));
        assert_eq!(n.coordinates().name, "@angular/animation");
        assert_eq!(n.to_string(), "pkg:npm/%40angular/animation@12.3.1");
        let py = purl("pkg:PyPI/Django_Rest@1.11.1");
        assert_eq!((py.ty.as_str(), py.name.as_str()), ("pypi", "django-rest"));
        let d = purl("pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie");
        assert_eq!(d.qualifiers.len(), 2);
        assert_eq!(
            d.to_string(),
            "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie"
        );
        let g = purl("pkg:golang/google.golang.org/genproto#googleapis/api/annotations");
        assert_eq!(g.namespace.as_deref(), Some("google.golang.org"));
        assert_eq!(g.subpath.as_deref(), Some("googleapis/api/annotations"));
        assert_eq!(g.version, None);
        let e = purl(
            "pkg:generic/openssl@1.1.10g?download_url=https://openssl.org/source/openssl-1.1.0g.tar.gz&checksum=",
        );
        assert!(!e.qualifiers.contains_key("checksum"));
        let slashes = purl("pkg://cargo/serde@1.0.0");
        assert_eq!(slashes.name, "serde");
        let enc = purl("pkg:generic/a%20b@1.0%2Bx");
        assert_eq!(
            (enc.name.as_str(), enc.version.as_deref()),
            ("a b", Some("1.0+x"))
        );
    }

    #[test]
    fn rejects_bad_purls() {
        let cases: &[(&str, PurlError)] = &[
            ("npm/foo@1", PurlError::Scheme),
            ("pkg:npm", PurlError::Name),
            ("pkg:1npm/foo", PurlError::Type("1npm".into())),
            ("pkg:n%pm/foo", PurlError::Type("n%pm".into())),
            ("pkg:npm/fo%zzo", PurlError::Encoding("name")),
            ("pkg:npm/foo@1%ff", PurlError::Encoding("version")),
            ("pkg:npm/foo?a=1&a=2", PurlError::Qualifier("a".into())),
            ("pkg:npm/foo?1a=1", PurlError::Qualifier("1a".into())),
            ("pkg:npm/", PurlError::Name),
        ];
        for (s, want) in cases {
            assert_eq!(s.parse::<PackageUrl>().as_ref(), Err(want), "{s}");
        }
    }
}
