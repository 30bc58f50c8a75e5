//! Exposure follow-up rules: suppression rules an institution records for findings it has
//! accepted, and the cadence of its e-mail digest. Pure: the caller passes today's date.

use crate::constituency::{NetworkKind, normalize_network};
use crate::validate::{Checks, FieldError};
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// A suppression rule as submitted, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuppressionDraft {
    /// Classification identifier (`accessible-http`) the rule silences.
    pub identifier: String,
    #[serde(default)]
    pub cidr: Option<String>,
    #[serde(default)]
    pub port: Option<i64>,
    pub reason: String,
    /// Last day (UTC, `YYYY-MM-DD`) the rule applies.
    #[serde(default)]
    pub expires_on: Option<String>,
}

/// Checks and normalises a draft: identifier lowercase, prefix to its network address, empty
/// optional values to `None`. `today` (`YYYY-MM-DD`) refuses expiry dates already past.
pub fn validate_suppression(
    d: &SuppressionDraft,
    today: &str,
) -> Result<SuppressionDraft, Vec<FieldError>> {
    let mut c = Checks::default();
    let identifier = d.identifier.trim().to_ascii_lowercase();
    if identifier.is_empty() {
        c.push(FieldError::new("identifier", "err-required"));
    } else if identifier.len() > 100
        || !identifier
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch))
    {
        c.push(FieldError::new("identifier", "err-identifier"));
    }
    let cidr = match d.cidr.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        // A bare address is a host prefix.
        Some(v) => {
            let v = if v.contains('/') {
                v.to_string()
            } else if v.contains(':') {
                format!("{v}/128")
            } else {
                format!("{v}/32")
            };
            match normalize_network(NetworkKind::Cidr, &v) {
                Ok(n) => Some(n),
                Err(e) => {
                    c.push(FieldError {
                        field: "cidr".into(),
                        ..e
                    });
                    None
                }
            }
        }
    };
    if let Some(p) = d.port
        && !(0..=65535).contains(&p)
    {
        c.push(FieldError::new("port", "err-port"));
    }
    c.text("reason", &d.reason, 500);
    let expires_on = d
        .expires_on
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(e) = expires_on {
        if !is_date(e) {
            c.push(FieldError::new("expires_on", "err-date"));
        } else if e < today {
            c.push(FieldError::new("expires_on", "err-date-past"));
        }
    }
    c.finish()?;
    Ok(SuppressionDraft {
        identifier,
        cidr,
        port: d.port,
        reason: d.reason.trim().to_string(),
        expires_on: expires_on.map(str::to_string),
    })
}

/// `YYYY-MM-DD` with a plausible month and day (the calendar's finer points do not matter
/// for an expiry date compared as text).
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    matches!(
        (num(0..4), num(5..7), num(8..10)),
        (Some(y), Some(m), Some(d)) if y >= 2000 && (1..=12).contains(&m) && (1..=31).contains(&d)
    )
}

/// A stored rule, ready to match findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    identifier: String,
    prefix: Option<(IpAddr, u8)>,
    port: Option<i64>,
    expires_on: Option<String>,
}

impl Rule {
    /// From stored (already validated) values; a prefix that no longer parses matches nothing
    /// rather than everything.
    pub fn new(
        identifier: &str,
        cidr: Option<&str>,
        port: Option<i64>,
        expires_on: Option<&str>,
    ) -> Rule {
        let prefix = cidr.map(|c| {
            c.split_once('/')
                .and_then(|(a, l)| Some((a.parse().ok()?, l.parse().ok()?)))
                .unwrap_or((IpAddr::from([255, 255, 255, 255]), 255))
        });
        Rule {
            identifier: identifier.to_string(),
            prefix,
            port,
            expires_on: expires_on.map(str::to_string),
        }
    }

    /// Whether the rule still applies on `today` (it applies through its expiry day).
    pub fn active(&self, today: &str) -> bool {
        self.expires_on.as_deref().is_none_or(|e| today <= e)
    }

    /// Whether a finding is silenced by this rule on `today`.
    pub fn matches(&self, identifier: &str, ip: &str, port: i64, today: &str) -> bool {
        self.active(today)
            && self.identifier == identifier
            && self.port.is_none_or(|p| p == port)
            && self.prefix.is_none_or(|(net, len)| {
                ip.parse::<IpAddr>().is_ok_and(|ip| in_prefix(ip, net, len))
            })
    }
}

fn in_prefix(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if len <= 32 => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            u32::from(a) & mask == u32::from(n)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if len <= 128 => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            u128::from(a) & mask == u128::from(n)
        }
        _ => false,
    }
}

/// Whether any of `rules` silences the finding.
pub fn suppressed(rules: &[Rule], identifier: &str, ip: &str, port: i64, today: &str) -> bool {
    rules.iter().any(|r| r.matches(identifier, ip, port, today))
}

/// How often an institution receives its exposure digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    Off,
    Daily,
    Weekly,
}

impl Cadence {
    pub const ALL: [Cadence; 3] = [Cadence::Off, Cadence::Daily, Cadence::Weekly];

    pub fn as_str(self) -> &'static str {
        match self {
            Cadence::Off => "off",
            Cadence::Daily => "daily",
            Cadence::Weekly => "weekly",
        }
    }

    pub fn parse(s: &str) -> Option<Cadence> {
        Cadence::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(identifier: &str, cidr: Option<&str>, port: Option<i64>) -> SuppressionDraft {
        SuppressionDraft {
            identifier: identifier.into(),
            cidr: cidr.map(Into::into),
            port,
            reason: "Aceptado: portal público".into(),
            expires_on: None,
        }
    }

    #[test]
    fn drafts_are_checked_and_normalised() {
        let ok = validate_suppression(
            &draft(" Accessible-HTTP ", Some("10.1.2.3"), Some(443)),
            "2026-12-01",
        )
        .unwrap();
        assert_eq!(ok.identifier, "accessible-http");
        assert_eq!(ok.cidr.as_deref(), Some("10.1.2.3/32"));
        let v6 =
            validate_suppression(&draft("x", Some("2001:db8::/32"), None), "2026-12-01").unwrap();
        assert_eq!(v6.cidr.as_deref(), Some("2001:db8::/32"));
        let cases: [(SuppressionDraft, &str); 6] = [
            (draft("", None, None), "identifier"),
            (draft("a b", None, None), "identifier"),
            (draft("x", Some("10.0.0.1/8"), None), "cidr"),
            (draft("x", Some("nonsense"), None), "cidr"),
            (draft("x", None, Some(70000)), "port"),
            (
                SuppressionDraft {
                    reason: " ".into(),
                    ..draft("x", None, None)
                },
                "reason",
            ),
        ];
        for (d, field) in cases {
            let errs = validate_suppression(&d, "2026-12-01").unwrap_err();
            assert_eq!(errs[0].field, field, "{d:?}");
        }
        for (date, key) in [("2026-13-01", "err-date"), ("2026-11-30", "err-date-past")] {
            let d = SuppressionDraft {
                expires_on: Some(date.into()),
                ..draft("x", None, None)
            };
            let errs = validate_suppression(&d, "2026-12-01").unwrap_err();
            assert_eq!(errs[0].key, key, "{date}");
        }
    }

    #[test]
    fn rules_match_by_identifier_prefix_port_and_date() {
        let r = Rule::new(
            "accessible-http",
            Some("10.1.0.0/16"),
            Some(8080),
            Some("2026-12-31"),
        );
        let cases = [
            ("accessible-http", "10.1.2.3", 8080, "2026-12-01", true),
            ("accessible-http", "10.1.2.3", 8080, "2026-12-31", true),
            ("accessible-http", "10.1.2.3", 8080, "2027-01-01", false),
            ("accessible-http", "10.2.2.3", 8080, "2026-12-01", false),
            ("accessible-http", "10.1.2.3", 80, "2026-12-01", false),
            ("dns-open-resolver", "10.1.2.3", 8080, "2026-12-01", false),
            ("accessible-http", "2001:db8::1", 8080, "2026-12-01", false),
            ("accessible-http", "garbage", 8080, "2026-12-01", false),
        ];
        for (id, ip, port, today, want) in cases {
            assert_eq!(
                r.matches(id, ip, port, today),
                want,
                "{id} {ip} {port} {today}"
            );
        }
        let any = Rule::new("dns-open-resolver", None, None, None);
        assert!(any.matches("dns-open-resolver", "2001:db8::1", 53, "2030-01-01"));
        let broken = Rule::new("x", Some("not/a/prefix"), None, None);
        assert!(!broken.matches("x", "10.0.0.1", 1, "2026-01-01"));
        assert!(suppressed(
            &[broken, any],
            "dns-open-resolver",
            "1.1.1.1",
            53,
            "2026-01-01"
        ));
    }

    #[test]
    fn cadences_round_trip() {
        for c in Cadence::ALL {
            assert_eq!(Cadence::parse(c.as_str()), Some(c));
        }
        assert_eq!(Cadence::parse("hourly"), None);
    }
}
