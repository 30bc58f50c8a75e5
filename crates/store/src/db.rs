//! The two backends behind one handle.
//!
//! We do not use sqlx's `Any` driver: it maps only a few types, and hides PostgreSQL's
//! LISTEN/NOTIFY and SQLite's pragmas. Instead SQL is shared and values are bound through
//! [`Arg`], so repository code is written once.

use crate::{Result, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{FromRow, Postgres, Sqlite, Transaction};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use time::{Date, OffsetDateTime};
use tokio::sync::{Notify, mpsc};
use uuid::Uuid;

/// A value bound to a `$N` placeholder.
#[derive(Debug, Clone)]
pub enum Arg {
    Uuid(Option<Uuid>),
    Text(Option<String>),
    Int(Option<i64>),
    Bool(bool),
    Time(Option<OffsetDateTime>),
    Date(Option<Date>),
}

macro_rules! arg_from {
    ($($t:ty => $v:ident($conv:expr)),* $(,)?) => {
        $(impl From<$t> for Arg { fn from(x: $t) -> Self { Arg::$v($conv(x)) } })*
    };
}
arg_from!(
    Uuid => Uuid(Some),
    Option<Uuid> => Uuid(|x| x),
    String => Text(Some),
    &String => Text(|x: &String| Some(x.clone())),
    &str => Text(|x: &str| Some(x.to_string())),
    Option<String> => Text(|x| x),
    i64 => Int(Some),
    Option<i64> => Int(|x| x),
    bool => Bool(|x| x),
    OffsetDateTime => Time(Some),
    Option<OffsetDateTime> => Time(|x| x),
    Date => Date(Some),
    Option<Date> => Date(|x| x),
);

/// `(…)` with `count` placeholders for parameters `first…`: `$N` on PostgreSQL, plain `?` on
/// SQLite, whose binding of numbered parameters looks each name up in a list of all of them
/// (quadratic: it took 90 % of the time of a 7,000-parameter INSERT). So the parameters of a
/// statement built with this must be bound in order, each used once.
pub(crate) fn placeholders(backend: Backend, first: usize, count: usize) -> String {
    let list: Vec<String> = (first..first + count)
        .map(|n| match backend {
            Backend::Postgres => format!("${n}"),
            Backend::Sqlite => "?".to_string(),
        })
        .collect();
    format!("({})", list.join(", "))
}

/// `(…), (…)`: `rows` rows of `per_row` placeholders, for parameters from `$1` (see
/// [`placeholders`]).
pub(crate) fn value_rows(backend: Backend, rows: usize, per_row: usize) -> String {
    let rows: Vec<String> = (0..rows)
        .map(|r| placeholders(backend, r * per_row + 1, per_row))
        .collect();
    rows.join(", ")
}

/// Splits rows for multi-row statements into chunks of power-of-two sizes, largest first, at
/// most `max` (a power of two): a statement per chunk, so a batch of any size is written with
/// a few statements of at most log2(`max`) + 1 distinct shapes, which each connection's
/// prepared-statement cache keeps (one shape per size would evict them).
pub(crate) fn pow2_chunks<T>(mut rows: &[T], max: usize) -> Vec<&[T]> {
    debug_assert!(max.is_power_of_two());
    let mut out = vec![];
    while !rows.is_empty() {
        let n = max.min(1 << rows.len().ilog2());
        let (chunk, rest) = rows.split_at(n);
        out.push(chunk);
        rows = rest;
    }
    out
}

/// Builds a `Vec<Arg>` from values of mixed types.
#[macro_export]
macro_rules! args {
    ($($e:expr),* $(,)?) => { vec![$($crate::Arg::from($e)),*] };
}

macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::Uuid(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::Int(v) => q.bind(v),
                Arg::Bool(v) => q.bind(v),
                Arg::Time(v) => q.bind(v),
                Arg::Date(v) => q.bind(v),
            };
        }
        q
    }};
}

/// A row type readable from both backends.
pub trait Record:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Pg(PgPool),
}

/// A connection pool to one of the backends, plus the local wake-up for the event bus.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    pub(crate) wake: Arc<Notify>,
    /// PostgreSQL: asks the task that notifies other replicas to send one `NOTIFY`.
    replicas: Option<mpsc::Sender<()>>,
}

/// Sends `NOTIFY` for events committed since the last one, one at a time. A `NOTIFY` inside
/// a write transaction serialises every such commit, fsync included, behind one global lock
/// (reports capped at a few hundred a second); here requests arriving while one is sent
/// collapse into the next, and its own commit need not wait for the disk. Ends when the last
/// `Db` clone is dropped.
fn spawn_replica_notifier(pool: PgPool) -> mpsc::Sender<()> {
    let (tx, mut rx) = mpsc::channel::<()>(1);
    tokio::spawn(async move {
        let sql = format!(
            "BEGIN; SET LOCAL synchronous_commit = off; SELECT pg_notify('{}', ''); COMMIT",
            crate::events::CHANNEL
        );
        while rx.recv().await.is_some() {
            if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
                .execute(&pool)
                .await
            {
                // Replicas still poll the outbox; they only hear of it later.
                tracing::debug!(error = %e, "NOTIFY failed");
            }
        }
    });
    tx
}

#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
}

/// Runs one of the four query shapes on whichever pool or transaction is given.
macro_rules! dispatch {
    ($target:expr, $sqlite:pat => $s:expr, $pg:pat => $p:expr) => {
        match $target {
            $sqlite => $s,
            $pg => $p,
        }
    };
}

impl Db {
    /// Opens `sqlite://PATH` (created if missing, WAL) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Db> {
        Self::connect_with(url, None).await
    }

    /// As [`Db::connect`], with every PostgreSQL connection confined to `schema` (tests run
    /// each in its own schema so they can run in parallel).
    pub async fn connect_with(url: &str, pg_schema: Option<&str>) -> Result<Db> {
        let pool = if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let opts = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true);
            Pool::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(opts)
                    .await?,
            )
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // No JIT compilation: it is made for long analytic queries, and added 20 ms to
            // list queries whose cost estimate crossed its threshold (a million incidents).
            let mut opts = PgConnectOptions::from_str(url)?.options([("jit", "off")]);
            if let Some(schema) = pg_schema {
                opts = opts.options([("search_path", schema)]);
            }
            Pool::Pg(
                PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await?,
            )
        } else {
            return Err(StoreError::BadUrl(url.to_string()));
        };
        let replicas = match &pool {
            Pool::Pg(p) => Some(spawn_replica_notifier(p.clone())),
            Pool::Sqlite(_) => None,
        };
        Ok(Db {
            pool,
            wake: Arc::new(Notify::new()),
            replicas,
        })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Pg(_) => Backend::Postgres,
        }
    }

    pub(crate) fn pg_pool(&self) -> Option<&PgPool> {
        match &self.pool {
            Pool::Pg(p) => Some(p),
            Pool::Sqlite(_) => None,
        }
    }

    /// Applies this backend's pending migrations.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => {
                sqlx::migrate!("migrations/sqlite").run(p).await?;
                let folded = crate::incidents::fill_search_fold(self).await?;
                if folded > 0 {
                    tracing::info!(folded, "incidents: search text folded");
                }
                // SQLite plans without table statistics unless ANALYZE ran: with a million
                // incidents it then picked the class/level index over the institution one for
                // an officer's filtered list. Refresh the statistics where they are missing or
                // stale (1.6 s for a million incidents; a sampled ANALYZE was too coarse to
                // tell those indexes apart).
                sqlx::query("PRAGMA optimize = 0x10002").execute(p).await?;
            }
            Pool::Pg(p) => sqlx::migrate!("migrations/postgres").run(p).await?,
        }
        crate::inventory::settle_public_assets(self).await?;
        Ok(())
    }

    pub fn pool_stats(&self) -> PoolStats {
        match &self.pool {
            Pool::Sqlite(p) => PoolStats {
                size: p.size(),
                idle: p.num_idle() as u32,
            },
            Pool::Pg(p) => PoolStats {
                size: p.size(),
                idle: p.num_idle() as u32,
            },
        }
    }

    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Pg(p) => p.close().await,
        }
    }

    /// Starts a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that reads then writes fails with SQLITE_BUSY
    /// without waiting.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Tx {
                inner: TxInner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
                wake: self.wake.clone(),
                replicas: None,
            },
            Pool::Pg(p) => Tx {
                inner: TxInner::Pg(p.begin().await?),
                wake: self.wake.clone(),
                replicas: self.replicas.clone().map(|s| (s, false)),
            },
        })
    }

    pub async fn fetch_all<T: Record>(&self, sql: &str, args: Vec<Arg>) -> Result<Vec<T>> {
        Ok(dispatch!(&self.pool,
            Pool::Sqlite(p) => bind_args!(sqlx::query_as::<Sqlite, T>(sqlx::AssertSqlSafe(sql.to_owned())), args).fetch_all(p).await?,
            Pool::Pg(p) => bind_args!(sqlx::query_as::<Postgres, T>(sqlx::AssertSqlSafe(sql.to_owned())), args).fetch_all(p).await?))
    }

    /// As [`Db::fetch_all`], planned for its arguments on every call: the statement is not
    /// kept prepared, so PostgreSQL never settles on a generic plan that guesses the values
    /// (for a text search, how many rows a term matches).
    pub async fn fetch_all_replanned<T: Record>(
        &self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<T>> {
        Ok(dispatch!(&self.pool,
            Pool::Sqlite(p) => bind_args!(sqlx::query_as::<Sqlite, T>(sqlx::AssertSqlSafe(sql.to_owned())), args).persistent(false).fetch_all(p).await?,
            Pool::Pg(p) => bind_args!(sqlx::query_as::<Postgres, T>(sqlx::AssertSqlSafe(sql.to_owned())), args).persistent(false).fetch_all(p).await?))
    }

    pub async fn fetch_optional<T: Record>(&self, sql: &str, args: Vec<Arg>) -> Result<Option<T>> {
        Ok(dispatch!(&self.pool,
            Pool::Sqlite(p) => bind_args!(sqlx::query_as::<Sqlite, T>(sqlx::AssertSqlSafe(sql.to_owned())), args).fetch_optional(p).await?,
            Pool::Pg(p) => bind_args!(sqlx::query_as::<Postgres, T>(sqlx::AssertSqlSafe(sql.to_owned())), args).fetch_optional(p).await?))
    }

    pub async fn fetch_one<T: Record>(&self, sql: &str, args: Vec<Arg>) -> Result<T> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn execute(&self, sql: &str, args: Vec<Arg>) -> Result<u64> {
        Ok(dispatch!(&self.pool,
            Pool::Sqlite(p) => bind_args!(sqlx::query::<Sqlite>(sqlx::AssertSqlSafe(sql.to_owned())), args).execute(p).await?.rows_affected(),
            Pool::Pg(p) => bind_args!(sqlx::query::<Postgres>(sqlx::AssertSqlSafe(sql.to_owned())), args).execute(p).await?.rows_affected()))
    }
}

enum TxInner {
    Sqlite(Transaction<'static, Sqlite>),
    Pg(Transaction<'static, Postgres>),
}

/// A write transaction; dropped without [`Tx::commit`], it rolls back.
pub struct Tx {
    inner: TxInner,
    wake: Arc<Notify>,
    /// PostgreSQL: the replica notifier, and whether this transaction wrote events.
    replicas: Option<(mpsc::Sender<()>, bool)>,
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Pg(t) => t.commit().await?,
        }
        // Events written in this transaction are now visible: wake the local bus reader, and
        // the other replicas' (a full channel means a NOTIFY is pending already).
        self.wake.notify_one();
        if let Some((s, true)) = &self.replicas {
            let _ = s.try_send(());
        }
        Ok(())
    }

    /// Other replicas are told of this transaction's events once it commits.
    pub(crate) fn notify_replicas(&mut self) {
        if let Some((_, emitted)) = &mut self.replicas {
            *emitted = true;
        }
    }

    pub fn backend(&self) -> Backend {
        match self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            TxInner::Pg(_) => Backend::Postgres,
        }
    }

    pub async fn fetch_all<T: Record>(&mut self, sql: &str, args: Vec<Arg>) -> Result<Vec<T>> {
        Ok(dispatch!(&mut self.inner,
            TxInner::Sqlite(t) => bind_args!(sqlx::query_as::<Sqlite, T>(sqlx::AssertSqlSafe(sql.to_owned())), args).fetch_all(&mut **t).await?,
            TxInner::Pg(t) => bind_args!(sqlx::query_as::<Postgres, T>(sqlx::AssertSqlSafe(sql.to_owned())), args).fetch_all(&mut **t).await?))
    }

    pub async fn fetch_optional<T: Record>(
        &mut self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Option<T>> {
        Ok(dispatch!(&mut self.inner,
            TxInner::Sqlite(t) => bind_args!(sqlx::query_as::<Sqlite, T>(sqlx::AssertSqlSafe(sql.to_owned())), args).fetch_optional(&mut **t).await?,
            TxInner::Pg(t) => bind_args!(sqlx::query_as::<Postgres, T>(sqlx::AssertSqlSafe(sql.to_owned())), args).fetch_optional(&mut **t).await?))
    }

    pub async fn fetch_one<T: Record>(&mut self, sql: &str, args: Vec<Arg>) -> Result<T> {
        self.fetch_optional(sql, args)
            .await?
            .ok_or(StoreError::NotFound)
    }

    pub async fn execute(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64> {
        Ok(dispatch!(&mut self.inner,
            TxInner::Sqlite(t) => bind_args!(sqlx::query::<Sqlite>(sqlx::AssertSqlSafe(sql.to_owned())), args).execute(&mut **t).await?.rows_affected(),
            TxInner::Pg(t) => bind_args!(sqlx::query::<Postgres>(sqlx::AssertSqlSafe(sql.to_owned())), args).execute(&mut **t).await?.rows_affected()))
    }
}

/// Maps a unique-constraint violation to `Conflict(what)`, other errors unchanged.
pub(crate) fn conflict(what: &'static str) -> impl Fn(StoreError) -> StoreError {
    move |e| match &e {
        StoreError::Sqlx(sqlx::Error::Database(d)) if d.is_unique_violation() => {
            StoreError::Conflict(what)
        }
        _ => e,
    }
}

#[cfg(test)]
mod tests {
    use super::pow2_chunks;

    #[test]
    fn chunks_are_powers_of_two_largest_first_and_cover_every_row() {
        let cases: &[(usize, usize, &[usize])] = &[
            (0, 64, &[]),
            (1, 64, &[1]),
            (23, 64, &[16, 4, 2, 1]),
            (64, 64, &[64]),
            (200, 64, &[64, 64, 64, 8]),
            (1000, 512, &[512, 256, 128, 64, 32, 8]),
        ];
        for (n, max, want) in cases {
            let rows: Vec<usize> = (0..*n).collect();
            let chunks = pow2_chunks(&rows, *max);
            let sizes: Vec<usize> = chunks.iter().map(|c| c.len()).collect();
            assert_eq!(&sizes, want, "{n} rows, at most {max}");
            assert_eq!(chunks.concat(), rows, "{n} rows in order");
        }
    }
}
