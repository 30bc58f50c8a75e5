//! Incidents through the API and the form: explained severity, clocks, TLP-governed
//! visibility, validation, exports.

mod common;

use axum::http::{Method, StatusCode};
use centinela_store::constituency as repo;
use common::{Call, csrf_of, login, worlds};
use serde_json::{Value, json};
use uuid::Uuid;

fn draft(inst: Uuid, tlp: &str) -> Value {
    json!({
        "reporter_institution": inst,
        "title": "Cifrado de servidores de archivos",
        "description": "Ransomware en el centro de datos principal",
        "detected_at": "2026-11-29T10:00:00Z",
        "aware_at": "2026-11-29T10:20:00Z",
        "classifications": [{"class": "malicious-code", "type": "infected-system"}],
        "tlp": tlp,
        "pap": "PAP:AMBER",
        "impact": {"functional_impact": "denial-critical", "information_impact": "destruction-critical", "recoverability": "extended",
                   "people_affected": 250000, "essential_service": true, "institutions_affected": 2, "cross_border": false},
        "observables": [
            {"kind": "ip", "value": "203.0.113.66", "tlp": "TLP:GREEN"},
            {"kind": "sha256", "value": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "tlp": "TLP:RED"}
        ]
    })
}

#[tokio::test]
async fn report_explain_clock_and_share_by_tlp() {
    for w in worlds().await {
        let officer = Some(w.tokens["officer"].as_str());
        let r = Call::new(Method::POST, "/api/v1/incidents")
            .token(officer)
            .json(&draft(w.own, "TLP:AMBER"))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", w.t.label, r.body);
        let v = r.json();
        assert!(v["reference"].as_str().unwrap().starts_with("CEN-"), "{v}");
        assert_eq!(v["protocol_id"], "mx-apf-2025");
        assert_eq!(
            v["level"], "critico",
            "a critical outage of an essential service: {}",
            v["assessment"]
        );
        assert_eq!(
            v["assessment"]["contributions"].as_array().unwrap().len(),
            7,
            "every factor explained"
        );
        let clock = &v["clocks"][0];
        assert_eq!(clock["stage"], "initial-report");
        assert!(clock["deadline"].is_string());
        assert_eq!(
            v["late"], true,
            "detected yesterday, not yet reported to the CSIRT: {}",
            v["clocks"]
        );
        let id = v["id"].as_str().unwrap().to_string();

        // Submitting the stage stops the clock.
        let s = Call::new(Method::POST, format!("/api/v1/incidents/{id}/submissions"))
            .token(officer)
            .json(&json!({"stage": "initial-report"}))
            .send(&w.app)
            .await;
        assert_eq!(s.status, StatusCode::OK, "{}", s.body);
        assert_eq!(s.json()["clocks"][0]["state"], "met-late");
        let bad_stage = Call::new(Method::POST, format!("/api/v1/incidents/{id}/submissions"))
            .token(officer)
            .json(&json!({"stage": "nope"}))
            .send(&w.app)
            .await;
        assert_eq!(bad_stage.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Who sees it: the reporter's institution, its auditor, the coordinators; not IMSS.
        for (role, status) in [
            ("coordinator", 200),
            ("auditor", 200),
            ("crisis", 404),
            ("admin", 404),
        ] {
            let r = Call::get(format!("/api/v1/incidents/{id}"))
                .token(Some(&w.tokens[role]))
                .send(&w.app)
                .await;
            assert_eq!(r.status.as_u16(), status, "{role}");
        }
        let imss_token = {
            let user = centinela_store::accounts::find_user_by_email(
                w.db(),
                "oficial.imss@centinela.example",
            )
            .await
            .unwrap()
            .unwrap();
            centinela_store::accounts::create_token(
                w.db(),
                &centinela_store::Actor::system(),
                user.id,
                "t",
                true,
                None,
            )
            .await
            .unwrap()
            .0
        };
        let r = Call::get(format!("/api/v1/incidents/{id}"))
            .token(Some(&imss_token))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let list = Call::get("/api/v1/incidents")
            .token(Some(&imss_token))
            .send(&w.app)
            .await
            .json();
        assert_eq!(list["total"], 0);
        // IMSS cannot report in SAT's name.
        let r = Call::new(Method::POST, "/api/v1/incidents")
            .token(Some(&imss_token))
            .json(&draft(w.own, "TLP:AMBER"))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Exports leave out observables above the caller's label: the auditor misses the RED hash.
        let stix = Call::get(format!("/api/v1/incidents/{id}/stix"))
            .token(Some(&w.tokens["auditor"]))
            .send(&w.app)
            .await;
        assert_eq!(stix.status, StatusCode::OK);
        assert!(
            stix.body.contains("203.0.113.66") && !stix.body.contains("9f86d081884c7d"),
            "{}",
            stix.body
        );
        let misp = Call::get(format!("/api/v1/incidents/{id}/misp"))
            .token(officer)
            .send(&w.app)
            .await;
        assert!(
            misp.body.contains("9f86d081884c7d"),
            "the reporter sees their own RED observable"
        );
        assert!(
            misp.body
                .contains("rsit:malicious-code=\\\"infected-system\\\""),
            "{}",
            misp.body
        );

        // TLP:RED reaches only the reporter; the coordinator does not bypass it.
        let red = Call::new(Method::POST, "/api/v1/incidents")
            .token(officer)
            .json(&draft(w.own, "TLP:RED"))
            .send(&w.app)
            .await
            .json();
        let red_id = red["id"].as_str().unwrap();
        assert_eq!(
            Call::get(format!("/api/v1/incidents/{red_id}"))
                .token(Some(&w.tokens["coordinator"]))
                .send(&w.app)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            Call::get(format!("/api/v1/incidents/{red_id}"))
                .token(officer)
                .send(&w.app)
                .await
                .status,
            StatusCode::OK
        );
        let coord_list = Call::get("/api/v1/incidents")
            .token(Some(&w.tokens["coordinator"]))
            .send(&w.app)
            .await
            .json();
        assert_eq!(
            coord_list["total"], 1,
            "{}: the RED one is not listed for the coordinator",
            w.t.label
        );
        w.cleanup().await;
    }
}

#[tokio::test]
async fn bad_reports_are_refused_with_reasons() {
    for w in worlds().await {
        let officer = Some(w.tokens["officer"].as_str());
        let cases: Vec<(Value, &str)> = vec![
            (
                {
                    let mut d = draft(w.own, "TLP:AMBER");
                    d["aware_at"] = json!("2026-11-29T09:00:00Z");
                    d
                },
                "anterior",
            ),
            (
                {
                    let mut d = draft(w.own, "TLP:AMBER");
                    d["detected_at"] = json!("2099-01-01T00:00:00Z");
                    d
                },
                "futuro",
            ),
            (
                {
                    let mut d = draft(w.own, "TLP:AMBER");
                    d["classifications"] = json!([{"class": "nope", "type": "x"}]);
                    d
                },
                "RSIT",
            ),
            (
                {
                    let mut d = draft(w.own, "TLP:AMBER");
                    d["observables"] =
                        json!([{"kind": "ip", "value": "999.1.1.1", "tlp": "TLP:GREEN"}]);
                    d
                },
                "IPv4",
            ),
            (
                {
                    let mut d = draft(w.own, "TLP:AMBER");
                    d["title"] = json!("");
                    d
                },
                "obligatorio",
            ),
        ];
        for (body, word) in cases {
            let r = Call::new(Method::POST, "/api/v1/incidents")
                .token(officer)
                .json(&body)
                .send(&w.app)
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            assert!(r.body.contains(word), "{word}: {}", r.body);
        }
        let r = Call::new(Method::POST, "/api/v1/incidents")
            .token(officer)
            .json(&json!({"title": 5}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let list = Call::get("/api/v1/incidents")
            .token(Some(&w.tokens["coordinator"]))
            .send(&w.app)
            .await
            .json();
        assert_eq!(list["total"], 0, "nothing half-written");
        w.cleanup().await;
    }
}

#[tokio::test]
async fn reporting_through_the_form_gives_a_receipt() {
    for w in worlds().await {
        let cookie = login(&w.app, "oficial.sat@centinela.example").await;
        let csrf = csrf_of(&w.app, &cookie).await;
        let sat = repo::find_institution_by_slug(w.db(), "sat")
            .await
            .unwrap()
            .unwrap()
            .id
            .to_string();
        let mut fields = vec![
            ("_csrf", csrf.as_str()),
            ("institution", sat.as_str()),
            ("title", "Desfiguración del portal"),
            ("description", "Página principal alterada"),
            ("detected_at", "2026-11-30T08:00"),
            ("aware_at", "2026-11-30T08:05"),
            (
                "classification",
                "information-content-security|unauthorised-information-modification",
            ),
            ("tlp", "TLP:GREEN"),
            ("pap", "PAP:GREEN"),
            ("functional_impact", "minimal-critical"),
            ("information_impact", "none"),
            ("recoverability", "regular"),
            ("people_affected", "abc"),
            ("institutions_affected", "1"),
            ("observables", "url https://www.sat.gob.mx/inicio\nnonsense"),
        ];
        let r = Call::new(Method::POST, "/incidents")
            .cookie(&cookie)
            .form(&fields)
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("número entero") && r.body.contains("línea 2"),
            "{}",
            r.body
        );
        fields[12] = ("people_affected", "1200");
        fields[14] = ("observables", "url https://www.sat.gob.mx/inicio");
        let r = Call::new(Method::POST, "/incidents")
            .cookie(&cookie)
            .form(&fields)
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let to = r
            .headers
            .get("location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let page = Call::get(&to).cookie(&cookie).send(&w.app).await;
        assert!(
            page.body.contains("incident-receipt") && page.body.contains("CEN-"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("Impacto funcional"),
            "the severity explanation is shown"
        );
        let list = Call::get("/incidents").cookie(&cookie).send(&w.app).await;
        assert!(list.body.contains("Desfiguración del portal"));
        w.cleanup().await;
    }
}

#[tokio::test]
async fn demo_history_feeds_the_national_picture() {
    for w in worlds().await {
        let n = centinela_web::demo::seed_incidents(w.db()).await.unwrap();
        assert_eq!(n, 185, "{}", w.t.label);
        assert_eq!(
            centinela_web::demo::seed_incidents(w.db()).await.unwrap(),
            0,
            "seeded once"
        );
        let s = Call::get("/api/v1/incidents/stats")
            .token(Some(&w.tokens["coordinator"]))
            .send(&w.app)
            .await
            .json();
        assert_eq!(s["total"], 185, "{s}");
        let timeline = s["timeline"].to_string();
        assert!(timeline.contains("PEMEX"), "{timeline}");
        assert!(s["reported_within_24h"].as_f64().unwrap() > 0.5);
        // An officer's picture is their institution's only.
        let mine = Call::get("/api/v1/incidents/stats")
            .token(Some(&w.tokens["officer"]))
            .send(&w.app)
            .await
            .json();
        let sat_total = Call::get("/api/v1/incidents")
            .token(Some(&w.tokens["officer"]))
            .send(&w.app)
            .await
            .json()["total"]
            .clone();
        assert_eq!(mine["total"], sat_total);
        assert!(mine["total"].as_i64().unwrap() < 185);
        let csv = Call::get("/api/v1/incidents/stats.csv")
            .token(Some(&w.tokens["coordinator"]))
            .send(&w.app)
            .await;
        assert!(
            csv.body.starts_with("dimension,key,incidents\n") && csv.body.contains("class,fraud,"),
            "{}",
            csv.body
        );
        let page = Call::get("/incidents/statistics")
            .token(Some(&w.tokens["coordinator"]))
            .send(&w.app)
            .await;
        assert!(
            page.body.contains("incident-timeline") && page.body.contains("SEDENA"),
            "timeline on the page"
        );
        w.cleanup().await;
    }
}

/// A deployment that chose `eu-nis2` reports under it (early warning in 24 h, notification in
/// 72 h), while incidents reported before keep the protocol they were reported under.
#[tokio::test]
async fn a_deployment_may_report_under_eu_nis2() {
    let settings = centinela_web::WebSettings {
        protocol: Some("eu-nis2".into()),
        ..Default::default()
    };
    for w in common::worlds_with(settings).await {
        let officer = Some(w.tokens["officer"].as_str());
        let r = Call::new(Method::POST, "/api/v1/incidents")
            .token(officer)
            .json(&draft(w.own, "TLP:AMBER"))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let v = r.json();
        assert_eq!(v["protocol_id"], "eu-nis2");
        let stages: Vec<&str> = v["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["stage"].as_str().unwrap())
            .collect();
        assert!(stages.contains(&"early-warning"), "{stages:?}");
        w.cleanup().await;
    }
}
