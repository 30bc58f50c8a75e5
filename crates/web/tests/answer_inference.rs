//! Answers inferred from an institution's other assessments: on campaign creation after
//! carry-over (a hand-worked case over a renamed baseline), the mark cleared by an edit, the
//! explicit `infer` action, provenance in the API, page and CSV, and tenancy (another
//! institution's answers never feed an inference, and nobody infers into another's
//! assessment).

mod common;

use axum::http::{Method, StatusCode};
use centinela_store::assessments::{self as store, CatalogContent, NewVersion, VersionStatus};
use centinela_store::{Actor, Scope};
use common::{Call, World, api, csrf_of, days_from_today, login, officer_token, worlds};
use serde_json::{Value, json};
use uuid::Uuid;

const BASELINE_ES: &str = include_str!("../../assess/data/baseline/baseline.es.json");
const BASELINE_EN: &str = include_str!("../../assess/data/baseline/baseline.en.json");

/// Renames measure `from` to `to` in a baseline catalog and sets its CSF 2.0 / SP 800-53
/// `maps-to` ids to `maps` (others kept), when given.
fn rename(catalog: &mut Value, from: &str, to: &str, maps: Option<&[(&str, &str)]>) {
    for g in catalog["catalog"]["groups"].as_array_mut().unwrap() {
        for c in g["controls"].as_array_mut().unwrap() {
            if c["id"] != from {
                continue;
            }
            c["id"] = json!(to);
            if let Some(maps) = maps {
                let props = c["props"].as_array_mut().unwrap();
                props.retain(|p| {
                    !(p["name"] == "maps-to"
                        && (p["class"] == "csf-2.0" || p["class"] == "sp800-53r5"))
                });
                for (class, value) in maps {
                    props.push(json!({"name": "maps-to", "ns": "urn:centinela:ns:oscal", "class": class, "value": value}));
                }
            }
            return;
        }
    }
    panic!("no measure {from}");
}

/// Version 0.2.0 of the baseline, adopted, without overlays:
/// - `pro-1` → `pro-10`, same ids (equal);
/// - `pro-3` → `pro-30`, its ids plus CSF PR.PS-03 (so `pro-3` is a subset of it);
/// - `det-1` → `det-10`, only CSF DE.CM-01 of det-1's ids plus DE.CM-06 (they intersect);
/// - `rec-1` → `rec-10`, same ids;
/// - `pro-4` → `pro-40`, same ids;
/// - everything else unchanged.
async fn second_version(w: &World) -> Uuid {
    let mut docs = vec![];
    for text in [BASELINE_ES, BASELINE_EN] {
        let mut c: Value = serde_json::from_str(text).unwrap();
        rename(&mut c, "pro-1", "pro-10", None);
        let pro3 = [
            ("csf-2.0", "ID.RA-01"),
            ("csf-2.0", "PR.PS-02"),
            ("csf-2.0", "ID.RA-08"),
            ("csf-2.0", "PR.PS-03"),
            ("sp800-53r5", "ra-5"),
            ("sp800-53r5", "si-2"),
            ("sp800-53r5", "sa-22"),
        ];
        rename(&mut c, "pro-3", "pro-30", Some(&pro3));
        rename(
            &mut c,
            "det-1",
            "det-10",
            Some(&[("csf-2.0", "DE.CM-01"), ("csf-2.0", "DE.CM-06")]),
        );
        rename(&mut c, "rec-1", "rec-10", None);
        rename(&mut c, "pro-4", "pro-40", None);
        c["catalog"]["uuid"] = json!(Uuid::new_v4().to_string());
        docs.push(c.to_string());
    }
    let v = store::create_version(
        w.db(),
        &Actor::system(),
        &NewVersion {
            version: "0.2.0".into(),
            title: "Línea base 0.2.0".into(),
            status: VersionStatus::Adopted,
            based_on: None,
            effective_on: time::Date::from_calendar_date(2026, time::Month::June, 1).ok(),
            content: CatalogContent {
                baseline_es: docs[0].clone(),
                baseline_en: docs[1].clone(),
                overlays: "{}".into(),
            },
        },
    )
    .await
    .unwrap();
    v.id
}

async fn shipped(w: &World) -> Uuid {
    store::list_versions(w.db())
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.version == "0.1.0")
        .unwrap()
        .id
}

/// A campaign over SAT and PEMEX on `version`; (campaign, SAT's assessment, PEMEX's).
async fn campaign(w: &World, title: &str, version: Uuid) -> (Uuid, Uuid, Uuid) {
    let (s, c) = api(
        w,
        "coordinator",
        Method::POST,
        "/api/v1/campaigns",
        Some(json!({
            "title": title, "version_id": version.to_string(), "due_on": days_from_today(90),
            "institutions": [w.own, w.other]
        })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let id = Uuid::parse_str(c["id"].as_str().unwrap()).unwrap();
    let of = |list: &[store::AssessmentSummary], i: Uuid| {
        list.iter().find(|a| a.institution_id == i).unwrap().id
    };
    let list = store::list_assessments(w.db(), &Scope::All, Some(id), None)
        .await
        .unwrap();
    (id, of(&list, w.own), of(&list, w.other))
}

async fn answer(
    w: &World,
    token: &str,
    institution: Uuid,
    a: Uuid,
    measure: &str,
    body: Value,
) -> Value {
    let r = Call::new(
        Method::PUT,
        format!("/api/v1/institutions/{institution}/assessments/{a}/answers/{measure}"),
    )
    .token(Some(token))
    .json(&body)
    .send(&w.app)
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

/// measure id → answer (null when unanswered).
async fn answers(
    w: &World,
    institution: Uuid,
    a: Uuid,
) -> (Value, std::collections::BTreeMap<String, Value>) {
    let (s, v) = api(
        w,
        "coordinator",
        Method::GET,
        &format!("/api/v1/institutions/{institution}/assessments/{a}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let map = v["measures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["id"].as_str().unwrap().to_string(), m["answer"].clone()))
        .collect();
    (v, map)
}

#[tokio::test]
async fn inferred_on_creation_cleared_on_edit_and_on_request() {
    for w in worlds().await {
        let (own, other) = (w.own, w.other);
        let sat = w.tokens["officer"].clone();
        let pemex = officer_token(&w, other, "oficial.pemex@centinela.example").await;
        let v1 = shipped(&w).await;
        let (c1, sat1, pemex1) = campaign(&w, "Ronda 2026", v1).await;
        for (measure, body) in [
            ("gob-1", json!({"status": "partial", "maturity": 2})),
            ("pro-1", json!({"status": "implemented", "maturity": 4})),
            ("pro-3", json!({"status": "implemented", "maturity": 3})),
            ("det-1", json!({"status": "implemented", "maturity": 3})),
            (
                "rec-1",
                json!({"status": "not_applicable", "reason": "Sin centro de datos propio"}),
            ),
        ] {
            answer(&w, &sat, own, sat1, measure, body).await;
        }
        // PEMEX's own answer: it may inform PEMEX's next assessment, never SAT's.
        answer(
            &w,
            &pemex,
            other,
            pemex1,
            "pro-4",
            json!({"status": "implemented", "maturity": 5}),
        )
        .await;

        let v2 = second_version(&w).await;
        let (c2, sat2, pemex2) = campaign(&w, "Ronda 2027", v2).await;
        let (view, got) = answers(&w, own, sat2).await;
        // gob-1 kept its id: carried over, not inferred.
        assert_eq!(got["gob-1"]["carried_over"], true, "{}", got["gob-1"]);
        assert_eq!(got["gob-1"]["inferred"], false);
        // pro-10 maps to exactly pro-1's ids: equal, status and maturity copied.
        let p10 = &got["pro-10"];
        assert_eq!(p10["status"], "implemented", "{p10}");
        assert_eq!(p10["maturity"], 4);
        assert_eq!(
            (p10["inferred"].clone(), p10["carried_over"].clone()),
            (json!(true), json!(false))
        );
        assert_eq!(p10["verdict"], Value::Null);
        let from = &p10["inferred_from"];
        assert_eq!(from["assessment"], sat1.to_string());
        assert_eq!(from["measure"], "pro-1");
        assert_eq!(from["relationship"], "equal");
        assert_eq!(from["via"]["kind"], "shared-ids");
        assert_eq!(from["via"]["ids"].as_array().unwrap().len(), 8, "{from}");
        assert_eq!(from["campaign_id"], c1.to_string());
        assert_eq!(from["campaign_title"], "Ronda 2026");
        // pro-30 asks for more than pro-3 covered: at most partial, maturity left to rate.
        let p30 = &got["pro-30"];
        assert_eq!(p30["status"], "partial", "{p30}");
        assert_eq!(p30["maturity"], Value::Null);
        assert_eq!(p30["inferred_from"]["measure"], "pro-3");
        assert_eq!(p30["inferred_from"]["relationship"], "subset");
        // det-10 only overlaps det-1; rec-10's source was not applicable; pro-40's source is
        // another institution's; pro-2 only overlaps pro-1: all unanswered.
        for m in ["det-10", "rec-10", "pro-40", "pro-2", "ide-1"] {
            assert_eq!(got[m], Value::Null, "{m}: {}", got[m]);
        }
        let inferred: Vec<&String> = got
            .iter()
            .filter(|(_, a)| a["inferred"] == true)
            .map(|(m, _)| m)
            .collect();
        assert_eq!(inferred, ["pro-10", "pro-30"]);
        assert_eq!(
            view["overall"]["assessed"], 3,
            "gob-1 carried, pro-10 and pro-30 inferred"
        );
        assert_eq!(view["overall"]["implemented"], 1);
        assert_eq!(view["overall"]["partial"], 2);
        // PEMEX's next assessment got its own pro-4 answer, and nothing of SAT's.
        let (_, theirs) = answers(&w, other, pemex2).await;
        assert_eq!(theirs["pro-40"]["status"], "implemented");
        assert_eq!(
            theirs["pro-40"]["inferred_from"]["assessment"],
            pemex1.to_string()
        );
        assert_eq!(theirs["pro-10"], Value::Null);
        assert_eq!(theirs["gob-1"], Value::Null);

        // The page and the CSV show the mark and where it comes from.
        let page = Call::get(format!("/institutions/{own}/assessments/{sat2}"))
            .token(Some(&sat))
            .send(&w.app)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains(">Inferida<")
                && page
                    .body
                    .contains("de PRO-1 · Ronda 2026 (mismo requisito;"),
            "{}",
            page.body
        );
        let csv = Call::get(format!(
            "/api/v1/institutions/{own}/assessments/{sat2}/export.csv"
        ))
        .token(Some(&sat))
        .send(&w.app)
        .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(
            csv.body
                .lines()
                .next()
                .unwrap()
                .contains(",carried_over,inferred_from,verdict,"),
            "{}",
            csv.body
        );
        assert!(
            csv.body
                .contains("Ronda 2026 / pro-3 (subset; csf-2.0:id.ra-01"),
            "{}",
            csv.body
        );

        // Saving an inferred answer makes it the officer's: the mark and provenance go.
        let saved = answer(
            &w,
            &sat,
            own,
            sat2,
            "pro-10",
            json!({"status": "implemented", "maturity": 5}),
        )
        .await;
        assert_eq!(
            (saved["inferred"].clone(), saved["inferred_from"].clone()),
            (json!(false), Value::Null)
        );
        let (_, got) = answers(&w, own, sat2).await;
        assert_eq!(got["pro-10"]["inferred"], false);
        assert_eq!(
            got["pro-30"]["inferred"], true,
            "other inferred answers keep their mark"
        );

        // On request: rec-2, answered now in 2027, fills the 2026 assessment's gap; nothing
        // answered there changes. det-10's overlap with det-1 is only a suggestion.
        answer(
            &w,
            &sat,
            own,
            sat2,
            "rec-2",
            json!({"status": "planned", "maturity": 1}),
        )
        .await;
        let base1 = format!("/api/v1/institutions/{own}/assessments/{sat1}");
        let (s, out) = api(&w, "officer", Method::POST, &format!("{base1}/infer"), None).await;
        assert_eq!(s, StatusCode::OK, "{out}");
        let filled: Vec<&str> = out["inferred"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["measure_id"].as_str().unwrap())
            .collect();
        assert_eq!(filled, ["rec-2"], "{out}");
        let (_, got1) = answers(&w, own, sat1).await;
        assert_eq!(got1["rec-2"]["status"], "planned");
        assert_eq!(
            got1["rec-2"]["inferred_from"]["campaign_title"],
            "Ronda 2027"
        );
        assert_eq!(
            got1["pro-1"]["inferred"], false,
            "answers given are never replaced"
        );
        assert_eq!(got1["pro-1"]["maturity"], 4);
        let base2 = format!("/api/v1/institutions/{own}/assessments/{sat2}");
        let (s, out) = api(&w, "officer", Method::POST, &format!("{base2}/infer"), None).await;
        assert_eq!(s, StatusCode::OK, "{out}");
        assert!(
            out["suggestions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["measure_id"] == "det-10"
                    && x["source"]["measure"] == "det-1"
                    && x["source"]["relationship"] == "intersect"),
            "{out}"
        );
        let (_, again) = answers(&w, own, sat2).await;
        assert_eq!(again["det-10"], Value::Null, "a suggestion writes nothing");

        // Tenancy: nobody infers into another institution's assessment.
        for (token, path) in [
            (
                &sat,
                format!("/api/v1/institutions/{other}/assessments/{pemex2}/infer"),
            ),
            (
                &sat,
                format!("/api/v1/institutions/{own}/assessments/{pemex2}/infer"),
            ),
            (
                &pemex,
                format!("/api/v1/institutions/{own}/assessments/{sat2}/infer"),
            ),
            (
                &pemex,
                format!("/api/v1/institutions/{other}/assessments/{sat2}/infer"),
            ),
        ] {
            let r = Call::new(Method::POST, &path)
                .token(Some(token))
                .send(&w.app)
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
            assert!(!r.body.contains(&own.to_string()) && !r.body.contains("pro-10"));
        }
        let (s, _) = api(&w, "ro", Method::POST, &format!("{base2}/infer"), None).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "read-only officers do not write");
        // PEMEX inferring into its own assessment never draws on SAT's answers.
        let r = Call::new(
            Method::POST,
            format!("/api/v1/institutions/{other}/assessments/{pemex1}/infer"),
        )
        .token(Some(&pemex))
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(
            !r.body.contains(&sat1.to_string()) && !r.body.contains(&sat2.to_string()),
            "{}",
            r.body
        );
        let (_, theirs1) = answers(&w, other, pemex1).await;
        assert_eq!(theirs1["gob-1"], Value::Null);
        assert_eq!(theirs1["pro-1"], Value::Null);
        let _ = c2;

        // The page's button does the same, with the session's CSRF token.
        answer(
            &w,
            &sat,
            own,
            sat2,
            "ide-1",
            json!({"status": "implemented", "maturity": 3}),
        )
        .await;
        let cookie = login(&w.app, "oficial.sat@centinela.example").await;
        let csrf = csrf_of(&w.app, &cookie).await;
        let r = Call::new(
            Method::POST,
            format!("/institutions/{own}/assessments/{sat1}/infer"),
        )
        .cookie(&cookie)
        .form(&[("_csrf", &csrf)])
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let (_, got1) = answers(&w, own, sat1).await;
        assert_eq!(got1["ide-1"]["status"], "implemented");
        assert_eq!(got1["ide-1"]["inferred"], true);
        w.cleanup().await;
    }
}
