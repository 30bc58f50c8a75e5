//! The background job worker: claims queued jobs (on any replica, each job once) and runs
//! them by kind: feed-report ingestion, outgoing e-mail and webhook deliveries. A kind this process cannot run
//! (no files directory, no SMTP relay) goes back to the queue for another replica.

use crate::{ingest, mail, webhooks};
use centinela_store::{Db, jobs};
use std::path::PathBuf;
use std::time::Duration;

pub async fn work_forever(
    db: Db,
    files: Option<PathBuf>,
    mail: Option<mail::MailSettings>,
    webhooks_allow_local: bool,
) {
    loop {
        match jobs::claim(&db, time::Duration::minutes(30)).await {
            Ok(Some(job)) => {
                let result = match (job.kind.as_str(), &files, &mail) {
                    (ingest::JOB_KIND, Some(files), _) => {
                        ingest::run_job(&db, files, &job.payload).await
                    }
                    (mail::JOB_KIND, _, Some(settings)) => mail::send(settings, &job.payload).await,
                    (webhooks::JOB_KIND, _, _) => {
                        webhooks::run_job(&db, &job.payload, webhooks_allow_local).await
                    }
                    _ => Err("no handler for this kind in this process".to_string()),
                };
                let done = match result {
                    Ok(()) => jobs::complete(&db, job.id).await,
                    Err(e) => {
                        tracing::warn!(job = job.id, kind = %job.kind, error = %e, "job failed");
                        jobs::fail(&db, job.id, &e).await
                    }
                };
                if let Err(e) = done {
                    tracing::warn!(job = job.id, error = %e, "recording the job's end failed");
                }
            }
            Ok(None) => tokio::time::sleep(Duration::from_millis(500)).await,
            Err(e) => {
                tracing::warn!(error = %e, "claiming a job failed");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        }
    }
}
