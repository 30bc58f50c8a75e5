//! Feed ingestion through the server: upload, routing to the owner by the registered
//! networks, de-duplication of repeats, visibility per institution, bad uploads.

mod common;

use axum::http::{Method, StatusCode};
use centinela_store::{Page, constituency as repo};
use centinela_web::watch::{Pass, Watcher};
use common::smtp::{start_smtp, wait_for};
use common::{Call, World, csrf_of, login, worlds, worlds_with};
use serde_json::json;
use std::time::Duration;

async fn sat_address(w: &World) -> String {
    let nets = repo::list_networks(w.db(), w.own, Page::new(Some(200), None))
        .await
        .unwrap()
        .0;
    let ten = nets
        .iter()
        .find(|n| n.value.starts_with("10."))
        .expect("SAT has a 10.x prefix");
    ten.value.replace(".0.0/16", ".0.7")
}

fn report(ip: &str) -> String {
    format!(
        "\"timestamp\",\"ip\",\"protocol\",\"port\",\"hostname\",\"tag\",\"asn\",\"geo\"\n\
         \"2026-11-01 10:00:00\",\"{ip}\",\"tcp\",8080,\"srv.sat.gob.mx\",\"http\",64500,\"MX\"\n\
         \"2026-11-01 10:00:01\",\"198.18.0.1\",\"tcp\",80,\"\",\"http\",64999,\"MX\"\n\
         \"2026-11-01 10:00:02\",\"not-an-ip\",\"tcp\",80,\"\",\"http\",64999,\"MX\"\n"
    )
}

async fn upload_and_wait(w: &World, csv: &str) -> serde_json::Value {
    let r = Call::new(Method::POST, "/api/v1/feeds/reports")
        .token(Some(&w.tokens["coordinator"]))
        .multipart(&[], "2026-11-01-scan_http-mexico.csv", csv)
        .send(&w.app)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_str().unwrap().to_string();
    for _ in 0..200 {
        let r = Call::get(format!("/api/v1/feeds/reports/{id}"))
            .token(Some(&w.tokens["coordinator"]))
            .send(&w.app)
            .await;
        let v = r.json();
        if v["state"] == "done" || v["state"] == "failed" {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("report {id} not processed within 10 s");
}

#[tokio::test]
async fn reports_are_routed_deduplicated_and_scoped() {
    for w in worlds().await {
        let ip = sat_address(&w).await;
        let done = upload_and_wait(&w, &report(&ip)).await;
        assert_eq!(done["state"], "done", "{}: {done}", w.t.label);
        assert_eq!(
            (done["rows_read"].as_i64(), done["events_new"].as_i64()),
            (Some(3), Some(2)),
            "{done}"
        );
        // The row with a bad address is reported with its line, and stored as no finding.
        assert_eq!(done["unrouted"], 2);
        assert!(done["summary"].as_str().unwrap().contains("not-an-ip"));

        let officer = Some(w.tokens["officer"].as_str());
        let mine = Call::get(format!("/api/v1/institutions/{}/exposure", w.own))
            .token(officer)
            .send(&w.app)
            .await
            .json();
        assert_eq!(mine["total"], 1, "{}: {mine}", w.t.label);
        assert_eq!(mine["items"][0]["source_ip"], ip.as_str());
        assert_eq!(mine["items"][0]["identifier"], "accessible-http");
        assert_eq!(mine["items"][0]["count"], 1);

        // The same report again: repeats within the window are counted, not duplicated.
        let again = upload_and_wait(&w, &report(&ip)).await;
        assert_eq!(
            (
                again["events_new"].as_i64(),
                again["events_repeated"].as_i64()
            ),
            (Some(0), Some(2)),
            "{again}"
        );
        let mine = Call::get(format!("/api/v1/institutions/{}/exposure", w.own))
            .token(officer)
            .send(&w.app)
            .await
            .json();
        assert_eq!(
            (mine["total"].as_i64(), mine["items"][0]["count"].as_i64()),
            (Some(1), Some(2))
        );

        // Others do not see it; summaries are scoped.
        let imss = repo::find_institution_by_slug(w.db(), "imss")
            .await
            .unwrap()
            .unwrap()
            .id;
        let auditor = Some(w.tokens["auditor"].as_str());
        let r = Call::get(format!("/api/v1/institutions/{}/exposure", w.own))
            .token(auditor)
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::OK, "the auditor of SAT reads it");
        let theirs = Call::get(format!("/api/v1/institutions/{imss}/exposure"))
            .token(officer)
            .send(&w.app)
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);
        let summary = Call::get("/api/v1/exposure/summary")
            .token(officer)
            .send(&w.app)
            .await
            .json();
        assert_eq!(summary.as_array().unwrap().len(), 1);
        let national = Call::get("/exposure")
            .token(Some(&w.tokens["coordinator"]))
            .send(&w.app)
            .await;
        assert!(national.body.contains("accessible-http"));
        let page = Call::get(format!("/institutions/{}", w.own))
            .token(officer)
            .send(&w.app)
            .await;
        assert!(
            page.body.contains(&ip),
            "the institution page lists its findings"
        );
        w.cleanup().await;
    }
}

#[tokio::test]
async fn bad_uploads_are_refused() {
    for w in worlds().await {
        let coord = Some(w.tokens["coordinator"].as_str());
        let empty = Call::new(Method::POST, "/api/v1/feeds/reports")
            .token(coord)
            .multipart(&[], "2026-11-01-scan_http-x.csv", "")
            .send(&w.app)
            .await;
        assert_eq!(
            empty.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            empty.body
        );
        let unknown = Call::new(Method::POST, "/api/v1/feeds/reports")
            .token(coord)
            .multipart(&[], "whatever.csv", "a,b\n1,2\n")
            .send(&w.app)
            .await;
        assert_eq!(
            unknown.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            unknown.body
        );
        assert!(
            unknown.json()["error"]["fields"][0]["message"]
                .as_str()
                .unwrap()
                .contains("Shadowserver")
        );
        let wrong = Call::new(Method::POST, "/api/v1/feeds/reports")
            .token(coord)
            .multipart(&[("report", "scan_nothing")], "r.csv", "a\n")
            .send(&w.app)
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        let not_multipart = Call::new(Method::POST, "/api/v1/feeds/reports")
            .token(coord)
            .raw("a,b", "text/csv")
            .send(&w.app)
            .await;
        assert_eq!(
            not_multipart.status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{}",
            not_multipart.body
        );
        // With a session, the CSRF token must be the first field.
        let cookie = login(&w.app, "coordinador@centinela.example").await;
        let r = Call::new(Method::POST, "/feeds/upload")
            .cookie(&cookie)
            .multipart(&[], "2026-11-01-scan_http-x.csv", "x")
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let csrf = csrf_of(&w.app, &cookie).await;
        let ok = Call::new(Method::POST, "/feeds/upload")
            .cookie(&cookie)
            .multipart(
                &[("_csrf", &csrf)],
                "2026-11-01-scan_http-x.csv",
                &report("10.0.0.1"),
            )
            .send(&w.app)
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let (reports, _) = centinela_store::exposure::list_reports(w.db(), Page::default())
            .await
            .unwrap();
        assert_eq!(reports.len(), 1, "only the valid upload was recorded");
        w.cleanup().await;
    }
}

fn rows(lines: &[(&str, u16)]) -> String {
    let mut csv = String::from(
        "\"timestamp\",\"ip\",\"protocol\",\"port\",\"hostname\",\"tag\",\"asn\",\"geo\"\n",
    );
    for (ip, port) in lines {
        csv.push_str(&format!(
            "\"2026-11-01 10:00:00\",\"{ip}\",\"tcp\",{port},\"\",\"http\",64500,\"MX\"\n"
        ));
    }
    csv
}

/// Passes until the watcher has settled `settled` files (or 10 s pass); the totals.
async fn settle(w: &World, watcher: &mut Watcher, settled: usize) -> Pass {
    let mut total = Pass::default();
    for _ in 0..200 {
        let p = watcher.pass(w.db()).await.unwrap();
        total.queued += p.queued;
        total.done += p.done;
        total.failed += p.failed;
        if total.done + total.failed >= settled {
            return total;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("watched files not settled within 10 s: {total:?}");
}

#[tokio::test]
async fn watched_reports_are_ingested_like_uploads_and_failures_explained() {
    for w in worlds().await {
        let files = w.state.settings.files_dir.clone().unwrap();
        let dir = w.log_dir.join("inbox");
        std::fs::create_dir_all(&dir).unwrap();
        let ip = sat_address(&w).await;
        let good = "2026-11-01-scan_http-mexico.csv";
        std::fs::write(dir.join(good), report(&ip)).unwrap();
        std::fs::write(dir.join("whatever.csv"), "a,b\n1,2\n").unwrap();
        std::fs::write(dir.join("2026-11-01-scan_dns-vacio.csv"), "").unwrap();
        std::fs::write(dir.join("notes.txt"), "not a report").unwrap();
        // Two replicas watch the same directory.
        let mut a = Watcher::new(dir.clone(), files.clone());
        let mut b = Watcher::new(dir.clone(), files.clone());
        // First sight: sizes are recorded, nothing is taken.
        assert_eq!(a.pass(w.db()).await.unwrap(), Pass::default());
        assert_eq!(b.pass(w.db()).await.unwrap(), Pass::default());
        // A file still growing is left alone until its size holds.
        let growing = "2026-11-02-scan_http-mexico.csv";
        std::fs::write(dir.join(growing), rows(&[(&ip, 8443)])).unwrap();
        let first = a.pass(w.db()).await.unwrap();
        assert_eq!((first.queued, first.failed), (1, 2), "{}", w.t.label);
        // The other replica finds nothing left to claim.
        assert_eq!(b.pass(w.db()).await.unwrap().queued, 0);
        std::fs::OpenOptions::new()
            .append(true)
            .open(dir.join(growing))
            .and_then(|mut f| {
                std::io::Write::write_all(
                    &mut f,
                    b"\"2026-11-02 10:00:00\",\"10.9.9.9\",\"tcp\",80,\"\",\"http\",64500,\"MX\"\n",
                )
            })
            .unwrap();
        assert_eq!(a.pass(w.db()).await.unwrap().queued, 0, "size changed");
        let total = settle(&w, &mut a, 2).await;
        assert_eq!(total.failed, 0, "{total:?}");

        assert!(dir.join("done").join(good).exists(), "{}", w.t.label);
        assert!(dir.join("done").join(growing).exists());
        assert!(dir.join("notes.txt").exists(), "not a report: left alone");
        let reason =
            std::fs::read_to_string(dir.join("failed").join("whatever.csv.error.txt")).unwrap();
        assert!(reason.contains("Shadowserver"), "{reason}");
        let reason = std::fs::read_to_string(
            dir.join("failed")
                .join("2026-11-01-scan_dns-vacio.csv.error.txt"),
        )
        .unwrap();
        assert!(reason.contains("empty"), "{reason}");
        assert_eq!(
            std::fs::read_dir(dir.join(".processing")).unwrap().count(),
            0
        );

        // Each ingestion is an ordinary report, listed at /feeds, and its findings routed.
        let coord = Some(w.tokens["coordinator"].as_str());
        let reports = Call::get("/api/v1/feeds/reports")
            .token(coord)
            .send(&w.app)
            .await
            .json();
        assert_eq!(reports["total"], 2, "{reports}");
        for r in reports["items"].as_array().unwrap() {
            assert_eq!(r["state"], "done", "{r}");
            assert_eq!(r["uploaded_by"], "feeds-watch");
        }
        let page = Call::get("/feeds").token(coord).send(&w.app).await;
        assert!(page.body.contains(good) && page.body.contains(growing));
        let mine = Call::get(format!("/api/v1/institutions/{}/exposure", w.own))
            .token(Some(&w.tokens["officer"]))
            .send(&w.app)
            .await
            .json();
        let found: Vec<(String, i64)> = mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["source_ip"].as_str().unwrap().to_string(),
                    e["source_port"].as_i64().unwrap(),
                )
            })
            .collect();
        assert!(found.contains(&(ip.clone(), 8080)), "{found:?}");
        assert!(found.contains(&(ip.clone(), 8443)), "{found:?}");
        w.cleanup().await;
    }
}

#[tokio::test]
async fn suppression_rules_mark_findings_and_stay_with_their_institution() {
    for w in worlds().await {
        let ip = sat_address(&w).await;
        let done = upload_and_wait(&w, &rows(&[(&ip, 8080), (&ip, 8443)])).await;
        assert_eq!(done["events_new"], 2, "{done}");
        let officer = Some(w.tokens["officer"].as_str());
        let coord = Some(w.tokens["coordinator"].as_str());
        let own = format!("/api/v1/institutions/{}/exposure/suppressions", w.own);
        let theirs = format!("/api/v1/institutions/{}/exposure/suppressions", w.other);

        // A report type stands for its identifier; a bare address is a host prefix.
        let r = Call::new(Method::POST, &own)
            .token(officer)
            .json(&json!({"identifier": "scan_http", "cidr": ip, "port": 8443, "reason": "Portal de pagos: debe estar expuesto", "expires_on": "2099-12-31"}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let rule = r.json();
        assert_eq!(rule["identifier"], "accessible-http");
        assert_eq!(rule["cidr"], format!("{ip}/32"));
        assert_eq!(rule["active"], true);

        let list = Call::new(
            Method::GET,
            format!("/api/v1/institutions/{}/exposure", w.own),
        )
        .token(officer)
        .send(&w.app)
        .await
        .json();
        for e in list["items"].as_array().unwrap() {
            assert_eq!(e["suppressed"], e["source_port"] == 8443, "{e}");
        }
        let page = Call::get(format!("/institutions/{}/exposure", w.own))
            .token(officer)
            .send(&w.app)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Portal de pagos") && page.body.contains("Suprimido"));

        // An expired rule is listed as such and silences nothing.
        let expired = centinela_core::exposure::SuppressionDraft {
            identifier: "accessible-http".into(),
            reason: "Vencida".into(),
            expires_on: Some("2020-01-01".into()),
            ..Default::default()
        };
        centinela_store::exposure::create_suppression(
            w.db(),
            &centinela_store::Actor::system(),
            w.own,
            &expired,
        )
        .await
        .unwrap();
        let rules = Call::get(&own).token(officer).send(&w.app).await.json();
        let states: Vec<bool> = rules
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["active"].as_bool().unwrap())
            .collect();
        assert_eq!(states.iter().filter(|a| !**a).count(), 1, "{rules}");
        let list = Call::get(format!("/api/v1/institutions/{}/exposure", w.own))
            .token(officer)
            .send(&w.app)
            .await
            .json();
        let silenced = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["suppressed"] == true)
            .count();
        assert_eq!(silenced, 1, "the expired rule silences nothing");

        // Bad rules are refused with the field named.
        for (body, field) in [
            (
                json!({"identifier": "accessible-http", "port": 70000, "reason": "x"}),
                "port",
            ),
            (
                json!({"identifier": "accessible-http", "cidr": "10.0.0.1/8", "reason": "x"}),
                "cidr",
            ),
            (
                json!({"identifier": "accessible-http", "reason": "x", "expires_on": "2001-01-01"}),
                "expires_on",
            ),
            (json!({"identifier": "", "reason": "x"}), "identifier"),
        ] {
            let r = Call::new(Method::POST, &own)
                .token(officer)
                .json(&body)
                .send(&w.app)
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(r.json()["error"]["fields"][0]["field"], field, "{}", r.body);
        }

        // Another institution's rules: invisible to SAT's officer, who cannot add or remove any.
        let r = Call::new(Method::POST, &theirs)
            .token(coord)
            .json(&json!({"identifier": "dns-open-resolver", "reason": "Resolvedor interno"}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let their_rule = r.json()["id"].as_str().unwrap().to_string();
        assert_eq!(
            Call::get(&theirs).token(officer).send(&w.app).await.status,
            StatusCode::NOT_FOUND
        );
        let mine = Call::get(&own).token(officer).send(&w.app).await;
        assert!(!mine.body.contains(&their_rule) && !mine.body.contains("Resolvedor"));
        let r = Call::new(Method::POST, &theirs)
            .token(officer)
            .json(&json!({"identifier": "accessible-http", "reason": "x"}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        for path in [
            format!("{theirs}/{their_rule}"),
            format!("{own}/{their_rule}"),
        ] {
            let r = Call::new(Method::DELETE, &path)
                .token(officer)
                .send(&w.app)
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        }
        assert_eq!(
            Call::get(format!("/institutions/{}/exposure", w.other))
                .token(officer)
                .send(&w.app)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let auditor = Some(w.tokens["auditor"].as_str());
        let r = Call::new(
            Method::DELETE,
            format!("{own}/{}", rule["id"].as_str().unwrap()),
        )
        .token(auditor)
        .send(&w.app)
        .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "the auditor reads, never writes"
        );

        // The officer removes their own rule: the finding is no longer silenced.
        let r = Call::new(
            Method::DELETE,
            format!("{own}/{}", rule["id"].as_str().unwrap()),
        )
        .token(officer)
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        let list = Call::get(format!("/api/v1/institutions/{}/exposure", w.own))
            .token(officer)
            .send(&w.app)
            .await
            .json();
        assert!(
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["suppressed"] == false)
        );
        w.cleanup().await;
    }
}

#[tokio::test]
async fn digests_reach_the_officers_once_without_suppressed_findings() {
    let smtp = start_smtp();
    let settings = centinela_web::WebSettings {
        mail: Some(
            centinela_web::mail::MailSettings::parse(
                &format!("smtp://127.0.0.1:{}", smtp.port),
                "centinela@csirt.gob.example",
            )
            .unwrap(),
        ),
        ..Default::default()
    };
    for w in worlds_with(settings).await {
        let ip = sat_address(&w).await;
        let officer = Some(w.tokens["officer"].as_str());
        let coord = Some(w.tokens["coordinator"].as_str());
        // A cadence is one of three; SAT's officer chooses daily, PEMEX (nothing found) too.
        let bad = Call::new(
            Method::PUT,
            format!("/api/v1/institutions/{}/exposure/digest", w.own),
        )
        .token(officer)
        .json(&json!({"cadence": "hourly"}))
        .send(&w.app)
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        for (inst, token) in [(w.own, officer), (w.other, coord)] {
            let r = Call::new(
                Method::PUT,
                format!("/api/v1/institutions/{inst}/exposure/digest"),
            )
            .token(token)
            .json(&json!({"cadence": "daily"}))
            .send(&w.app)
            .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert_eq!(r.json()["cadence"], "daily");
        }
        let r = Call::new(
            Method::PUT,
            format!("/api/v1/institutions/{}/exposure/digest", w.other),
        )
        .token(officer)
        .json(&json!({"cadence": "off"}))
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        let done =
            upload_and_wait(&w, &rows(&[(&ip, 8080), (&ip, 8443), ("198.18.0.1", 80)])).await;
        assert_eq!(done["events_new"], 3, "{done}");
        let r = Call::new(
            Method::POST,
            format!("/api/v1/institutions/{}/exposure/suppressions", w.own),
        )
        .token(officer)
        .json(&json!({"identifier": "accessible-http", "port": 8443, "reason": "Aceptado"}))
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::CREATED);

        let now = time::OffsetDateTime::now_utc();
        let pass = centinela_web::digest::check_once(&w.state, now)
            .await
            .unwrap();
        assert_eq!((pass.claimed, pass.mails), (2, 1), "{}", w.t.label);
        let again = centinela_web::digest::check_once(&w.state, now)
            .await
            .unwrap();
        assert_eq!(again, Default::default(), "once per period");

        let sat = centinela_store::constituency::get_institution(w.db(), w.own)
            .await
            .unwrap();
        let messages = wait_for(&smtp.dir, 1, |m| m.contains(&sat.name_es)).await;
        assert_eq!(messages.len(), 1, "{}", w.t.label);
        let m = &messages[0];
        let rcpt = m.lines().find(|l| l.starts_with("X-RcptTo:")).unwrap();
        let officers = centinela_store::constituency::list_officers(w.db(), w.own)
            .await
            .unwrap();
        assert!(!officers.is_empty());
        for o in &officers {
            assert!(rcpt.contains(&o.email), "{rcpt} lacks {}", o.email);
        }
        assert!(!rcpt.contains("coordinador@"), "{rcpt}");
        assert!(m.contains(&ip) && m.contains("8080"), "{m}");
        assert!(
            !m.contains("8443"),
            "the suppressed finding is left out: {m}"
        );
        assert!(m.contains("accessible-http: 1"), "{m}");
        assert!(
            !m.contains("198.18.0.1"),
            "another owner's (or nobody's) finding"
        );
        w.cleanup().await;
    }
}

#[tokio::test]
async fn reports_larger_than_axums_default_limit_are_accepted() {
    for w in worlds().await {
        // About 3 MB (long host names, few rows): past axum's 2 MiB default body limit, far
        // below the upload limit.
        let host = format!("{0}.{0}.{0}.gob.example", "a".repeat(60));
        let mut csv = rows(&[]);
        for i in 0..12_000 {
            csv.push_str(&format!(
                "\"2026-11-01 10:00:00\",\"198.18.{}.{}\",\"tcp\",80,\"{host}\",\"http\",64500,\"MX\"\n",
                i / 250,
                i % 250 + 1
            ));
        }
        assert!(csv.len() > 5 << 19, "{}", csv.len());
        let done = upload_and_wait(&w, &csv).await;
        assert_eq!(done["state"], "done", "{done}");
        assert_eq!(done["rows_read"], 12_000, "{done}");
        w.cleanup().await;
    }
}
