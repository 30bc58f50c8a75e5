//! Observables reported with an incident (IP, domain, URL, e-mail, file hash), each with its own
//! TLP, and their validation.

use std::fmt;
use std::net::IpAddr;

use centinela_core::tlp::Tlp;
use centinela_core::validate::{FieldError, is_email};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObservableKind {
    /// IPv4 or IPv6 address.
    Ip,
    Domain,
    Url,
    Email,
    Md5,
    Sha1,
    Sha256,
}

impl ObservableKind {
    pub const ALL: [ObservableKind; 7] = [
        ObservableKind::Ip,
        ObservableKind::Domain,
        ObservableKind::Url,
        ObservableKind::Email,
        ObservableKind::Md5,
        ObservableKind::Sha1,
        ObservableKind::Sha256,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ObservableKind::Ip => "ip",
            ObservableKind::Domain => "domain",
            ObservableKind::Url => "url",
            ObservableKind::Email => "email",
            ObservableKind::Md5 => "md5",
            ObservableKind::Sha1 => "sha1",
            ObservableKind::Sha256 => "sha256",
        }
    }

    /// Hex digits of a hash kind.
    pub fn hash_len(self) -> Option<usize> {
        match self {
            ObservableKind::Md5 => Some(32),
            ObservableKind::Sha1 => Some(40),
            ObservableKind::Sha256 => Some(64),
            _ => None,
        }
    }
}

impl fmt::Display for ObservableKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An observable as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observable {
    pub kind: ObservableKind,
    pub value: String,
    pub tlp: Tlp,
    /// Free text (where it was seen, role in the incident).
    #[serde(default)]
    pub comment: String,
}

/// Maximum length of an observable's value (URLs are the long ones).
pub const MAX_VALUE: usize = 2048;

impl Observable {
    pub fn new(kind: ObservableKind, value: &str, tlp: Tlp) -> Self {
        Observable {
            kind,
            value: value.to_string(),
            tlp,
            comment: String::new(),
        }
    }

    /// The value in the form exchanges use: trimmed; IPs in canonical form; domains, e-mail
    /// domains and hashes in lower case. Call after [`Observable::check`] succeeds.
    pub fn normalized(&self) -> String {
        let v = self.value.trim();
        match self.kind {
            ObservableKind::Ip => v
                .parse::<IpAddr>()
                .map_or_else(|_| v.to_string(), |ip| ip.to_string()),
            ObservableKind::Domain => v.trim_end_matches('.').to_ascii_lowercase(),
            ObservableKind::Md5 | ObservableKind::Sha1 | ObservableKind::Sha256 => {
                v.to_ascii_lowercase()
            }
            ObservableKind::Email => match v.rsplit_once('@') {
                Some((local, domain)) => format!("{local}@{}", domain.to_ascii_lowercase()),
                None => v.to_string(),
            },
            ObservableKind::Url => v.to_string(),
        }
    }

    /// Checks the value against its kind. `field` prefixes the error's field
    /// (`observables[3]` → `observables[3].value`).
    pub fn check(&self, field: &str) -> Vec<FieldError> {
        let v = self.value.trim();
        let at = format!("{field}.value");
        if v.is_empty() {
            return vec![FieldError::new(&at, "err-required")];
        }
        if v.chars().count() > MAX_VALUE {
            return vec![FieldError::new(&at, "err-too-long").arg("max", MAX_VALUE)];
        }
        if self.comment.chars().count() > 1000 {
            return vec![
                FieldError::new(&format!("{field}.comment"), "err-too-long").arg("max", 1000),
            ];
        }
        let ok = match self.kind {
            ObservableKind::Ip => v.parse::<IpAddr>().is_ok(),
            ObservableKind::Domain => is_domain(v),
            ObservableKind::Url => is_url(v),
            ObservableKind::Email => is_email(v),
            ObservableKind::Md5 | ObservableKind::Sha1 | ObservableKind::Sha256 => {
                let n = self.kind.hash_len().unwrap_or(0);
                if v.len() == n && v.bytes().all(|b| b.is_ascii_hexdigit()) {
                    true
                } else {
                    return vec![
                        FieldError::new(&at, "err-observable-hash")
                            .arg("algorithm", self.kind.as_str())
                            .arg("length", n),
                    ];
                }
            }
        };
        if ok {
            vec![]
        } else {
            let key = match self.kind {
                ObservableKind::Ip => "err-observable-ip",
                ObservableKind::Domain => "err-observable-domain",
                ObservableKind::Url => "err-observable-url",
                _ => "err-observable-email",
            };
            vec![FieldError::new(&at, key)]
        }
    }
}

/// A DNS name: dotted labels of letters, digits and hyphens (IDNs in their `xn--` form), not
/// starting or ending with a hyphen, a non-numeric top-level label.
pub fn is_domain(s: &str) -> bool {
    let s = s.strip_suffix('.').unwrap_or(s);
    if s.is_empty() || s.len() > 253 || !s.contains('.') {
        return false;
    }
    let labels: Vec<&str> = s.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    labels.iter().all(label_ok)
        && labels
            .last()
            .is_some_and(|tld| tld.bytes().any(|b| b.is_ascii_alphabetic()))
}

/// An absolute http(s) or ftp URL with a host that is a domain or an IP literal, and no spaces
/// or control characters.
pub fn is_url(s: &str) -> bool {
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    let Some(rest) = ["https://", "http://", "ftp://"]
        .iter()
        .find_map(|scheme| lower.strip_prefix(scheme).map(|_| &s[scheme.len()..]))
    else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, after)) if after.is_empty() || after.starts_with(':') => {
                return h.parse::<std::net::Ipv6Addr>().is_ok() && port_ok(after);
            }
            _ => return false,
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((h, port)) => {
                if !port_ok(&format!(":{port}")) {
                    return false;
                }
                h
            }
            None => host_port,
        }
    };
    host.parse::<std::net::Ipv4Addr>().is_ok() || is_domain(host)
}

fn port_ok(after: &str) -> bool {
    match after.strip_prefix(':') {
        None => after.is_empty(),
        Some(p) => !p.is_empty() && p.parse::<u16>().is_ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ObservableKind::*;

    #[test]
    fn values_are_checked() {
        let cases = [
            (Ip, "198.51.100.7", None),
            (Ip, "2001:db8::1", None),
            (Ip, " 203.0.113.9 ", None),
            (Ip, "198.51.100.256", Some("err-observable-ip")),
            (Ip, "not-an-ip", Some("err-observable-ip")),
            (Ip, "", Some("err-required")),
            (Domain, "example.gob.mx", None),
            (Domain, "xn--bcher-kva.example.", None),
            (Domain, "localhost", Some("err-observable-domain")),
            (Domain, "-bad.example", Some("err-observable-domain")),
            (Domain, "a..example", Some("err-observable-domain")),
            (Domain, "1.2.3.4", Some("err-observable-domain")),
            (Domain, "exa mple.com", Some("err-observable-domain")),
            (Url, "https://login.example.gob.mx/sso?x=1", None),
            (Url, "http://198.51.100.7:8080/a.exe", None),
            (Url, "http://[2001:db8::1]/x", None),
            (Url, "HTTPS://EXAMPLE.COM", None),
            (Url, "javascript:alert(1)", Some("err-observable-url")),
            (Url, "https://", Some("err-observable-url")),
            (Url, "https://exa mple.com/", Some("err-observable-url")),
            (
                Url,
                "https://example.com:99999/",
                Some("err-observable-url"),
            ),
            (Email, "phish@example.com", None),
            (Email, "not-an-email", Some("err-observable-email")),
            (Md5, "d41d8cd98f00b204e9800998ecf8427e", None),
            (
                Md5,
                "d41d8cd98f00b204e9800998ecf8427",
                Some("err-observable-hash"),
            ),
            (Sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", None),
            (
                Sha1,
                "da39a3ee5e6b4b0d3255bfef95601890afd8070z",
                Some("err-observable-hash"),
            ),
            (
                Sha256,
                "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
                None,
            ),
            (
                Sha256,
                "d41d8cd98f00b204e9800998ecf8427e",
                Some("err-observable-hash"),
            ),
        ];
        for (kind, value, expected) in cases {
            let errs = Observable::new(kind, value, Tlp::Green).check("observables[0]");
            assert_eq!(errs.first().map(|e| e.key), expected, "{kind} {value:?}");
            if let Some(e) = errs.first() {
                assert_eq!(e.field, "observables[0].value");
            }
        }
        let e = &Observable::new(Sha1, "abc", Tlp::Red).check("o")[0];
        assert_eq!(
            e.args,
            vec![
                ("algorithm", "sha1".to_string()),
                ("length", "40".to_string())
            ]
        );
    }

    #[test]
    fn normalization() {
        let cases = [
            (Ip, "2001:DB8:0:0::1", "2001:db8::1"),
            (Domain, "Example.GOB.mx.", "example.gob.mx"),
            (Sha256, " ABCDEF ", "abcdef"),
            (Email, "Ana@SAT.GOB.MX", "Ana@sat.gob.mx"),
        ];
        for (kind, value, expected) in cases {
            assert_eq!(
                Observable::new(kind, value, Tlp::Clear).normalized(),
                expected
            );
        }
    }
}
