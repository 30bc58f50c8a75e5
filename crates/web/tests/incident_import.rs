//! Bulk import of reports and MISP import: all or nothing unless asked, errors by line, the
//! access policy per row, and a MISP round trip (our export imports back).

mod common;

use axum::http::{Method, StatusCode};
use common::{Call, worlds};
use serde_json::json;

const HEADER: &str = "reporter_institution,title,description,detected_at,aware_at,classifications,tlp,pap,functional_impact,information_impact,recoverability,people_affected,essential_service,institutions_affected,cross_border,observables";

fn csv_row(inst: &str, title: &str, detected: &str) -> String {
    format!(
        "{inst},\"{title}\",\"Descripción, con coma\",{detected},{detected},fraud:phishing,TLP:AMBER,PAP:GREEN,no-impact,none,regular,10,no,1,no,domain phish.example.net; ip 203.0.113.9\n"
    )
}

#[tokio::test]
async fn bulk_import_is_all_or_nothing_with_line_numbers() {
    for w in worlds().await {
        let officer = w.tokens["officer"].as_str();
        let before = centinela_store::incidents::count_all(w.db()).await.unwrap();
        // Line 3 is in the future, line 4 names another institution (hidden from the officer),
        // line 5 has the wrong number of columns.
        let body = format!(
            "\u{feff}{HEADER}\n{}{}{}{}",
            csv_row("sat", "Phishing 1", "2026-11-01T10:00:00Z"),
            csv_row("sat", "Futuro", "2099-01-01T10:00:00Z"),
            csv_row("pemex", "Ajeno", "2026-11-01T10:00:00Z"),
            "sat,solo dos\n"
        );
        let r = Call::new(Method::POST, "/api/v1/incidents/import")
            .token(Some(officer))
            .raw(body.clone(), "text/csv")
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let v = r.json();
        assert_eq!(v["imported"], 0);
        let lines: Vec<u64> = v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["line"].as_u64().unwrap())
            .collect();
        assert!(
            lines.contains(&3) && lines.contains(&4) && lines.contains(&5),
            "{v}"
        );
        assert!(!lines.contains(&2), "{v}");
        assert_eq!(
            centinela_store::incidents::count_all(w.db()).await.unwrap(),
            before,
            "nothing stored"
        );

        // With partial=true the valid row is kept.
        let r = Call::new(Method::POST, "/api/v1/incidents/import?partial=true")
            .token(Some(officer))
            .raw(body.clone(), "text/csv")
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let v = r.json();
        assert_eq!(
            (v["imported"].as_u64(), v["rejected"].as_u64()),
            (Some(1), Some(3)),
            "{v}"
        );
        assert!(v["references"][0].as_str().unwrap().starts_with("CEN-"));

        // JSON Lines: a syntax error names its line; a clean file imports whole.
        let good = json!({
            "reporter_institution": w.own, "title": "DDoS al portal", "description": "Tráfico anómalo",
            "detected_at": "2026-11-02T10:00:00Z", "aware_at": "2026-11-02T10:05:00Z",
            "classifications": [{"class": "availability", "type": "ddos"}], "tlp": "TLP:GREEN", "pap": "PAP:GREEN",
            "impact": {"functional_impact": "minimal-critical", "information_impact": "none", "recoverability": "regular",
                       "people_affected": 5000, "essential_service": false, "institutions_affected": 1, "cross_border": false},
            "observables": []
        });
        let r = Call::new(Method::POST, "/api/v1/incidents/import")
            .token(Some(officer))
            .raw(format!("{good}\n{{not json\n"), "application/x-ndjson")
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["errors"][0]["line"], 2);
        let r = Call::new(Method::POST, "/api/v1/incidents/import")
            .token(Some(officer))
            .json(&json!([good, good]))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.json()["imported"], 2);

        // Wrong header, empty file, wrong media type.
        for (body, media, status) in [
            ("a,b\n1,2\n", "text/csv", StatusCode::BAD_REQUEST),
            ("[]", "application/json", StatusCode::BAD_REQUEST),
            ("x", "text/plain", StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ] {
            let r = Call::new(Method::POST, "/api/v1/incidents/import")
                .token(Some(officer))
                .raw(body, media)
                .send(&w.app)
                .await;
            assert_eq!(r.status, status, "{body}: {}", r.body);
        }
        w.cleanup().await;
    }
}

#[tokio::test]
async fn a_misp_export_imports_back_as_a_report() {
    for w in worlds().await {
        let officer = w.tokens["officer"].as_str();
        let draft = json!({
            "reporter_institution": w.own, "title": "Robo de credenciales", "description": "Campaña de phishing",
            "detected_at": "2026-11-03T09:00:00Z", "aware_at": "2026-11-03T09:30:00Z",
            "classifications": [{"class": "fraud", "type": "phishing"}], "tlp": "TLP:AMBER", "pap": "PAP:AMBER",
            "impact": {"functional_impact": "no-impact", "information_impact": "none", "recoverability": "regular",
                       "people_affected": 40, "essential_service": false, "institutions_affected": 1, "cross_border": false},
            "observables": [{"kind": "domain", "value": "login-sat.example.net", "tlp": "TLP:GREEN"}]
        });
        let r = Call::new(Method::POST, "/api/v1/incidents")
            .token(Some(officer))
            .json(&draft)
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        let id = r.json()["id"].as_str().unwrap().to_string();
        let event = Call::get(format!("/api/v1/incidents/{id}/misp"))
            .token(Some(officer))
            .send(&w.app)
            .await
            .json();
        let r = Call::new(Method::POST, "/api/v1/incidents/import/misp")
            .token(Some(officer))
            .json(&event)
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let v = r.json();
        assert_ne!(v["id"].as_str().unwrap(), id);
        assert_eq!(v["class"], "fraud");
        assert_eq!(v["tlp"], "TLP:AMBER");
        // Importing in another institution's name is refused; junk is a 4xx, not a 5xx.
        let r = Call::new(
            Method::POST,
            format!("/api/v1/incidents/import/misp?institution={}", w.other),
        )
        .token(Some(officer))
        .json(&event)
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = Call::new(Method::POST, "/api/v1/incidents/import/misp")
            .token(Some(officer))
            .raw("{\"Event\": 3}", "application/json")
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        w.cleanup().await;
    }
}
