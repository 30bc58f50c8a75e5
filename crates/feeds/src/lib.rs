//! Feed ingestion for Centinela: Shadowserver-style CSV reports in, owner-routed events out.
//!
//! A report (`scan_http`, `scan_dns`, `device_id`, `scan_http_vulnerable`, `scan_exchange`, …)
//! is parsed into events that use IntelMQ's field names (`time.source`, `source.ip`,
//! `classification.identifier`, `extra.*`, …), so our output can be compared line by line with
//! IntelMQ's. Each event gets `extra.owner`, the institution that owns the address, found in an
//! [`OwnerTable`] (most specific prefix, then ASN, then reverse-DNS suffix).
//!
//! Column mappings are data (`src/reports.json`), not code. Reading is streaming with bounded
//! memory; bad rows are counted and reported with line numbers and never stop a file.
//!
//! Not here: storage, the web server, async, fetching reports, notification. The server uses
//! [`dedup`] for its de-duplication state; this crate keeps none.
//!
//! ```
//! use feeds::{OwnerTable, ReportKind, route_stream};
//!
//! let owners = OwnerTable::from_csv("kind,value,owner\ncidr,192.0.2.0/24,ministry-a\n".as_bytes())?;
//! let report = ReportKind::from_file_name("2024-05-01-scan_http-mx-geo.csv")?;
//! let csv = "timestamp,ip,protocol,port,hostname\n2024-05-01 10:00:00,192.0.2.7,tcp,80,www.example.mx\n";
//! let mut out = Vec::new();
//! let summary = route_stream(&owners, report, csv.as_bytes(), &mut out, |_bytes| {})?;
//! assert_eq!(summary.events_written, 1);
//! assert_eq!(summary.events_per_owner["ministry-a"], 1);
//! let event: serde_json::Value = serde_json::from_slice(&out)?;
//! assert_eq!(event["extra.owner"], "ministry-a");
//! assert_eq!(event["time.source"], "2024-05-01T10:00:00+00:00");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod dedup;
pub mod event;
pub mod owners;
mod records;
pub mod report;
pub mod route;
pub mod sink;

pub use dedup::{DedupKey, dedup_key, within_window};
pub use event::{Event, FieldValue};
pub use owners::{MatchedBy, OwnerId, OwnerTable, Route};
pub use records::Position;
pub use report::{ReportKind, ReportPlan};
pub use route::{
    IssueKind, RouteOptions, RouteSummary, RowIssue, parse_stream, route_stream, route_stream_with,
};
pub use sink::EventFile;

/// Errors that stop a whole file or table. Row-level problems never do: they are counted in
/// [`RouteSummary`].
#[derive(Debug, thiserror::Error)]
pub enum FeedsError {
    #[error("reading input: {0}")]
    Input(#[source] std::io::Error),
    #[error("writing events: {0}")]
    Output(#[source] std::io::Error),
    #[error("OWNERS line {line}: {message}")]
    Owners { line: u64, message: String },
    #[error("unknown Shadowserver report type: {0:?}")]
    UnknownReport(String),
    #[error("{report} report lacks required column(s): {}", missing.join(", "))]
    MissingColumns {
        report: String,
        missing: Vec<String>,
    },
    #[error("bad header: {0}")]
    BadHeader(String),
}
