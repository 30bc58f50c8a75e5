//! ICT projects and subject assessments: registering projects (and refusing bad ones), the
//! review workflow of a project's questionnaires, the institution boundary, and the national
//! oversight on a small case worked by hand.

mod common;

use axum::http::{Method, StatusCode};
use centinela_store::projects as store;
use centinela_store::{Actor, assessments::NewAnswer};
use centinela_web::api::projects::{self as api, ProjectDraft, SubjectDraft};
use common::{Call, World, worlds};
use serde_json::{Value, json};
use uuid::Uuid;

fn yesterday() -> String {
    (centinela_web::api::assessments::today() - time::Duration::days(1)).to_string()
}

fn tomorrow() -> String {
    (centinela_web::api::assessments::today() + time::Duration::days(1)).to_string()
}

async fn send(
    w: &World,
    role: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> common::Reply {
    let mut call = Call::new(method, path).token(Some(&w.tokens[role]));
    if let Some(b) = body {
        call = call.json(&b);
    }
    call.send(&w.app).await
}

/// Answers every measure of a subject assessment through the API.
async fn answer_all(w: &World, role: &str, inst: Uuid, id: &str) {
    let base = format!("/api/v1/institutions/{inst}/subject-assessments/{id}");
    let view = send(w, role, Method::GET, &base, None).await.json();
    for m in view["measures"].as_array().unwrap() {
        let r = send(
            w,
            role,
            Method::PUT,
            &format!("{base}/answers/{}", m["id"].as_str().unwrap()),
            Some(json!({"status": "implemented", "maturity": 3, "evidence": ["https://intranet.sat.gob.mx/pia.pdf"]})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
}

#[tokio::test]
async fn projects_review_workflow_and_boundaries() {
    for w in worlds().await {
        let base = format!("/api/v1/institutions/{}", w.own);
        let theirs = format!("/api/v1/institutions/{}", w.other);

        // Bad projects are refused with the field, and nothing is stored.
        for (body, field) in [
            (json!({"name": "Nube", "kind": "blockchain"}), "kind"),
            (
                json!({"name": "Nube", "kind": "other", "status": "paused"}),
                "status",
            ),
            (
                json!({"name": "Nube", "kind": "other", "status": "live", "went_live_on": yesterday()}),
                "went_live_on",
            ),
            (
                json!({"name": "Nube", "kind": "other", "status": "live", "went_live_on": tomorrow()}),
                "went_live_on",
            ),
            (
                json!({"name": "Nube", "kind": "other", "went_live_on": "2026-01-01"}),
                "went_live_on",
            ),
            (json!({"name": "", "kind": "other"}), "name"),
        ] {
            let r = send(
                &w,
                "officer",
                Method::POST,
                &format!("{base}/projects"),
                Some(body.clone()),
            )
            .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{body}: {}",
                r.body
            );
            assert!(
                r.json()["error"]["fields"].to_string().contains(field),
                "{body}: {}",
                r.body
            );
        }
        let r = send(
            &w,
            "officer",
            Method::POST,
            &format!("{base}/projects"),
            Some(json!({"name": "x", "kind": "other", "color": "red"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        // Another institution's service cannot be linked.
        let pemex_service = send(&w, "coordinator", Method::POST, &format!("{theirs}/services"),
            Some(json!({"name": "Portal PEMEX", "url": "https://www.pemex.example", "personal_data": true}))).await.json();
        let r = send(
            &w,
            "officer",
            Method::POST,
            &format!("{base}/projects"),
            Some(json!({"name": "Nube", "kind": "other", "service_id": pemex_service["id"]})),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let listed = send(
            &w,
            "officer",
            Method::GET,
            &format!("{base}/projects"),
            None,
        )
        .await
        .json();
        assert_eq!(listed, json!([]), "nothing half-written");

        // A project with its service.
        let service = send(&w, "officer", Method::POST, &format!("{base}/services"),
            Some(json!({"name": "Declaraciones", "url": "https://declara.sat.example", "personal_data": true}))).await.json();
        let r = send(&w, "officer", Method::POST, &format!("{base}/projects"),
            Some(json!({"name": "Declaraciones en la nube", "kind": "cloud_migration", "service_id": service["id"], "planned_live_on": tomorrow()}))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let project = r.json();
        assert_eq!(project["status"], "planned");
        assert_eq!(project["went_live_on"], Value::Null);
        let pid = project["id"].as_str().unwrap().to_string();

        // Another institution's officer: as if none of it existed.
        let pemex_project = send(
            &w,
            "coordinator",
            Method::POST,
            &format!("{theirs}/projects"),
            Some(json!({"name": "Refinería digital", "kind": "digital_transformation"})),
        )
        .await
        .json();
        let ppid = pemex_project["id"].as_str().unwrap();
        for (method, path, body) in [
            (Method::GET, format!("{theirs}/projects"), None),
            (
                Method::POST,
                format!("{theirs}/projects"),
                Some(json!({"name": "x", "kind": "other"})),
            ),
            (
                Method::PUT,
                format!("{theirs}/projects/{ppid}"),
                Some(json!({"name": "x", "kind": "other"})),
            ),
            (Method::GET, format!("{theirs}/subject-assessments"), None),
        ] {
            let r = send(&w, "officer", method.clone(), &path, body).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {path}");
            assert!(!r.body.contains(ppid));
        }
        // Nor through one's own institution's path.
        let r = send(
            &w,
            "officer",
            Method::PUT,
            &format!("{base}/projects/{ppid}"),
            Some(json!({"name": "x", "kind": "other"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = send(
            &w,
            "officer",
            Method::POST,
            &format!("{base}/subject-assessments"),
            Some(json!({"subject_kind": "project", "subject_id": ppid, "questionnaire": "pia"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

        // Starting assessments: a service takes the PIA only; one per subject and questionnaire.
        for (body, status) in [
            (
                json!({"subject_kind": "service", "subject_id": service["id"], "questionnaire": "cloud"}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                json!({"subject_kind": "building", "subject_id": pid, "questionnaire": "pia"}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                json!({"subject_kind": "project", "subject_id": pid, "questionnaire": "dpia"}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                json!({"subject_kind": "service", "subject_id": service["id"], "questionnaire": "pia"}),
                StatusCode::CREATED,
            ),
            (
                json!({"subject_kind": "service", "subject_id": service["id"], "questionnaire": "pia"}),
                StatusCode::CONFLICT,
            ),
            (
                json!({"subject_kind": "project", "subject_id": pid, "questionnaire": "cloud"}),
                StatusCode::CREATED,
            ),
        ] {
            let r = send(
                &w,
                "officer",
                Method::POST,
                &format!("{base}/subject-assessments"),
                Some(body.clone()),
            )
            .await;
            assert_eq!(r.status, status, "{body}: {}", r.body);
        }
        let r = send(
            &w,
            "officer",
            Method::POST,
            &format!("{base}/subject-assessments"),
            Some(json!({"subject_kind": "project", "subject_id": pid, "questionnaire": "pia"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let pia = r.json();
        assert_eq!(pia["status"], "draft");
        let id = pia["id"].as_str().unwrap().to_string();
        let one = format!("{base}/subject-assessments/{id}");

        // The questionnaire as resolved: 14 questions and the 2 baseline measures it imports.
        let view = send(&w, "officer", Method::GET, &one, None).await.json();
        assert_eq!(view["subject_name"], "Declaraciones en la nube");
        let ids: Vec<&str> = view["measures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), 16, "{ids:?}");
        assert!(ids.contains(&"pia-dat-1") && ids.contains(&"pro-5") && ids.contains(&"pro-7"));
        assert_eq!(view["overall"]["total"], 16);
        assert_eq!(view["overall"]["assessed"], 0);

        // Another officer's view of it: 404, and so are answers to it.
        let r = send(
            &w,
            "officer",
            Method::GET,
            &format!("{theirs}/subject-assessments/{id}"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Answers in the campaign model; an incomplete assessment is not submitted.
        let r = send(
            &w,
            "officer",
            Method::PUT,
            &format!("{one}/answers/pia-dat-1"),
            Some(json!({"status": "not_applicable"})),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a reason is required"
        );
        let r = send(
            &w,
            "officer",
            Method::PUT,
            &format!("{one}/answers/gob-1"),
            Some(json!({"status": "implemented"})),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "not a measure of this questionnaire"
        );
        let r = send(
            &w,
            "officer",
            Method::PUT,
            &format!("{one}/answers/pia-dat-1"),
            Some(json!({"status": "partial", "maturity": 2})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = send(&w, "officer", Method::POST, &format!("{one}/submit"), None).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        answer_all(&w, "officer", w.own, &id).await;
        let view = send(&w, "officer", Method::GET, &one, None).await.json();
        assert_eq!(view["overall"]["assessed"], 16);
        assert_eq!(view["overall"]["compliance"], 1.0);
        assert_eq!(view["gaps"], json!([]));
        let r = send(&w, "officer", Method::POST, &format!("{one}/submit"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["submitted_by"], "oficial.sat@centinela.example");
        // Locked under review; the institution does not approve its own.
        let r = send(
            &w,
            "officer",
            Method::PUT,
            &format!("{one}/answers/pia-dat-1"),
            Some(json!({"status": "planned"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let r = send(
            &w,
            "officer",
            Method::POST,
            &format!("{one}/decision"),
            Some(json!({"decision": "approved"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // Returned with a reason (required), answered again, submitted again, approved once.
        let r = send(
            &w,
            "auditor",
            Method::POST,
            &format!("{one}/decision"),
            Some(json!({"decision": "returned"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = send(
            &w,
            "auditor",
            Method::POST,
            &format!("{one}/decision"),
            Some(json!({"decision": "maybe"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = send(
            &w,
            "auditor",
            Method::POST,
            &format!("{one}/decision"),
            Some(json!({"decision": "returned", "reason": "Falta el plazo de conservación"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["status"], "returned");
        assert_eq!(r.json()["return_reason"], "Falta el plazo de conservación");
        let r = send(
            &w,
            "auditor",
            Method::POST,
            &format!("{one}/decision"),
            Some(json!({"decision": "approved"})),
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::CONFLICT,
            "a returned assessment is not approved"
        );
        let r = send(
            &w,
            "officer",
            Method::PUT,
            &format!("{one}/answers/pia-ret-1"),
            Some(json!({"status": "partial", "comment": "Plazo de 5 años"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = send(&w, "officer", Method::POST, &format!("{one}/submit"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = send(
            &w,
            "coordinator",
            Method::POST,
            &format!("{one}/decision"),
            Some(json!({"decision": "approved"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["status"], "approved");
        assert_eq!(r.json()["decided_by"], "coordinador@centinela.example");
        let r = send(
            &w,
            "auditor",
            Method::POST,
            &format!("{one}/decision"),
            Some(json!({"decision": "approved"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "approved twice");
        assert_eq!(r.json()["error"]["code"], "not_allowed_now");
        let r = send(&w, "officer", Method::POST, &format!("{one}/submit"), None).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        let view = send(&w, "officer", Method::GET, &one, None).await.json();
        assert_eq!(
            view["gaps"].as_array().unwrap().len(),
            1,
            "the partial answer is a gap"
        );

        // Whoever submitted does not review, whatever the role: the coordinator on PEMEX.
        let d = SubjectDraft {
            subject_kind: "project".into(),
            subject_id: ppid.into(),
            questionnaire: "pia".into(),
        };
        let coordinator = Actor {
            user_id: None,
            email: "coordinador@centinela.example".into(),
        };
        let a = api::start_subject(w.db(), &coordinator, w.other, &d)
            .await
            .unwrap();
        answer_all(&w, "coordinator", w.other, &a.id.to_string()).await;
        let theirs_one = format!("{theirs}/subject-assessments/{}", a.id);
        let r = send(
            &w,
            "coordinator",
            Method::POST,
            &format!("{theirs_one}/submit"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = send(
            &w,
            "coordinator",
            Method::POST,
            &format!("{theirs_one}/decision"),
            Some(json!({"decision": "approved"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        // The auditor of SAT does not see PEMEX's.
        let r = send(
            &w,
            "auditor",
            Method::POST,
            &format!("{theirs_one}/decision"),
            Some(json!({"decision": "approved"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // A project goes live (today when no date is given); the date cannot move before
        // its registration.
        let r = send(&w, "officer", Method::PUT, &format!("{base}/projects/{pid}"),
            Some(json!({"name": "Declaraciones en la nube", "kind": "cloud_migration", "status": "live", "went_live_on": yesterday()}))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let r = send(&w, "officer", Method::PUT, &format!("{base}/projects/{pid}"),
            Some(json!({"name": "Declaraciones en la nube", "kind": "cloud_migration", "status": "live"}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(
            r.json()["went_live_on"],
            centinela_web::api::assessments::today().to_string()
        );

        // The pages show the project, the review and the answers.
        let page = send(
            &w,
            "officer",
            Method::GET,
            &format!("/institutions/{}/projects", w.own),
            None,
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("Declaraciones en la nube") && page.body.contains(&id),
            "{}",
            page.body
        );
        let page = send(
            &w,
            "auditor",
            Method::GET,
            &format!("/institutions/{}/subject-assessments/{id}", w.own),
            None,
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("review-status") && page.body.contains("PIA-DAT-1"));
        w.cleanup().await;
    }
}

/// Registers a project through the API's validation.
async fn project(w: &World, inst: Uuid, name: &str, status: &str, planned: Option<String>) -> Uuid {
    let d = ProjectDraft {
        name: name.into(),
        kind: "digital_transformation".into(),
        status: Some(status.into()),
        planned_live_on: planned,
        ..Default::default()
    };
    api::register_project(w.db(), &Actor::system(), inst, &d)
        .await
        .unwrap()
        .id
}

async fn service(w: &World, inst: Uuid, name: &str, personal_data: bool) -> Uuid {
    let n = centinela_store::inventory::NewService {
        name: name.into(),
        url: "https://servicio.example".into(),
        personal_data,
        ..Default::default()
    };
    centinela_store::inventory::add_service(w.db(), &Actor::system(), inst, &n)
        .await
        .unwrap()
        .id
}

/// Takes a subject assessment as far as `until` (draft, submitted or approved).
async fn assess(w: &World, inst: Uuid, kind: &str, subject: Uuid, q: &str, until: &str) {
    let officer = Actor {
        user_id: None,
        email: "oficial@example".into(),
    };
    let d = SubjectDraft {
        subject_kind: kind.into(),
        subject_id: subject.to_string(),
        questionnaire: q.into(),
    };
    let a = api::start_subject(w.db(), &officer, inst, &d)
        .await
        .unwrap();
    if until == "draft" {
        return;
    }
    for m in store::measures(w.db(), a.id).await.unwrap() {
        let n = NewAnswer {
            measure_id: m.measure_id,
            status: "implemented".into(),
            reason: String::new(),
            maturity: Some(4),
            comment: String::new(),
            evidence: "[]".into(),
        };
        store::save_answer(w.db(), &officer, inst, a.id, &n)
            .await
            .unwrap();
    }
    store::submit(w.db(), &officer, inst, a.id).await.unwrap();
    if until == "approved" {
        let reviewer = Actor {
            user_id: None,
            email: "revisor@example".into(),
        };
        store::decide(
            w.db(),
            &reviewer,
            inst,
            a.id,
            centinela_core::projects::ReviewStatus::Approved,
            "",
        )
        .await
        .unwrap();
    }
}

fn names(list: &Value, key: &str) -> Vec<(String, Value)> {
    let mut v: Vec<(String, Value)> = list[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                if key == "projects" {
                    r["missing"].clone()
                } else {
                    r["pia_status"].clone()
                },
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[tokio::test]
async fn national_oversight_on_a_hand_worked_case() {
    for w in worlds().await {
        let (sat, pemex) = (w.own, w.other);
        // SAT (public finance):
        let p1 = project(&w, sat, "P1 live, PIA approved", "live", None).await;
        assess(&w, sat, "project", p1, "pia", "approved").await;
        project(&w, sat, "P2 planned, overdue", "planned", Some(yesterday())).await;
        project(
            &w,
            sat,
            "P3 planned, not yet due",
            "planned",
            Some(tomorrow()),
        )
        .await;
        let p4 = project(&w, sat, "P4 live, both approved", "live", None).await;
        assess(&w, sat, "project", p4, "pia", "approved").await;
        assess(&w, sat, "project", p4, "cloud", "approved").await;
        let p5 = project(&w, sat, "P5 retired", "retired", None).await;
        assess(&w, sat, "project", p5, "pia", "draft").await;
        let p6 = project(
            &w,
            sat,
            "P6 in progress, overdue, PIA submitted",
            "in_progress",
            Some(yesterday()),
        )
        .await;
        assess(&w, sat, "project", p6, "pia", "submitted").await;
        service(&w, sat, "S1 personal data, no PIA", true).await;
        let s2 = service(&w, sat, "S2 personal data, PIA approved", true).await;
        assess(&w, sat, "service", s2, "pia", "approved").await;
        service(&w, sat, "S3 no personal data", false).await;
        // PEMEX (energy):
        project(&w, pemex, "Q1 live, nothing", "live", None).await;
        let s4 = service(&w, pemex, "S4 personal data, PIA draft", true).await;
        assess(&w, pemex, "service", s4, "pia", "draft").await;

        let national = send(
            &w,
            "coordinator",
            Method::GET,
            "/api/v1/projects/oversight",
            None,
        )
        .await
        .json();
        assert_eq!(
            names(&national, "projects"),
            vec![
                ("P1 live, PIA approved".to_string(), json!(["cloud"])),
                ("P2 planned, overdue".to_string(), json!(["pia", "cloud"])),
                (
                    "P6 in progress, overdue, PIA submitted".to_string(),
                    json!(["pia", "cloud"])
                ),
                ("Q1 live, nothing".to_string(), json!(["pia", "cloud"])),
            ]
        );
        let p6_row = national["projects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["project_id"] == json!(p6))
            .unwrap();
        assert_eq!(p6_row["reviews"], json!({"pia": "submitted"}));
        assert_eq!(
            names(&national, "services"),
            vec![
                ("S1 personal data, no PIA".to_string(), Value::Null),
                ("S4 personal data, PIA draft".to_string(), json!("draft")),
            ]
        );

        let energy = send(
            &w,
            "coordinator",
            Method::GET,
            "/api/v1/projects/oversight?sector=energy",
            None,
        )
        .await
        .json();
        assert_eq!(
            names(&energy, "projects"),
            vec![("Q1 live, nothing".to_string(), json!(["pia", "cloud"]))]
        );
        assert_eq!(names(&energy, "services").len(), 1);
        let r = send(
            &w,
            "coordinator",
            Method::GET,
            "/api/v1/projects/oversight?sector=atlantis",
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

        // An officer sees only their own institution's rows.
        let own = send(
            &w,
            "officer",
            Method::GET,
            "/api/v1/projects/oversight",
            None,
        )
        .await;
        assert_eq!(names(&own.json(), "projects").len(), 3);
        assert_eq!(names(&own.json(), "services").len(), 1);
        assert!(!own.body.contains(&pemex.to_string()));

        // The page, in both languages, with the filter.
        let page = send(&w, "coordinator", Method::GET, "/projects/oversight", None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("P2 planned, overdue") && page.body.contains("S4 personal data")
        );
        let page = Call::get("/projects/oversight?sector=energy")
            .token(Some(&w.tokens["coordinator"]))
            .header("accept-language", "en")
            .send(&w.app)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Q1 live, nothing") && !page.body.contains("P2 planned"));
        // Labels come from the translations, not the raw keys.
        assert!(
            page.body.contains("Cloud security gap analysis")
                || page
                    .body
                    .contains("Análisis de brechas de seguridad en la nube"),
            "{}",
            page.body
        );
        w.cleanup().await;
    }
}

/// A project's PIA started after the institution answered `pro-7` in a campaign.
async fn pia_after_campaign(w: &World) -> (String, String) {
    let a = common::campaign_assessment(w, w.own).await;
    let campaign = format!("/api/v1/institutions/{}/assessments/{a}", w.own);
    let r = send(
        w,
        "officer",
        Method::PUT,
        &format!("{campaign}/answers/pro-7"),
        Some(json!({"status": "implemented", "maturity": 4})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let pid = project(w, w.own, "Expediente digital", "planned", None).await;
    let base = format!("/api/v1/institutions/{}/subject-assessments", w.own);
    let r = send(
        w,
        "officer",
        Method::POST,
        &base,
        Some(json!({"subject_kind": "project", "subject_id": pid, "questionnaire": "pia"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (
        campaign,
        format!("{base}/{}", r.json()["id"].as_str().unwrap()),
    )
}

/// The measure `id` of a subject assessment's view.
fn measure<'a>(view: &'a Value, id: &str) -> &'a Value {
    view["measures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {view}"))
}

#[tokio::test]
async fn subject_answers_are_inferred_on_start_and_on_request() {
    for w in worlds().await {
        let (campaign, one) = pia_after_campaign(&w).await;
        let view = send(&w, "officer", Method::GET, &one, None).await.json();
        let pro7 = &measure(&view, "pro-7")["answer"];
        assert_eq!(
            (
                pro7["status"].clone(),
                pro7["maturity"].clone(),
                pro7["inferred"].clone()
            ),
            (json!("implemented"), json!(4), json!(true)),
            "{pro7}"
        );
        assert_eq!(pro7["inferred_from"]["measure"], "pro-7");
        assert_eq!(pro7["inferred_from"]["relationship"], "equal");
        assert_eq!(pro7["inferred_from"]["campaign_title"], "Ronda 2026");
        // The questionnaire's own questions relate to nothing in the campaign.
        assert!(measure(&view, "pia-dat-1")["answer"].is_null(), "{view}");
        assert!(measure(&view, "pro-5")["answer"].is_null(), "{view}");
        // The page marks it, with where it came from, and offers to infer again.
        let page = send(
            &w,
            "officer",
            Method::GET,
            &one.replace("/api/v1", ""),
            None,
        )
        .await;
        assert!(
            page.body.contains("badge inferred") && page.body.contains("id=\"infer\""),
            "{}",
            page.body
        );
        // The CSV names where the answer came from.
        let csv = send(
            &w,
            "officer",
            Method::GET,
            &format!("{one}/export.csv"),
            None,
        )
        .await;
        let row = csv.body.lines().find(|l| l.starts_with("pro-7,")).unwrap();
        assert!(row.contains("Ronda 2026 / pro-7 (equal;"), "{row}");

        // On request: what the campaign answered since.
        let r = send(
            &w,
            "officer",
            Method::PUT,
            &format!("{campaign}/answers/pro-5"),
            Some(json!({"status": "partial", "maturity": 2})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = send(&w, "ro", Method::POST, &format!("{one}/infer"), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = send(&w, "officer", Method::POST, &format!("{one}/infer"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let out = r.json();
        let filled: Vec<&str> = out["inferred"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["measure_id"].as_str().unwrap())
            .collect();
        assert_eq!(filled, ["pro-5"], "{}", r.body);
        // Saving an inferred answer makes it the officer's.
        let r = send(
            &w,
            "officer",
            Method::PUT,
            &format!("{one}/answers/pro-7"),
            Some(json!({"status": "partial", "maturity": 2})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let view = send(&w, "officer", Method::GET, &one, None).await.json();
        let pro7 = &measure(&view, "pro-7")["answer"];
        assert_eq!(
            (pro7["inferred"].clone(), pro7["inferred_from"].clone()),
            (json!(false), Value::Null)
        );
        assert_eq!(measure(&view, "pro-5")["answer"]["inferred"], true);
        // A second request finds nothing new; another institution's is not found.
        let r = send(&w, "officer", Method::POST, &format!("{one}/infer"), None).await;
        assert_eq!(r.json()["inferred"], json!([]), "{}", r.body);
        let theirs = one.replace(&w.own.to_string(), &w.other.to_string());
        let r = send(
            &w,
            "coordinator",
            Method::POST,
            &format!("{theirs}/infer"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // A submitted assessment is what gets reviewed: nothing is written into it.
        let id = one.rsplit('/').next().unwrap().to_string();
        answer_all(&w, "officer", w.own, &id).await;
        let r = send(&w, "officer", Method::POST, &format!("{one}/submit"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = send(&w, "officer", Method::POST, &format!("{one}/infer"), None).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        w.cleanup().await;
    }
}

#[tokio::test]
async fn subject_evidence_is_kept_revised_anchored_and_stays_with_its_institution() {
    let settings = centinela_web::WebSettings {
        evidence_limit: 2048,
        ..Default::default()
    };
    for w in common::worlds_with(settings).await {
        let (_, one) = pia_after_campaign(&w).await;
        let officer = w.tokens["officer"].as_str();
        fn upload<'a>(
            one: &str,
            token: &'a str,
            measure: &str,
            fields: Vec<(&str, &str)>,
            name: &str,
            body: &str,
        ) -> Call<'a> {
            Call::new(Method::POST, format!("{one}/answers/{measure}/evidence"))
                .token(Some(token))
                .multipart(&fields, name, body)
        }
        let up =
            |token, measure, fields, name, body| upload(&one, token, measure, fields, name, body);
        for (fields, name, body) in [
            (vec![("effective_on", "2025-01-15")], "eipd.pdf", "v1"),
            (
                vec![
                    ("effective_on", "2026-06-01"),
                    ("description", "Revisión 2"),
                ],
                "eipd.pdf",
                "v2",
            ),
            (
                vec![("effective_on", "2024-01-01"), ("expires_on", "2025-01-01")],
                "contrato.pdf",
                "c",
            ),
        ] {
            let r = up(officer, "pia-dat-1", fields, name, body)
                .send(&w.app)
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            assert_eq!(r.json()["subject_kind"], "subject-assessment");
        }
        // Bad input, each with its own answer; nothing kept.
        let big = "x".repeat(4096);
        for (token, measure, fields, body, status) in [
            (
                officer,
                "pia-dat-1",
                vec![],
                big.as_str(),
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            (
                officer,
                "pia-dat-1",
                vec![("expires_on", "31/12/2026")],
                "x",
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                officer,
                "no-such-measure",
                vec![],
                "x",
                StatusCode::NOT_FOUND,
            ),
            (
                w.tokens["ro"].as_str(),
                "pia-dat-1",
                vec![],
                "x",
                StatusCode::FORBIDDEN,
            ),
        ] {
            let r = up(token, measure, fields, "x.txt", body).send(&w.app).await;
            assert_eq!(r.status, status, "{measure}: {}", r.body);
        }
        let view = send(&w, "officer", Method::GET, &one, None).await.json();
        let files = measure(&view, "pia-dat-1")["files"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(files.len(), 3, "{files:?}");
        assert_eq!(
            files
                .iter()
                .filter(|f| f["file_name"] == "eipd.pdf")
                .count(),
            2
        );
        let expired: Vec<&Value> = files.iter().filter(|f| f["expired"] == true).collect();
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0]["file_name"], "contrato.pdf");
        let list = send(&w, "auditor", Method::GET, &format!("{one}/evidence"), None).await;
        assert_eq!(list.json().as_array().unwrap().len(), 3);

        // Download intact, by the auditor and the coordinator; the receipt states the SHA-256.
        let fid = files[1]["id"].as_str().unwrap();
        for role in ["auditor", "coordinator", "ro"] {
            let r = send(
                &w,
                role,
                Method::GET,
                &format!("{one}/evidence/{fid}"),
                None,
            )
            .await;
            assert_eq!(
                (r.status, r.body.as_str()),
                (StatusCode::OK, "v2"),
                "{role}"
            );
        }
        w.anchored_entry(w.own).await;
        let r = send(
            &w,
            "officer",
            Method::GET,
            &format!("{one}/evidence/{fid}/receipt"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let receipt: centinela_web::transparency::AuditReceipt =
            serde_json::from_str(&r.body).unwrap();
        assert_eq!(
            receipt.entry.state_sha256,
            files[1]["sha256"].as_str().unwrap()
        );
        assert_eq!(receipt.entry.record_kind, "evidence");
        let key = w.state.log.as_ref().unwrap().verifier_key();
        centinela_web::transparency::verify_audit_receipt(&receipt, &key).unwrap();

        // The page lists the files with their receipts, and the upload form.
        let page_path = one.replace("/api/v1", "");
        let page = send(&w, "officer", Method::GET, &page_path, None).await;
        assert_eq!(page.status, StatusCode::OK);
        for needle in [
            "contrato.pdf".to_string(),
            format!("{one}/evidence/{fid}/receipt"),
            format!("{page_path}/answers/pia-dat-1/evidence"),
            format!("{one}/export.xlsx"),
        ] {
            assert!(page.body.contains(&needle), "{needle}");
        }

        // Another institution's officer: nothing; nor through another institution's path.
        let pemex = common::officer_token(&w, w.other, "oficial.pemex@ejemplo.gob.mx").await;
        for path in [
            format!("{one}/evidence"),
            format!("{one}/evidence/{fid}"),
            format!("{one}/evidence/{fid}/receipt"),
        ] {
            let r = Call::get(path.clone())
                .token(Some(&pemex))
                .send(&w.app)
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        }
        let r = up(&pemex, "pia-dat-1", vec![], "x.txt", "x")
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let theirs = one.replace(&w.own.to_string(), &w.other.to_string());
        let r = send(
            &w,
            "coordinator",
            Method::GET,
            &format!("{theirs}/evidence/{fid}"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // A campaign's evidence path does not reach a subject's file.
        let r = send(
            &w,
            "coordinator",
            Method::GET,
            &format!(
                "{}/evidence/{fid}",
                one.replace("subject-assessments", "assessments")
            ),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Submitted: the evidence is what gets reviewed.
        let id = one.rsplit('/').next().unwrap().to_string();
        answer_all(&w, "officer", w.own, &id).await;
        let r = send(&w, "officer", Method::POST, &format!("{one}/submit"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = up(officer, "pia-dat-1", vec![], "late.txt", "late")
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
        w.cleanup().await;
    }
}

#[tokio::test]
async fn subject_exports_parse_with_the_same_figures() {
    for w in worlds().await {
        let (_, one) = pia_after_campaign(&w).await;
        let r = send(
            &w,
            "officer",
            Method::PUT,
            &format!("{one}/answers/pia-dat-1"),
            Some(json!({"status": "not_implemented", "maturity": 0, "comment": "=1+1"})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let view = send(&w, "officer", Method::GET, &one, None).await.json();
        let measures = view["measures"].as_array().unwrap().len();

        // CSV: the campaign export's header, one row per measure, formulas neutralised.
        let csv = send(
            &w,
            "auditor",
            Method::GET,
            &format!("{one}/export.csv"),
            None,
        )
        .await;
        assert_eq!(csv.status, StatusCode::OK);
        let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(
            &header[..5],
            ["measure_id", "group", "weight", "title", "status"]
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), measures);
        let dat = rows.iter().find(|r| &r[0] == "pia-dat-1").unwrap();
        assert_eq!((&dat[4], &dat[7]), ("not_implemented", "'=1+1"));

        // XLSX: opened by openpyxl, answers and scores, no plan sheet.
        let (status, bytes) = Call::get(format!("{one}/export.xlsx"))
            .token(Some(w.tokens["officer"].as_str()))
            .send_bytes(&w.app)
            .await;
        assert_eq!(status, StatusCode::OK);
        std::fs::create_dir_all(&w.log_dir).unwrap();
        let path = w.log_dir.join("subject.xlsx");
        std::fs::write(&path, &bytes).unwrap();
        let book = read_with_openpyxl(&path);
        let answers = book["answers"].as_array().unwrap();
        assert_eq!(answers.len(), measures + 1);
        let pro7 = answers.iter().find(|r| r[0] == "pro-7").unwrap();
        assert_eq!(
            (pro7[4].clone(), pro7[6].as_f64()),
            (json!("implemented"), Some(4.0))
        );
        let overall = book["scores"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r[0] == "overall")
            .unwrap()
            .clone();
        assert_eq!(overall[1].as_f64(), Some(2.0), "two measures assessed");
        assert!(book.get("plan").is_none(), "{book}");

        // OSCAL assessment-results: one finding per answered measure, with its state.
        let r = send(
            &w,
            "officer",
            Method::GET,
            &format!("{one}/oscal/assessment-results"),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let ar = r.json();
        let findings = ar["assessment-results"]["results"][0]["findings"]
            .as_array()
            .unwrap();
        let state = |control: &str| {
            findings
                .iter()
                .find(|f| f["target"]["target-id"] == format!("{control}_obj"))
                .map(|f| f["target"]["status"]["state"].clone())
        };
        assert_eq!(findings.len(), 2, "{ar}");
        assert_eq!(state("pro-7"), Some(json!("satisfied")));
        assert_eq!(state("pia-dat-1"), Some(json!("not-satisfied")));
        assert!(
            ar["assessment-results"]["metadata"]["title"]
                .as_str()
                .unwrap()
                .starts_with("Expediente digital"),
            "{ar}"
        );
        // The printable report: the same figures, in the reader's language.
        let page = Call::get(format!("{}/report", one.replace("/api/v1", "")))
            .token(Some(w.tokens["auditor"].as_str()))
            .header("accept-language", "en")
            .send(&w.app)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        for needle in [
            "report-answers",
            "report-gaps",
            "PIA-DAT-1",
            "Expediente digital",
        ] {
            assert!(page.body.contains(needle), "{needle}");
        }
        let counts = format!(
            "({}/{})",
            view["overall"]["assessed"], view["overall"]["total"]
        );
        assert!(page.body.contains(&counts), "{counts}: {}", page.body);

        // Another institution's officer: nothing.
        let pemex = common::officer_token(&w, w.other, "oficial.pemex@ejemplo.gob.mx").await;
        for ext in ["export.csv", "export.xlsx", "oscal/assessment-results"] {
            let r = Call::get(format!("{one}/{ext}"))
                .token(Some(&pemex))
                .send(&w.app)
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{ext}");
        }
        w.cleanup().await;
    }
}

/// Every sheet of the workbook as rows of cell values, by openpyxl (as tests/assessment_exports.rs).
fn read_with_openpyxl(path: &std::path::Path) -> Value {
    const PYTHON: &str = "/var/tmp/centinela-venv-assess/bin/python";
    let script = r#"
import json, sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
print(json.dumps({name: [[c for c in row] for row in book[name].iter_rows(values_only=True)] for name in book.sheetnames}, default=str))
"#;
    let out = std::process::Command::new(PYTHON)
        .args(["-c", script])
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("{PYTHON}: {e} (bash scripts/test.sh installs it)"));
    assert!(
        out.status.success(),
        "openpyxl refused the workbook: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
