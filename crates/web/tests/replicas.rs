//! Two application processes on one database behave as one platform: a session opened on one
//! works on the other, and a change made through one reaches the other's event subscribers.

mod common;

use axum::http::{Method, StatusCode};
use common::{Call, login, worlds};
use futures_util::StreamExt;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn two_replicas_share_sessions_and_events() {
    for w in worlds().await {
        let other_db = w.t.replica().await.unwrap();
        let b_state = centinela_web::AppState::new(other_db.clone(), Default::default())
            .await
            .unwrap();
        let b = centinela_web::app(b_state.clone());
        let mut events_on_b = tokio_stream::wrappers::BroadcastStream::new(b_state.bus.subscribe());

        // Sign in on A, use the session on B.
        let cookie = login(&w.app, "oficial.sat@centinela.example").await;
        let me = Call::get("/api/v1/me").cookie(&cookie).send(&b).await;
        assert_eq!(me.status, StatusCode::OK, "{}: {}", w.t.label, me.body);
        assert_eq!(me.json()["user"]["email"], "oficial.sat@centinela.example");

        // A change through A is announced on B.
        let r = Call::new(
            Method::POST,
            format!("/api/v1/institutions/{}/contacts", w.own),
        )
        .token(Some(&w.tokens["officer"]))
        .json(&json!({"kind": "abuse", "name": "Abuso", "email": "abuso@sat.gob.mx"}))
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let e = tokio::time::timeout(Duration::from_secs(10), events_on_b.next())
            .await
            .expect("the event reaches the other replica")
            .unwrap()
            .unwrap();
        assert_eq!(
            (e.topic.as_str(), e.institution_id),
            ("contact.created", Some(w.own)),
            "{}",
            w.t.label
        );

        // A list cached on B is dropped when A adds an institution (the event reaches B).
        let coord = Some(w.tokens["coordinator"].as_str());
        let before = Call::get("/api/v1/institutions?limit=1")
            .token(coord)
            .send(&b)
            .await
            .json()["total"]
            .as_i64()
            .unwrap();
        let r = Call::new(Method::POST, "/api/v1/institutions")
            .token(coord)
            .json(&json!({"slug": "nueva", "acronym": "NUE", "name_es": "Nueva", "name_en": "New", "sector": "energy", "level": "federal", "criticality": "other"}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let mut seen = before;
        for _ in 0..200 {
            seen = Call::get("/api/v1/institutions?limit=1")
                .token(coord)
                .send(&b)
                .await
                .json()["total"]
                .as_i64()
                .unwrap();
            if seen == before + 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            seen,
            before + 1,
            "{}: B sees the new institution",
            w.t.label
        );

        // Logging out on B ends the session on A too.
        let page = Call::get("/account").cookie(&cookie).send(&b).await;
        let csrf = &common::csrf_in(&page.body);
        Call::new(Method::POST, "/logout")
            .cookie(&cookie)
            .form(&[("_csrf", csrf)])
            .send(&b)
            .await;
        assert_eq!(
            Call::get("/api/v1/me")
                .cookie(&cookie)
                .send(&w.app)
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        other_db.close().await;
        w.cleanup().await;
    }
}

/// Only one replica keeps the log; it mirrors it as static tiles into the shared files
/// directory, from which every other replica serves `/log/`. The mirror audits clean.
#[tokio::test]
async fn replicas_without_the_log_serve_its_mirror() {
    for w in worlds().await {
        let files = w.state.settings.files_dir.clone().unwrap();
        let other_db = w.t.replica().await.unwrap();
        let settings = centinela_web::WebSettings {
            files_dir: Some(files.clone()),
            workers: false,
            ..Default::default()
        };
        let b = centinela_web::app(
            centinela_web::AppState::new(other_db, settings)
                .await
                .unwrap(),
        );
        // A change through A reaches the log and, through the mirror, B.
        let r = Call::new(
            Method::POST,
            format!("/api/v1/institutions/{}/contacts", w.own),
        )
        .token(Some(&w.tokens["officer"]))
        .json(&json!({"kind": "abuse", "name": "Abuso", "email": "abuso@sat.gob.mx"}))
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let entry = w.anchored_entry(w.own).await;
        let needed = entry.log_index.unwrap() as u64 + 1;
        let mut served = None;
        for _ in 0..100 {
            let r = Call::get("/log/checkpoint").send(&b).await;
            if r.status == StatusCode::OK {
                let size: u64 = r.body.lines().nth(1).unwrap().parse().unwrap();
                if size >= needed {
                    served = Some(r.body);
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let checkpoint = served.expect("replica B serves a checkpoint covering the entry");
        let key = Call::get("/log/key").send(&b).await.body;
        assert_eq!(key.trim(), w.state.log.as_ref().unwrap().verifier_key());
        let tile = Call::get("/log/tile/entries/000.p/1").send(&b).await;
        assert!(tile.status == StatusCode::OK || needed > 1);
        assert_eq!(
            Call::get("/log/../secret").send(&b).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            Call::get("/log/signer.key").send(&b).await.status,
            StatusCode::NOT_FOUND
        );

        // The mirror is a complete, consistent copy of the log up to that checkpoint.
        let verifier = tlog::note::Verifier::parse(key.trim()).unwrap();
        let report = tlog::mirror::audit(
            &centinela_web::transparency::mirror_dir(&files),
            "centinela.test/log",
            &[verifier],
            Some(checkpoint.as_bytes()),
        )
        .unwrap();
        assert!(report.checkpoint.size >= needed);
        assert!(report.kinds.get("audit").copied().unwrap_or(0) >= 1);
        w.cleanup().await;
    }
}
