//! Third-party reports and the exposure findings routed from them to their owners.
//!
//! A finding seen again (same address, port and identifier) within the de-duplication window
//! of its last sighting updates that finding's count and last-seen time instead of adding a
//! new one, so a daily report does not bury an institution under repeats.

use crate::audit::{self, Change};
use crate::db::{Backend, placeholders};
use crate::{Actor, Arg, Db, Page, Result, Scope, StoreError, args, now};
use centinela_core::exposure::{Cadence, Rule, SuppressionDraft, suppressed};
use serde::Serialize;
use sqlx::FromRow;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct FeedReport {
    pub id: Uuid,
    pub filename: String,
    pub report_kind: String,
    pub sha256: String,
    pub size: i64,
    pub state: String,
    pub uploaded_by: String,
    pub rows_read: i64,
    pub rows_rejected: i64,
    pub events_new: i64,
    pub events_repeated: i64,
    pub unrouted: i64,
    /// The routing summary (JSON), once processed.
    pub summary: Option<String>,
    pub error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
}

const REPORT_COLUMNS: &str = "id, filename, report_kind, sha256, size, state, uploaded_by, rows_read, rows_rejected, \
     events_new, events_repeated, unrouted, summary, error, created_at, finished_at";

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct ExposureEvent {
    pub id: Uuid,
    pub institution_id: Option<Uuid>,
    pub report_id: Uuid,
    pub feed_name: String,
    pub taxonomy: String,
    pub class_type: String,
    pub identifier: String,
    pub source_ip: String,
    pub source_port: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub first_seen: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen: OffsetDateTime,
    pub count: i64,
    /// The event with IntelMQ field names (JSON object).
    pub event: String,
    /// Silenced by one of the institution's active suppression rules.
    #[sqlx(default)]
    pub suppressed: bool,
}

const EVENT_COLUMNS: &str = "id, institution_id, report_id, feed_name, taxonomy, class_type, identifier, source_ip, \
     source_port, first_seen, last_seen, count, event";

/// A routed event, ready to store.
#[derive(Debug, Clone)]
pub struct ExposureDraft {
    pub institution_id: Option<Uuid>,
    pub feed_name: String,
    pub taxonomy: String,
    pub class_type: String,
    pub identifier: String,
    pub source_ip: String,
    pub source_port: i64,
    pub seen: OffsetDateTime,
    pub event: String,
}

/// How long after its last sighting a finding absorbs repeats.
pub const DEDUP_WINDOW: Duration = Duration::days(7);

/// Records a report (state `queued`) under `id`, chosen by the caller so that a claimed file
/// can carry it before the record exists.
pub async fn create_report(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    filename: &str,
    kind: &str,
    sha256: &str,
    size: i64,
) -> Result<FeedReport> {
    let row = FeedReport {
        id,
        filename: filename.to_string(),
        report_kind: kind.to_string(),
        sha256: sha256.to_string(),
        size,
        state: "queued".into(),
        uploaded_by: actor.email.clone(),
        rows_read: 0,
        rows_rejected: 0,
        events_new: 0,
        events_repeated: 0,
        unrouted: 0,
        summary: None,
        error: None,
        created_at: now(),
        finished_at: None,
    };
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO feed_reports (id, filename, report_kind, sha256, size, state, uploaded_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7)",
        args![row.id, &row.filename, &row.report_kind, &row.sha256, size, &row.uploaded_by, row.created_at],
    )
    .await?;
    let change = crate::audit::Change::new("upload", "feed_report", row.id, None, &row);
    crate::audit::record(&mut tx, actor, &change).await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn get_report(db: &Db, id: Uuid) -> Result<FeedReport> {
    db.fetch_one(
        &format!("SELECT {REPORT_COLUMNS} FROM feed_reports WHERE id = $1"),
        args![id],
    )
    .await
}

#[derive(FromRow)]
struct Count {
    n: i64,
}

pub async fn list_reports(db: &Db, page: Page) -> Result<(Vec<FeedReport>, i64)> {
    let total: Count = db
        .fetch_one("SELECT COUNT(*) AS n FROM feed_reports", args![])
        .await?;
    let rows = db
        .fetch_all(
            &format!("SELECT {REPORT_COLUMNS} FROM feed_reports ORDER BY created_at DESC, id LIMIT $1 OFFSET $2"),
            args![page.limit, page.offset],
        )
        .await?;
    Ok((rows, total.n))
}

pub async fn mark_processing(db: &Db, id: Uuid) -> Result<()> {
    db.execute(
        "UPDATE feed_reports SET state = 'processing' WHERE id = $1",
        args![id],
    )
    .await?;
    Ok(())
}

/// Final counters of a processed report.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub rows_read: i64,
    pub rows_rejected: i64,
    pub events_new: i64,
    pub events_repeated: i64,
    pub unrouted: i64,
    pub summary: String,
}

pub async fn mark_done(db: &Db, id: Uuid, o: &Outcome) -> Result<()> {
    db.execute(
        "UPDATE feed_reports SET state = 'done', rows_read = $2, rows_rejected = $3, events_new = $4, events_repeated = $5, \
         unrouted = $6, summary = $7, finished_at = $8 WHERE id = $1",
        args![id, o.rows_read, o.rows_rejected, o.events_new, o.events_repeated, o.unrouted, &o.summary, now()],
    )
    .await?;
    Ok(())
}

pub async fn mark_failed(db: &Db, id: Uuid, error: &str) -> Result<()> {
    db.execute(
        "UPDATE feed_reports SET state = 'failed', error = $2, finished_at = $3 WHERE id = $1",
        args![id, error.chars().take(2000).collect::<String>(), now()],
    )
    .await?;
    Ok(())
}

#[derive(FromRow)]
struct Existing {
    id: Uuid,
    institution_id: Option<Uuid>,
    class_type: String,
    source_ip: String,
    source_port: i64,
    identifier: String,
    first_seen: OffsetDateTime,
    last_seen: OffsetDateTime,
}

/// A stored finding as it was before the batch: what the rollup already counts of it.
struct Before {
    institution_id: Option<Uuid>,
    class_type: String,
    last_seen: OffsetDateTime,
}

/// What a batch does to one finding: a new row, or repeats added to a stored one.
struct Pending<'a> {
    id: Uuid,
    stored: Option<Before>,
    draft: &'a ExposureDraft,
    first_seen: OffsetDateTime,
    last_seen: OffsetDateTime,
    added: i64,
}

/// The Monday (UTC) that starts the week of `t`: the rollup's week key (as `YYYY-MM-DD`).
pub fn week_of(t: OffsetDateTime) -> time::Date {
    let d = t.to_offset(time::UtcOffset::UTC).date();
    d - Duration::days(i64::from(d.weekday().number_days_from_monday()))
}

/// What a batch adds to one (institution, type, week) row of the rollup.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct RollupDelta {
    new_findings: i64,
    active_findings: i64,
    sightings: i64,
}

type RollupKey = (Uuid, String, time::Date);

/// The rollup changes of a batch: a new finding counts as new (with its sightings) in the
/// week it was first seen and as active in every week up to its last sighting; a stored one
/// seen again adds its sightings to its first week and becomes active in the weeks after its
/// previous last sighting up to the new one (first and last seen only move forward).
fn rollup_deltas(pending: &[Pending<'_>]) -> std::collections::BTreeMap<RollupKey, RollupDelta> {
    let mut out: std::collections::BTreeMap<RollupKey, RollupDelta> = Default::default();
    for p in pending {
        let (institution, class_type, from_week) = match &p.stored {
            Some(b) if p.added > 0 => (
                b.institution_id,
                &b.class_type,
                week_of(b.last_seen) + Duration::weeks(1),
            ),
            Some(_) => continue,
            None => (
                p.draft.institution_id,
                &p.draft.class_type,
                week_of(p.first_seen),
            ),
        };
        // Unrouted findings have no place in the overview.
        let Some(institution) = institution else {
            continue;
        };
        let first = week_of(p.first_seen);
        let d = out
            .entry((institution, class_type.clone(), first))
            .or_default();
        d.sightings += p.added;
        if p.stored.is_none() {
            d.new_findings += 1;
        }
        let mut week = from_week;
        let last = week_of(p.last_seen);
        while week <= last {
            out.entry((institution, class_type.clone(), week))
                .or_default()
                .active_findings += 1;
            week += Duration::weeks(1);
        }
    }
    out
}

/// Rows of the rollup per multi-row upsert (6 parameters each).
const ROLLUP_ROWS: usize = 1000;

async fn apply_rollup(
    tx: &mut crate::db::Tx,
    deltas: &std::collections::BTreeMap<RollupKey, RollupDelta>,
) -> Result<()> {
    let backend = tx.backend();
    let all: Vec<_> = deltas.iter().collect();
    // In key order, so concurrent batches lock shared rows in the same order.
    for chunk in all.chunks(ROLLUP_ROWS) {
        let mut params: Vec<Arg> = Vec::with_capacity(chunk.len() * 6);
        let rows: Vec<String> = chunk
            .iter()
            .map(|((institution, class_type, week), d)| {
                let b = params.len();
                params.extend(args![
                    *institution,
                    class_type.as_str(),
                    week.to_string(),
                    d.new_findings,
                    d.active_findings,
                    d.sightings
                ]);
                placeholders(backend, b + 1, 6)
            })
            .collect();
        tx.execute(
            &format!(
                "INSERT INTO exposure_rollup (institution_id, class_type, week, new_findings, active_findings, sightings) \
                 VALUES {} ON CONFLICT (institution_id, class_type, week) DO UPDATE SET \
                 new_findings = exposure_rollup.new_findings + excluded.new_findings, \
                 active_findings = exposure_rollup.active_findings + excluded.active_findings, \
                 sightings = exposure_rollup.sightings + excluded.sightings",
                rows.join(", ")
            ),
            params,
        )
        .await?;
    }
    Ok(())
}

#[derive(FromRow)]
struct Seq {
    seq: i64,
}

/// Takes the next number of the exposure clock. The row stays locked by the caller's
/// transaction until it ends, so a later taker waits for it to commit.
async fn tick(tx: &mut crate::db::Tx) -> Result<i64> {
    let s: Seq = tx
        .fetch_one(
            "UPDATE exposure_clock SET seq = seq + 1 WHERE id = 1 RETURNING seq",
            args![],
        )
        .await?;
    Ok(s.seq)
}

/// Rows per multi-row statement: at most 15 parameters each, well under SQLite's 32,766.
const INSERT_ROWS: usize = 500;

/// Stores a batch of routed events in one transaction; returns (new, repeated).
///
/// One query finds the stored findings the batch may repeat, repeats are merged in memory
/// (within the batch too), then new findings go in multi-row INSERTs and repeated ones in
/// UPDATEs joined to a VALUES list: a few statements per batch instead of two per row.
pub async fn ingest(db: &Db, report: Uuid, events: &[ExposureDraft]) -> Result<(i64, i64)> {
    ingest_at(db, report, events, now()).await
}

/// [`ingest`] with the ingestion time given (stored as `touched_at`), so tests can stand for a
/// batch that started before a digest was claimed and commits after it.
pub async fn ingest_at(
    db: &Db,
    report: Uuid,
    events: &[ExposureDraft],
    touched: OffsetDateTime,
) -> Result<(i64, i64)> {
    if events.is_empty() {
        return Ok((0, 0));
    }
    let mut tx = db.begin().await?;
    if tx.backend() == Backend::Sqlite {
        // A batch dirties pages all over the randomly keyed indexes (id, address); with
        // SQLite's 2 MiB default cache they spill to the WAL before the commit and are read
        // back. 64 MiB (allocated as used) on the connection that ingests keeps them.
        tx.execute("PRAGMA cache_size = -65536", args![]).await?;
    }
    // First, so that the clock row is the first lock every batch takes (no deadlock with the
    // rollup rows) and a digest claim waits for this batch to commit.
    let seq = tick(&mut tx).await?;
    let mut ips: Vec<&str> = events.iter().map(|e| e.source_ip.as_str()).collect();
    ips.sort_unstable();
    ips.dedup();
    let oldest = events.iter().map(|e| e.seen).min().unwrap_or(touched) - DEDUP_WINDOW;
    let mut params: Vec<Arg> = ips.iter().map(|ip| Arg::from(*ip)).collect();
    params.push(oldest.into());
    let backend = tx.backend();
    let existing: Vec<Existing> = tx
        .fetch_all(
            &format!(
                "SELECT id, institution_id, class_type, source_ip, source_port, identifier, first_seen, last_seen FROM exposure_events \
                 WHERE source_ip IN {} AND last_seen >= {}",
                placeholders(backend, 1, ips.len()),
                placeholders(backend, ips.len() + 1, 1).trim_matches(['(', ')'])
            ),
            params,
        )
        .await?;
    let mut latest: std::collections::HashMap<(&str, i64, &str), usize> =
        std::collections::HashMap::new();
    let mut pending: Vec<Pending<'_>> = Vec::with_capacity(events.len());
    // Stored candidates first, newest last so that the map keeps the newest per key.
    let mut existing = existing;
    existing.sort_by_key(|x| x.last_seen);
    let mut by_key: std::collections::HashMap<(&str, i64, &str), &ExposureDraft> =
        std::collections::HashMap::with_capacity(events.len());
    for e in events {
        by_key
            .entry((e.source_ip.as_str(), e.source_port, e.identifier.as_str()))
            .or_insert(e);
    }
    let stored_drafts: Vec<(Existing, &ExposureDraft)> = existing
        .into_iter()
        .filter_map(|x| {
            let d = *by_key.get(&(x.source_ip.as_str(), x.source_port, x.identifier.as_str()))?;
            Some((x, d))
        })
        .collect();
    for (x, d) in &stored_drafts {
        latest.insert(
            (d.source_ip.as_str(), d.source_port, d.identifier.as_str()),
            pending.len(),
        );
        pending.push(Pending {
            id: x.id,
            stored: Some(Before {
                institution_id: x.institution_id,
                class_type: x.class_type.clone(),
                last_seen: x.last_seen,
            }),
            draft: d,
            first_seen: x.first_seen,
            last_seen: x.last_seen,
            added: 0,
        });
    }
    let (mut new, mut repeated) = (0, 0);
    for e in events {
        let key = (e.source_ip.as_str(), e.source_port, e.identifier.as_str());
        match latest.get(&key).map(|&i| &mut pending[i]) {
            Some(p) if p.last_seen >= e.seen - DEDUP_WINDOW => {
                p.last_seen = p.last_seen.max(e.seen);
                p.draft = e;
                p.added += 1;
                repeated += 1;
            }
            _ => {
                latest.insert(key, pending.len());
                pending.push(Pending {
                    id: Uuid::new_v4(),
                    stored: None,
                    draft: e,
                    first_seen: e.seen,
                    last_seen: e.seen,
                    added: 1,
                });
                new += 1;
            }
        }
    }
    let seen_again: Vec<&Pending<'_>> = pending
        .iter()
        .filter(|p| p.stored.is_some() && p.added > 0)
        .collect();
    // One UPDATE per chunk, joined to a VALUES list (its columns are column1… on both
    // backends).
    for chunk in seen_again.chunks(INSERT_ROWS) {
        let mut params: Vec<Arg> = Vec::with_capacity(chunk.len() * 6);
        let rows: Vec<String> = chunk
            .iter()
            .map(|p| {
                let b = params.len();
                params.extend(args![
                    p.id,
                    p.added,
                    p.last_seen,
                    &p.draft.event,
                    touched,
                    seq
                ]);
                placeholders(backend, b + 1, 6)
            })
            .collect();
        tx.execute(
            &format!(
                "UPDATE exposure_events SET count = count + v.column2, last_seen = v.column3, event = v.column4, touched_at = v.column5, \
                 touched_seq = v.column6 \
                 FROM (VALUES {}) AS v WHERE exposure_events.id = v.column1",
                rows.join(", ")
            ),
            params,
        )
        .await?;
    }
    let fresh: Vec<&Pending<'_>> = pending.iter().filter(|p| p.stored.is_none()).collect();
    for chunk in fresh.chunks(INSERT_ROWS) {
        let mut params: Vec<Arg> = Vec::with_capacity(chunk.len() * 15);
        let mut rows = Vec::with_capacity(chunk.len());
        for p in chunk {
            let e = p.draft;
            let b = params.len();
            rows.push(placeholders(backend, b + 1, 15));
            params.extend(args![
                p.id,
                e.institution_id,
                report,
                &e.feed_name,
                &e.taxonomy,
                &e.class_type,
                &e.identifier,
                &e.source_ip,
                e.source_port,
                p.first_seen,
                p.last_seen,
                p.added,
                &e.event,
                touched,
                seq
            ]);
        }
        tx.execute(
            &format!(
                "INSERT INTO exposure_events ({EVENT_COLUMNS}, touched_at, touched_seq) VALUES {}",
                rows.join(", ")
            ),
            params,
        )
        .await?;
    }
    apply_rollup(&mut tx, &rollup_deltas(&pending)).await?;
    tx.commit().await?;
    Ok((new, repeated))
}

/// Filters for an exposure list.
#[derive(Debug, Clone, Default)]
pub struct ExposureFilter {
    pub class_type: Option<String>,
    pub identifier: Option<String>,
}

pub async fn list_exposure(
    db: &Db,
    institution: Uuid,
    f: &ExposureFilter,
    page: Page,
) -> Result<(Vec<ExposureEvent>, i64)> {
    let mut cond = "institution_id = $1".to_string();
    let mut params: Vec<Arg> = args![institution];
    for (column, value) in [("class_type", &f.class_type), ("identifier", &f.identifier)] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            params.push(v.into());
            cond = format!("{cond} AND {column} = ${}", params.len());
        }
    }
    let total: Count = db
        .fetch_one(
            &format!("SELECT COUNT(*) AS n FROM exposure_events WHERE {cond}"),
            params.clone(),
        )
        .await?;
    let n = params.len();
    params.extend(args![page.limit, page.offset]);
    let mut rows: Vec<ExposureEvent> = db
        .fetch_all(
            &format!(
                "SELECT {EVENT_COLUMNS} FROM exposure_events WHERE {cond} ORDER BY last_seen DESC, id LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            ),
            params,
        )
        .await?;
    let rules = rules(db, institution).await?;
    let today = today();
    for r in &mut rows {
        r.suppressed = suppressed(&rules, &r.identifier, &r.source_ip, r.source_port, &today);
    }
    Ok((rows, total.n))
}

#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq)]
pub struct ExposureCount {
    pub sector: String,
    pub identifier: String,
    pub findings: i64,
    pub sightings: i64,
}

/// Findings by sector and identifier for the institutions in scope.
pub async fn summary(db: &Db, scope: &Scope) -> Result<Vec<ExposureCount>> {
    let (cond, params) = scope.condition("e.institution_id", 1);
    db.fetch_all(
        &format!(
            "SELECT i.sector AS sector, e.identifier AS identifier, COUNT(*) AS findings, CAST(SUM(e.count) AS BIGINT) AS sightings \
             FROM exposure_events e JOIN institutions i ON i.id = e.institution_id WHERE {cond} \
             GROUP BY i.sector, e.identifier ORDER BY findings DESC, sector, identifier"
        ),
        params,
    )
    .await
}

/// Findings of one group (a sector, a classification type, or both).
#[derive(Debug, Clone, Serialize, FromRow, PartialEq, Eq)]
pub struct ExposureGroup {
    pub sector: String,
    pub class_type: String,
    pub findings: i64,
    pub sightings: i64,
}

/// One week of the trend: findings first seen that week, and findings seen at some point of
/// it (first seen before its end, last seen after its start).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExposureWeek {
    /// The Monday that starts the week (UTC), `YYYY-MM-DD`.
    pub week: String,
    pub new_findings: i64,
    pub active_findings: i64,
}

/// The exposure picture of the institutions in scope: by sector, by classification type, by
/// both, and a weekly trend. Unrouted findings have no sector and are left out, as in
/// [`summary`].
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExposureOverview {
    pub by_sector: Vec<ExposureGroup>,
    pub by_type: Vec<ExposureGroup>,
    pub by_sector_type: Vec<ExposureGroup>,
    pub weekly: Vec<ExposureWeek>,
}

/// Weeks in the trend, the current one last.
pub const TREND_WEEKS: i64 = 12;

/// Every column of one row as an integer: the trend's counts, all weeks in one scan.
struct Counts(Vec<i64>);

impl<'r, R: sqlx::Row> FromRow<'r, R> for Counts
where
    usize: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> std::result::Result<Self, sqlx::Error> {
        (0..row.len())
            .map(|i| row.try_get(i))
            .collect::<std::result::Result<_, _>>()
            .map(Counts)
    }
}

/// Sums the (sector, type) groups by `key`, largest first.
fn regroup(
    groups: &[ExposureGroup],
    key: impl Fn(&ExposureGroup) -> ExposureGroup,
) -> Vec<ExposureGroup> {
    let mut out: Vec<ExposureGroup> = vec![];
    for g in groups {
        let k = key(g);
        match out
            .iter_mut()
            .find(|o| o.sector == k.sector && o.class_type == k.class_type)
        {
            Some(o) => {
                o.findings += g.findings;
                o.sightings += g.sightings;
            }
            None => out.push(k),
        }
    }
    out.sort_by(|a, b| {
        b.findings
            .cmp(&a.findings)
            .then_with(|| (&a.sector, &a.class_type).cmp(&(&b.sector, &b.class_type)))
    });
    out
}

/// The Mondays that start the weeks of the trend, the current one last, and the Monday after.
fn trend_bounds(now: OffsetDateTime) -> Vec<OffsetDateTime> {
    let monday = week_of(now);
    // Week k runs from bound k to bound k + 1; the last one is the current week.
    (0..=TREND_WEEKS)
        .map(|k| {
            (monday - Duration::weeks(TREND_WEEKS - 1 - k))
                .midnight()
                .assume_utc()
        })
        .collect()
}

#[derive(FromRow)]
struct RollupWeek {
    week: String,
    new_findings: i64,
    active_findings: i64,
}

/// The overview from the rollup that ingestion keeps (`exposure_rollup`): a few rows per
/// institution, type and week instead of every finding, so it costs the same at a million
/// findings as at a thousand. Equal to [`overview_recount`] (tested on both backends).
pub async fn overview(db: &Db, scope: &Scope, now: OffsetDateTime) -> Result<ExposureOverview> {
    let (cond, params) = scope.condition("r.institution_id", 1);
    let by_sector_type: Vec<ExposureGroup> = db
        .fetch_all(
            &format!(
                "SELECT i.sector AS sector, r.class_type AS class_type, CAST(SUM(r.new_findings) AS BIGINT) AS findings, \
                 CAST(SUM(r.sightings) AS BIGINT) AS sightings \
                 FROM exposure_rollup r JOIN institutions i ON i.id = r.institution_id WHERE {cond} \
                 GROUP BY i.sector, r.class_type HAVING SUM(r.new_findings) > 0 ORDER BY findings DESC, sector, class_type"
            ),
            params.clone(),
        )
        .await?;
    let by_sector = regroup(&by_sector_type, |g| ExposureGroup {
        class_type: String::new(),
        ..g.clone()
    });
    let by_type = regroup(&by_sector_type, |g| ExposureGroup {
        sector: String::new(),
        ..g.clone()
    });
    let bounds = trend_bounds(now);
    let n = params.len();
    let mut p = params;
    p.push(bounds[0].date().to_string().into());
    p.push(bounds[TREND_WEEKS as usize - 1].date().to_string().into());
    let rows: Vec<RollupWeek> = db
        .fetch_all(
            &format!(
                "SELECT r.week AS week, CAST(SUM(r.new_findings) AS BIGINT) AS new_findings, \
                 CAST(SUM(r.active_findings) AS BIGINT) AS active_findings \
                 FROM exposure_rollup r WHERE {cond} AND r.week >= ${} AND r.week <= ${} GROUP BY r.week",
                n + 1,
                n + 2
            ),
            p,
        )
        .await?;
    let weekly = bounds[..TREND_WEEKS as usize]
        .iter()
        .map(|start| {
            let week = start.date().to_string();
            let row = rows.iter().find(|r| r.week == week);
            ExposureWeek {
                active_findings: row.map_or(0, |r| r.active_findings),
                new_findings: row.map_or(0, |r| r.new_findings),
                week,
            }
        })
        .collect();
    Ok(ExposureOverview {
        by_sector,
        by_type,
        by_sector_type,
        weekly,
    })
}

/// The overview counted from the findings themselves: two scans whatever their number, one
/// grouped by sector and type (the per-sector and per-type figures are its sums), one for
/// every week of the trend. What the rollup must always equal; tests compare the two.
pub async fn overview_recount(
    db: &Db,
    scope: &Scope,
    now: OffsetDateTime,
) -> Result<ExposureOverview> {
    let (cond, params) = scope.condition("e.institution_id", 1);
    let by_sector_type: Vec<ExposureGroup> = db
        .fetch_all(
            &format!(
                "SELECT i.sector AS sector, e.class_type AS class_type, COUNT(*) AS findings, CAST(SUM(e.count) AS BIGINT) AS sightings \
                 FROM exposure_events e JOIN institutions i ON i.id = e.institution_id WHERE {cond} \
                 GROUP BY i.sector, e.class_type ORDER BY findings DESC, sector, class_type"
            ),
            params.clone(),
        )
        .await?;
    let by_sector = regroup(&by_sector_type, |g| ExposureGroup {
        class_type: String::new(),
        ..g.clone()
    });
    let by_type = regroup(&by_sector_type, |g| ExposureGroup {
        sector: String::new(),
        ..g.clone()
    });

    let bounds = trend_bounds(now);
    let n = params.len();
    let mark = |k: i64| format!("${}", n + 1 + k as usize);
    let columns: Vec<String> = (0..TREND_WEEKS)
        .flat_map(|k| {
            let (start, end) = (mark(k), mark(k + 1));
            [
                format!("CAST(COALESCE(SUM(CASE WHEN e.first_seen < {end} AND e.last_seen >= {start} THEN 1 ELSE 0 END), 0) AS BIGINT)"),
                format!("CAST(COALESCE(SUM(CASE WHEN e.first_seen >= {start} AND e.first_seen < {end} THEN 1 ELSE 0 END), 0) AS BIGINT)"),
            ]
        })
        .collect();
    let mut p = params;
    p.extend(bounds.iter().map(|b| crate::Arg::from(*b)));
    let counts: Counts = db
        .fetch_one(
            &format!(
                "SELECT {} FROM exposure_events e WHERE {cond} AND e.institution_id IS NOT NULL \
                 AND e.last_seen >= {} AND e.first_seen < {}",
                columns.join(", "),
                mark(0),
                mark(TREND_WEEKS)
            ),
            p,
        )
        .await?;
    let weekly = bounds
        .iter()
        .zip(counts.0.chunks(2))
        .map(|(start, c)| ExposureWeek {
            week: start.date().to_string(),
            active_findings: c[0],
            new_findings: c[1],
        })
        .collect();
    Ok(ExposureOverview {
        by_sector,
        by_type,
        by_sector_type,
        weekly,
    })
}

#[derive(FromRow)]
struct OwnerRow {
    kind: String,
    value: String,
    institution_id: Uuid,
}

/// The owner table for routing, as `kind,value,owner` CSV built from the registered networks.
/// A value claimed by several institutions goes to the one that entered it by hand (a manual
/// entry beats an imported one), else to the earliest import.
pub async fn owners_csv(db: &Db) -> Result<String> {
    let rows: Vec<OwnerRow> = db
        .fetch_all(
            "SELECT kind, value, institution_id FROM networks \
             ORDER BY kind, value, CASE WHEN source = $1 THEN 1 ELSE 0 END, created_at, id",
            args![crate::constituency::IMPORTED],
        )
        .await?;
    let mut out = String::from("kind,value,owner\n");
    let mut last: Option<(String, String)> = None;
    for r in rows {
        if r.value.contains([',', '"', '\n']) {
            return Err(StoreError::Invalid(format!("network value {:?}", r.value)));
        }
        let key = (r.kind, r.value);
        if last.as_ref() == Some(&key) {
            continue;
        }
        out.push_str(&format!("{},{},{}\n", key.0, key.1, r.institution_id));
        last = Some(key);
    }
    Ok(out)
}

/// Today's date (UTC) as `YYYY-MM-DD`, the form suppression expiry dates are compared in.
pub fn today() -> String {
    date_of(now())
}

fn date_of(t: OffsetDateTime) -> String {
    let d = t.to_offset(time::UtcOffset::UTC).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// A rule an institution recorded to silence findings it has accepted.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct Suppression {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub identifier: String,
    pub cidr: Option<String>,
    pub port: Option<i64>,
    pub reason: String,
    pub expires_on: Option<String>,
    pub created_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Whether the rule applies today (false once past its expiry date).
    #[sqlx(default)]
    pub active: bool,
}

const SUPPRESSION_COLUMNS: &str =
    "id, institution_id, identifier, cidr, port, reason, expires_on, created_by, created_at";

/// The institution's rules, newest first, each marked active or expired.
pub async fn list_suppressions(db: &Db, institution: Uuid) -> Result<Vec<Suppression>> {
    let mut rows: Vec<Suppression> = db
        .fetch_all(
            &format!("SELECT {SUPPRESSION_COLUMNS} FROM exposure_suppressions WHERE institution_id = $1 ORDER BY created_at DESC, id"),
            args![institution],
        )
        .await?;
    let today = today();
    for r in &mut rows {
        r.active = r.expires_on.as_deref().is_none_or(|e| today.as_str() <= e);
    }
    Ok(rows)
}

/// The institution's rules, ready to match findings.
pub async fn rules(db: &Db, institution: Uuid) -> Result<Vec<Rule>> {
    let rows: Vec<Suppression> = db
        .fetch_all(
            &format!(
                "SELECT {SUPPRESSION_COLUMNS} FROM exposure_suppressions WHERE institution_id = $1"
            ),
            args![institution],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Rule::new(
                &r.identifier,
                r.cidr.as_deref(),
                r.port,
                r.expires_on.as_deref(),
            )
        })
        .collect())
}

/// Records a validated rule with its audit entry and event.
pub async fn create_suppression(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    d: &SuppressionDraft,
) -> Result<Suppression> {
    let row = Suppression {
        id: Uuid::new_v4(),
        institution_id: institution,
        identifier: d.identifier.clone(),
        cidr: d.cidr.clone(),
        port: d.port,
        reason: d.reason.clone(),
        expires_on: d.expires_on.clone(),
        created_by: actor.email.clone(),
        created_at: now(),
        active: true,
    };
    let mut tx = db.begin().await?;
    crate::constituency::ensure_institution(&mut tx, institution).await?;
    tx.execute(
        &format!("INSERT INTO exposure_suppressions ({SUPPRESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
        args![row.id, institution, &row.identifier, row.cidr.clone(), row.port, &row.reason, row.expires_on.clone(), &row.created_by, row.created_at],
    )
    .await?;
    let change = Change::new(
        "create",
        "exposure_suppression",
        row.id,
        Some(institution),
        &row,
    );
    audit::record(&mut tx, actor, &change).await?;
    crate::events::emit(&mut tx, "exposure.suppression", Some(institution), &change).await?;
    tx.commit().await?;
    Ok(row)
}

pub async fn delete_suppression(db: &Db, actor: &Actor, institution: Uuid, id: Uuid) -> Result<()> {
    crate::constituency::delete_owned(
        db,
        actor,
        "exposure_suppressions",
        "exposure_suppression",
        Some("exposure.suppression.deleted"),
        institution,
        id,
    )
    .await
}

/// An institution's digest cadence.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct DigestSetting {
    pub institution_id: Uuid,
    pub cadence: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
}

/// The cadence (`off` when never set).
pub async fn digest_setting(db: &Db, institution: Uuid) -> Result<DigestSetting> {
    let row: Option<DigestSetting> = db
        .fetch_optional(
            "SELECT institution_id, cadence, updated_at FROM exposure_digest_settings WHERE institution_id = $1",
            args![institution],
        )
        .await?;
    Ok(row.unwrap_or(DigestSetting {
        institution_id: institution,
        cadence: Cadence::Off.as_str().into(),
        updated_at: None,
    }))
}

pub async fn set_digest_cadence(
    db: &Db,
    actor: &Actor,
    institution: Uuid,
    cadence: Cadence,
) -> Result<DigestSetting> {
    let row = DigestSetting {
        institution_id: institution,
        cadence: cadence.as_str().into(),
        updated_at: Some(now()),
    };
    let mut tx = db.begin().await?;
    crate::constituency::ensure_institution(&mut tx, institution).await?;
    tx.execute(
        "INSERT INTO exposure_digest_settings (institution_id, cadence, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (institution_id) DO UPDATE SET cadence = excluded.cadence, updated_at = excluded.updated_at",
        args![institution, &row.cadence, row.updated_at],
    )
    .await?;
    let change = Change::new(
        "update",
        "exposure_digest",
        institution,
        Some(institution),
        &row,
    );
    audit::record(&mut tx, actor, &change).await?;
    crate::events::emit(&mut tx, "exposure.digest", Some(institution), &change).await?;
    tx.commit().await?;
    Ok(row)
}

#[derive(Debug, Clone, FromRow)]
pub struct Subscriber {
    pub institution_id: Uuid,
    pub cadence: String,
}

/// Institutions that asked for a digest.
pub async fn digest_subscribers(db: &Db) -> Result<Vec<Subscriber>> {
    db.fetch_all(
        "SELECT institution_id, cadence FROM exposure_digest_settings WHERE cadence <> 'off' ORDER BY institution_id",
        args![],
    )
    .await
}

/// The digest period `at` falls in: a day (`d:2026-12-01`) or an ISO week (`w:2026-W49`).
pub fn digest_period(cadence: Cadence, at: OffsetDateTime) -> Option<String> {
    match cadence {
        Cadence::Off => None,
        Cadence::Daily => Some(format!("d:{}", date_of(at))),
        Cadence::Weekly => {
            let (year, week, _) = at.to_offset(time::UtcOffset::UTC).date().to_iso_week_date();
            Some(format!("w:{year:04}-W{week:02}"))
        }
    }
}

#[derive(FromRow)]
struct Covered {
    covered_seq: Option<i64>,
}

/// What a claimed digest covers: findings stamped by ingestion batches numbered after
/// `after_seq` (for the first digest of an institution: stored or updated after `since`) up
/// to `upto_seq`, the exposure clock number the claim took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestWindow {
    pub after_seq: Option<i64>,
    pub since: OffsetDateTime,
    pub upto_seq: i64,
}

/// Claims the institution's digest for `period` (an insert: exactly one replica wins) and
/// returns what it covers. `None` when another replica (or an earlier pass) already claimed
/// it.
///
/// The window ends at a number of the exposure clock, not at a time: a batch stamps its
/// findings with the clock number it took at its start and holds the clock row until it
/// commits, so when the claim takes its own number every batch numbered below it has
/// committed, and every later one gets a larger number. A batch that began before the claim
/// and committed after it (with a `touched_at` before the claim's time) lands in this digest
/// or the next, never in neither.
pub async fn claim_digest(
    db: &Db,
    institution: Uuid,
    cadence: Cadence,
    period: &str,
    until: OffsetDateTime,
) -> Result<Option<DigestWindow>> {
    let mut tx = db.begin().await?;
    let previous: Option<Covered> = tx
        .fetch_optional(
            "SELECT covered_seq FROM exposure_digests WHERE institution_id = $1 ORDER BY covered_until DESC LIMIT 1",
            args![institution],
        )
        .await?;
    let n = tx
        .execute(
            "INSERT INTO exposure_digests (institution_id, period, covered_until, findings, created_at) \
             VALUES ($1, $2, $3, 0, $4) ON CONFLICT (institution_id, period) DO NOTHING",
            args![institution, period, until, now()],
        )
        .await?;
    if n == 0 {
        tx.commit().await?;
        return Ok(None);
    }
    let upto = tick(&mut tx).await?;
    tx.execute(
        "UPDATE exposure_digests SET covered_seq = $3 WHERE institution_id = $1 AND period = $2",
        args![institution, period, upto],
    )
    .await?;
    tx.commit().await?;
    let span = match cadence {
        Cadence::Weekly => Duration::days(7),
        _ => Duration::days(1),
    };
    Ok(Some(DigestWindow {
        after_seq: previous.map(|p| p.covered_seq.unwrap_or(0)),
        since: until - span,
        upto_seq: upto,
    }))
}

/// Records how many findings a claimed digest listed.
pub async fn digest_sent(db: &Db, institution: Uuid, period: &str, findings: i64) -> Result<()> {
    db.execute(
        "UPDATE exposure_digests SET findings = $3 WHERE institution_id = $1 AND period = $2",
        args![institution, period, findings],
    )
    .await?;
    Ok(())
}

/// A finding stored or updated in a digest's window.
#[derive(Debug, Clone, Serialize, FromRow)]
pub struct DigestRow {
    pub class_type: String,
    pub identifier: String,
    pub source_ip: String,
    pub source_port: i64,
    pub count: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen: OffsetDateTime,
}

/// The institution's findings stored or re-seen in the digest's window, most recently seen
/// first, without those its rules silence (as of `until`, the claim's time).
pub async fn digest_rows(
    db: &Db,
    institution: Uuid,
    window: &DigestWindow,
    until: OffsetDateTime,
) -> Result<Vec<DigestRow>> {
    const COLUMNS: &str = "class_type, identifier, source_ip, source_port, count, last_seen";
    const ORDER: &str = "ORDER BY last_seen DESC, source_ip, source_port";
    let rows: Vec<DigestRow> = match window.after_seq {
        Some(after) => {
            db.fetch_all(
                &format!(
                    "SELECT {COLUMNS} FROM exposure_events \
                     WHERE institution_id = $1 AND touched_seq > $2 AND touched_seq <= $3 {ORDER}"
                ),
                args![institution, after, window.upto_seq],
            )
            .await?
        }
        None => {
            db.fetch_all(
                &format!(
                    "SELECT {COLUMNS} FROM exposure_events \
                     WHERE institution_id = $1 AND touched_seq <= $2 AND touched_at > $3 {ORDER}"
                ),
                args![institution, window.upto_seq, window.since],
            )
            .await?
        }
    };
    let rules = rules(db, institution).await?;
    let today = date_of(until);
    Ok(rows
        .into_iter()
        .filter(|r| !suppressed(&rules, &r.identifier, &r.source_ip, r.source_port, &today))
        .collect())
}

#[derive(FromRow)]
struct Locale {
    locale: String,
}

/// The language setting of each address that has an account (`es-MX` for the others).
pub async fn recipient_locales(db: &Db, emails: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(emails.len());
    for e in emails {
        let row: Option<Locale> = db
            .fetch_optional("SELECT locale FROM users WHERE email = $1", args![e])
            .await?;
        out.push(row.map_or_else(|| "es-MX".to_string(), |r| r.locale));
    }
    Ok(out)
}
