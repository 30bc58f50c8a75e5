//! Feed ingestion through the server: upload, routing to the owner by the registered
//! networks, de-duplication of repeats, visibility per institution, bad uploads.

mod common;

use axum::http::{Method, StatusCode};
use centinela_store::{Page, constituency as repo};
use common::{Call, World, csrf_of, login, worlds};
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
