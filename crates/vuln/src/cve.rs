//! CVE identifiers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, de::Error as _};

/// A CVE identifier, `CVE-YYYY-NNNN…` (4 to 19 digits), stored upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CveId(Box<str>);

/// A string that is not a CVE identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a CVE identifier (CVE-YYYY-NNNN): {0:?}")]
pub struct CveIdError(pub String);

impl CveId {
    /// The identifier.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for CveId {
    type Err = CveIdError;
    fn from_str(s: &str) -> Result<Self, CveIdError> {
        let bad = || CveIdError(s.chars().take(64).collect());
        let rest = s
            .get(..4)
            .filter(|p| p.eq_ignore_ascii_case("CVE-"))
            .map(|_| &s[4..])
            .ok_or_else(bad)?;
        let (year, number) = rest.split_once('-').ok_or_else(bad)?;
        let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
        if year.len() != 4 || !digits(year) || !(4..=19).contains(&number.len()) || !digits(number)
        {
            return Err(bad());
        }
        Ok(CveId(format!("CVE-{year}-{number}").into_boxed_str()))
    }
}

impl fmt::Display for CveId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CveId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse().map_err(D::Error::custom)
    }
}

impl serde::Serialize for CveId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        for ok in [
            "CVE-2021-44228",
            "cve-2021-0001",
            "CVE-2024-1234567890123456789",
        ] {
            assert!(ok.parse::<CveId>().is_ok(), "{ok}");
        }
        for bad in [
            "CVE-21-44228",
            "CVE-2021-123",
            "CVE-2021-",
            "GHSA-xxxx",
            "CVE-2021-4422a",
            "",
            "CVÉ-2021-44228",
        ] {
            assert!(bad.parse::<CveId>().is_err(), "{bad}");
        }
        assert_eq!(
            "cve-2021-0001".parse::<CveId>().unwrap().as_str(),
            "CVE-2021-0001"
        );
    }
}
