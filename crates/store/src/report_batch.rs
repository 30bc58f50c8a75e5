//! Group commit for incident reports.
//!
//! Each report is a transaction of several writes (the incident, its number, the search
//! index, the statistics counters, an audit entry chained to the previous one, an outbox
//! event), and the commit itself costs about as much again: on SQLite, one writer at a
//! time, that capped reports at a few hundred a second. A [`ReportBatcher`] lets reports that
//! arrive together share one transaction. A report alone is written at once; under load, the
//! reports that queued while the previous transaction ran go in the next one.
//!
//! All or nothing still holds per report: if any report of a batch fails, the batch is rolled
//! back and each of its reports is retried in a transaction of its own, so one bad report
//! cannot take others down with it. A caller hears back only after its report committed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{mpsc, oneshot};

use crate::incidents::{IncidentRow, NewIncident, Report, create, create_together};
use crate::{Actor, Db, Result};

/// Most reports one transaction takes: bounds how long the writer lock is held.
const MAX_BATCH: usize = 64;

struct Job {
    actor: Actor,
    prefix: String,
    incident: NewIncident,
    reply: oneshot::Sender<Result<IncidentRow>>,
}

/// A handle to the task that writes reports in shared transactions. Cheap to clone.
#[derive(Clone)]
pub struct ReportBatcher {
    db: Db,
    jobs: mpsc::Sender<Job>,
    largest: Arc<AtomicUsize>,
}

impl ReportBatcher {
    /// Starts the writing task on the current Tokio runtime.
    pub fn start(db: Db) -> ReportBatcher {
        let (jobs, inbox) = mpsc::channel(4 * MAX_BATCH);
        let largest = Arc::new(AtomicUsize::new(0));
        tokio::spawn(write_forever(db.clone(), inbox, largest.clone()));
        ReportBatcher { db, jobs, largest }
    }

    /// The most reports one transaction has committed so far (for tests and metrics).
    pub fn largest_batch(&self) -> usize {
        self.largest.load(Ordering::Relaxed)
    }

    /// Records a report as [`create`] does, sharing the transaction with reports that arrive
    /// at the same time.
    pub async fn create(
        &self,
        actor: &Actor,
        prefix: &str,
        incident: NewIncident,
    ) -> Result<IncidentRow> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            actor: actor.clone(),
            prefix: prefix.to_string(),
            incident,
            reply,
        };
        match self.jobs.send(job).await {
            Ok(()) => match answer.await {
                Ok(result) => result,
                // The task ended (its runtime is shutting down) before answering. Whether the
                // report committed is unknown to us here, as with a connection lost at commit.
                Err(_) => Err(sqlx::Error::WorkerCrashed.into()),
            },
            // No task (its runtime is gone): write it here, alone.
            Err(mpsc::error::SendError(job)) => {
                create(&self.db, &job.actor, &job.prefix, &job.incident).await
            }
        }
    }
}

async fn write_forever(db: Db, mut inbox: mpsc::Receiver<Job>, largest: Arc<AtomicUsize>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while inbox.recv_many(&mut batch, MAX_BATCH).await > 0 {
        write_batch(&db, std::mem::take(&mut batch), &largest).await;
    }
}

async fn write_batch(db: &Db, jobs: Vec<Job>, largest: &AtomicUsize) {
    if jobs.len() == 1 {
        let job = jobs.into_iter().next().expect("one job");
        let result = create(db, &job.actor, &job.prefix, &job.incident).await;
        let _ = job.reply.send(result);
        return;
    }
    match together(db, &jobs).await {
        Ok(rows) => {
            largest.fetch_max(rows.len(), Ordering::Relaxed);
            for (job, row) in jobs.into_iter().zip(rows) {
                let _ = job.reply.send(Ok(row));
            }
        }
        Err(_) => {
            // Rolled back: each report on its own, so each gets its own outcome.
            for job in jobs {
                let result = create(db, &job.actor, &job.prefix, &job.incident).await;
                let _ = job.reply.send(result);
            }
        }
    }
}

async fn together(db: &Db, jobs: &[Job]) -> Result<Vec<IncidentRow>> {
    let prefix = &jobs[0].prefix;
    if jobs.iter().any(|j| &j.prefix != prefix) {
        // Never the case for the API (one prefix); handled alone by the caller.
        return Err(crate::StoreError::Invalid("mixed prefixes".into()));
    }
    let reports: Vec<Report<'_>> = jobs.iter().map(|j| (&j.actor, &j.incident)).collect();
    create_together(db, prefix, &reports).await
}
