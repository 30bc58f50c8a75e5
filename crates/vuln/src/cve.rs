//! CVE identifiers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, de::Error as _};

/// A CVE identifier, `CVE-YYYY-NNNN…` (4 to 19 digits), stored upper case.
///
/// Kept inline (at most 28 ASCII bytes) rather than on the heap: matching copies an id
/// into every finding, and a report can hold millions of them.
#[derive(Clone, PartialEq, Eq)]
pub struct CveId {
    len: u8,
    bytes: [u8; MAX_LEN],
}

/// `CVE-` (4) + year (4) + `-` (1) + at most 19 digits.
const MAX_LEN: usize = 28;

impl fmt::Debug for CveId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // As the former `CveId(Box<str>)` printed.
        f.debug_tuple("CveId").field(&self.as_str()).finish()
    }
}

impl std::hash::Hash for CveId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialOrd for CveId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CveId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Byte order is the order of the text (ASCII).
        self.bytes[..usize::from(self.len)].cmp(&other.bytes[..usize::from(other.len)])
    }
}

/// A string that is not a CVE identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a CVE identifier (CVE-YYYY-NNNN): {0:?}")]
pub struct CveIdError(pub String);

impl CveId {
    /// The identifier.
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever stored (see `from_str`), so this never falls back.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
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
        let mut bytes = [0u8; MAX_LEN];
        let mut len = 0;
        for part in ["CVE-", year, "-", number] {
            bytes[len..len + part.len()].copy_from_slice(part.as_bytes());
            len += part.len();
        }
        Ok(CveId {
            len: u8::try_from(len).map_err(|_| bad())?,
            bytes,
        })
    }
}

impl fmt::Display for CveId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
        s.serialize_str(self.as_str())
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
