//! The national capabilities self-assessment through the API and the pages: figures on a
//! small known input (cumulative levels, coverage, cluster and overall means, year-over-year
//! deltas), access (coordinators write, everyone signed in reads), and bad input as 4xx.

mod common;

use axum::http::{Method, StatusCode};
use common::{Call, World, api, csrf_of, login, worlds};
use serde_json::{Value, json};

fn close(a: &Value, b: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() < 1e-9)
}

/// `yes` for every indicator of `objective` at the listed levels, with overrides.
fn answers(objective: &str, yes_levels: &[u8], overrides: &[(&str, Value)]) -> Value {
    let per_level = [(1u8, 2usize), (2, 3), (3, 3), (4, 2), (5, 2)];
    let mut m = serde_json::Map::new();
    for (level, n) in per_level {
        if yes_levels.contains(&level) {
            for k in 0..n {
                let letter = (b'a' + k as u8) as char;
                m.insert(format!("{objective}-l{level}-{letter}"), json!("yes"));
            }
        }
    }
    for (id, v) in overrides {
        m.insert((*id).to_string(), v.clone());
    }
    json!({ "answers": m })
}

async fn put(w: &World, role: &str, id: &str, objective: &str, body: Value) -> (StatusCode, Value) {
    api(
        w,
        role,
        Method::PUT,
        &format!("/api/v1/ncaf/{id}/objectives/{objective}"),
        Some(body),
    )
    .await
}

fn objective<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["scores"]["objectives"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["objective_id"] == id)
        .unwrap()
}

#[tokio::test]
async fn yearly_figures_comparison_and_access() {
    for w in worlds().await {
        // Only coordinators open a year.
        let (s, _) = api(
            &w,
            "officer",
            Method::POST,
            "/api/v1/ncaf",
            Some(json!({"year": 2025})),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, y1) = api(
            &w,
            "coordinator",
            Method::POST,
            "/api/v1/ncaf",
            Some(json!({"year": 2025})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{y1}");
        assert_eq!(
            y1["edition"], "2020",
            "the newest shipped edition by default"
        );
        let y1 = y1["id"].as_str().unwrap().to_string();
        let (s, e) = api(
            &w,
            "coordinator",
            Method::POST,
            "/api/v1/ncaf",
            Some(json!({"year": 2025})),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT, "one assessment per year: {e}");
        let (s, y2) = api(
            &w,
            "coordinator",
            Method::POST,
            "/api/v1/ncaf",
            Some(json!({"year": 2026, "edition": "2020"})),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{y2}");
        let y2 = y2["id"].as_str().unwrap().to_string();

        // 2025: o1 meets levels 1-2 and one level-3 indicator (level 2, 6/12); o2 meets all
        // (level 5, 12/12); the other 15 objectives are unanswered (level 0, 0/12).
        let (s, _) = put(
            &w,
            "coordinator",
            &y1,
            "o1",
            answers(
                "o1",
                &[1, 2],
                &[("o1-l3-a", json!("yes")), ("o1-l3-b", json!("no"))],
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let (s, v) = put(
            &w,
            "coordinator",
            &y1,
            "o2",
            answers("o2", &[1, 2, 3, 4, 5], &[]),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(objective(&v, "o1")["level"], 2);
        assert!(close(&objective(&v, "o1")["coverage"], 0.5));
        assert_eq!(objective(&v, "o2")["level"], 5);
        assert_eq!(objective(&v, "o3")["level"], 0);
        assert!(close(&objective(&v, "o3")["coverage"], 0.0));
        let c1 = &v["scores"]["clusters"][0];
        assert_eq!(c1["cluster_id"], "c1");
        assert!(close(&c1["averages"]["level"], 7.0 / 3.0), "{c1}");
        assert!(close(&c1["averages"]["coverage"], 0.5), "{c1}");
        assert!(close(&v["scores"]["overall"]["level"], 7.0 / 17.0));
        assert!(close(&v["scores"]["overall"]["coverage"], 1.5 / 17.0));
        assert_eq!(v["answered"], 19, "7 for o1, 12 for o2");
        assert_eq!(v["indicators"], 17 * 12);

        // 2026: o1 misses one level-2 indicator (level 1 although level 3 is met; 7/12);
        // o4's level 2 is not applicable, so levels 1 and 3 make it level 3 (5/9).
        let (s, _) = put(
            &w,
            "coordinator",
            &y2,
            "o1",
            answers("o1", &[1, 2, 3], &[("o1-l2-a", json!("no"))]),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let na = json!("not-applicable");
        let (s, v2) = put(
            &w,
            "coordinator",
            &y2,
            "o4",
            answers(
                "o4",
                &[1, 3],
                &[
                    ("o4-l2-a", na.clone()),
                    ("o4-l2-b", na.clone()),
                    ("o4-l2-c", na),
                ],
            ),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v2}");
        assert_eq!(objective(&v2, "o1")["level"], 1);
        assert!(close(&objective(&v2, "o1")["coverage"], 7.0 / 12.0));
        assert_eq!(objective(&v2, "o4")["level"], 3);
        assert_eq!(objective(&v2, "o4")["applicable"], 9);
        assert!(close(&objective(&v2, "o4")["coverage"], 5.0 / 9.0));

        // Clearing an answer (null) makes it unanswered again.
        let (s, v2b) = put(
            &w,
            "coordinator",
            &y2,
            "o4",
            json!({"answers": {"o4-l3-c": null}}),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            objective(&v2b, "o4")["level"],
            1,
            "level 3 lost its third indicator"
        );
        let (s, _) = put(
            &w,
            "coordinator",
            &y2,
            "o4",
            json!({"answers": {"o4-l3-c": "yes"}}),
        )
        .await;
        assert_eq!(s, StatusCode::OK);

        // Everyone signed in reads; only coordinators answer.
        for role in ["officer", "auditor", "crisis", "admin", "ro"] {
            let (s, v) = api(&w, role, Method::GET, &format!("/api/v1/ncaf/{y1}"), None).await;
            assert_eq!(s, StatusCode::OK, "{role} reads");
            assert_eq!(v["year"], 2025);
            let (s, _) = put(&w, role, &y1, "o1", json!({"answers": {"o1-l1-a": "no"}})).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{role} does not answer");
        }
        let (_, v) = api(
            &w,
            "officer",
            Method::GET,
            &format!("/api/v1/ncaf/{y1}"),
            None,
        )
        .await;
        assert_eq!(
            v["answers"]["o1-l1-a"], "yes",
            "refused writes changed nothing"
        );

        // The list, newest year first, with overall figures.
        let (s, list) = api(&w, "officer", Method::GET, "/api/v1/ncaf", None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(list[0]["year"], 2026);
        assert_eq!(list[1]["year"], 2025);
        assert!(close(&list[1]["overall"]["level"], 7.0 / 17.0));

        // Year over year: o1 -1 level, +1/12 coverage; o2 -5; o4 +3; overall (1+3)-(2+5) over 17.
        let (s, c) = api(
            &w,
            "crisis",
            Method::GET,
            &format!("/api/v1/ncaf/compare?before={y1}&after={y2}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{c}");
        let d = |id: &str| {
            c["comparison"]["objectives"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["objective_id"] == id)
                .unwrap()
                .clone()
        };
        assert_eq!(d("o1")["level_delta"], -1);
        assert!(close(&d("o1")["coverage_delta"], 1.0 / 12.0));
        assert_eq!(d("o2")["level_delta"], -5);
        assert_eq!(d("o4")["level_delta"], 3);
        assert!(close(
            &c["comparison"]["overall"]["level_delta"],
            -3.0 / 17.0
        ));
        let c1 = &c["comparison"]["clusters"][0];
        assert!(close(&c1["level_delta"], (1.0 - 7.0) / 3.0), "{c1}");

        // Bad input is a 4xx naming the field.
        let (s, e) = put(
            &w,
            "coordinator",
            &y1,
            "o1",
            json!({"answers": {"o2-l1-a": "yes"}}),
        )
        .await;
        assert_eq!(
            s,
            StatusCode::UNPROCESSABLE_ENTITY,
            "another objective's indicator: {e}"
        );
        assert!(e.to_string().contains("answers.o2-l1-a"), "{e}");
        let (s, _) = put(
            &w,
            "coordinator",
            &y1,
            "o1",
            json!({"answers": {"o1-l1-a": "maybe"}}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, e) = put(&w, "coordinator", &y1, "o99", json!({"answers": {}})).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
        assert_eq!(e["error"]["code"], "not_found");
        let (s, _) = api(
            &w,
            "coordinator",
            Method::POST,
            "/api/v1/ncaf",
            Some(json!({"year": 1999})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = api(
            &w,
            "coordinator",
            Method::POST,
            "/api/v1/ncaf",
            Some(json!({"year": 2030, "edition": "1990"})),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (s, _) = api(
            &w,
            "coordinator",
            Method::GET,
            "/api/v1/ncaf/compare?before=x",
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        let (_, v) = api(
            &w,
            "officer",
            Method::GET,
            &format!("/api/v1/ncaf/{y1}"),
            None,
        )
        .await;
        assert_eq!(v["answered"], 19, "refused answers were not half-written");

        // Pages: the form and radars for a coordinator; read-only for an officer.
        let cookie = login(&w.app, "coordinador@centinela.example").await;
        let page = Call::get(format!("/ncaf/{y1}"))
            .cookie(&cookie)
            .send(&w.app)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"ncaf-radar-objectives\""));
        assert!(page.body.contains("id=\"ncaf-radar-clusters\""));
        assert!(
            page.body.contains("id=\"ncaf-overall-level\">0.4<"),
            "7/17 ≈ 0.4"
        );
        assert!(page.body.contains("<select id=\"o1-l1-a\""));
        let csrf = csrf_of(&w.app, &cookie).await;
        let r = Call::new(Method::POST, format!("/ncaf/{y1}/objectives/o3"))
            .cookie(&cookie)
            .form(&[
                ("_csrf", &csrf),
                ("o3-l1-a", "yes"),
                ("o3-l1-b", "yes"),
                ("o3-l2-a", ""),
            ])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, v) = api(
            &w,
            "officer",
            Method::GET,
            &format!("/api/v1/ncaf/{y1}"),
            None,
        )
        .await;
        assert_eq!(objective(&v, "o3")["level"], 1);
        let compare = Call::get(format!("/ncaf/compare?before={y1}&after={y2}"))
            .cookie(&cookie)
            .send(&w.app)
            .await;
        assert_eq!(compare.status, StatusCode::OK);
        assert_eq!(
            compare.body.matches("class=\"series\"").count(),
            4,
            "two years on each of two radars"
        );
        assert!(compare.body.contains("id=\"ncaf-objective-deltas\""));
        let officer = login(&w.app, "oficial.sat@centinela.example").await;
        let page = Call::get(format!("/ncaf/{y1}"))
            .cookie(&officer)
            .send(&w.app)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("<select id=\"o1-l1-a\""),
            "no form for officers"
        );
        let list = Call::get("/ncaf").cookie(&officer).send(&w.app).await;
        assert!(list.body.contains("id=\"ncaf-years\"") && !list.body.contains("id=\"ncaf-form\""));
        w.cleanup().await;
    }
}

#[tokio::test]
async fn a_new_year_carries_last_years_answers_until_answered_again() {
    for w in worlds().await {
        let open = |year: i64| {
            let w = &w;
            async move {
                let (s, v) = api(
                    w,
                    "coordinator",
                    Method::POST,
                    "/api/v1/ncaf",
                    Some(json!({"year": year})),
                )
                .await;
                assert_eq!(s, StatusCode::CREATED, "{v}");
                v["id"].as_str().unwrap().to_string()
            }
        };
        let get = |id: String| {
            let w = &w;
            async move {
                let (s, v) = api(
                    w,
                    "officer",
                    Method::GET,
                    &format!("/api/v1/ncaf/{id}"),
                    None,
                )
                .await;
                assert_eq!(s, StatusCode::OK, "{v}");
                v
            }
        };
        let y1 = open(2040).await;
        let (s, _) = put(
            &w,
            "coordinator",
            &y1,
            "o1",
            answers("o1", &[1, 2], &[("o1-l3-a", json!("no"))]),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        // 2041 starts from 2040's six answers, marked, and scores the same.
        let y2 = open(2041).await;
        let v2 = get(y2.clone()).await;
        assert_eq!(v2["answered"], 6, "{v2}");
        assert_eq!(v2["answers"]["o1-l1-a"], "yes");
        assert_eq!(v2["answers"]["o1-l3-a"], "no");
        assert_eq!(v2["carried_over"].as_array().unwrap().len(), 6, "{v2}");
        assert_eq!(objective(&v2, "o1")["level"], 2);
        // Answering one again (even with the same answer) confirms it: the mark goes.
        let (s, v) = put(
            &w,
            "coordinator",
            &y2,
            "o1",
            json!({"answers": {"o1-l1-a": "yes", "o1-l3-a": "yes"}}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let v2 = get(y2.clone()).await;
        let carried: Vec<&str> = v2["carried_over"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        assert_eq!(carried, ["o1-l1-b", "o1-l2-a", "o1-l2-b", "o1-l2-c"]);
        assert_eq!(v2["answers"]["o1-l3-a"], "yes");
        // Last year is untouched; a year opened before every other one carries nothing, and
        // the next carries from the latest earlier year (2041, with its new answer).
        let v1 = get(y1).await;
        assert_eq!(v1["answers"]["o1-l3-a"], "no");
        assert_eq!(v1["carried_over"], json!([]));
        let y0 = open(2039).await;
        assert_eq!(get(y0).await["answered"], 0);
        let y3 = open(2043).await;
        let v3 = get(y3.clone()).await;
        assert_eq!(v3["answers"]["o1-l3-a"], "yes");
        assert_eq!(v3["carried_over"].as_array().unwrap().len(), 6);
        // The page marks carried answers.
        let page = Call::get(format!("/ncaf/{y3}"))
            .token(Some(&w.tokens["coordinator"]))
            .send(&w.app)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            page.body.matches("como el año anterior").count(),
            6,
            "{}",
            page.body
        );
        w.cleanup().await;
    }
}

/// The fictional 20-objective edition (`assess/tests/fixtures`).
const TEST_EDITION: &str = include_str!("../../assess/tests/fixtures/ncaf-test-2.0.json");

async fn upload(w: &World, role: &str, body: &str) -> (StatusCode, Value) {
    let r = Call::new(Method::POST, "/api/v1/ncaf/editions")
        .token(Some(&w.tokens[role]))
        .raw(body.to_string(), "application/json")
        .send(&w.app)
        .await;
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

/// The test edition with one change made through its JSON.
fn edited(change: impl FnOnce(&mut Value)) -> String {
    let mut v: Value = serde_json::from_str(TEST_EDITION).unwrap();
    change(&mut v);
    v.to_string()
}

#[tokio::test]
async fn editions_upload_validation_and_access() {
    for w in worlds().await {
        for role in ["officer", "admin", "ro", "auditor", "crisis"] {
            let (s, _) = upload(&w, role, TEST_EDITION).await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{role} may not upload");
        }
        // Malformed files: 422 naming the JSON path; nothing stored.
        let cases: Vec<(String, &str)> = vec![
            (
                edited(|v| v["ncaf"]["clusters"][2]["objectives"] = json!([])),
                "ncaf.clusters[2].objectives",
            ),
            (
                edited(|v| {
                    v["ncaf"]["clusters"][0]["objectives"][1]["indicators"][0]["level"] = json!(6)
                }),
                "ncaf.clusters[0].objectives[1].indicators[0].level",
            ),
            (
                edited(|v| v["ncaf"]["clusters"][1]["objectives"][0]["id"] = json!("t1")),
                "ncaf.clusters[1].objectives[0].id",
            ),
            (
                edited(|v| {
                    v["ncaf"].as_object_mut().unwrap().remove("year");
                }),
                "ncaf.year",
            ),
            (
                edited(|v| v["ncaf"]["title"]["en"] = json!("")),
                "ncaf.title.en",
            ),
            (
                edited(|v| v["ncaf"]["edition"] = json!("a/b")),
                "ncaf.edition",
            ),
            (
                edited(|v| v["ncaf"]["clusters"][0]["colour"] = json!("red")),
                "ncaf.clusters[0].colour",
            ),
            ("not json".to_string(), "(root)"),
        ];
        for (body, path) in &cases {
            let (s, e) = upload(&w, "coordinator", body).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {e}");
            assert_eq!(e["error"]["fields"][0]["field"], *path, "{e}");
            assert!(
                e["error"]["fields"][0]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(path)),
                "the message names the path too: {e}"
            );
        }
        // Oversized: 413, whether or not the length is declared up front.
        let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(1024 * 1024 + 10));
        let (s, _) = upload(&w, "coordinator", &big).await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);

        let (s, _, listed) = {
            let (s, v) = api(&w, "officer", Method::GET, "/api/v1/ncaf/editions", None).await;
            (s, (), v)
        };
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            listed.as_array().unwrap().len(),
            1,
            "only 2020 so far: {listed}"
        );

        let (s, e) = upload(&w, "coordinator", TEST_EDITION).await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
        assert_eq!(e["edition"], "test-2.0");
        assert_eq!(e["objectives"], 20);
        assert_eq!(e["indicators"], 100);
        assert_eq!(e["shipped"], false);
        assert_eq!(e["uploaded_by"], "coordinador@centinela.example");
        // The same id again, or the shipped edition's id: 409.
        let (s, e) = upload(&w, "coordinator", TEST_EDITION).await;
        assert_eq!(s, StatusCode::CONFLICT, "{e}");
        assert!(e["error"]["message"].as_str().unwrap().contains("test-2.0"));
        let shipped = include_str!("../../assess/data/ncaf/ncaf-2020.json");
        let (s, _) = upload(&w, "coordinator", shipped).await;
        assert_eq!(s, StatusCode::CONFLICT);

        let (_, listed) = api(&w, "auditor", Method::GET, "/api/v1/ncaf/editions", None).await;
        let ids: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["edition"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["2020", "test-2.0"]);
        assert_eq!(listed[0]["shipped"], true);
        assert_eq!(listed[0]["objectives"], 17);
        w.cleanup().await;
    }
}

#[tokio::test]
async fn a_year_on_an_uploaded_edition_is_assessed_and_compared_within_it() {
    for w in worlds().await {
        let (s, e) = upload(&w, "coordinator", TEST_EDITION).await;
        assert_eq!(s, StatusCode::CREATED, "{e}");
        let open = |year: i64, edition: &'static str| {
            let w = &w;
            async move {
                let (s, v) = api(
                    w,
                    "coordinator",
                    Method::POST,
                    "/api/v1/ncaf",
                    Some(json!({"year": year, "edition": edition})),
                )
                .await;
                assert_eq!(s, StatusCode::CREATED, "{v}");
                assert_eq!(v["edition"], edition);
                v["id"].as_str().unwrap().to_string()
            }
        };
        let y2024 = open(2024, "test-2.0").await;
        let y2025 = open(2025, "2020").await;

        // t1 meets levels 1-3 of five: level 3, coverage 3/5.
        let body =
            json!({"answers": {"t1-l1": "yes", "t1-l2": "yes", "t1-l3": "yes", "t1-l4": "no"}});
        let (s, v) = put(&w, "coordinator", &y2024, "t1", body).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["indicators"], 100);
        assert_eq!(v["scores"]["objectives"].as_array().unwrap().len(), 20);
        assert_eq!(v["scores"]["clusters"].as_array().unwrap().len(), 4);
        assert_eq!(objective(&v, "t1")["level"], 3);
        assert!(close(&objective(&v, "t1")["coverage"], 0.6));
        assert!(close(&v["scores"]["overall"]["level"], 3.0 / 20.0));
        // A 2020 indicator is not one of this edition's.
        let (s, _) = put(
            &w,
            "coordinator",
            &y2024,
            "t1",
            json!({"answers": {"o1-l1-a": "yes"}}),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

        // Years of different editions are not compared: 422 naming both.
        let (s, e) = api(
            &w,
            "officer",
            Method::GET,
            &format!("/api/v1/ncaf/compare?before={y2024}&after={y2025}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert_eq!(e["error"]["code"], "edition_mismatch");
        let msg = e["error"]["message"].as_str().unwrap();
        assert!(msg.contains("test-2.0") && msg.contains("2020"), "{msg}");

        // 2026 on the test edition carries 2024's answers (the latest year of that edition,
        // skipping 2025 on 2020) and compares with it.
        let y2026 = open(2026, "test-2.0").await;
        let (_, v) = api(
            &w,
            "officer",
            Method::GET,
            &format!("/api/v1/ncaf/{y2026}"),
            None,
        )
        .await;
        assert_eq!(v["answered"], 4, "{v}");
        assert_eq!(v["carried_over"].as_array().unwrap().len(), 4);
        let (s, c) = api(
            &w,
            "officer",
            Method::GET,
            &format!("/api/v1/ncaf/compare?before={y2024}&after={y2026}"),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{c}");
        assert_eq!(c["comparison"]["objectives"].as_array().unwrap().len(), 20);
        assert_eq!(c["comparison"]["after_edition"], "test-2.0");
        assert_eq!(c["comparison"]["overall"]["level_delta"], 0.0);
        // The 2025 year (2020 edition) carried nothing from 2024.
        let (_, v) = api(
            &w,
            "officer",
            Method::GET,
            &format!("/api/v1/ncaf/{y2025}"),
            None,
        )
        .await;
        assert_eq!(v["answered"], 0);

        // Pages: the year renders on the uploaded edition; its compare links stay within it.
        let cookie = login(&w.app, "coordinador@centinela.example").await;
        let page = Call::get(format!("/ncaf/{y2026}"))
            .cookie(&cookie)
            .send(&w.app)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Objective 20") || page.body.contains("Objetivo 20"));
        assert!(page.body.contains(&format!("before={y2024}")));
        assert!(!page.body.contains(&format!("before={y2025}")));
        let compare = Call::get(format!("/ncaf/compare?before={y2024}&after={y2025}"))
            .cookie(&cookie)
            .send(&w.app)
            .await;
        assert_eq!(compare.status, StatusCode::UNPROCESSABLE_ENTITY);
        w.cleanup().await;
    }
}

#[tokio::test]
async fn editions_upload_through_the_page() {
    for w in worlds().await {
        let cookie = login(&w.app, "coordinador@centinela.example").await;
        let list = Call::get("/ncaf").cookie(&cookie).send(&w.app).await;
        assert!(list.body.contains("id=\"ncaf-editions\""));
        assert!(list.body.contains("id=\"ncaf-edition-form\""));
        let csrf = csrf_of(&w.app, &cookie).await;
        let file = TEST_EDITION.replacen("\"test-2.0\"", "\"page-2.0\"", 1);
        let r = Call::new(Method::POST, "/ncaf/editions")
            .cookie(&cookie)
            .multipart(&[("_csrf", &csrf)], "edition.json", &file)
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let list = Call::get("/ncaf").cookie(&cookie).send(&w.app).await;
        assert!(
            list.body.contains("<option value=\"page-2.0\">"),
            "selectable when opening a year"
        );
        // Without the CSRF token: refused, nothing stored.
        let other = TEST_EDITION.replacen("\"test-2.0\"", "\"page-3.0\"", 1);
        let r = Call::new(Method::POST, "/ncaf/editions")
            .cookie(&cookie)
            .multipart(&[], "edition.json", &other)
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // A broken file: 422 with the path in the page.
        let broken = file.replacen("\"page-2.0\"", "\"page-4.0\"", 1).replacen(
            "\"level\": 1,",
            "\"level\": 9,",
            1,
        );
        let r = Call::new(Method::POST, "/ncaf/editions")
            .cookie(&cookie)
            .multipart(&[("_csrf", &csrf)], "edition.json", &broken)
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("ncaf.levels[0].level"), "{}", r.body);
        let officer = login(&w.app, "oficial.sat@centinela.example").await;
        let list = Call::get("/ncaf").cookie(&officer).send(&w.app).await;
        assert!(list.body.contains("page-2.0") && !list.body.contains("id=\"ncaf-edition-form\""));
        let (_, listed) = api(&w, "officer", Method::GET, "/api/v1/ncaf/editions", None).await;
        assert_eq!(listed.as_array().unwrap().len(), 2, "{listed}");
        w.cleanup().await;
    }
}
