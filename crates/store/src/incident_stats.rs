//! The national incident statistics over a million incidents: sums over the counts that
//! migration 0015's triggers keep per (institution, label, reporter), the exact median delay
//! from the one delay bucket that holds it, and the newest severe incidents.

use crate::incidents::{TlpView, visibility};
use crate::{Arg, Db, Result, Scope, args};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

/// Severity levels the timeline lists.
pub const SEVERE: [&str; 2] = ["critico", "muy-alto"];

/// How many severe incidents the timeline lists (the newest; the list filters by level for
/// the rest).
pub const TIMELINE_LIMIT: i64 = 100;

/// Who may count what: the list's visibility, minus (label, institution) pairs the access
/// policy hides from this caller although the visibility condition lets them through.
#[derive(Debug, Clone)]
pub struct StatsView {
    tlp: TlpView,
    /// For a label: the only institutions whose incidents with it count.
    only: Vec<(String, Vec<Uuid>)>,
}

#[derive(FromRow)]
struct Id {
    id: Uuid,
}

impl StatsView {
    /// `allowed(label, institution)`: whether the caller may count an incident of that
    /// institution with that label (the labels not named are counted as `tlp` lets through).
    pub async fn new(
        db: &Db,
        scope: &Scope,
        tlp: TlpView,
        labels: &[&str],
        allowed: impl Fn(&str, Uuid) -> bool,
    ) -> Result<Self> {
        let ids: Vec<Uuid> = match scope {
            Scope::All => db
                .fetch_all::<Id>("SELECT id FROM institutions", args![])
                .await?
                .into_iter()
                .map(|i| i.id)
                .collect(),
            Scope::Only(ids) => ids.clone(),
        };
        let mut only = vec![];
        for label in labels {
            let ok: Vec<Uuid> = ids.iter().copied().filter(|i| allowed(label, *i)).collect();
            if ok.len() < ids.len() {
                only.push((label.to_string(), ok));
            }
        }
        Ok(StatsView { tlp, only })
    }
}

/// The condition on `institution_id`, `tlp` and `reported_by` (prefixed) and its arguments.
fn condition(
    backend: crate::Backend,
    scope: &Scope,
    view: &StatsView,
    prefix: &str,
) -> (String, Vec<Arg>) {
    let (mut cond, mut params) = visibility(backend, scope, &view.tlp, prefix);
    for (label, institutions) in &view.only {
        params.push(label.into());
        let l = params.len();
        let marks: Vec<String> = institutions
            .iter()
            .map(|i| {
                params.push((*i).into());
                format!("${}", params.len())
            })
            .collect();
        cond = if marks.is_empty() {
            format!("{cond} AND {prefix}tlp <> ${l}")
        } else {
            format!(
                "{cond} AND ({prefix}tlp <> ${l} OR {prefix}institution_id IN ({}))",
                marks.join(", ")
            )
        };
    }
    (cond, params)
}

#[derive(Debug, Clone, FromRow)]
pub struct DimCount {
    pub dim: String,
    pub key: String,
    pub n: i64,
}

#[derive(Debug, Clone, FromRow)]
pub struct TimelineRow {
    pub id: Uuid,
    pub reference: String,
    pub title: String,
    pub institution_id: Uuid,
    pub level: String,
    pub detected_at: OffsetDateTime,
}

/// The figures the statistics page shows.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// (`month` | `class` | `level` | `sector`, key, incidents), zero counts left out.
    pub counts: Vec<DimCount>,
    /// Incidents with a first stage submitted, and their hours from detection to it.
    pub reported: i64,
    pub median_hours: Option<f64>,
    pub within_24h: i64,
    /// The newest severe incidents (at most `TIMELINE_LIMIT`), oldest first.
    pub timeline: Vec<TimelineRow>,
}

#[derive(FromRow)]
struct Delay {
    detected_at: OffsetDateTime,
    first_at: OffsetDateTime,
    delay_s: i64,
}

impl Delay {
    /// Hours exactly as they were always computed (the stored `delay_s` is rounded).
    fn hours(&self) -> f64 {
        (self.first_at - self.detected_at).as_seconds_f64() / 3600.0
    }
}

/// `delay_s` of a bucket (`delay_s / 3600` truncated toward zero), inclusive.
fn bucket_range(b: i64) -> (i64, i64) {
    match b {
        0 => (-3599, 3599),
        b if b > 0 => (3600 * b, 3600 * b + 3599),
        b => (3600 * b - 3599, 3600 * b),
    }
}

#[derive(FromRow)]
struct DelayOnly {
    delay_s: i64,
}

#[derive(FromRow)]
struct Count {
    n: i64,
}

/// The stored delay is within a second of the exact one; windows widen by this much.
const MARGIN: i64 = 2;

#[derive(FromRow)]
struct InstitutionCount {
    institution_id: Uuid,
    n: i64,
}

#[derive(FromRow)]
struct Sector {
    id: Uuid,
    sector: String,
}

/// The counts by month, class, level and delay bucket, and by sector: two sums over the kept
/// counts, side by side on their own connections, each streamed in the order of SQLite's
/// index on them (migration 0028); the sector of each institution is looked up here rather
/// than joined (a join probed the counts by institution: 27 ms on SQLite at a million).
async fn counts(db: &Db, cond: &str, params: &[Arg]) -> Result<Vec<DimCount>> {
    let by_key_sql = format!(
        "SELECT dim, key, CAST(SUM(n) AS BIGINT) AS n FROM incident_counts \
         WHERE {cond} GROUP BY dim, key"
    );
    let by_key = db.fetch_all::<DimCount>(&by_key_sql, params.to_vec());
    // Each incident is counted once among the `month` rows.
    let by_institution_sql = format!(
        "SELECT institution_id, CAST(SUM(n) AS BIGINT) AS n FROM incident_counts \
         WHERE dim = 'month' AND {cond} GROUP BY institution_id"
    );
    let by_institution = db.fetch_all::<InstitutionCount>(&by_institution_sql, params.to_vec());
    let sectors = db.fetch_all::<Sector>("SELECT id, sector FROM institutions", args![]);
    let (mut counts, by_institution, sectors) = tokio::try_join!(by_key, by_institution, sectors)?;
    let sector_of: std::collections::HashMap<Uuid, String> =
        sectors.into_iter().map(|s| (s.id, s.sector)).collect();
    let mut by_sector: std::collections::BTreeMap<&str, i64> = Default::default();
    for c in &by_institution {
        if let Some(sector) = sector_of.get(&c.institution_id) {
            *by_sector.entry(sector).or_default() += c.n;
        }
    }
    counts.extend(by_sector.into_iter().map(|(key, n)| DimCount {
        dim: "sector".into(),
        key: key.into(),
        n,
    }));
    counts.retain(|c| c.n != 0);
    Ok(counts)
}

/// The newest severe incidents (at most [`TIMELINE_LIMIT`]), oldest first.
async fn timeline(db: &Db, cond: &str, params: &[Arg]) -> Result<Vec<TimelineRow>> {
    let mut timeline: Vec<TimelineRow> = vec![];
    for level in SEVERE {
        let mut params = params.to_vec();
        params.extend(args![level, TIMELINE_LIMIT]);
        let n = params.len();
        timeline.extend(
            db.fetch_all::<TimelineRow>(
                &format!(
                    "SELECT id, reference, title, institution_id, level, detected_at FROM incidents \
                     WHERE level = ${} AND {cond} ORDER BY detected_at DESC, id DESC LIMIT ${n}",
                    n - 1
                ),
                params,
            )
            .await?,
        );
    }
    timeline.sort_by_key(|r| std::cmp::Reverse((r.detected_at, r.id)));
    timeline.truncate(TIMELINE_LIMIT as usize);
    timeline.reverse();
    Ok(timeline)
}

/// The figures, from queries that do not wait on one another run side by side on their own
/// connections: the counts beside the timeline, then the median beside the 24-hour share.
pub async fn figures(db: &Db, scope: &Scope, view: &StatsView) -> Result<Figures> {
    let (cond, params) = condition(db.backend(), scope, view, "");
    let (mut counts, timeline) =
        tokio::try_join!(counts(db, &cond, &params), timeline(db, &cond, &params))?;

    let mut buckets: Vec<(i64, i64)> = counts
        .iter()
        .filter(|c| c.dim == "delay")
        .filter_map(|c| Some((c.key.parse().ok()?, c.n)))
        .collect();
    buckets.sort();
    counts.retain(|c| c.dim != "delay");
    let reported: i64 = buckets.iter().map(|b| b.1).sum();

    let window = |lo: i64, hi: i64| {
        let (cond, mut params) = (cond.clone(), params.clone());
        params.extend(args![lo, hi]);
        let n = params.len();
        async move {
            db.fetch_all::<Delay>(
                &format!(
                    "SELECT detected_at, first_at, delay_s FROM incident_first_reports \
                     WHERE delay_s >= ${} AND delay_s <= ${} AND {cond}",
                    n - 1,
                    n
                ),
                params,
            )
            .await
        }
    };

    let count = |lo: i64, hi: i64| {
        let (cond, mut params) = (cond.clone(), params.clone());
        params.extend(args![lo, hi]);
        let n = params.len();
        async move {
            if lo > hi {
                return Ok(0);
            }
            db.fetch_one::<Count>(
                &format!(
                    "SELECT COUNT(*) AS n FROM incident_first_reports \
                     WHERE delay_s >= ${} AND delay_s <= ${} AND {cond}",
                    n - 1,
                    n
                ),
                params,
            )
            .await
            .map(|c| c.n)
        }
    };

    // The median is the element at index reported / 2 of the exact hours in order. The counts
    // say which delay bucket holds that index (and how many rows the buckets before hold); the
    // database walks the bucket's index to the row at the median's rank by stored delay `d`
    // (nothing is sent back but that row). The stored delay is within a second of the exact
    // one, so every row stored below `d - MARGIN` is exactly below the median and every row
    // above `d + MARGIN` exactly above it: only the few rows between are read whole and
    // ordered exactly.
    let m = reported / 2;
    let holder = buckets
        .iter()
        .scan(0, |before, &(b, n)| {
            let start = *before;
            *before += n;
            Some((b, n, start))
        })
        .find(|&(_, n, before)| before + n > m);
    let median = async {
        let Some((b, _, before)) = holder else {
            return Ok(None);
        };
        let (lo, hi) = bucket_range(b);
        let mut p = params.clone();
        p.extend(args![lo, hi, m - before]);
        let k = p.len();
        let at: Option<DelayOnly> = db
            .fetch_optional(
                &format!(
                    "SELECT delay_s FROM incident_first_reports \
                     WHERE delay_s >= ${} AND delay_s <= ${} AND {cond} \
                     ORDER BY delay_s LIMIT 1 OFFSET ${k}",
                    k - 2,
                    k - 1
                ),
                p,
            )
            .await?;
        let Some(DelayOnly { delay_s: d }) = at else {
            return Ok(None);
        };
        // Rows stored below d - MARGIN: those of the buckets before, adjusted by the stretch
        // between the bucket's start and d - MARGIN.
        let (from, to, sign) = if d - MARGIN >= lo {
            (lo, d - MARGIN - 1, 1)
        } else {
            (d - MARGIN, lo - 1, -1)
        };
        let (rows, stretch) = tokio::try_join!(window(d - MARGIN, d + MARGIN), count(from, to))?;
        let below = before + sign * stretch;
        let mut hours: Vec<f64> = rows.iter().map(Delay::hours).collect();
        hours.sort_by(f64::total_cmp);
        Ok::<_, crate::StoreError>(
            usize::try_from(m - below)
                .ok()
                .and_then(|i| hours.get(i).copied()),
        )
    };

    let within = async {
        // Within 24 h: every stored delay up to a day less the margin, and the few around the
        // line checked exactly.
        let day = 24 * 3600;
        let rows = window(day - MARGIN + 1, day + MARGIN - 1).await?;
        let under: i64 = buckets
            .iter()
            .filter(|(b, _)| bucket_range(*b).1 < day)
            .map(|b| b.1)
            .sum();
        Ok::<_, crate::StoreError>(
            under - rows.iter().filter(|r| r.delay_s < day).count() as i64
                + rows.iter().filter(|r| r.hours() <= 24.0).count() as i64,
        )
    };

    let (median_hours, within_24h) = tokio::try_join!(median, within)?;

    Ok(Figures {
        counts,
        reported,
        median_hours,
        within_24h,
        timeline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_every_delay_once_in_order() {
        let mut last = None;
        for b in -3..=3 {
            let (lo, hi) = bucket_range(b);
            assert!(lo <= hi);
            if let Some(prev) = last {
                assert_eq!(lo, prev + 1, "bucket {b}");
            }
            for d in [lo, hi] {
                assert_eq!(d / 3600, b, "delay {d}");
            }
            last = Some(hi);
        }
    }
}
