//! CISA Known Exploited Vulnerabilities catalog (JSON feed, cisagov/kev-data schema).
//!
//! Vendor and product in the catalog are display names, not CPE: join on the CVE id only.
//! `dueDate` is the US federal deadline; it is stored and shown, not adopted as ours.

use std::io::Read;

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer};

use crate::cve::CveId;
use crate::json::{self, LoadError, serde_date};

/// Whether the vulnerability is known to be used in ransomware campaigns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
pub enum RansomwareUse {
    /// `Known`.
    Known,
    /// `Unknown` (or absent).
    #[default]
    Unknown,
}

/// One catalog entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KevEntry {
    /// `cveID`.
    #[serde(rename = "cveID")]
    pub cve_id: CveId,
    /// `vendorProject` (display name).
    pub vendor_project: String,
    /// `product` (display name).
    pub product: String,
    /// `vulnerabilityName`.
    pub vulnerability_name: String,
    /// `dateAdded`.
    #[serde(deserialize_with = "serde_date::date")]
    pub date_added: time::Date,
    /// `shortDescription`.
    pub short_description: String,
    /// `requiredAction`.
    pub required_action: String,
    /// `dueDate`.
    #[serde(deserialize_with = "serde_date::date")]
    pub due_date: time::Date,
    /// `knownRansomwareCampaignUse`.
    #[serde(default)]
    pub known_ransomware_campaign_use: RansomwareUse,
    /// `notes` (URLs joined by ` ; `).
    #[serde(default)]
    pub notes: String,
    /// `cwes`.
    #[serde(default)]
    pub cwes: Vec<String>,
}

/// The whole catalog.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KevCatalog {
    /// `title`.
    #[serde(default)]
    pub title: Option<String>,
    /// `catalogVersion`, such as `2025.08.25`.
    pub catalog_version: String,
    /// `dateReleased` (an RFC 3339 timestamp in the feed, kept as text).
    pub date_released: String,
    /// `count`, checked against the number of entries.
    pub count: u64,
    /// `vulnerabilities`.
    pub vulnerabilities: Vec<KevEntry>,
}

struct CatalogSeed;

impl<'de> DeserializeSeed<'de> for CatalogSeed {
    type Value = KevCatalog;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<KevCatalog, D::Error> {
        KevCatalog::deserialize(d)
    }
}

impl KevCatalog {
    /// Reads a catalog from a reader, at most `max_bytes` bytes.
    ///
    /// # Errors
    /// Malformed JSON, a missing or mistyped field (the error names its JSON path), an
    /// input over the limit, or a `count` that differs from the number of entries.
    pub fn from_reader<R: Read>(reader: R, max_bytes: u64) -> Result<Self, LoadError> {
        json::from_reader_seed(reader, max_bytes, CatalogSeed)?.checked()
    }

    /// Reads a catalog from bytes.
    ///
    /// # Errors
    /// As [`KevCatalog::from_reader`].
    pub fn from_slice(bytes: &[u8]) -> Result<Self, LoadError> {
        json::from_slice_seed(bytes, json::DEFAULT_MAX_BYTES, CatalogSeed, || CatalogSeed)?
            .checked()
    }

    fn checked(self) -> Result<Self, LoadError> {
        let actual = self.vulnerabilities.len() as u64;
        if self.count != actual {
            return Err(LoadError::invalid(
                "count",
                format!(
                    "the catalog declares {} entries but holds {actual} (truncated download?)",
                    self.count
                ),
            ));
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = r#"{"title":"t","catalogVersion":"2025.01.01","dateReleased":"2025-01-01T00:00:00.000Z","count":1,
      "vulnerabilities":[{"cveID":"CVE-2021-44228","vendorProject":"Apache","product":"Log4j2",
      "vulnerabilityName":"Apache Log4j2 Remote Code Execution Vulnerability","dateAdded":"2021-12-10",
      "shortDescription":"d","requiredAction":"a","dueDate":"2021-12-24","knownRansomwareCampaignUse":"Known",
      "notes":"https://example.invalid","cwes":["CWE-20"]}]}"#;

    #[test]
    fn reads_an_entry() {
        let c = KevCatalog::from_slice(ONE.as_bytes()).unwrap();
        let e = &c.vulnerabilities[0];
        assert_eq!(e.cve_id.as_str(), "CVE-2021-44228");
        assert_eq!(e.known_ransomware_campaign_use, RansomwareUse::Known);
        assert_eq!(e.due_date.to_string(), "2021-12-24");
    }

    #[test]
    fn errors_name_the_path() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "\"cveID\":\"CVE-2021-44228\"",
                "\"cveID\":\"CVE-21-1\"",
                "vulnerabilities[0].cveID",
            ),
            (
                "\"dueDate\":\"2021-12-24\"",
                "\"dueDate\":\"24/12/2021\"",
                "vulnerabilities[0].dueDate",
            ),
            ("\"count\":1", "\"count\":\"1\"", "count"),
            ("\"count\":1", "\"count\":2", "count"),
            (
                "\"cwes\":[\"CWE-20\"]",
                "\"cwes\":[20]",
                "vulnerabilities[0].cwes[0]",
            ),
            (
                "\"knownRansomwareCampaignUse\":\"Known\"",
                "\"knownRansomwareCampaignUse\":\"Maybe\"",
                "vulnerabilities[0].knownRansomwareCampaignUse",
            ),
            ("\"product\":\"Log4j2\",", "", "vulnerabilities[0]"),
        ];
        for &(from, to, path) in cases {
            let bad = ONE.replace(from, to);
            let err = KevCatalog::from_slice(bad.as_bytes()).unwrap_err();
            assert_eq!(err.path(), Some(path), "{to}: {err}");
        }
    }

    #[test]
    fn limit_applies_to_readers() {
        let err = KevCatalog::from_reader(ONE.as_bytes(), 100).unwrap_err();
        assert!(matches!(err, LoadError::TooLarge { limit: 100 }), "{err}");
    }
}
