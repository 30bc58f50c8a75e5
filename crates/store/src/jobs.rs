//! A job queue in the database, so that any replica can run background work (scans, feed
//! ingestion, notifications) and none is lost when a process dies.
//!
//! On PostgreSQL a claim takes the oldest ready job with `FOR UPDATE SKIP LOCKED`, so
//! replicas never wait for each other nor claim the same job; on SQLite the claim runs inside
//! a `BEGIN IMMEDIATE` transaction, which serialises writers. A claimed job holds a lease;
//! a job whose lease expired (its worker died) is claimed again, so handlers must be
//! idempotent.

use crate::db::Backend;
use crate::{Db, Result, StoreError, args, now};
use serde::Serialize;
use sqlx::FromRow;
use time::{Duration, OffsetDateTime};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
}

#[derive(FromRow)]
struct Id {
    id: i64,
}

const INSERT: &str = "INSERT INTO jobs (kind, payload, state, run_at, attempts, max_attempts, created_at) \
     VALUES ($1, $2, 'queued', $3, 0, $4, $5) RETURNING id";

/// Queues a job to run at `run_at` (now if `None`). Returns its id.
pub async fn enqueue(
    db: &Db,
    kind: &str,
    payload: &str,
    run_at: Option<OffsetDateTime>,
) -> Result<i64> {
    let now = now();
    let row: Id = db
        .fetch_one(
            INSERT,
            args![kind, payload, run_at.unwrap_or(now), 5i64, now],
        )
        .await?;
    Ok(row.id)
}

/// Queues a job to run now inside the caller's transaction, tried at most `max_attempts`
/// times. Returns its id.
pub async fn enqueue_in(
    tx: &mut crate::Tx,
    kind: &str,
    payload: &str,
    max_attempts: i64,
) -> Result<i64> {
    let now = now();
    let row: Id = tx
        .fetch_one(INSERT, args![kind, payload, now, max_attempts, now])
        .await?;
    Ok(row.id)
}

/// Claims the oldest ready job (queued and due, or running with an expired lease) for
/// `lease`; `None` when there is nothing to do.
pub async fn claim(db: &Db, lease: Duration) -> Result<Option<Job>> {
    let now = now();
    let lock = match db.backend() {
        Backend::Postgres => "FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET state = 'running', locked_until = $1, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM jobs \
                     WHERE (state = 'queued' AND run_at <= $2) OR (state = 'running' AND locked_until < $2) \
                     ORDER BY run_at, id LIMIT 1 {lock}) \
         RETURNING id, kind, payload, attempts"
    );
    let mut tx = db.begin().await?;
    let job: Option<Job> = tx.fetch_optional(&sql, args![now + lease, now]).await?;
    tx.commit().await?;
    Ok(job)
}

/// Marks a claimed job done.
pub async fn complete(db: &Db, id: i64) -> Result<()> {
    let n = db
        .execute(
            "UPDATE jobs SET state = 'done', locked_until = NULL, finished_at = $2 WHERE id = $1 AND state = 'running'",
            args![id, now()],
        )
        .await?;
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Records a failure: the job is retried later with exponential backoff, or marked failed
/// after its last attempt.
pub async fn fail(db: &Db, id: i64, error: &str) -> Result<()> {
    #[derive(FromRow)]
    struct Attempts {
        attempts: i64,
        max_attempts: i64,
    }
    let a: Attempts = db
        .fetch_one(
            "SELECT attempts, max_attempts FROM jobs WHERE id = $1",
            args![id],
        )
        .await?;
    let error: String = error.chars().take(2000).collect();
    if a.attempts >= a.max_attempts {
        db.execute(
            "UPDATE jobs SET state = 'failed', locked_until = NULL, last_error = $2, finished_at = $3 WHERE id = $1",
            args![id, error, now()],
        )
        .await?;
    } else {
        let retry_at = now() + backoff(a.attempts);
        db.execute(
            "UPDATE jobs SET state = 'queued', locked_until = NULL, last_error = $2, run_at = $3 WHERE id = $1",
            args![id, error, retry_at],
        )
        .await?;
    }
    Ok(())
}

/// 10 s, 40 s, 160 s, … capped at an hour.
pub fn backoff(attempts: i64) -> Duration {
    let exp = attempts.clamp(1, 8) as u32 - 1;
    Duration::seconds((10i64 * 4i64.pow(exp)).min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let cases = [
            (1, 10),
            (2, 40),
            (3, 160),
            (4, 640),
            (5, 2560),
            (6, 3600),
            (50, 3600),
            (0, 10),
        ];
        for (attempts, secs) in cases {
            assert_eq!(backoff(attempts), Duration::seconds(secs), "{attempts}");
        }
    }
}
