//! Third-party reports and the exposure findings routed from them to their owners.
//!
//! A finding seen again (same address, port and identifier) within the de-duplication window
//! of its last sighting updates that finding's count and last-seen time instead of adding a
//! new one, so a daily report does not bury an institution under repeats.

use crate::{Actor, Arg, Db, Page, Result, Scope, StoreError, args, now};
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

pub async fn create_report(
    db: &Db,
    actor: &Actor,
    filename: &str,
    kind: &str,
    sha256: &str,
    size: i64,
) -> Result<FeedReport> {
    let row = FeedReport {
        id: Uuid::new_v4(),
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
    last_seen: OffsetDateTime,
}

/// Stores a batch of routed events in one transaction; returns (new, repeated).
pub async fn ingest(db: &Db, report: Uuid, events: &[ExposureDraft]) -> Result<(i64, i64)> {
    let (mut new, mut repeated) = (0, 0);
    let mut tx = db.begin().await?;
    for e in events {
        let previous: Option<Existing> = tx
            .fetch_optional(
                "SELECT id, last_seen FROM exposure_events WHERE source_ip = $1 AND source_port = $2 AND identifier = $3 \
                 AND last_seen >= $4 ORDER BY last_seen DESC LIMIT 1",
                args![&e.source_ip, e.source_port, &e.identifier, e.seen - DEDUP_WINDOW],
            )
            .await?;
        match previous {
            Some(p) => {
                let last = p.last_seen.max(e.seen);
                tx.execute(
                    "UPDATE exposure_events SET count = count + 1, last_seen = $2, event = $3 WHERE id = $1",
                    args![p.id, last, &e.event],
                )
                .await?;
                repeated += 1;
            }
            None => {
                tx.execute(
                    &format!("INSERT INTO exposure_events ({EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12)"),
                    args![
                        Uuid::new_v4(), e.institution_id, report, &e.feed_name, &e.taxonomy, &e.class_type, &e.identifier,
                        &e.source_ip, e.source_port, e.seen, e.seen, &e.event
                    ],
                )
                .await?;
                new += 1;
            }
        }
    }
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
    let rows = db
        .fetch_all(
            &format!(
                "SELECT {EVENT_COLUMNS} FROM exposure_events WHERE {cond} ORDER BY last_seen DESC, id LIMIT ${} OFFSET ${}",
                n + 1,
                n + 2
            ),
            params,
        )
        .await?;
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

/// Two scans of the findings whatever their number: one grouped by sector and type (the
/// per-sector and per-type figures are its sums), one for every week of the trend.
pub async fn overview(db: &Db, scope: &Scope, now: OffsetDateTime) -> Result<ExposureOverview> {
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

    let today = now.to_offset(time::UtcOffset::UTC).date();
    let monday = today - Duration::days(i64::from(today.weekday().number_days_from_monday()));
    // Week k runs from bound k to bound k + 1; the last one is the current week.
    let bounds: Vec<OffsetDateTime> = (0..=TREND_WEEKS)
        .map(|k| {
            (monday - Duration::weeks(TREND_WEEKS - 1 - k))
                .midnight()
                .assume_utc()
        })
        .collect();
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
