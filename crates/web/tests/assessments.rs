//! Baselines and assessments through the API and the pages: the version cycle with its
//! consultation and diff, a campaign end to end (answers, verdicts, scores, gaps, plan,
//! exports, roll-up, carry-over), tenancy, and bad input answered with 4xx.

mod common;

use axum::http::{Method, StatusCode};
use common::{Call, World, csrf_of, login, worlds};
use serde_json::{Value, json};
use uuid::Uuid;

fn future(days: i64) -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(days)).to_string()
}

async fn send(
    w: &World,
    role: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut call = Call::new(method, path).token(Some(&w.tokens[role]));
    if let Some(b) = body {
        call = call.json(&b);
    }
    let r = call.send(&w.app).await;
    let v = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    (r.status, v)
}

async fn shipped_version(w: &World) -> String {
    let (s, v) = send(w, "officer", Method::GET, "/api/v1/baselines", None).await;
    assert_eq!(s, StatusCode::OK);
    let shipped = v
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["version"] == "0.1.0")
        .expect("the shipped baseline is loaded");
    assert_eq!(shipped["status"], "adopted");
    shipped["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn version_cycle_with_consultation_and_diff() {
    for w in worlds().await {
        let shipped = shipped_version(&w).await;
        // Officers read but do not draft.
        let (s, _) = send(
            &w,
            "officer",
            Method::POST,
            "/api/v1/baselines",
            Some(json!({"version": "0.2.0"})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, draft) = send(
            &w,
            "coordinator",
            Method::POST,
            "/api/v1/baselines",
            Some(json!({"version": "0.2.0"})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{draft}");
        assert_eq!(draft["status"], "draft");
        assert_eq!(draft["based_on"], shipped.as_str());
        let id = draft["id"].as_str().unwrap().to_string();
        let (s, _) = send(
            &w,
            "coordinator",
            Method::POST,
            "/api/v1/baselines",
            Some(json!({"version": "0.2.0"})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "versions are unique");
        // Edit a measure of the draft; the diff shows it and nothing else.
        let (s, v) = send(&w, "coordinator", Method::PUT, &format!("/api/v1/baselines/{id}/measures/gob-1"), Some(json!({
            "title_es": "Responsables designados, plan institucional y presupuesto",
            "title_en": "Named officers, institutional plan and budget",
            "statement_es": "La institución designa responsables, aprueba un plan y le asigna presupuesto.",
            "statement_en": "The institution names officers, approves a plan and funds it."
        }))).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, d) = send(
            &w,
            "officer",
            Method::GET,
            &format!("/api/v1/baselines/{id}/diff"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{d}");
        assert_eq!(d["changed"].as_array().unwrap().len(), 1, "{d}");
        assert_eq!(d["changed"][0]["id"], "gob-1");
        assert!(
            d["changed"][0]["title_after"]
                .as_str()
                .unwrap()
                .contains("presupuesto")
        );
        assert_eq!(d["added"].as_array().unwrap().len(), 0);
        assert_eq!(d["unchanged"], 14);
        let page = Call::get(format!("/baselines/{id}/diff"))
            .token(Some(&w.tokens["officer"]))
            .send(&w.app)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("diff-gob-1"));
        // No comments before the consultation opens.
        let comment = json!({"measure_id": "gob-1", "body": "Pedimos precisar el monto mínimo."});
        let (s, _) = send(
            &w,
            "officer",
            Method::POST,
            &format!("/api/v1/baselines/{id}/comments"),
            Some(comment.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        // Adoption straight from draft is refused; consultation needs a closing date.
        let (s, _) = send(
            &w,
            "coordinator",
            Method::POST,
            &format!("/api/v1/baselines/{id}/status"),
            Some(json!({"status": "adopted", "effective_on": future(60)})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let (s, _) = send(
            &w,
            "coordinator",
            Method::POST,
            &format!("/api/v1/baselines/{id}/status"),
            Some(json!({"status": "consultation"})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, v) = send(
            &w,
            "coordinator",
            Method::POST,
            &format!("/api/v1/baselines/{id}/status"),
            Some(json!({"status": "consultation", "closes_on": future(30)})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["status"], "consultation");
        // Registered users comment per measure; the draft can no longer be edited.
        let (s, c) = send(
            &w,
            "crisis",
            Method::POST,
            &format!("/api/v1/baselines/{id}/comments"),
            Some(comment.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{c}");
        let (s, _) = send(
            &w,
            "officer",
            Method::POST,
            &format!("/api/v1/baselines/{id}/comments"),
            Some(json!({"measure_id": "zzz-9", "body": "x"})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = send(
            &w,
            "coordinator",
            Method::PUT,
            &format!("/api/v1/baselines/{id}/measures/gob-1"),
            Some(json!({"title_es": "x", "title_en": "x"})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        // Every comment must be answered before adoption.
        let (s, _) = send(
            &w,
            "coordinator",
            Method::POST,
            &format!("/api/v1/baselines/{id}/status"),
            Some(json!({"status": "adopted", "effective_on": future(60)})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        let cid = c["id"].as_str().unwrap();
        let (s, _) = send(
            &w,
            "officer",
            Method::POST,
            &format!("/api/v1/baselines/{id}/comments/{cid}/reply"),
            Some(json!({"reply": "no"})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, r) = send(
            &w,
            "coordinator",
            Method::POST,
            &format!("/api/v1/baselines/{id}/comments/{cid}/reply"),
            Some(json!({"reply": "Se precisará en la guía."})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        let (s, v) = send(
            &w,
            "coordinator",
            Method::POST,
            &format!("/api/v1/baselines/{id}/status"),
            Some(json!({"status": "adopted", "effective_on": future(60)})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["effective_on"], future(60));
        let (s, v) = send(
            &w,
            "coordinator",
            Method::POST,
            &format!("/api/v1/baselines/{id}/status"),
            Some(json!({"status": "mandatory"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (_, comments) = send(
            &w,
            "auditor",
            Method::GET,
            &format!("/api/v1/baselines/{id}/comments"),
            None,
        )
        .await;
        assert_eq!(comments[0]["reply"], "Se precisará en la guía.");
        // The version page shows the measures and the comment with its reply.
        let page = Call::get(format!("/baselines/{id}"))
            .token(Some(&w.tokens["officer"]))
            .send(&w.app)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Se precisará en la guía.") && page.body.contains("m-rec-2"));
        w.cleanup().await;
    }
}

/// A campaign over SAT (own) and PEMEX (other) on the shipped baseline.
async fn campaign(w: &World, title: &str) -> String {
    let shipped = shipped_version(w).await;
    let (s, c) = send(
        w,
        "coordinator",
        Method::POST,
        "/api/v1/campaigns",
        Some(json!({
            "title": title, "version_id": shipped, "due_on": future(90),
            "institutions": [w.own, w.other]
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    c["id"].as_str().unwrap().to_string()
}

async fn assessment_of(w: &World, campaign: &str, institution: Uuid) -> String {
    let (s, list) = send(
        w,
        "coordinator",
        Method::GET,
        &format!("/api/v1/institutions/{institution}/assessments"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    list.as_array()
        .unwrap()
        .iter()
        .find(|a| a["campaign_id"] == campaign)
        .expect("an assessment per assigned institution")["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn campaign_end_to_end() {
    for w in worlds().await {
        let (own, other) = (w.own, w.other);
        let c1 = campaign(&w, "Autoevaluación 2026").await;
        let mine = assessment_of(&w, &c1, own).await;
        let theirs = assessment_of(&w, &c1, other).await;
        let base = format!("/api/v1/institutions/{own}/assessments/{mine}");
        let (s, a) = send(&w, "officer", Method::GET, &base, None).await;
        assert_eq!(s, StatusCode::OK, "{a}");
        let total = a["overall"]["total"].as_i64().unwrap();
        assert!(total >= 15, "{a}");
        assert_eq!(a["overall"]["assessed"], 0);
        // Answers: implemented with evidence, partial, not applicable with its reason.
        let (s, x) = send(
            &w,
            "officer",
            Method::PUT,
            &format!("{base}/answers/gob-1"),
            Some(json!({
                "status": "implemented", "maturity": 4, "comment": "Plan aprobado",
                "evidence": ["https://intranet.sat.gob.mx/plan.pdf"]
            })),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{x}");
        assert_eq!(x["evidence"][0], "https://intranet.sat.gob.mx/plan.pdf");
        let (s, _) = send(
            &w,
            "officer",
            Method::PUT,
            &format!("{base}/answers/pro-1"),
            Some(json!({"status": "partial", "maturity": 2})),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = send(
            &w,
            "officer",
            Method::PUT,
            &format!("{base}/answers/rec-2"),
            Some(json!({"status": "not_implemented", "maturity": 0})),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (s, _) = send(
            &w,
            "officer",
            Method::PUT,
            &format!("{base}/answers/det-1"),
            Some(json!({"status": "not_applicable", "reason": "Sin sistemas propios"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        // Bad answers: 4xx with the field named.
        for (body, field) in [
            (json!({"status": "not_applicable"}), "reason"),
            (json!({"status": "implemented", "maturity": 9}), "maturity"),
            (json!({"status": "done"}), "status"),
            (
                json!({"status": "implemented", "evidence": ["javascript:alert(1)"]}),
                "evidence[0]",
            ),
        ] {
            let (s, e) = send(
                &w,
                "officer",
                Method::PUT,
                &format!("{base}/answers/gob-2"),
                Some(body.clone()),
            )
            .await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {e}");
            assert_eq!(e["error"]["fields"][0]["field"], field, "{e}");
        }
        for measure in ["nope-1", "gob-1%00", "gob%201"] {
            let (s, _) = send(
                &w,
                "officer",
                Method::PUT,
                &format!("{base}/answers/{measure}"),
                Some(json!({"status": "implemented"})),
            )
            .await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{measure}");
        }
        // Scores kept apart: progress over all, compliance over applicable, maturity rated.
        let (_, a) = send(&w, "officer", Method::GET, &base, None).await;
        assert_eq!(a["overall"]["assessed"], 4);
        assert_eq!(a["overall"]["not_applicable"], 1);
        let compliance = a["overall"]["compliance"].as_f64().unwrap();
        assert!(compliance > 0.0 && compliance < 1.0, "{}", a["overall"]);
        assert!(a["overall"]["maturity"].as_f64().is_some());
        // Gaps heaviest first; the plan follows them.
        let gaps: Vec<&str> = a["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["measure_id"].as_str().unwrap())
            .collect();
        assert_eq!(gaps.len(), 2, "{gaps:?}");
        let weights: Vec<f64> = a["gaps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["weight"].as_f64().unwrap())
            .collect();
        assert!(weights[0] >= weights[1]);
        let (s, plan) = send(
            &w,
            "officer",
            Method::POST,
            &format!("{base}/plan"),
            Some(json!({})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{plan}");
        assert_eq!(plan.as_array().unwrap().len(), 2);
        let (s, again) = send(
            &w,
            "officer",
            Method::POST,
            &format!("{base}/plan"),
            Some(json!({})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED);
        assert_eq!(
            again.as_array().unwrap().len(),
            2,
            "one item per gap, however often"
        );
        let item = plan[0]["id"].as_str().unwrap();
        let (s, it) = send(
            &w,
            "officer",
            Method::PUT,
            &format!("{base}/plan/{item}"),
            Some(
                json!({"owner": "Dirección de TI", "due_on": future(45), "status": "in_progress"}),
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{it}");
        let (s, _) = send(
            &w,
            "officer",
            Method::PUT,
            &format!("{base}/plan/{item}"),
            Some(json!({"status": "maybe"})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        // Verdicts: the assigned auditor judges; the institution does not judge itself.
        let (s, _) = send(
            &w,
            "officer",
            Method::PUT,
            &format!("{base}/answers/gob-1/verdict"),
            Some(json!({"verdict": "accepted"})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, v) = send(
            &w,
            "auditor",
            Method::PUT,
            &format!("{base}/answers/gob-1/verdict"),
            Some(json!({"verdict": "accepted", "comment": "Plan firmado"})),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["verdict"], "accepted");
        let (s, _) = send(
            &w,
            "auditor",
            Method::PUT,
            &format!("{base}/answers/gob-2/verdict"),
            Some(json!({"verdict": "accepted"})),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::NOT_FOUND,
            "no verdict on an unanswered measure"
        );
        // Tenancy: another institution's assessment is not there for the officer or auditor,
        // neither under its own path nor smuggled under the officer's institution.
        for role in ["officer", "ro", "auditor"] {
            for path in [
                format!("/api/v1/institutions/{other}/assessments/{theirs}"),
                format!("/api/v1/institutions/{own}/assessments/{theirs}"),
                format!("/api/v1/institutions/{other}/assessments"),
                format!("/institutions/{other}/assessments/{theirs}"),
                format!("/institutions/{own}/assessments/{theirs}"),
            ] {
                let r = Call::get(&path)
                    .token(Some(&w.tokens[role]))
                    .send(&w.app)
                    .await;
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{path} as {role}");
                assert!(!r.body.contains(&other.to_string()));
            }
        }
        let (s, _) = send(
            &w,
            "officer",
            Method::PUT,
            &format!("/api/v1/institutions/{own}/assessments/{theirs}/answers/gob-1"),
            Some(json!({"status": "implemented"})),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, _) = send(
            &w,
            "officer",
            Method::PUT,
            &format!("/api/v1/institutions/{other}/assessments/{theirs}/answers/gob-1"),
            Some(json!({"status": "implemented"})),
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        // Exports.
        let r = Call::get(format!("{base}/export.csv"))
            .token(Some(&w.tokens["auditor"]))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body.starts_with("measure_id,group,weight") && r.body.contains("gob-1,gob,"),
            "{}",
            r.body
        );
        let (s, ar) = send(
            &w,
            "officer",
            Method::GET,
            &format!("{base}/oscal/assessment-results"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{ar}");
        assert!(
            ar["assessment-results"]["results"][0]["findings"]
                .as_array()
                .is_some_and(|f| !f.is_empty()),
            "{ar}"
        );
        // For checking with compliance-trestle by hand (see bench/assess-server/README.md).
        if let Ok(dir) = std::env::var("CENTINELA_OSCAL_OUT") {
            std::fs::write(format!("{dir}/ar.json"), ar.to_string()).unwrap();
        }
        let (s, poam) = send(
            &w,
            "officer",
            Method::GET,
            &format!("{base}/oscal/poam"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{poam}");
        if let Ok(dir) = std::env::var("CENTINELA_OSCAL_OUT") {
            std::fs::write(format!("{dir}/poam.json"), poam.to_string()).unwrap();
        }
        assert_eq!(
            poam["plan-of-action-and-milestones"]["poam-items"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        // Roll-up: the coordinator sees both institutions, the officer only their own.
        let (s, r) = send(
            &w,
            "coordinator",
            Method::GET,
            &format!("/api/v1/campaigns/{c1}/rollup"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["national"]["institutions"], 2);
        assert_eq!(r["groups"].as_array().unwrap().len(), 6, "{}", r["groups"]);
        let (s, r) = send(
            &w,
            "officer",
            Method::GET,
            &format!("/api/v1/campaigns/{c1}/rollup"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(r["national"]["institutions"], 1);
        assert!(!r.to_string().contains(&other.to_string()));
        // The roll-up (from the totals kept beside the answers) agrees with the assessment.
        let rolled = r["institutions"][0]["compliance"].as_f64().unwrap();
        assert!(
            (rolled - compliance).abs() < 1e-9,
            "{rolled} vs {compliance}"
        );
        assert_eq!(r["national"]["not_applicable"], 1);
        assert_eq!(r["national"]["implemented"], 1);
        let (s, _) = send(
            &w,
            "admin",
            Method::GET,
            &format!("/api/v1/campaigns/{c1}/rollup"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let page = Call::get(format!("/campaigns/{c1}"))
            .token(Some(&w.tokens["coordinator"]))
            .send(&w.app)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"heat-map\"") && page.body.contains("<rect"));
        // The next campaign carries answers over, marked, without verdicts.
        let c2 = campaign(&w, "Autoevaluación 2027").await;
        let next = assessment_of(&w, &c2, own).await;
        let (_, a2) = send(
            &w,
            "officer",
            Method::GET,
            &format!("/api/v1/institutions/{own}/assessments/{next}"),
            None,
        )
        .await;
        let gob1 = a2["measures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == "gob-1")
            .unwrap();
        assert_eq!(gob1["answer"]["carried_over"], true, "{gob1}");
        assert_eq!(gob1["answer"]["status"], "implemented");
        assert_eq!(gob1["answer"]["verdict"], Value::Null);
        assert_eq!(a2["overall"]["assessed"], 4);
        // Saving it makes it this campaign's answer.
        let (_, x) = send(
            &w,
            "officer",
            Method::PUT,
            &format!("/api/v1/institutions/{own}/assessments/{next}/answers/gob-1"),
            Some(json!({"status": "implemented", "maturity": 5})),
        )
        .await;
        assert_eq!(x["carried_over"], false);
        // Every answer is in the audit trail (and so in the transparency log).
        let (rows, _) = centinela_store::audit::list(
            w.db(),
            &centinela_store::Scope::Only(vec![own]),
            Some(own),
            centinela_store::Page::new(Some(200), None),
        )
        .await
        .unwrap();
        assert!(
            rows.iter()
                .filter(|e| e.record_kind == "assessment-answer")
                .count()
                >= 6
        );
        w.cleanup().await;
    }
}

#[tokio::test]
async fn pages_answer_with_csrf() {
    for w in worlds().await {
        let c1 = campaign(&w, "Ronda con formularios").await;
        let mine = assessment_of(&w, &c1, w.own).await;
        let cookie = login(&w.app, "oficial.sat@centinela.example").await;
        let csrf = csrf_of(&w.app, &cookie).await;
        let page = Call::get(format!("/institutions/{}/assessments/{mine}", w.own))
            .cookie(&cookie)
            .send(&w.app)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("name=\"_csrf\"")
                && !page.body.contains("<script>")
                && !page.body.contains("style=\"")
        );
        let path = format!("/institutions/{}/assessments/{mine}/answers/ide-1", w.own);
        // Without the token: refused.
        let r = Call::new(Method::POST, &path)
            .cookie(&cookie)
            .form(&[("status", "implemented")])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = Call::new(Method::POST, &path)
            .cookie(&cookie)
            .form(&[
                ("_csrf", &csrf),
                ("status", "partial"),
                ("maturity", "2"),
                ("reason", ""),
                ("comment", "En curso"),
                ("evidence", "https://a.example/1\nhttps://a.example/2"),
            ])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, a) = send(
            &w,
            "officer",
            Method::GET,
            &format!("/api/v1/institutions/{}/assessments/{mine}", w.own),
            None,
        )
        .await;
        let ide1 = a["measures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == "ide-1")
            .unwrap();
        assert_eq!(ide1["answer"]["evidence"].as_array().unwrap().len(), 2);
        let r = Call::new(Method::POST, &path)
            .cookie(&cookie)
            .form(&[
                ("_csrf", &csrf),
                ("status", "implemented"),
                ("maturity", "seven"),
            ])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = Call::get("/campaigns").cookie(&cookie).send(&w.app).await;
        assert!(
            r.body.contains(&mine),
            "the officer's own assessment is listed"
        );
        w.cleanup().await;
    }
}

#[tokio::test]
async fn bad_input_is_4xx() {
    for w in worlds().await {
        let shipped = shipped_version(&w).await;
        let c1 = campaign(&w, "Ronda de basura").await;
        let mine = assessment_of(&w, &c1, w.own).await;
        let own = w.own;
        let cases: Vec<(Method, String, Value)> = vec![
            (
                Method::POST,
                "/api/v1/baselines".into(),
                json!({"version": ""}),
            ),
            (
                Method::POST,
                "/api/v1/baselines".into(),
                json!({"version": "9", "catalog_es": {"catalog": 1}, "catalog_en": {"catalog": 1}}),
            ),
            (
                Method::POST,
                "/api/v1/baselines".into(),
                json!({"version": "9", "catalog_es": {"catalog": {}}}),
            ),
            (
                Method::POST,
                "/api/v1/baselines".into(),
                json!({"version": "9", "from": Uuid::new_v4()}),
            ),
            (Method::POST, "/api/v1/baselines".into(), json!([1, 2])),
            (
                Method::POST,
                format!("/api/v1/baselines/{shipped}/status"),
                json!({"status": "sideways"}),
            ),
            (
                Method::POST,
                format!("/api/v1/baselines/{shipped}/status"),
                json!({"status": "consultation", "closes_on": "mañana"}),
            ),
            (
                Method::POST,
                format!("/api/v1/baselines/{shipped}/status"),
                json!({"status": "draft"}),
            ),
            (
                Method::POST,
                format!("/api/v1/baselines/{shipped}/comments"),
                json!({"measure_id": "gob-1", "body": "\u{0}"}),
            ),
            (
                Method::PUT,
                format!("/api/v1/baselines/{shipped}/measures/gob-1"),
                json!({"title_es": "", "title_en": ""}),
            ),
            (
                Method::POST,
                "/api/v1/campaigns".into(),
                json!({"title": "x", "version_id": "nope", "due_on": "2026-13-45"}),
            ),
            (
                Method::POST,
                "/api/v1/campaigns".into(),
                json!({"title": "x", "version_id": Uuid::new_v4(), "due_on": "2027-01-01"}),
            ),
            (
                Method::POST,
                "/api/v1/campaigns".into(),
                json!({"title": "x", "version_id": shipped, "due_on": "2027-01-01", "institutions": [Uuid::new_v4()]}),
            ),
            (
                Method::POST,
                "/api/v1/campaigns".into(),
                json!({"title": "x", "version_id": shipped, "due_on": "2027-01-01", "institutions": ["x"]}),
            ),
            (
                Method::PUT,
                format!("/api/v1/institutions/{own}/assessments/{mine}/answers/gob-1"),
                json!({"status": "implemented", "maturity": -1}),
            ),
            (
                Method::PUT,
                format!("/api/v1/institutions/{own}/assessments/{mine}/answers/gob-1"),
                json!({"status": "implemented", "evidence": vec!["https://a.example/"; 21]}),
            ),
            (
                Method::PUT,
                format!("/api/v1/institutions/{own}/assessments/{mine}/answers/gob-1"),
                json!({"status": "implemented", "maturity": 1.5}),
            ),
            (
                Method::PUT,
                format!("/api/v1/institutions/{own}/assessments/{mine}/answers/gob-1/verdict"),
                json!({"verdict": "maybe"}),
            ),
            (
                Method::POST,
                format!("/api/v1/institutions/{own}/assessments/{mine}/plan"),
                json!({"due_on": "yesterday"}),
            ),
            (
                Method::PUT,
                format!(
                    "/api/v1/institutions/{own}/assessments/{mine}/plan/{}",
                    Uuid::new_v4()
                ),
                json!({"status": "done"}),
            ),
            (
                Method::GET,
                format!("/api/v1/baselines/{shipped}/diff"),
                Value::Null,
            ),
            (
                Method::GET,
                format!("/api/v1/baselines/{shipped}/diff?against=nope"),
                Value::Null,
            ),
            (
                Method::GET,
                format!("/api/v1/baselines/{}", Uuid::new_v4()),
                Value::Null,
            ),
            (
                Method::GET,
                format!("/api/v1/campaigns/{}/rollup", Uuid::new_v4()),
                Value::Null,
            ),
        ];
        for (method, path, body) in cases {
            let mut call = Call::new(method.clone(), &path).token(Some(&w.tokens["coordinator"]));
            if !body.is_null() {
                call = call.json(&body);
            }
            let r = call.send(&w.app).await;
            assert!(
                r.status.is_client_error(),
                "{method} {path} {body}: {} {}",
                r.status,
                r.body
            );
            let v = r.json();
            assert!(v["error"]["message"].is_string(), "{v}");
        }
        // A bad new version leaves nothing behind.
        let (_, versions) = send(&w, "coordinator", Method::GET, "/api/v1/baselines", None).await;
        assert_eq!(versions.as_array().unwrap().len(), 1);
        w.cleanup().await;
    }
}
