//! Streaming: report CSV in, routed JSON lines out, with a summary of what happened.
//!
//! Memory is bounded by the largest accepted record (see [`RouteOptions::max_record_bytes`])
//! plus a fixed output buffer, whatever the size of the input.

use std::collections::BTreeMap;
use std::io::{Read, Write};

use serde::Serialize;

use crate::FeedsError;
use crate::event::Event;
use crate::owners::{MatchedBy, OwnerTable};
use crate::records::{Next, Position, RecordReader};
use crate::report::{ReportKind, ReportPlan, RowProblem, UtcTime};

/// Kinds of row issues, each with its own cap on stored examples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueKind {
    /// Rejected: field count differs from the header.
    ColumnCount,
    /// Rejected: a cell is not valid UTF-8.
    NotUtf8,
    /// Rejected: the record exceeds the byte or field cap.
    TooLarge,
    /// Kept: a cell failed its conversion and went to `extra.<column>`.
    InvalidValue,
    /// Kept: no prefix, ASN or domain matched (includes events without `source.ip`).
    Unrouted,
}

const ISSUE_KINDS: usize = 5;

impl IssueKind {
    pub fn rejects_row(self) -> bool {
        matches!(
            self,
            IssueKind::ColumnCount | IssueKind::NotUtf8 | IssueKind::TooLarge
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            IssueKind::ColumnCount => "column_count",
            IssueKind::NotUtf8 => "not_utf8",
            IssueKind::TooLarge => "too_large",
            IssueKind::InvalidValue => "invalid_value",
            IssueKind::Unrouted => "unrouted",
        }
    }
}

/// One example of a problem row: `record` counts CSV records (header = 1), `line` is the
/// physical line the record starts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowIssue {
    pub record: u64,
    pub line: u64,
    pub kind: IssueKind,
    pub detail: String,
}

/// What a run did. Serialises to JSON for the command's `--summary` or logs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RouteSummary {
    pub report: String,
    /// Data records read (header and blank lines excluded).
    pub rows_read: u64,
    pub events_written: u64,
    pub rows_rejected: u64,
    /// Rejected rows by [`IssueKind::as_str`].
    pub rejected_by_reason: BTreeMap<String, u64>,
    /// Cells that failed conversion and were kept as `extra.<column>` text.
    pub invalid_values: u64,
    /// Events with no owner (counted in no entry of `events_per_owner`).
    pub unrouted: u64,
    /// Events without a valid `source.ip` (routed by ASN or domain, or unrouted).
    pub without_source_ip: u64,
    pub events_per_owner: BTreeMap<String, u64>,
    pub routed_by_prefix: u64,
    pub routed_by_asn: u64,
    pub routed_by_domain: u64,
    pub blank_lines: u64,
    pub bytes_read: u64,
    /// True when the input had no header at all (empty file).
    pub empty_input: bool,
    /// Up to [`RouteOptions::max_examples`] examples per kind, in file order per kind.
    pub examples: Vec<RowIssue>,
    /// Issues beyond the example cap (counted, not stored).
    pub examples_dropped: u64,
}

/// Knobs for [`route_stream_with`]; `Default` is what [`route_stream`] uses.
#[derive(Debug, Clone)]
pub struct RouteOptions {
    /// Examples stored per [`IssueKind`].
    pub max_examples: usize,
    /// Larger records are skipped and reported (`too_large`); bounds memory.
    pub max_record_bytes: usize,
    pub max_fields: usize,
    /// `extra.owner` for events that match nothing (IntelMQ's sieve `else` branch); `None`
    /// leaves the key out.
    pub unrouted_owner: Option<String>,
    /// `feed.name` from the collector; `None` = the report definition's (`Accessible-HTTP`, …).
    pub feed_name: Option<String>,
    /// `time.observation` stamped on every event; `None` = now.
    pub time_observation: Option<String>,
    /// The progress callback fires each time this many more input bytes were read, and at end.
    pub progress_every_bytes: u64,
}

impl Default for RouteOptions {
    fn default() -> Self {
        RouteOptions {
            max_examples: 20,
            max_record_bytes: 1 << 20,
            max_fields: 4096,
            unrouted_owner: None,
            feed_name: None,
            time_observation: None,
            progress_every_bytes: 1 << 20,
        }
    }
}

impl RouteSummary {
    fn issue(
        &mut self,
        counts: &mut [usize; ISSUE_KINDS],
        max: usize,
        pos: Position,
        kind: IssueKind,
        detail: impl FnOnce() -> String,
    ) {
        if kind.rejects_row() {
            self.rows_rejected += 1;
            *self
                .rejected_by_reason
                .entry(kind.as_str().to_string())
                .or_default() += 1;
        }
        let c = &mut counts[kind as usize];
        if *c < max {
            *c += 1;
            self.examples.push(RowIssue {
                record: pos.record,
                line: pos.line,
                kind,
                detail: detail(),
            });
        } else {
            self.examples_dropped += 1;
        }
    }
}

fn now_iso() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    UtcTime::from_unix_seconds(secs).to_iso()
}

/// Parses a report and hands each event to `sink`, without routing. Used by
/// [`route_stream_with`]; exposed for callers that route or store differently.
/// `sink` may add fields (it gets the plan to borrow keys from).
pub fn parse_stream<F>(
    report: ReportKind,
    input: impl Read,
    options: &RouteOptions,
    mut progress: impl FnMut(u64),
    mut sink: F,
) -> Result<RouteSummary, FeedsError>
where
    F: for<'p> FnMut(
        &'p ReportPlan,
        &mut Event<'p>,
        Position,
        &mut RouteSummary,
    ) -> Result<(), FeedsError>,
{
    let mut summary = RouteSummary {
        report: report.name().to_string(),
        ..RouteSummary::default()
    };
    let mut records = RecordReader::new(input, options.max_record_bytes, options.max_fields);
    let mut counts = [0usize; ISSUE_KINDS];
    let max = options.max_examples;
    // The header: the first non-blank record.
    let header: Vec<String> = loop {
        match records.next_record().map_err(FeedsError::Input)? {
            Next::End => {
                summary.empty_input = true;
                summary.bytes_read = records.bytes_read();
                progress(summary.bytes_read);
                return Ok(summary);
            }
            Next::TooLarge => {
                return Err(FeedsError::BadHeader(
                    "header exceeds the record size cap".into(),
                ));
            }
            Next::Record if records.field_count() == 1 && records.field(0).is_empty() => {
                summary.blank_lines += 1
            }
            Next::Record => {
                let mut h = Vec::with_capacity(records.field_count());
                for i in 0..records.field_count() {
                    let s = std::str::from_utf8(records.field(i)).map_err(|_| {
                        FeedsError::BadHeader(format!("column {} is not UTF-8", i + 1))
                    })?;
                    h.push(s.to_string());
                }
                break h;
            }
        }
    };
    let observed = options.time_observation.clone().unwrap_or_else(now_iso);
    let mut plan = ReportPlan::new(report, &header, &observed)?;
    if let Some(name) = &options.feed_name {
        plan.set_feed_name(name);
    }
    let mut event = Event::default();
    let mut next_progress = options.progress_every_bytes.max(1);
    loop {
        let next = records.next_record().map_err(FeedsError::Input)?;
        if records.bytes_read() >= next_progress {
            progress(records.bytes_read());
            next_progress = records.bytes_read() + options.progress_every_bytes.max(1);
        }
        let pos = records.position();
        match next {
            Next::End => break,
            Next::TooLarge => {
                summary.rows_read += 1;
                let cap = options.max_record_bytes;
                summary.issue(&mut counts, max, pos, IssueKind::TooLarge, || {
                    format!(
                        "record larger than {cap} bytes or {} fields",
                        options.max_fields
                    )
                });
                continue;
            }
            Next::Record => {}
        }
        if records.field_count() == 1 && records.field(0).is_empty() {
            summary.blank_lines += 1;
            continue;
        }
        summary.rows_read += 1;
        let n = records.field_count();
        let parsed = match records.text_fields() {
            Ok(cells) => plan.parse_row(cells, n, &mut event),
            Err(column) => Err(RowProblem::NotUtf8 { column }),
        };
        match parsed {
            Ok(notes) => {
                if notes.invalid_values > 0 {
                    summary.invalid_values += u64::from(notes.invalid_values);
                    let col = notes.first_invalid_column.unwrap_or(0);
                    summary.issue(&mut counts, max, pos, IssueKind::InvalidValue, || {
                        let v = String::from_utf8_lossy(records.field(col));
                        format!(
                            "column {:?}: invalid value {:?}",
                            plan.column_name(col),
                            truncate(&v, 80)
                        )
                    });
                }
                if event.source_ip.is_none() {
                    summary.without_source_ip += 1;
                }
                sink(&plan, &mut event, pos, &mut summary)?;
                summary.events_written += 1;
            }
            Err(RowProblem::ColumnCount { expected, found }) => {
                summary.issue(&mut counts, max, pos, IssueKind::ColumnCount, || {
                    format!("expected {expected} fields, found {found}")
                });
            }
            Err(RowProblem::NotUtf8 { column }) => {
                summary.issue(&mut counts, max, pos, IssueKind::NotUtf8, || {
                    format!(
                        "column {:?} has bytes that are not UTF-8",
                        plan.column_name(column)
                    )
                });
            }
        }
    }
    summary.bytes_read = records.bytes_read();
    progress(summary.bytes_read);
    // Keep examples in file order across kinds.
    summary.examples.sort_by_key(|e| (e.record, e.kind));
    Ok(summary)
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// `centinela feeds route`: reads a Shadowserver CSV, writes one JSON line per event with
/// `extra.owner` set from `owners`, and returns what happened. `progress` receives the number
/// of input bytes read so far (about every MiB, and once at the end).
pub fn route_stream(
    owners: &OwnerTable,
    report: ReportKind,
    input: impl Read,
    output: impl Write,
    progress: impl FnMut(u64),
) -> Result<RouteSummary, FeedsError> {
    route_stream_with(
        owners,
        report,
        input,
        output,
        &RouteOptions::default(),
        progress,
    )
}

/// [`route_stream`] with explicit options.
pub fn route_stream_with(
    owners: &OwnerTable,
    report: ReportKind,
    input: impl Read,
    mut output: impl Write,
    options: &RouteOptions,
    progress: impl FnMut(u64),
) -> Result<RouteSummary, FeedsError> {
    const FLUSH_AT: usize = 128 * 1024;
    let mut buf: Vec<u8> = Vec::with_capacity(FLUSH_AT + 64 * 1024);
    let mut per_owner = vec![0u64; owners.owner_count()];
    let mut unrouted_examples = 0usize;
    let max = options.max_examples;
    let mut summary = parse_stream(
        report,
        input,
        options,
        progress,
        |plan, event, pos, summary| {
            let route = owners.route(event.source_ip(), event.source_asn(), event.reverse_dns());
            match route {
                Some(r) => {
                    per_owner[r.owner.index()] += 1;
                    match r.matched_by {
                        MatchedBy::Prefix(_) => summary.routed_by_prefix += 1,
                        MatchedBy::Asn => summary.routed_by_asn += 1,
                        MatchedBy::Domain => summary.routed_by_domain += 1,
                    }
                    event.set_text(plan.owner_key(), owners.owner_name(r.owner));
                }
                None => {
                    summary.unrouted += 1;
                    if unrouted_examples < max {
                        unrouted_examples += 1;
                        let detail = format!(
                            "no owner for ip {:?}, asn {:?}, reverse_dns {:?}",
                            event.source_ip().map(|i| i.to_string()),
                            event.source_asn(),
                            event.reverse_dns()
                        );
                        summary.examples.push(RowIssue {
                            record: pos.record,
                            line: pos.line,
                            kind: IssueKind::Unrouted,
                            detail,
                        });
                    } else {
                        summary.examples_dropped += 1;
                    }
                    if let Some(o) = &options.unrouted_owner {
                        event.set_text(plan.owner_key(), o);
                    }
                }
            }
            event.write_json_line(&mut buf);
            if buf.len() >= FLUSH_AT {
                output.write_all(&buf).map_err(FeedsError::Output)?;
                buf.clear();
            }
            Ok(())
        },
    )?;
    output.write_all(&buf).map_err(FeedsError::Output)?;
    output.flush().map_err(FeedsError::Output)?;
    summary.examples.sort_by_key(|e| (e.record, e.kind));
    for (id, name) in owners.owners() {
        let n = per_owner[id.index()];
        if n > 0 {
            summary.events_per_owner.insert(name.to_string(), n);
        }
    }
    Ok(summary)
}
