//! Shadowserver report types and how their columns become IntelMQ fields.
//!
//! The mappings are data (`reports.json`, embedded): a report type names its feed, its RSIT
//! classification and, per column, the target field and a conversion. A header is compiled
//! once per file into a [`ReportPlan`]; rows are then mapped by position with no lookups.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::FeedsError;
use crate::event::{Event, FieldKey};

/// RSIT classification of an event.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Classification {
    pub taxonomy: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub identifier: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Conversion {
    Time,
    Ip,
    Port,
    Asn,
    Fqdn,
    Lower,
    Upper,
    Text,
    Int,
    NonzeroInt,
    Float,
    HttpDate,
    Severity,
    Tag,
    UrlPath,
}

#[derive(Debug, Clone, Deserialize)]
struct ColumnRule {
    field: String,
    #[serde(rename = "as")]
    conv: Conversion,
}

#[derive(Debug, Clone, Deserialize)]
struct TagRule {
    tag_contains: String,
    classification: Classification,
}

/// One report type as defined in `reports.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct ReportDef {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub feed_name: String,
    /// Used when the file has no (valid) `severity` value.
    pub severity: String,
    pub classification: Classification,
    #[serde(default)]
    pub application: Option<String>,
    #[serde(default)]
    tag_rules: Vec<TagRule>,
    #[serde(default)]
    columns: BTreeMap<String, ColumnRule>,
}

#[derive(Debug, Deserialize)]
struct Catalogue {
    common: BTreeMap<String, ColumnRule>,
    required: Vec<String>,
    reports: Vec<ReportDef>,
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    // Embedded and checked by `catalogue_is_valid`; a failure here is a build defect.
    serde_json::from_str(include_str!("reports.json")).expect("embedded reports.json is valid")
});

/// A known Shadowserver report type (an index into the embedded definitions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReportKind(u16);

impl ReportKind {
    /// Looks a type up by its name or an alias (`scan_http`, `scan6_http`, …).
    pub fn from_name(name: &str) -> Option<ReportKind> {
        CATALOGUE
            .reports
            .iter()
            .position(|r| r.name == name || r.aliases.iter().any(|a| a == name))
            .map(|i| ReportKind(i as u16))
    }

    /// The type from a Shadowserver file name, `YYYY-MM-DD-<type>-<rest>.csv` (date optional,
    /// directories ignored), e.g. `2024-05-01-scan_http-xx-geo.csv` → `scan_http`.
    pub fn from_file_name(path: &str) -> Result<ReportKind, FeedsError> {
        let unknown = || FeedsError::UnknownReport(path.to_string());
        let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let stem = base
            .strip_suffix(".csv")
            .or_else(|| base.strip_suffix(".CSV"))
            .ok_or_else(unknown)?;
        let b = stem.as_bytes();
        let dated = b.len() > 11
            && b[..10].iter().enumerate().all(|(i, c)| {
                if i == 4 || i == 7 {
                    *c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            })
            && b[10] == b'-';
        let rest = if dated { &stem[11..] } else { stem };
        let kind = rest.split('-').next().unwrap_or(rest);
        ReportKind::from_name(kind).ok_or_else(unknown)
    }

    pub fn all() -> impl Iterator<Item = ReportKind> {
        (0..CATALOGUE.reports.len()).map(|i| ReportKind(i as u16))
    }

    pub fn definition(self) -> &'static ReportDef {
        &CATALOGUE.reports[self.0 as usize]
    }

    pub fn name(self) -> &'static str {
        &self.definition().name
    }
}

impl FromStr for ReportKind {
    type Err = FeedsError;

    fn from_str(s: &str) -> Result<ReportKind, FeedsError> {
        ReportKind::from_name(s).ok_or_else(|| FeedsError::UnknownReport(s.to_string()))
    }
}

impl std::fmt::Display for ReportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a cell did not yield its field; the row still becomes an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueProblem {
    /// The value was kept as `extra.<column>` text instead.
    Invalid,
}

/// Why a row gave no event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowProblem {
    ColumnCount { expected: usize, found: usize },
    NotUtf8 { column: usize },
}

#[derive(Debug)]
struct Column {
    name: Box<str>,
    conv: Conversion,
    key: usize,
    fallback: usize,
}

/// A header compiled against a report definition: one action per column.
#[derive(Debug)]
pub struct ReportPlan {
    kind: ReportKind,
    columns: Vec<Column>,
    keys: Vec<FieldKey>,
    time_observation: String,
    feed_name: String,
    k: FixedKeys,
}

#[derive(Debug)]
struct FixedKeys {
    feed_name: usize,
    time_observation: usize,
    taxonomy: usize,
    kind: usize,
    identifier: usize,
    application: usize,
    severity: usize,
    vulnerabilities: usize,
    destination_url: usize,
    extra_url: usize,
    owner: usize,
}

/// What a row left behind besides its event: the first invalid cell and how many there were.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowNotes {
    pub invalid_values: u32,
    pub first_invalid_column: Option<usize>,
}

impl ReportPlan {
    /// Compiles a header. Fails if a required column (`timestamp`, `ip`, `port`) is missing.
    /// `time_observation` is stamped on every event (`YYYY-MM-DDTHH:MM:SS+00:00`).
    pub fn new<S: AsRef<str>>(
        kind: ReportKind,
        header: &[S],
        time_observation: &str,
    ) -> Result<ReportPlan, FeedsError> {
        let def = kind.definition();
        let cat = &*CATALOGUE;
        let missing: Vec<String> = cat
            .required
            .iter()
            .filter(|r| !header.iter().any(|h| h.as_ref().trim() == r.as_str()))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(FeedsError::MissingColumns {
                report: def.name.clone(),
                missing,
            });
        }
        let mut keys: Vec<FieldKey> = Vec::new();
        let mut key = |name: &str| match keys.iter().position(|k| k.name() == name) {
            Some(i) => i,
            None => {
                keys.push(FieldKey::new(name));
                keys.len() - 1
            }
        };
        let k = FixedKeys {
            feed_name: key("feed.name"),
            time_observation: key("time.observation"),
            taxonomy: key("classification.taxonomy"),
            kind: key("classification.type"),
            identifier: key("classification.identifier"),
            application: key("protocol.application"),
            severity: key("severity"),
            vulnerabilities: key("product.vulnerabilities"),
            destination_url: key("destination.url"),
            extra_url: key("extra.url"),
            owner: key("extra.owner"),
        };
        let mut columns = Vec::with_capacity(header.len());
        for h in header {
            let name = h.as_ref().trim();
            let extra = format!(
                "extra.{}",
                name.to_ascii_lowercase()
                    .replace(|c: char| !c.is_ascii_alphanumeric() && c != '_', "_")
            );
            let rule = def.columns.get(name).or_else(|| cat.common.get(name));
            let (conv, target) = match rule {
                Some(r) => (r.conv, r.field.as_str()),
                None => (Conversion::Text, extra.as_str()),
            };
            columns.push(Column {
                name: name.into(),
                conv,
                key: key(target),
                fallback: key(&extra),
            });
        }
        Ok(ReportPlan {
            kind,
            columns,
            keys,
            time_observation: time_observation.to_string(),
            feed_name: def.feed_name.clone(),
            k,
        })
    }

    /// Replaces the definition's `feed.name` (IntelMQ keeps the collector's name when set).
    pub fn set_feed_name(&mut self, name: &str) {
        self.feed_name = name.to_string();
    }

    pub fn kind(&self) -> ReportKind {
        self.kind
    }

    pub fn column_count(&self) -> usize {
        self.columns.len()
    }

    pub fn column_name(&self, i: usize) -> &str {
        self.columns.get(i).map_or("?", |c| &c.name)
    }

    pub(crate) fn owner_key(&self) -> &FieldKey {
        &self.keys[self.k.owner]
    }

    /// Maps one row (raw cells) into `event`, which is cleared first.
    pub fn parse_row<'p, 'c>(
        &'p self,
        cells: impl Iterator<Item = &'c str>,
        ncells: usize,
        event: &mut Event<'p>,
    ) -> Result<RowNotes, RowProblem> {
        event.clear();
        if ncells != self.columns.len() {
            return Err(RowProblem::ColumnCount {
                expected: self.columns.len(),
                found: ncells,
            });
        }
        let def = self.kind.definition();
        let keys = &self.keys;
        let mut notes = RowNotes::default();
        let mut classification = &def.classification;
        let mut severity_set = false;
        let mut url_path = None;
        let mut vulns_from = None;
        for (i, (raw, col)) in cells.zip(&self.columns).enumerate() {
            let v = trim(raw);
            if v.is_empty() {
                continue;
            }
            let ok = match col.conv {
                Conversion::Text => {
                    event.set_text(&keys[col.key], v);
                    true
                }
                Conversion::Lower | Conversion::Upper => {
                    let r = event.push_text_with(|t| {
                        let s = t.len();
                        t.push_str(v);
                        if col.conv == Conversion::Lower {
                            t[s..].make_ascii_lowercase();
                        } else {
                            t[s..].make_ascii_uppercase();
                        }
                    });
                    event.set_text_range(&keys[col.key], r);
                    true
                }
                Conversion::Time | Conversion::HttpDate => {
                    let parsed = if col.conv == Conversion::Time {
                        parse_time(v)
                    } else {
                        parse_http_date(v)
                    };
                    match parsed {
                        Some(t) => {
                            let r = event.push_text_with(|s| write_iso(s, t));
                            event.set_plain_range(&keys[col.key], r);
                            true
                        }
                        None => false,
                    }
                }
                Conversion::Ip => match v.parse::<IpAddr>() {
                    Ok(ip) if !ip.is_unspecified() => {
                        event.source_ip = Some(ip);
                        match ip {
                            IpAddr::V4(_) => {
                                let r = event.push_text_with(|t| t.push_str(v));
                                event.set_plain_range(&keys[col.key], r);
                            }
                            IpAddr::V6(a) => {
                                let r = event.push_text_with(|t| {
                                    let _ = write!(t, "{a}");
                                });
                                event.set_plain_range(&keys[col.key], r);
                            }
                        }
                        true
                    }
                    _ => false,
                },
                Conversion::Port => match v.parse::<u16>() {
                    Ok(p) => {
                        event.source_port = Some(p);
                        event.set_int(&keys[col.key], i64::from(p));
                        true
                    }
                    Err(_) => false,
                },
                Conversion::Asn => {
                    let digits = v.strip_prefix("AS").unwrap_or(v);
                    match digits.parse::<u32>() {
                        Ok(0) => true, // "no ASN": dropped, as IntelMQ does
                        Ok(a) => {
                            event.source_asn = Some(a);
                            event.set_int(&keys[col.key], i64::from(a));
                            true
                        }
                        Err(_) => false,
                    }
                }
                Conversion::Fqdn => match crate::owners::domain_shape(v) {
                    Some(d) => {
                        let r = event.push_text_with(|t| {
                            let s = t.len();
                            t.push_str(d);
                            t[s..].make_ascii_lowercase();
                        });
                        event.set_plain_range(&keys[col.key], r.clone());
                        event.reverse_dns = Some(r);
                        true
                    }
                    None => false,
                },
                Conversion::Int | Conversion::NonzeroInt => match v.parse::<i64>() {
                    Ok(0) if col.conv == Conversion::NonzeroInt => true,
                    Ok(n) => {
                        event.set_int(&keys[col.key], n);
                        true
                    }
                    Err(_) => false,
                },
                Conversion::Float => match v.parse::<f64>() {
                    Ok(f) if f.is_finite() => {
                        event.set_float(&keys[col.key], f);
                        true
                    }
                    _ => false,
                },
                Conversion::Severity => {
                    let s = v.to_ascii_lowercase();
                    if matches!(
                        s.as_str(),
                        "critical" | "high" | "medium" | "low" | "info" | "undefined"
                    ) {
                        event.set_text(&keys[col.key], &s);
                        severity_set = true;
                        true
                    } else {
                        false
                    }
                }
                Conversion::Tag => {
                    let r = event.set_text(&keys[col.key], v);
                    vulns_from = Some(r);
                    if let Some(rule) = def
                        .tag_rules
                        .iter()
                        .find(|t| v.to_ascii_lowercase().contains(&t.tag_contains))
                    {
                        classification = &rule.classification;
                    }
                    true
                }
                Conversion::UrlPath => {
                    url_path = Some(event.push_text_with(|t| t.push_str(v)));
                    true
                }
            };
            if !ok {
                event.set_text(&keys[col.fallback], v);
                notes.invalid_values += 1;
                notes.first_invalid_column.get_or_insert(i);
            }
        }
        event.set_const(&keys[self.k.feed_name], &self.feed_name);
        event.set_const(&keys[self.k.time_observation], &self.time_observation);
        event.set_const(&keys[self.k.taxonomy], &classification.taxonomy);
        event.set_const(&keys[self.k.kind], &classification.kind);
        event.identifier = &classification.identifier;
        event.set_const(&keys[self.k.identifier], &classification.identifier);
        if let Some(app) = &def.application {
            event.set_const(&keys[self.k.application], app);
        }
        if !severity_set {
            event.set_const(&keys[self.k.severity], &def.severity);
        }
        if let Some(r) = vulns_from {
            self.add_vulnerabilities(event, r);
        }
        if let Some(path) = url_path {
            match event.reverse_dns.clone() {
                Some(host) => {
                    let url = format!("http://{}{}", event.text_at(host), event.text_at(path));
                    event.set_text(&keys[self.k.destination_url], &url);
                }
                None => event.set_text_range(&keys[self.k.extra_url], path),
            }
        }
        Ok(notes)
    }

    /// `product.vulnerabilities`: lowercase `cve-N-N` tokens of `tag`, sorted, `;`-joined.
    fn add_vulnerabilities<'p>(&'p self, event: &mut Event<'p>, tag: std::ops::Range<usize>) {
        if !event.text_at(tag.clone()).contains("cve-") {
            return;
        }
        let tag = event.text_at(tag).to_string();
        let mut cves: Vec<&str> = tag.split([';', ',', ' ']).filter(|t| is_cve(t)).collect();
        if cves.is_empty() {
            return;
        }
        cves.sort_unstable();
        cves.dedup();
        event.set_text(&self.keys[self.k.vulnerabilities], &cves.join(";"));
    }
}

/// `str::trim` with a fast path for the usual cell that has no surrounding space.
fn trim(v: &str) -> &str {
    match (v.as_bytes().first(), v.as_bytes().last()) {
        (Some(a), Some(b))
            if !a.is_ascii_whitespace()
                && !b.is_ascii_whitespace()
                && a.is_ascii()
                && b.is_ascii() =>
        {
            v
        }
        _ => v.trim(),
    }
}

fn is_cve(t: &str) -> bool {
    let Some(rest) = t.strip_prefix("cve-") else {
        return false;
    };
    let mut parts = rest.split('-');
    let num =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    num(parts.next()) && num(parts.next()) && parts.next().is_none()
}

/// A UTC time with second precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct UtcTime {
    pub year: u16,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
}

impl UtcTime {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn unix_seconds(self) -> i64 {
        // Days from civil date (proleptic Gregorian), era-based.
        let (y, m) = (i64::from(self.year), i64::from(self.month));
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// The civil time of a Unix timestamp.
    pub fn from_unix_seconds(t: i64) -> UtcTime {
        let days = t.div_euclid(86_400);
        let secs = t.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        UtcTime {
            year: year.clamp(0, 9999) as u16,
            month: month as u8,
            day: day as u8,
            hour: (secs / 3600) as u8,
            minute: (secs / 60 % 60) as u8,
            second: (secs % 60) as u8,
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS+00:00`, IntelMQ's form.
    pub fn to_iso(self) -> String {
        let mut s = String::with_capacity(25);
        write_iso(&mut s, self);
        s
    }
}

fn write_iso(s: &mut String, t: UtcTime) {
    // Hand-rolled into a fixed template: `write!` with padding costs more than the rest of a
    // row's time field.
    let mut b = *b"0000-00-00T00:00:00+00:00";
    let two = |b: &mut [u8; 25], at: usize, n: u8| {
        b[at] = b'0' + n / 10 % 10;
        b[at + 1] = b'0' + n % 10;
    };
    two(&mut b, 0, (t.year / 100 % 100) as u8);
    two(&mut b, 2, (t.year % 100) as u8);
    two(&mut b, 5, t.month);
    two(&mut b, 8, t.day);
    two(&mut b, 11, t.hour);
    two(&mut b, 14, t.minute);
    two(&mut b, 17, t.second);
    // The template is ASCII and only ASCII digits were written into it.
    s.push_str(std::str::from_utf8(&b).unwrap_or_default());
}

fn num(b: &[u8]) -> Option<u16> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0u16, |a, &d| a * 10 + u16::from(d - b'0')))
}

fn checked(
    year: u16,
    month: u16,
    day: u16,
    hour: u16,
    minute: u16,
    second: u16,
) -> Option<UtcTime> {
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let dim = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let ok = (1..=12).contains(&month)
        && day >= 1
        && day <= dim[usize::from(month) - 1]
        && hour < 24
        && minute < 60
        && second < 61;
    ok.then_some(UtcTime {
        year,
        month: month as u8,
        day: day as u8,
        hour: hour as u8,
        minute: minute as u8,
        second: second.min(59) as u8,
    })
}

/// Shadowserver timestamps: `YYYY-MM-DD HH:MM:SS` (or `T`), optionally followed by fractional
/// seconds and `Z`, ` UTC`, `+00` or `+00:00`. Other offsets are refused: UTC only.
pub fn parse_time(v: &str) -> Option<UtcTime> {
    let b = v.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b' ' || b[10] == b'T')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let mut rest = &v[19..];
    if let Some(r) = rest.strip_prefix('.') {
        rest = r.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    if !matches!(rest, "" | "Z" | " UTC" | "+00" | "+00:00" | "+0000") {
        return None;
    }
    checked(
        num(&b[0..4])?,
        num(&b[5..7])?,
        num(&b[8..10])?,
        num(&b[11..13])?,
        num(&b[14..16])?,
        num(&b[17..19])?,
    )
}

/// RFC 7231 dates as in HTTP `Date` headers: `Wed, 01 May 2024 00:00:00 GMT`.
pub fn parse_http_date(v: &str) -> Option<UtcTime> {
    let b = v.as_bytes();
    // Fixed layout: "Www, DD Mon YYYY HH:MM:SS GMT" (29 bytes).
    if b.len() != 29
        || b[3] != b','
        || b[4] != b' '
        || b[7] != b' '
        || b[11] != b' '
        || b[16] != b' '
        || b[19] != b':'
        || b[22] != b':'
        || &b[25..] != b" GMT"
    {
        return None;
    }
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m.as_bytes() == &b[8..11])? as u16
        + 1;
    checked(
        num(&b[12..16])?,
        month,
        num(&b[5..7])?,
        num(&b[17..19])?,
        num(&b[20..22])?,
        num(&b[23..25])?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_valid() {
        let cat = &*CATALOGUE;
        let key_ok = |k: &str| {
            let mut parts = k.split('.');
            let first = parts.next().unwrap_or("");
            first.len() >= 2
                && first.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                && k.split('.').all(|p| {
                    !p.is_empty()
                        && p.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                })
        };
        let rsit: &[(&str, &str)] = &[
            ("other", "other"),
            ("other", "undetermined"),
            ("vulnerable", "vulnerable-system"),
            ("intrusions", "system-compromise"),
        ];
        let all_rules = cat
            .common
            .values()
            .chain(cat.reports.iter().flat_map(|r| r.columns.values()));
        for rule in all_rules {
            assert!(key_ok(&rule.field), "{}", rule.field);
            let must = match rule.conv {
                Conversion::Ip => Some("source.ip"),
                Conversion::Port => Some("source.port"),
                Conversion::Asn => Some("source.asn"),
                Conversion::Time => Some("time.source"),
                Conversion::UrlPath => Some("destination.url"),
                _ => None,
            };
            assert!(
                must.is_none_or(|m| m == rule.field),
                "{:?} -> {}",
                rule.conv,
                rule.field
            );
        }
        let mut names = std::collections::HashSet::new();
        for r in &cat.reports {
            for n in std::iter::once(&r.name).chain(&r.aliases) {
                assert!(names.insert(n.clone()), "duplicate report name {n}");
                assert!(!n.contains('-'), "{n}");
            }
            let classes = std::iter::once(&r.classification)
                .chain(r.tag_rules.iter().map(|t| &t.classification));
            for c in classes {
                assert!(
                    rsit.contains(&(c.taxonomy.as_str(), c.kind.as_str())),
                    "{}: {c:?}",
                    r.name
                );
                assert_eq!(c.identifier, c.identifier.to_ascii_lowercase());
            }
            assert!(["critical", "high", "medium", "low", "info"].contains(&r.severity.as_str()));
        }
        for r in &cat.required {
            assert!(cat.common.contains_key(r));
        }
    }

    #[test]
    fn report_kind_from_file_name() {
        let cases = [
            ("2024-05-01-scan_http-xx-geo.csv", Some("scan_http")),
            ("/data/in/2024-05-01-scan_dns-mx.csv", Some("scan_dns")),
            ("2024-05-01-scan6_http-mx.csv", Some("scan_http")),
            ("2024-05-01-device_id-mx-geo.csv", Some("device_id")),
            (
                "2024-05-01-scan_http_vulnerable-mx.csv",
                Some("scan_http_vulnerable"),
            ),
            ("2024-05-01-scan_exchange-mx.csv", Some("scan_exchange")),
            ("scan_http.csv", Some("scan_http")),
            ("scan_http-mx.csv", Some("scan_http")),
            ("2024-05-01-dns_openresolver-mx.csv", Some("scan_dns")),
            ("2024-05-01-scan-dns-mx.csv", None),
            ("2024-05-01-unknown_report-mx.csv", None),
            ("2024-05-01-scan_http-xx.json", None),
        ];
        for (name, want) in cases {
            let got = ReportKind::from_file_name(name).ok().map(ReportKind::name);
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn times() {
        let iso = |s: &str| parse_time(s).map(UtcTime::to_iso);
        let cases = [
            ("2024-05-01 00:00:01", Some("2024-05-01T00:00:01+00:00")),
            ("2024-05-01T23:59:59Z", Some("2024-05-01T23:59:59+00:00")),
            (
                "2024-02-29 12:00:00.123456 UTC",
                Some("2024-02-29T12:00:00+00:00"),
            ),
            ("2023-02-29 12:00:00", None),
            ("2024-13-01 00:00:00", None),
            ("2024-05-01 24:00:00", None),
            ("2024-05-01 00:00:00+02:00", None),
            ("2024-05-01", None),
            ("yesterday", None),
        ];
        for (input, want) in cases {
            assert_eq!(iso(input).as_deref(), want, "{input}");
        }
        let h = parse_http_date("Wed, 01 May 2024 00:00:00 GMT").map(UtcTime::to_iso);
        assert_eq!(h.as_deref(), Some("2024-05-01T00:00:00+00:00"));
        assert_eq!(parse_http_date("Wed, 01 Foo 2024 00:00:00 GMT"), None);
        for t in [0i64, 951_782_400, 1_714_521_601, 4_102_444_800, -86_400] {
            assert_eq!(UtcTime::from_unix_seconds(t).unix_seconds(), t);
        }
        assert_eq!(
            parse_time("2024-05-01 00:00:01").unwrap().unix_seconds(),
            1_714_521_601
        );
    }

    #[test]
    fn cve_tokens() {
        for (t, want) in [
            ("cve-2021-26855", true),
            ("CVE-2021-26855", false),
            ("cve-2021", false),
            ("cve-2021-1-2", false),
            ("cve--1", false),
        ] {
            assert_eq!(is_cve(t), want, "{t}");
        }
    }
}
