//! The constituency's vocabulary: institutions, their officers, contacts and networks.

use crate::validate::{Checks, FieldError};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $s)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

string_enum!(
    /// NIS2-style criticality of an institution for the country.
    Criticality { Essential = "essential", Important = "important", Other = "other" }
);
string_enum!(GovernmentLevel { Federal = "federal", State = "state", Municipal = "municipal" });
string_enum!(
    /// The two officers every institution must name (federal policy, December 2025).
    OfficerRole { Head = "head", Officer = "officer" }
);
string_enum!(ContactKind {
    Csirt = "csirt",
    Noc = "noc",
    Abuse = "abuse",
    Legal = "legal",
    Press = "press",
    Other = "other",
});
string_enum!(NetworkKind { Cidr = "cidr", Asn = "asn", Domain = "domain" });

/// Checks and normalises a network value of the given kind: prefixes to their network
/// address (`198.51.100.0/28`, `2001:db8::/48`), ASNs to their number, domains to lowercase
/// without a trailing dot.
pub fn normalize_network(kind: NetworkKind, value: &str) -> Result<String, FieldError> {
    let v = value.trim();
    match kind {
        NetworkKind::Cidr => normalize_cidr(v),
        NetworkKind::Asn => {
            let digits = v
                .strip_prefix("AS")
                .or_else(|| v.strip_prefix("as"))
                .unwrap_or(v);
            match digits.parse::<u32>() {
                Ok(n) if n > 0 => Ok(n.to_string()),
                _ => Err(FieldError::new("value", "err-asn")),
            }
        }
        NetworkKind::Domain => normalize_domain(v),
    }
}

fn normalize_cidr(v: &str) -> Result<String, FieldError> {
    let err = || FieldError::new("value", "err-cidr");
    let (addr, len) = v.split_once('/').ok_or_else(err)?;
    let addr: IpAddr = addr.parse().map_err(|_| err())?;
    let len: u8 = len.parse().map_err(|_| err())?;
    let network = match addr {
        IpAddr::V4(a) if len <= 32 => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask))
        }
        IpAddr::V6(a) if len <= 128 => {
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask))
        }
        _ => return Err(err()),
    };
    if network != addr {
        // Host bits set: say which prefix the user probably meant rather than guess silently.
        return Err(FieldError::new("value", "err-cidr-host-bits")
            .arg("suggestion", format!("{network}/{len}")));
    }
    Ok(format!("{network}/{len}"))
}

fn normalize_domain(v: &str) -> Result<String, FieldError> {
    let d = v.trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if d.len() <= 253 && d.contains('.') && d.split('.').all(label_ok) {
        Ok(d)
    } else {
        Err(FieldError::new("value", "err-domain"))
    }
}

/// An institution as submitted by a form or the API, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstitutionDraft {
    pub slug: String,
    pub acronym: String,
    pub name_es: String,
    pub name_en: String,
    pub sector: String,
    #[serde(default)]
    pub subsector: String,
    pub level: String,
    pub criticality: String,
    #[serde(default)]
    pub website: String,
}

impl InstitutionDraft {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut c = Checks::default();
        c.text("slug", &self.slug, 40);
        if !self.slug.is_empty()
            && !self
                .slug
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
        {
            c.push(FieldError::new("slug", "err-slug"));
        }
        c.text("acronym", &self.acronym, 20);
        c.text("name_es", &self.name_es, 200);
        c.text("name_en", &self.name_en, 200);
        if crate::sector::sector(&self.sector).is_none() {
            c.push(FieldError::new("sector", "err-sector"));
        } else if !crate::sector::valid_pair(&self.sector, &self.subsector) {
            c.push(FieldError::new("subsector", "err-subsector"));
        }
        if GovernmentLevel::parse(&self.level).is_none() {
            c.push(FieldError::new("level", "err-choice"));
        }
        if Criticality::parse(&self.criticality).is_none() {
            c.push(FieldError::new("criticality", "err-choice"));
        }
        c.optional_text("website", &self.website, 200);
        if !self.website.is_empty() && !self.website.starts_with("https://") {
            c.push(FieldError::new("website", "err-https-url"));
        }
        c.finish()
    }
}

/// A named officer as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficerDraft {
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub phone: String,
    /// ISO date (YYYY-MM-DD) the officer was named.
    pub named_on: String,
}

impl OfficerDraft {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut c = Checks::default();
        c.text("name", &self.name, 200);
        c.email("email", &self.email);
        c.optional_text("phone", &self.phone, 40);
        if !is_iso_date(&self.named_on) {
            c.push(FieldError::new("named_on", "err-date"));
        }
        c.finish()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactDraft {
    pub kind: String,
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub phone: String,
}

impl ContactDraft {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut c = Checks::default();
        if ContactKind::parse(&self.kind).is_none() {
            c.push(FieldError::new("kind", "err-choice"));
        }
        c.text("name", &self.name, 200);
        c.email("email", &self.email);
        c.optional_text("phone", &self.phone, 40);
        c.finish()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkDraft {
    pub kind: String,
    pub value: String,
}

impl NetworkDraft {
    /// Validates and returns the kind and the normalised value.
    pub fn validate(&self) -> Result<(NetworkKind, String), Vec<FieldError>> {
        let kind = NetworkKind::parse(&self.kind)
            .ok_or_else(|| vec![FieldError::new("kind", "err-choice")])?;
        if self.value.len() > 300 {
            return Err(vec![
                FieldError::new("value", "err-too-long").arg("max", 300),
            ]);
        }
        normalize_network(kind, &self.value)
            .map(|v| (kind, v))
            .map_err(|e| vec![e])
    }
}

/// `YYYY-MM-DD` with a plausible month and day (the database checks the calendar).
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<u32>().ok());
    matches!((num(0..4), num(5..7), num(8..10)), (Some(y), Some(m), Some(d)) if (1900..=2200).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks() {
        use NetworkKind::*;
        let cases: &[(NetworkKind, &str, Result<&str, &str>)] = &[
            (Cidr, "198.51.100.0/28", Ok("198.51.100.0/28")),
            (Cidr, " 10.4.0.0/16 ", Ok("10.4.0.0/16")),
            (Cidr, "198.51.100.5/28", Err("err-cidr-host-bits")),
            (Cidr, "2001:DB8:4::/48", Ok("2001:db8:4::/48")),
            (Cidr, "2001:db8::1/32", Err("err-cidr-host-bits")),
            (Cidr, "198.51.100.0/33", Err("err-cidr")),
            (Cidr, "198.51.100.0", Err("err-cidr")),
            (Cidr, "not-an-ip/8", Err("err-cidr")),
            (Cidr, "0.0.0.0/0", Ok("0.0.0.0/0")),
            (Asn, "AS64500", Ok("64500")),
            (Asn, "65551", Ok("65551")),
            (Asn, "0", Err("err-asn")),
            (Asn, "4294967296", Err("err-asn")),
            (Asn, "-1", Err("err-asn")),
            (Domain, "SAT.gob.mx.", Ok("sat.gob.mx")),
            (Domain, "localhost", Err("err-domain")),
            (Domain, "-bad.mx", Err("err-domain")),
            (Domain, "a..mx", Err("err-domain")),
            (Domain, "exa mple.mx", Err("err-domain")),
        ];
        for (kind, input, expected) in cases {
            let got = normalize_network(*kind, input);
            match expected {
                Ok(v) => assert_eq!(got.as_deref(), Ok(*v), "{kind} {input}"),
                Err(k) => assert_eq!(got.map_err(|e| e.key), Err(*k), "{kind} {input}"),
            }
        }
    }

    #[test]
    fn drafts() {
        let good = InstitutionDraft {
            slug: "sat".into(),
            acronym: "SAT".into(),
            name_es: "Servicio de Administración Tributaria".into(),
            name_en: "Tax Administration Service".into(),
            sector: "public-administration".into(),
            subsector: String::new(),
            level: "federal".into(),
            criticality: "essential".into(),
            website: "https://www.sat.gob.mx".into(),
        };
        assert_eq!(good.validate(), Ok(()));
        let bad = InstitutionDraft {
            slug: "SAT MX".into(),
            sector: "nowhere".into(),
            level: "galactic".into(),
            website: "http://x.mx".into(),
            ..good.clone()
        };
        let fields: Vec<_> = bad
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| (e.field, e.key))
            .collect();
        assert_eq!(
            fields,
            [
                ("slug".to_string(), "err-slug"),
                ("sector".to_string(), "err-sector"),
                ("level".to_string(), "err-choice"),
                ("website".to_string(), "err-https-url"),
            ]
        );
        let dates = [
            ("2026-01-15", true),
            ("2026-13-01", false),
            ("26-01-15", false),
            ("2026-1-15x", false),
        ];
        for (d, ok) in dates {
            assert_eq!(is_iso_date(d), ok, "{d}");
        }
    }

    #[test]
    fn enums_round_trip() {
        for c in Criticality::ALL {
            assert_eq!(Criticality::parse(c.as_str()), Some(*c));
        }
        assert_eq!(GovernmentLevel::parse("galactic"), None);
    }
}
