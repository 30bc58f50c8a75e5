//! The job queue on both backends: two replicas draining one queue claim every job exactly
//! once; a dead worker's job is claimed again after its lease; failures back off.

use centinela_store::jobs;
use centinela_store::testing::TestDb;
use std::collections::HashSet;
use time::Duration;

#[tokio::test]
async fn replicas_claim_each_job_once() {
    for t in TestDb::all().await {
        for i in 0..120 {
            jobs::enqueue(&t.db, "test", &format!("{{\"n\":{i}}}"), None)
                .await
                .unwrap();
        }
        let b = t.replica().await.unwrap();
        let worker = |db: centinela_store::Db| async move {
            let mut mine = vec![];
            while let Some(job) = jobs::claim(&db, Duration::minutes(5)).await.unwrap() {
                jobs::complete(&db, job.id).await.unwrap();
                mine.push(job.id);
            }
            mine
        };
        let (x, y) = tokio::join!(worker(t.db.clone()), worker(b.clone()),);
        let all: Vec<i64> = x.iter().chain(&y).copied().collect();
        let unique: HashSet<i64> = all.iter().copied().collect();
        assert_eq!(
            all.len(),
            120,
            "{}: every job once ({} and {})",
            t.label,
            x.len(),
            y.len()
        );
        assert_eq!(unique.len(), 120, "{}: no job twice", t.label);
        assert!(
            jobs::claim(&t.db, Duration::minutes(5))
                .await
                .unwrap()
                .is_none()
        );
        b.close().await;
        t.cleanup().await;
    }
}

#[tokio::test]
async fn expired_leases_and_failures() {
    for t in TestDb::all().await {
        let id = jobs::enqueue(&t.db, "scan", "{}", None).await.unwrap();
        // A worker claims it with a lease that has already run out, then "dies".
        let first = jobs::claim(&t.db, Duration::seconds(-1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((first.id, first.attempts), (id, 1));
        let again = jobs::claim(&t.db, Duration::minutes(5))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (again.id, again.attempts),
            (id, 2),
            "{}: reclaimed after the lease",
            t.label
        );
        assert!(
            jobs::claim(&t.db, Duration::minutes(5))
                .await
                .unwrap()
                .is_none(),
            "{}: leased",
            t.label
        );
        // A failure puts it back, later: not claimable now.
        jobs::fail(&t.db, id, "connection refused").await.unwrap();
        assert!(
            jobs::claim(&t.db, Duration::minutes(5))
                .await
                .unwrap()
                .is_none(),
            "{}: backing off",
            t.label
        );
        // Jobs due in the future wait.
        jobs::enqueue(
            &t.db,
            "later",
            "{}",
            Some(time::OffsetDateTime::now_utc() + Duration::hours(1)),
        )
        .await
        .unwrap();
        assert!(
            jobs::claim(&t.db, Duration::minutes(5))
                .await
                .unwrap()
                .is_none()
        );
        t.cleanup().await;
    }
}
