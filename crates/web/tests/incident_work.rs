//! Working an incident: triage applies the playbooks of its classification, the coordinator
//! overrides the severity with a reason, the timeline, tasks and links record the work, and
//! closing ends it; each rule enforced on the server.

mod common;

use axum::http::{Method, StatusCode};
use common::{Call, World, worlds};
use serde_json::{Value, json};
use uuid::Uuid;

fn draft(inst: Uuid, title: &str) -> Value {
    json!({
        "reporter_institution": inst,
        "title": title,
        "description": "Ransomware en el centro de datos principal",
        "detected_at": "2026-11-29T10:00:00Z",
        "aware_at": "2026-11-29T10:20:00Z",
        "classifications": [{"class": "malicious-code", "type": "infected-system"}],
        "tlp": "TLP:AMBER",
        "pap": "PAP:AMBER",
        "impact": {"functional_impact": "significant-non-critical", "information_impact": "suspected-breach", "recoverability": "supplemented",
                   "people_affected": 1000, "essential_service": false, "institutions_affected": 1, "cross_border": false},
        "observables": []
    })
}

async fn report(w: &World, token: &str, inst: Uuid, title: &str) -> String {
    let r = Call::new(Method::POST, "/api/v1/incidents")
        .token(Some(token))
        .json(&draft(inst, title))
        .send(&w.app)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

fn post<'a>(token: &'a str, path: String, body: Value) -> Call<'a> {
    Call::new(Method::POST, path).token(Some(token)).json(&body)
}

#[tokio::test]
async fn triage_override_timeline_tasks_links_and_closing() {
    for w in worlds().await {
        let officer = w.tokens["officer"].as_str();
        let coordinator = w.tokens["coordinator"].as_str();
        let id = report(&w, officer, w.own, "Cifrado de servidores").await;
        let base = format!("/api/v1/incidents/{id}");

        // Triage: coordinators only, once; the ransomware playbook's tasks appear.
        let r = post(officer, format!("{base}/triage"), json!({}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = post(
            coordinator,
            format!("{base}/triage"),
            json!({"note": "Confirmado"}),
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let work = r.json();
        assert_eq!(work["phase"], "respuesta", "{work}");
        let tasks = work["tasks"].as_array().unwrap();
        assert!(tasks.len() >= 3, "{work}");
        assert!(
            tasks
                .iter()
                .all(|t| t["playbook"] == "ransomware" && !t["due_at"].is_null())
        );
        let r = post(coordinator, format!("{base}/triage"), json!({}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);

        // Severity override: coordinators only, with a known level and a reason.
        for (token, body, status) in [
            (
                officer,
                json!({"level": "critico", "reason": "x"}),
                StatusCode::FORBIDDEN,
            ),
            (
                coordinator,
                json!({"level": "critico", "reason": "  "}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                coordinator,
                json!({"level": "apocalíptico", "reason": "x"}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        ] {
            let r = post(token, format!("{base}/severity"), body)
                .send(&w.app)
                .await;
            assert_eq!(r.status, status, "{}", r.body);
        }
        let r = post(
            coordinator,
            format!("{base}/severity"),
            json!({"level": "critico", "reason": "Afecta al padrón nacional"}),
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["level"], "critico");
        let full = Call::get(&base)
            .token(Some(officer))
            .send(&w.app)
            .await
            .json();
        assert_eq!(
            full["assessment"]["overridden"]["by_override"]["reason"],
            "Afecta al padrón nacional"
        );

        // Timeline: comments and dated events (not in the future); tasks by hand.
        let r = post(officer, format!("{base}/entries"), json!({"kind": "event", "body": "Se aislaron los servidores", "at": "2026-11-29T11:00:00Z"}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = post(
            officer,
            format!("{base}/entries"),
            json!({"kind": "event", "body": "x", "at": "2099-01-01T00:00:00Z"}),
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = post(
            officer,
            format!("{base}/entries"),
            json!({"kind": "rumour", "body": "x"}),
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = post(
            w.tokens["ro"].as_str(),
            format!("{base}/entries"),
            json!({"kind": "comment", "body": "x"}),
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let task = post(
            officer,
            format!("{base}/tasks"),
            json!({"title": "Restaurar respaldos", "owner": "Mesa de ayuda"}),
        )
        .send(&w.app)
        .await;
        assert_eq!(task.status, StatusCode::CREATED, "{}", task.body);
        let task_id = task.json()["id"].as_str().unwrap().to_string();
        let r = post(
            officer,
            format!("{base}/tasks/{task_id}"),
            json!({"status": "done"}),
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.json()["done_at"].is_null());
        let r = post(
            officer,
            format!("{base}/tasks/{}", Uuid::new_v4()),
            json!({"status": "done"}),
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Links: to an incident the caller sees; another institution's is unknown to it.
        let sibling = report(&w, officer, w.own, "Segundo equipo cifrado").await;
        let r = post(
            officer,
            format!("{base}/links"),
            json!({"related_id": sibling, "relation": "related"}),
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = post(
            officer,
            format!("{base}/links"),
            json!({"related_id": sibling, "relation": "related"}),
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let foreign = report(&w, coordinator, w.other, "Incidente de PEMEX").await;
        let r = post(
            officer,
            format!("{base}/links"),
            json!({"related_id": foreign, "relation": "related"}),
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let r = post(
            officer,
            format!("{base}/links"),
            json!({"related_id": id, "relation": "related"}),
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Phases and closing.
        let r = post(
            officer,
            format!("{base}/phase"),
            json!({"phase": "recuperacion"}),
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::OK);
        let r = post(
            officer,
            format!("{base}/phase"),
            json!({"phase": "nirvana"}),
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = post(
            officer,
            format!("{base}/close"),
            json!({"resolution": "Servicios restaurados desde respaldo"}),
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let work = r.json();
        assert_eq!(work["state"], "closed");
        let kinds: Vec<&str> = work["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds.iter().filter(|k| **k == "system").count(),
            4,
            "{kinds:?}"
        );
        assert!(kinds.contains(&"event"));
        let r = post(
            officer,
            format!("{base}/close"),
            json!({"resolution": "otra vez"}),
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let r = post(officer, format!("{base}/tasks"), json!({"title": "tarde"}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);

        // The page shows the work and takes a comment.
        let r = Call::new(Method::POST, format!("/incidents/{id}/work"))
            .token(Some(officer))
            .form(&[
                ("action", "comment"),
                ("text", "Lecciones aprendidas: segmentar la red"),
            ])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = Call::get(format!("/incidents/{id}"))
            .token(Some(officer))
            .send(&w.app)
            .await;
        assert!(page.body.contains("Lecciones aprendidas"));
        assert!(page.body.contains("Restaurar respaldos"));
        assert!(page.body.contains("override-note"));
        let r = Call::new(Method::POST, format!("/incidents/{id}/work"))
            .token(Some(officer))
            .form(&[("action", "comment"), ("text", " ")])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("work-error"));

        // The incident's latest version is in the log: its receipt checks offline.
        w.anchored_entry(w.own).await;
        let r = Call::get(format!("{base}/receipt"))
            .token(Some(officer))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let receipt: centinela_web::transparency::AuditReceipt =
            serde_json::from_str(&r.body).unwrap();
        assert_eq!(receipt.entry.record_id, id);
        assert_eq!(receipt.entry.record_kind, "incident");
        let key = w.state.log.as_ref().unwrap().verifier_key();
        centinela_web::transparency::verify_audit_receipt(&receipt, &key).unwrap();
        let foreign_officer = Call::get(format!("/api/v1/incidents/{foreign}/receipt"))
            .token(Some(officer))
            .send(&w.app)
            .await;
        assert_eq!(foreign_officer.status, StatusCode::NOT_FOUND);
        w.cleanup().await;
    }
}
