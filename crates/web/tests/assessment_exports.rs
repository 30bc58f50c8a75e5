//! An assessment's XLSX export, read back by a real peer (Python's openpyxl, in the venv that
//! `scripts/test.sh` prepares): the same answers, scores and plan as the JSON view.

mod common;

use axum::http::{Method, StatusCode};
use common::{Call, worlds};
use serde_json::{Value, json};
use std::process::Command;

const PYTHON: &str = "/var/tmp/centinela-venv-assess/bin/python";

/// Every sheet of the workbook as rows of cell values, by openpyxl.
fn read_with_openpyxl(path: &std::path::Path) -> Value {
    let script = r#"
import json, sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
print(json.dumps({name: [[c for c in row] for row in book[name].iter_rows(values_only=True)] for name in book.sheetnames}, default=str))
"#;
    let out = Command::new(PYTHON)
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

#[tokio::test]
async fn the_xlsx_export_opens_in_openpyxl_with_the_same_figures() {
    for w in worlds().await {
        let officer = w.tokens["officer"].as_str();
        let a = common::campaign_assessment(&w, w.own).await;
        let base = format!("/api/v1/institutions/{}/assessments/{a}", w.own);
        for (measure, body) in [
            (
                "gob-1",
                json!({"status": "implemented", "maturity": 4, "comment": "=HYPERLINK(\"http://x\")"}),
            ),
            ("pro-1", json!({"status": "not_implemented", "maturity": 0})),
        ] {
            let r = Call::new(Method::PUT, format!("{base}/answers/{measure}"))
                .token(Some(officer))
                .json(&body)
                .send(&w.app)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
        let r = Call::new(Method::POST, format!("{base}/plan"))
            .token(Some(officer))
            .json(&json!({}))
            .send(&w.app)
            .await;
        assert!(r.status.is_success(), "{}", r.body);
        let view = Call::get(&base)
            .token(Some(officer))
            .send(&w.app)
            .await
            .json();

        let (status, bytes) = Call::get(format!("{base}/export.xlsx"))
            .token(Some(officer))
            .send_bytes(&w.app)
            .await;
        assert_eq!(status, StatusCode::OK);
        let path = w.log_dir.join("assessment.xlsx");
        std::fs::create_dir_all(&w.log_dir).unwrap();
        std::fs::write(&path, &bytes).unwrap();
        let book = read_with_openpyxl(&path);

        let answers = book["answers"].as_array().unwrap();
        assert_eq!(answers[0][0], "measure_id");
        assert_eq!(
            answers.len(),
            view["measures"].as_array().unwrap().len() + 1
        );
        let gob = answers.iter().find(|r| r[0] == "gob-1").unwrap();
        assert_eq!(gob[4], "implemented");
        assert_eq!(gob[6], 4.0, "maturity is a number: {gob:?}");
        // A comment that looks like a formula stays text.
        assert_eq!(gob[7], "=HYPERLINK(\"http://x\")");
        let scores = book["scores"].as_array().unwrap();
        let overall = scores.iter().find(|r| r[0] == "overall").unwrap();
        assert_eq!(overall[1], view["overall"]["assessed"].as_f64().unwrap());
        let compliance = overall[4].as_f64().unwrap();
        assert!((compliance - view["overall"]["compliance"].as_f64().unwrap()).abs() < 1e-9);
        let plan = book["plan"].as_array().unwrap();
        assert_eq!(plan.len(), view["plan"].as_array().unwrap().len() + 1);
        assert!(plan.iter().any(|r| r[0] == "pro-1"), "{plan:?}");

        // The printable report: the same figures, no navigation, in the reader's language.
        let page = Call::get(format!("/institutions/{}/assessments/{a}/report", w.own))
            .token(Some(officer))
            .header("accept-language", "en")
            .send(&w.app)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        for needle in [
            "report-answers",
            "report-gaps",
            "report-plan",
            "GOB-1",
            "PRO-1",
        ] {
            assert!(page.body.contains(needle), "{needle}");
        }
        assert!(!page.body.contains("<nav"), "no application navigation");
        let pct = |v: f64| format!("{} %", (v * 100.0).round());
        assert!(
            page.body
                .contains(&pct(view["overall"]["compliance"].as_f64().unwrap())),
            "compliance figure"
        );
        w.cleanup().await;
    }
}
