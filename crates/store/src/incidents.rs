//! Incidents as stored: plain columns for filtering and access, and the reported draft and
//! its severity assessment as JSON (the `incidents` crate owns their meaning). Each incident
//! keeps the protocol id and version it was reported under.

use crate::{Actor, Arg, Db, Page, Result, Scope, args, now};
use serde::Serialize;
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct IncidentRow {
    pub id: Uuid,
    pub reference: String,
    pub institution_id: Uuid,
    pub protocol_id: String,
    pub protocol_version: String,
    pub title: String,
    pub tlp: String,
    pub level: String,
    pub significant: bool,
    pub state: String,
    pub class: String,
    pub kind: String,
    #[serde(with = "time::serde::rfc3339")]
    pub detected_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub aware_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub reported_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    pub reported_by: Uuid,
    /// The protocol lifecycle phase the incident is in (empty until triage).
    pub phase: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub triaged_at: Option<OffsetDateTime>,
    #[serde(skip)]
    pub draft: String,
    #[serde(skip)]
    pub assessment: String,
}

pub(crate) const COLUMNS: &str = "id, reference, institution_id, protocol_id, protocol_version, title, tlp, level, significant, \
     state, class, kind, detected_at, aware_at, reported_at, updated_at, closed_at, reported_by, draft, assessment, phase, triaged_at";

/// What the server stores for a new report (validated and assessed by the caller).
pub struct NewIncident {
    pub institution_id: Uuid,
    pub protocol_id: String,
    pub protocol_version: String,
    pub title: String,
    pub tlp: String,
    pub level: String,
    pub significant: bool,
    pub class: String,
    pub kind: String,
    pub detected_at: OffsetDateTime,
    pub aware_at: OffsetDateTime,
    pub draft: String,
    pub assessment: String,
    /// When it was reported; now if `None` (the demo seeds historic incidents).
    pub reported_at: Option<OffsetDateTime>,
}

#[derive(FromRow)]
struct Value {
    value: i64,
}

/// Takes the next `$2` numbers of a counter (creating it); returns the last of them.
const TAKE_NUMBERS: &str = "INSERT INTO counters (name, value) VALUES ($1, $2) \
     ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value RETURNING value";

fn counter(at: OffsetDateTime) -> String {
    format!("incident-{}", at.year())
}

/// One report of a batch: who reports it, and what.
pub type Report<'a> = (&'a Actor, &'a NewIncident);

/// Records a report, numbering it `PREFIX-YEAR-NNNNNN` within the year.
pub async fn create(db: &Db, actor: &Actor, prefix: &str, n: &NewIncident) -> Result<IncidentRow> {
    let mut rows = create_together(db, prefix, &[(actor, n)]).await?;
    Ok(rows.remove(0))
}

/// Records reports that arrived together in one transaction: all of them or none.
///
/// On PostgreSQL the numbers are taken in a transaction of their own first, so concurrent
/// reports do not queue on the counter row until each commits (that capped reports at a few
/// hundred a second); reports that then fail leave a gap in the numbering. SQLite runs one
/// writer at a time anyway and numbers inside the transaction.
pub async fn create_together(
    db: &Db,
    prefix: &str,
    reports: &[Report<'_>],
) -> Result<Vec<IncidentRow>> {
    let ats = reported_times(reports);
    let numbers = match db.backend() {
        crate::Backend::Postgres => {
            let mut tx = db.begin().await?;
            let numbers = take_numbers(&mut tx, &ats).await?;
            tx.commit().await?;
            Some(numbers)
        }
        crate::Backend::Sqlite => None,
    };
    let mut tx = db.begin().await?;
    let rows = insert_reports(&mut tx, prefix, reports, &ats, numbers).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Records several reports of one reporter in one transaction, numbered without gaps: all or
/// none (bulk import).
pub async fn create_many(
    db: &Db,
    actor: &Actor,
    prefix: &str,
    rows: &[NewIncident],
) -> Result<Vec<IncidentRow>> {
    let reports: Vec<Report<'_>> = rows.iter().map(|n| (actor, n)).collect();
    let ats = reported_times(&reports);
    let mut tx = db.begin().await?;
    let out = insert_reports(&mut tx, prefix, &reports, &ats, None).await?;
    tx.commit().await?;
    Ok(out)
}

fn reported_times(reports: &[Report<'_>]) -> Vec<OffsetDateTime> {
    let at = now();
    reports
        .iter()
        .map(|(_, n)| n.reported_at.unwrap_or(at))
        .collect()
}

/// The next number of each report's year counter, in order: one statement per year.
async fn take_numbers(tx: &mut crate::Tx, ats: &[OffsetDateTime]) -> Result<Vec<i64>> {
    let mut wanted: std::collections::BTreeMap<String, i64> = Default::default();
    for at in ats {
        *wanted.entry(counter(*at)).or_default() += 1;
    }
    // Each counter's first number for this batch; handed out in report order.
    let mut next = std::collections::BTreeMap::new();
    for (name, count) in wanted {
        let last = tx
            .fetch_one::<Value>(TAKE_NUMBERS, args![&name, count])
            .await?
            .value;
        next.insert(name, last - count + 1);
    }
    Ok(ats
        .iter()
        .map(|at| {
            let n = next.get_mut(&counter(*at)).expect("counted above");
            *n += 1;
            *n - 1
        })
        .collect())
}

/// Reports per multi-row statement: 22 or 23 parameters each, well under SQLite's 32,766.
const REPORTS_PER_STATEMENT: usize = 512;

/// Stores reports reported at `ats`, numbered `numbers` (taken here when `None`): the
/// incidents, their audit entries and their events, each kind in multi-row statements (one
/// statement per kind for a batch of the API's size, where it used to be four per report).
async fn insert_reports(
    tx: &mut crate::Tx,
    prefix: &str,
    reports: &[Report<'_>],
    ats: &[OffsetDateTime],
    numbers: Option<Vec<i64>>,
) -> Result<Vec<IncidentRow>> {
    let numbers = match numbers {
        Some(v) => v,
        None => take_numbers(tx, ats).await?,
    };
    let rows: Vec<IncidentRow> = reports
        .iter()
        .zip(ats)
        .zip(numbers)
        .map(|(((actor, n), at), number)| new_row(actor, prefix, n, *at, number))
        .collect();
    let backend = tx.backend();
    // SQLite stores the folded search text beside the row (see `text_fold`).
    let folded = backend == crate::Backend::Sqlite;
    let (columns, per_row) = if folded {
        (format!("{COLUMNS}, search_fold"), 23)
    } else {
        (COLUMNS.to_owned(), 22)
    };
    for chunk in crate::db::pow2_chunks(&rows, REPORTS_PER_STATEMENT) {
        let mut params = Vec::with_capacity(chunk.len() * per_row);
        for row in chunk {
            params.extend(args![
                row.id,
                &row.reference,
                row.institution_id,
                &row.protocol_id,
                &row.protocol_version,
                &row.title,
                &row.tlp,
                &row.level,
                row.significant,
                &row.state,
                &row.class,
                &row.kind,
                row.detected_at,
                row.aware_at,
                row.reported_at,
                row.updated_at,
                row.closed_at,
                row.reported_by,
                &row.draft,
                &row.assessment,
                &row.phase,
                row.triaged_at
            ]);
            if folded {
                params.push(
                    crate::text_fold::incident_text(&row.title, &row.draft, &row.reference).into(),
                );
            }
        }
        tx.execute(
            &format!(
                "INSERT INTO incidents ({columns}) VALUES {}",
                crate::db::value_rows(backend, chunk.len(), per_row)
            ),
            params,
        )
        .await?;
    }
    // The statement covers the stored report; its text stays out of the log.
    let changes: Vec<crate::audit::Change> = rows
        .iter()
        .map(|row| {
            crate::audit::Change::new(
                "report",
                "incident",
                row.id,
                Some(row.institution_id),
                &serde_json::json!({"reference": row.reference, "draft": row.draft, "assessment": row.assessment}),
            )
        })
        .collect();
    let entries: Vec<(&Actor, &crate::audit::Change)> = reports
        .iter()
        .map(|(actor, _)| *actor)
        .zip(&changes)
        .collect();
    crate::audit::record_many(tx, &entries).await?;
    let events: Vec<(Option<Uuid>, &crate::audit::Change)> =
        changes.iter().map(|c| (c.institution_id, c)).collect();
    crate::events::emit_many(tx, "incident.reported", &events).await?;
    Ok(rows)
}

fn new_row(
    actor: &Actor,
    prefix: &str,
    n: &NewIncident,
    at: OffsetDateTime,
    number: i64,
) -> IncidentRow {
    IncidentRow {
        id: Uuid::new_v4(),
        reference: format!("{prefix}-{}-{:06}", at.year(), number),
        institution_id: n.institution_id,
        protocol_id: n.protocol_id.clone(),
        protocol_version: n.protocol_version.clone(),
        title: n.title.clone(),
        tlp: n.tlp.clone(),
        level: n.level.clone(),
        significant: n.significant,
        state: "open".into(),
        class: n.class.clone(),
        kind: n.kind.clone(),
        detected_at: n.detected_at,
        aware_at: n.aware_at,
        reported_at: at,
        updated_at: at,
        closed_at: None,
        reported_by: actor.user_id.unwrap_or_default(),
        phase: String::new(),
        triaged_at: None,
        draft: n.draft.clone(),
        assessment: n.assessment.clone(),
    }
}

pub async fn get(db: &Db, id: Uuid) -> Result<IncidentRow> {
    db.fetch_one(
        &format!("SELECT {COLUMNS} FROM incidents WHERE id = $1"),
        args![id],
    )
    .await
}

/// Which labels a reader may see, as the list query applies them: the labels open to them,
/// AMBER+STRICT of their own institution, and anything they reported themselves; and which
/// institution's shared incidents (AMBER recipients) they see beyond their scope.
#[derive(Debug, Clone)]
pub struct TlpView {
    pub open: Vec<&'static str>,
    pub strict_institution: Option<Uuid>,
    pub user: Uuid,
    pub shared_with: Option<Uuid>,
}

/// The SQL condition (columns prefixed with `prefix`) selecting what a reader may see, and
/// its arguments from `$1`.
pub(crate) fn visibility(
    backend: crate::Backend,
    scope: &Scope,
    view: &TlpView,
    prefix: &str,
) -> (String, Vec<Arg>) {
    let (scope_sql, mut params) = scope.condition(&format!("{prefix}institution_id"), 1);
    let mut labels = vec![];
    for l in &view.open {
        params.push((*l).into());
        labels.push(format!("${}", params.len()));
    }
    let mut tlp = format!(
        "{prefix}tlp IN ({})",
        if labels.is_empty() {
            "''".into()
        } else {
            labels.join(", ")
        }
    );
    if let Some(inst) = view.strict_institution {
        params.push(inst.into());
        tlp = format!(
            "{tlp} OR ({prefix}tlp = 'TLP:AMBER+STRICT' AND {prefix}institution_id = ${})",
            params.len()
        );
    }
    // Incidents shared with the reader's institution: in scope, and AMBER+STRICT readable.
    let scope_sql = match view.shared_with {
        Some(inst) => {
            params.push(inst.into());
            let recipients = format!(
                "SELECT r.incident_id FROM incident_recipients r WHERE r.institution_id = ${}",
                params.len()
            );
            let shared = match backend {
                // An array computed once lets the planner OR an index scan of the primary key
                // with the institution's; `IN (subquery)` is a hashed filter that made it scan
                // the whole table to count an officer's incidents (0.3-0.4 s for a million).
                crate::Backend::Postgres => format!("{prefix}id = ANY(ARRAY({recipients}))"),
                crate::Backend::Sqlite => format!("{prefix}id IN ({recipients})"),
            };
            tlp = format!("{tlp} OR ({prefix}tlp = 'TLP:AMBER+STRICT' AND {shared})");
            format!("({scope_sql} OR {shared})")
        }
        None => scope_sql,
    };
    params.push(view.user.into());
    (
        format!(
            "{scope_sql} AND ({tlp} OR {prefix}reported_by = ${})",
            params.len()
        ),
        params,
    )
}

/// Whether any incident is shared with `institution` (as an AMBER recipient).
async fn has_shared(db: &Db, institution: Uuid) -> Result<bool> {
    let n: Count = db
        .fetch_one(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM incident_recipients WHERE institution_id = $1 LIMIT 1) AS s",
            args![institution],
        )
        .await?;
    Ok(n.n > 0)
}

#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    /// Keyset pagination: only incidents after this one in the list's order.
    pub after: Option<Cursor>,
    pub q: Option<String>,
    pub institution: Option<Uuid>,
    pub class: Option<String>,
    pub level: Option<String>,
    pub state: Option<String>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    /// The reporting institution's sector.
    pub sector: Option<String>,
    /// Only incidents with (`true`) or without (`false`) a reporting stage that ran late.
    pub late: Option<bool>,
}

/// A position in the list (newest first, ties by id, also descending, so that every index
/// in report order is walked backwards and inserts stay at its right edge): the last row of a
/// page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub reported_at: OffsetDateTime,
    pub id: Uuid,
}

impl Cursor {
    pub fn of(row: &IncidentRow) -> Self {
        Cursor {
            reported_at: row.reported_at,
            id: row.id,
        }
    }
}

/// URL-safe and lossless (SQLite compares the stored text, offset and all): nanoseconds since
/// the epoch, the UTC offset in seconds, the id.
impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}.{}.{}",
            self.reported_at.unix_timestamp_nanos(),
            self.reported_at.offset().whole_seconds(),
            self.id.simple()
        )
    }
}

impl std::str::FromStr for Cursor {
    type Err = ();

    fn from_str(s: &str) -> std::result::Result<Self, ()> {
        let mut parts = s.splitn(3, '.');
        let mut next = || parts.next().ok_or(());
        let nanos: i128 = next()?.parse().map_err(|_| ())?;
        let offset: i32 = next()?.parse().map_err(|_| ())?;
        let id = Uuid::parse_str(next()?).map_err(|_| ())?;
        let offset = time::UtcOffset::from_whole_seconds(offset).map_err(|_| ())?;
        let at = OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| ())?;
        Ok(Cursor {
            reported_at: at.to_offset(offset),
            id,
        })
    }
}

/// The shortest text `q` the search index serves (trigrams); shorter ones scan titles and
/// references as before.
pub const SEARCH_MIN_CHARS: usize = 3;

/// Matches past which a text search stops driving the list by the search index.
const SEARCH_INDEX_MAX: i64 = 2_000;

/// How a text search `q` filters the list.
struct Search {
    /// The condition served by the search index (`?1` is `arg`).
    indexed: &'static str,
    arg: String,
    /// SQLite: a count of the index's matches (`$1` is `arg`, capped at `$2`) that decides
    /// between the index and a walk, and the walk's test of each row (`?1` is the folded term):
    /// a term matching thousands of incidents is found sooner by walking the list's own order
    /// and testing each row's folded text than by reading every match from the index and
    /// sorting them (0.35-0.42 s for a tenth of a million).
    walked: Option<Walk>,
    /// PostgreSQL: whether a list scoped to a few institutions counts its matches past a full
    /// first page by walking their rows, with the indexed test hidden from the trigram index
    /// ([`Search::walked_count`]). Walking costs at most their incidents, where the index's
    /// bitmap costs every match in the country (45 ms of 100,000 postings to count an
    /// officer's 1,050 for a common term).
    counted_by_walk: bool,
}

impl Search {
    /// The indexed test as an expression the trigram index does not cover (`|| ''`).
    fn walked_count(&self) -> String {
        self.indexed
            .replacen("search_text", "(search_text || '')", 1)
    }
}

struct Walk {
    count: &'static str,
    test: &'static str,
    arg: String,
}

/// The text search of `q` (already trimmed, without control characters).
fn search(backend: crate::Backend, q: &str) -> Search {
    if q.chars().count() < SEARCH_MIN_CHARS {
        return Search {
            indexed: "(LOWER(title) LIKE ?1 OR LOWER(reference) LIKE ?1)",
            arg: format!("%{}%", q.to_lowercase().replace(['%', '_'], "")),
            walked: None,
            counted_by_walk: false,
        };
    }
    match backend {
        // A phrase of trigrams: the substring, case and accents folded by the tokenizer.
        crate::Backend::Sqlite => Search {
            indexed: "rowid IN (SELECT rowid FROM incident_search WHERE incident_search MATCH ?1)",
            arg: format!("\"{}\"", q.replace('"', "\"\"")),
            walked: Some(Walk {
                count: "SELECT COUNT(*) AS n FROM (SELECT 1 FROM incident_search WHERE incident_search MATCH $1 LIMIT $2) AS m",
                test: "instr(search_fold, ?1) > 0",
                arg: crate::text_fold::fold(q),
            }),
            counted_by_walk: false,
        },
        // The same folding (lower, unaccent) of the same text, served by the trigram index.
        // PostgreSQL needs no count of the matches to choose: planned for the term (see
        // `list`), it estimates them from the column's statistics and walks the list's order
        // for a common one by itself.
        crate::Backend::Postgres => Search {
            indexed: "search_text LIKE ('%' || lower(public.unaccent('public.unaccent'::regdictionary, ?1)) || '%')",
            arg: q
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_"),
            walked: None,
            counted_by_walk: true,
        },
    }
}

/// Rows folded per transaction when filling `search_fold`.
const FOLD_BATCH: i64 = 2_000;

/// SQLite: stores the folded search text of incidents stored without it (before migration
/// 0026, or by a bulk load that leaves it to this); the number of rows filled. Runs at every
/// start, where a partial index of the rows left makes it one probe when there are none.
pub async fn fill_search_fold(db: &Db) -> Result<u64> {
    #[derive(FromRow)]
    struct Unfolded {
        rowid: i64,
        title: String,
        draft: String,
        reference: String,
    }
    if db.backend() != crate::Backend::Sqlite {
        return Ok(0);
    }
    let mut filled = 0u64;
    loop {
        let mut tx = db.begin().await?;
        let rows: Vec<Unfolded> = tx
            .fetch_all(
                "SELECT rowid, title, draft, reference FROM incidents INDEXED BY incidents_unfolded \
                 WHERE search_fold IS NULL LIMIT $1",
                args![FOLD_BATCH],
            )
            .await?;
        for r in &rows {
            let text = crate::text_fold::incident_text(&r.title, &r.draft, &r.reference);
            tx.execute(
                "UPDATE incidents SET search_fold = $1 WHERE rowid = $2",
                args![text, r.rowid],
            )
            .await?;
        }
        tx.commit().await?;
        filled += rows.len() as u64;
        if (rows.len() as i64) < FOLD_BATCH {
            return Ok(filled);
        }
        if filled.is_multiple_of(100_000) {
            tracing::info!(filled, "incidents: folding search text");
        }
    }
}

#[derive(FromRow)]
struct Count {
    n: i64,
}

/// How many matches past the requested page the list counts: its `total` is exact when below
/// `offset + limit + COUNT_AHEAD`, and that bound otherwise (there are at least that many).
/// Each match counted is a row read: 10,000 cost 90-400 ms for an officer or a common search
/// term over a million incidents; a thousand say "more than" as well for a tenth of it.
pub const COUNT_AHEAD: i64 = 1_000;

/// A text search counts fewer matches past its page: a term common in an institution's
/// incidents is tested row by row, and a thousand past the page cost 60-100 ms for an officer
/// (about 11,000 rows read), where "more than 250 matches" tells a searcher as much.
pub const SEARCH_COUNT_AHEAD: i64 = 200;

/// The text search a list runs for `q`: trimmed, control characters as spaces (titles hold
/// none, so none can match; as spaces they keep the search index's phrase syntax and
/// PostgreSQL's text types content); `None` when nothing is left.
pub fn search_term(q: Option<&str>) -> Option<String> {
    let q: String = q?
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let q = q.trim();
    (!q.is_empty()).then(|| q.to_owned())
}

/// How many matches past the page a list counts ([`COUNT_AHEAD`], or [`SEARCH_COUNT_AHEAD`]
/// for a text search).
fn count_ahead(searched: bool) -> i64 {
    if searched {
        SEARCH_COUNT_AHEAD
    } else {
        COUNT_AHEAD
    }
}

/// Whether a list's `total` is the exact count, or only "at least" (see [`COUNT_AHEAD`]);
/// `searched`: the list ran a text search ([`search_term`] of its `q` is some).
pub fn total_is_exact(total: i64, page: Page, searched: bool) -> bool {
    total < page.offset + page.limit + count_ahead(searched)
}

pub async fn list(
    db: &Db,
    scope: &Scope,
    view: &TlpView,
    f: &IncidentFilter,
    page: Page,
) -> Result<(Vec<IncidentRow>, i64)> {
    // Most institutions have nothing shared with them: without that OR, an officer's list
    // walks the institution's own index in report order and stops at the page (SQLite sorted
    // all 13,500 rows of an institution for every page).
    let unshared;
    let view = match view.shared_with {
        Some(inst) if !has_shared(db, inst).await? => {
            unshared = TlpView {
                shared_with: None,
                ..view.clone()
            };
            &unshared
        }
        _ => view,
    };
    let (visible, mut params) = visibility(db.backend(), scope, view, "");
    let mut conds = vec![visible];
    // The count's own form of the text search, where it differs: (position, condition).
    let mut counted_search: Option<(usize, String)> = None;
    let push = |conds: &mut Vec<String>, sql: String, v: Arg, params: &mut Vec<Arg>| {
        params.push(v);
        conds.push(sql.replace('?', &format!("${}", params.len())));
    };
    let q = search_term(f.q.as_deref());
    let q = q.as_deref();
    if let Some(q) = q {
        let search = search(db.backend(), q);
        let scoped = matches!(scope, Scope::Only(_)) || f.institution.is_some();
        let walked_count = (search.counted_by_walk && scoped).then(|| search.walked_count());
        let Search {
            indexed,
            arg,
            walked,
            ..
        } = search;
        let (mut sql, mut arg) = (indexed, arg);
        if let Some(walk) = walked {
            let n: Count = db
                .fetch_one(walk.count, args![&arg, SEARCH_INDEX_MAX])
                .await?;
            if n.n >= SEARCH_INDEX_MAX {
                (sql, arg) = (walk.test, walk.arg);
            }
        }
        push(&mut conds, sql.replace("?1", "?"), arg.into(), &mut params);
        if let Some(test) = walked_count {
            let n = format!("${}", params.len());
            counted_search = Some((conds.len() - 1, test.replace("?1", &n)));
        }
    }
    if let Some(i) = f.institution {
        push(
            &mut conds,
            "institution_id = ?".into(),
            i.into(),
            &mut params,
        );
    }
    for (column, value) in [
        ("class", &f.class),
        ("level", &f.level),
        ("state", &f.state),
    ] {
        if let Some(v) = value.as_deref().filter(|v| !v.is_empty()) {
            push(&mut conds, format!("{column} = ?"), v.into(), &mut params);
        }
    }
    if let Some(sector) = f.sector.as_deref().filter(|v| !v.is_empty()) {
        push(
            &mut conds,
            "institution_id IN (SELECT s.id FROM institutions s WHERE s.sector = ?)".into(),
            sector.into(),
            &mut params,
        );
    }
    if let Some(from) = f.from {
        push(
            &mut conds,
            "reported_at >= ?".into(),
            from.into(),
            &mut params,
        );
    }
    if let Some(to) = f.to {
        push(&mut conds, "reported_at < ?".into(), to.into(), &mut params);
    }
    match f.late {
        Some(true) => conds.push("id IN (SELECT l.incident_id FROM late_notices l)".into()),
        Some(false) => conds.push("id NOT IN (SELECT l.incident_id FROM late_notices l)".into()),
        None => {}
    }
    if let Some(c) = f.after {
        params.push(c.reported_at.into());
        let t = params.len();
        params.push(c.id.into());
        // The first term lets the report-order index start at the cursor.
        conds.push(format!(
            "reported_at <= ${t} AND (reported_at < ${t} OR id < ${})",
            t + 1
        ));
    }
    let cond = conds.join(" AND ");
    // A text search's best plan depends on the term (a common one walks the list's order, a
    // rare one reads the search index): plan it for its arguments each time, where a kept
    // statement would settle on one generic plan for every term.
    let replanned = q.is_some();
    let n = params.len();
    let mut page_params = params.clone();
    page_params.extend(args![page.limit, page.offset]);
    // The page's ids are chosen first and only its rows read whole: an officer's list is an
    // OR of two indexes that SQLite sorts in a temporary tree, and sorting whole rows (drafts
    // included) cost 93 ms for an institution of 13,500 incidents, 40 ms for their ids.
    let page_sql = format!(
        "SELECT {COLUMNS} FROM incidents WHERE id IN \
         (SELECT id FROM incidents WHERE {cond} ORDER BY reported_at DESC, id DESC LIMIT ${} OFFSET ${}) \
         ORDER BY reported_at DESC, id DESC",
        n + 1,
        n + 2
    );
    let rows: Vec<IncidentRow> = fetch_planned(db, &page_sql, page_params, replanned).await?;
    // A short page that holds something (or the first page) is the end of the list: its
    // total needs no count.
    let short = (rows.len() as i64) < page.limit && (!rows.is_empty() || page.offset == 0);
    if short {
        let total = page.offset + rows.len() as i64;
        return Ok((rows, total));
    }
    // Counting every match of a broad filter over the national history is a scan of the
    // whole table (0.7 s for a million rows); the count stops this far past the page.
    let cond = match counted_search {
        Some((at, test)) => {
            conds[at] = test;
            conds.join(" AND ")
        }
        None => cond,
    };
    params.push((page.offset + page.limit + count_ahead(q.is_some())).into());
    let count_sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM incidents WHERE {cond} LIMIT ${}) AS capped",
        params.len()
    );
    let total: Vec<Count> = fetch_planned(db, &count_sql, params, replanned).await?;
    Ok((rows, total.first().map_or(0, |c| c.n)))
}

/// [`Db::fetch_all`], or [`Db::fetch_all_replanned`] when `replanned`.
async fn fetch_planned<T: crate::db::Record>(
    db: &Db,
    sql: &str,
    args: Vec<Arg>,
    replanned: bool,
) -> Result<Vec<T>> {
    if replanned {
        db.fetch_all_replanned(sql, args).await
    } else {
        db.fetch_all(sql, args).await
    }
}

#[derive(Debug, Clone, Serialize, FromRow)]
pub struct SubmissionRow {
    pub stage: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub by_email: String,
}

pub async fn submissions(db: &Db, incident: Uuid) -> Result<Vec<SubmissionRow>> {
    db.fetch_all(
        "SELECT stage, at, by_email FROM incident_submissions WHERE incident_id = $1 ORDER BY at",
        args![incident],
    )
    .await
}

/// The submissions of several incidents in one query (a list page), in order of `at`.
pub async fn submissions_of(
    db: &Db,
    incidents: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<SubmissionRow>>> {
    #[derive(FromRow)]
    struct Of {
        incident_id: Uuid,
        #[sqlx(flatten)]
        row: SubmissionRow,
    }
    let mut out: std::collections::HashMap<Uuid, Vec<SubmissionRow>> = Default::default();
    if incidents.is_empty() {
        return Ok(out);
    }
    let marks: Vec<String> = (1..=incidents.len()).map(|i| format!("${i}")).collect();
    let rows: Vec<Of> = db
        .fetch_all(
            &format!(
                "SELECT incident_id, stage, at, by_email FROM incident_submissions WHERE incident_id IN ({}) ORDER BY at",
                marks.join(", ")
            ),
            incidents.iter().map(|i| Arg::from(*i)).collect(),
        )
        .await?;
    for r in rows {
        out.entry(r.incident_id).or_default().push(r.row);
    }
    Ok(out)
}

/// Records that a reporting stage was submitted now.
pub async fn submit_stage(
    db: &Db,
    actor: &Actor,
    incident: &IncidentRow,
    stage: &str,
) -> Result<SubmissionRow> {
    submit_stage_at(db, actor, incident, stage, now()).await
}

/// Records a stage submitted at `at` (now for users; the past for seeded history).
pub async fn submit_stage_at(
    db: &Db,
    actor: &Actor,
    incident: &IncidentRow,
    stage: &str,
    at: OffsetDateTime,
) -> Result<SubmissionRow> {
    let row = SubmissionRow {
        stage: stage.to_string(),
        at,
        by_email: actor.email.clone(),
    };
    let mut tx = db.begin().await?;
    tx.execute(
        "INSERT INTO incident_submissions (incident_id, stage, at, by_email) VALUES ($1, $2, $3, $4)",
        args![incident.id, stage, row.at, &row.by_email],
    )
    .await?;
    tx.execute(
        "UPDATE incidents SET updated_at = $2 WHERE id = $1",
        args![incident.id, row.at],
    )
    .await?;
    let change = crate::audit::Change::new(
        "submit-stage",
        "incident",
        incident.id,
        Some(incident.institution_id),
        &row,
    );
    crate::audit::record(&mut tx, actor, &change).await?;
    crate::events::emit(
        &mut tx,
        "incident.stage",
        Some(incident.institution_id),
        &change,
    )
    .await?;
    tx.commit().await?;
    Ok(row)
}

#[derive(FromRow)]
struct Any {
    n: i64,
}

/// How many incidents exist (the demo seeds history only into an empty table).
pub async fn count_all(db: &Db) -> Result<i64> {
    Ok(db
        .fetch_one::<Any>("SELECT COUNT(*) AS n FROM incidents", args![])
        .await?
        .n)
}

/// Incidents still open and reported since `since`: the ones whose reporting clocks can still
/// run late.
pub async fn open_since(db: &Db, since: OffsetDateTime) -> Result<Vec<IncidentRow>> {
    db.fetch_all(
        &format!("SELECT {COLUMNS} FROM incidents WHERE closed_at IS NULL AND reported_at >= $1 ORDER BY reported_at"),
        args![since],
    )
    .await
}

/// Claims the notification of a late stage: true for exactly one caller, on any replica.
pub async fn claim_late_notice(
    db: &Db,
    incident: Uuid,
    stage: &str,
    occurrence: i64,
) -> Result<bool> {
    let n = db
        .execute(
            "INSERT INTO late_notices (incident_id, stage, occurrence, notified_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            args![incident, stage, occurrence, now()],
        )
        .await?;
    Ok(n == 1)
}

/// E-mail addresses named by a protocol's `notify` targets for an institution:
/// `institution:titular` (the head), `institution:responsable` (the officer) and
/// `role:coordinator` (every active coordinator account).
pub async fn notify_addresses(
    db: &Db,
    institution: Uuid,
    targets: &[String],
) -> Result<Vec<String>> {
    #[derive(sqlx::FromRow)]
    struct Email {
        email: String,
    }
    let mut out: Vec<String> = vec![];
    for t in targets {
        let rows: Vec<Email> = match t.as_str() {
            "institution:titular" | "institution:responsable" => {
                let role = if t.ends_with("titular") { "head" } else { "officer" };
                db.fetch_all(
                    "SELECT email FROM officers WHERE institution_id = $1 AND role = $2",
                    args![institution, role],
                )
                .await?
            }
            "role:coordinator" => {
                db.fetch_all(
                    "SELECT email FROM users WHERE role = 'coordinator' AND active = $1 ORDER BY email",
                    args![true],
                )
                .await?
            }
            _ => vec![],
        };
        for r in rows {
            if !r.email.is_empty() && !out.contains(&r.email) {
                out.push(r.email);
            }
        }
    }
    Ok(out)
}

/// The incident with this reference (`CEN-2026-000123`), if any.
pub async fn find_by_reference(db: &Db, reference: &str) -> Result<Option<IncidentRow>> {
    db.fetch_optional(
        &format!("SELECT {COLUMNS} FROM incidents WHERE reference = $1"),
        args![reference],
    )
    .await
}

/// Open incidents with a reporting stage that ran late, per sector of the reporting
/// institution, among those the reader may see (the national dashboard's chart).
pub async fn late_by_sector(db: &Db, scope: &Scope, view: &TlpView) -> Result<Vec<(String, i64)>> {
    #[derive(FromRow)]
    struct Row {
        sector: String,
        n: i64,
    }
    let (visible, params) = visibility(db.backend(), scope, view, "i.");
    let rows: Vec<Row> = db
        .fetch_all(
            &format!(
                "SELECT inst.sector AS sector, COUNT(*) AS n FROM incidents i JOIN institutions inst ON inst.id = i.institution_id \
                 WHERE {visible} AND i.closed_at IS NULL AND i.id IN (SELECT l.incident_id FROM late_notices l) \
                 GROUP BY inst.sector ORDER BY n DESC, inst.sector"
            ),
            params,
        )
        .await?;
    Ok(rows.into_iter().map(|r| (r.sector, r.n)).collect())
}
