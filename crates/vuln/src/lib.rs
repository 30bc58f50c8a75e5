//! Vulnerability matching for the national inventory: the CISA Known Exploited
//! Vulnerabilities catalog, NVD CVE API 2.0 files, CPE 2.3 names, package URLs, CycloneDX
//! SBOMs, and the matching of inventory software against them.
//!
//! **What it is for.** Loading the feeds from files (the platform works offline), turning
//! SBOMs into inventory rows, deciding whether a software row is open source (for the
//! national KPI), and producing, for each software row, the CVEs that affect it, known
//! exploited ones first with CISA's due dates.
//!
//! **What it is not for.** No database, no web, no network, no downloading of feeds, no
//! scheduling. Matching by purl against advisory databases (OSV, GitHub advisories) is
//! not done: a purl only supplies a version. Distribution backports are not understood
//! (see [`version`]).
//!
//! Every JSON reader names the JSON path of the first error ([`LoadError`]), refuses inputs
//! over a size limit, and never panics on bad input.
//!
//! ```
//! use vuln::{KevCatalog, SoftwareItem, VulnDbBuilder};
//!
//! let nvd = br#"{"format":"NVD_CVE","version":"2.0","vulnerabilities":[{"cve":{
//!   "id":"CVE-2021-41773","published":"2021-10-05T09:15:07.593",
//!   "lastModified":"2021-10-05T09:15:07.593",
//!   "metrics":{"cvssMetricV31":[{"type":"Primary","cvssData":{"version":"3.1",
//!     "baseScore":7.5,"baseSeverity":"HIGH"}}]},
//!   "configurations":[{"nodes":[{"operator":"OR","cpeMatch":[{"vulnerable":true,
//!     "criteria":"cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"}]}]}]}}]}"#;
//! let mut builder = VulnDbBuilder::new();
//! builder.add_nvd_slice(nvd)?;
//! let db = builder.build();
//! let report = db.match_inventory(&[SoftwareItem {
//!     id: "web-01/httpd".into(),
//!     vendor: "Apache".into(),
//!     product: "HTTP Server".into(),
//!     version: Some("2.4.49".into()),
//!     ..SoftwareItem::default()
//! }]);
//! assert_eq!(report.findings[0].cve_id.as_str(), "CVE-2021-41773");
//! # Ok::<(), vuln::LoadError>(())
//! ```

pub mod cpe;
pub mod cve;
pub mod cyclonedx;
pub mod json;
pub mod kev;
pub mod licence;
pub mod matching;
pub mod nvd;
pub mod purl;
pub mod version;

pub use cpe::{Cpe, CpeError, CpeValue, Part};
pub use cve::{CveId, CveIdError};
pub use cyclonedx::{Sbom, SbomComponent, SbomIssue, SoftwareRow};
pub use json::{DEFAULT_MAX_BYTES, JsonErrorKind, LoadError};
pub use kev::{KevCatalog, KevEntry, RansomwareUse};
pub use licence::{LicenceVerdict, classify_licence, is_open_source};
pub use matching::{
    DbStats, Finding, KevStatus, MatchReport, MatchedBy, SkippedItem, SoftwareItem, VulnDb,
    VulnDbBuilder, sort_findings,
};
pub use nvd::{
    CpeMatch, CveRecord, CvssScore, CvssVersion, NvdFeed, NvdSummary, RecordIssue, Severity,
    read_nvd, read_nvd_slice,
};
pub use purl::{PackageCoordinates, PackageUrl, PurlError};
pub use version::{RangeCheck, VersionBound, check_range, compare_versions};
