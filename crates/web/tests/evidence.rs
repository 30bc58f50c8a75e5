//! Evidence files on incidents and sharing with AMBER recipients: files are kept by SHA-256,
//! come back byte for byte, carry their own TLP label, are anchored in the transparency log,
//! and stay out of reach of institutions the incident is not shared with.

mod common;

use axum::http::{Method, StatusCode};
use common::{Call, World, officer_token, worlds, worlds_with};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

fn draft(inst: Uuid, tlp: &str) -> Value {
    json!({
        "reporter_institution": inst,
        "title": "Exfiltración de expedientes",
        "description": "Se detectó tráfico saliente anómalo",
        "detected_at": "2026-11-29T10:00:00Z",
        "aware_at": "2026-11-29T10:20:00Z",
        "classifications": [{"class": "information-content-security", "type": "unauthorised-information-access"}],
        "tlp": tlp,
        "pap": "PAP:AMBER",
        "impact": {"functional_impact": "minimal-non-critical", "information_impact": "suspected-breach", "recoverability": "regular",
                   "people_affected": 10, "essential_service": false, "institutions_affected": 1, "cross_border": false},
        "observables": []
    })
}

async fn report(w: &World, token: &str, tlp: &str) -> String {
    let r = Call::new(Method::POST, "/api/v1/incidents")
        .token(Some(token))
        .json(&draft(w.own, tlp))
        .send(&w.app)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn share<'a>(token: &'a str, id: &str, inst: Uuid) -> Call<'a> {
    Call::new(Method::POST, format!("/api/v1/incidents/{id}/recipients"))
        .token(Some(token))
        .json(&json!({"institution_id": inst}))
}

fn upload<'a>(
    token: &'a str,
    id: &str,
    fields: &[(&str, &str)],
    name: &str,
    body: &str,
) -> Call<'a> {
    Call::new(Method::POST, format!("/api/v1/incidents/{id}/evidence"))
        .token(Some(token))
        .multipart(fields, name, body)
}

#[tokio::test]
async fn evidence_is_kept_by_digest_returned_intact_and_anchored() {
    for w in worlds().await {
        let officer = w.tokens["officer"].as_str();
        let coordinator = w.tokens["coordinator"].as_str();
        let id = report(&w, officer, "TLP:AMBER").await;
        let content = "2026-11-29 10:02:11 GET /expedientes/export?all=1 203.0.113.7\n";
        let r = upload(
            officer,
            &id,
            &[("description", "Bitácora del proxy")],
            "proxy.log",
            content,
        )
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let file = r.json();
        let digest = hex(&Sha256::digest(content.as_bytes()));
        assert_eq!(file["sha256"], digest.as_str());
        assert_eq!(file["size"], content.len());
        assert_eq!(file["tlp"], "TLP:AMBER", "the incident's label by default");
        assert_eq!(file["file_name"], "proxy.log");
        let fid = file["id"].as_str().unwrap().to_string();

        // The same bytes again are a second record of one stored file.
        let again = upload(officer, &id, &[("tlp", "TLP:RED")], "copia.log", content)
            .send(&w.app)
            .await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
        let stored: Vec<_> = walk(&w.log_dir.join("files").join("evidence"));
        assert_eq!(stored.len(), 1, "{stored:?}");

        // Downloaded byte for byte, as an attachment that no browser renders.
        let r = Call::get(format!("/api/v1/incidents/{id}/evidence/{fid}"))
            .token(Some(coordinator))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body, content);
        assert_eq!(r.headers["content-type"], "application/octet-stream");
        assert!(
            r.headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );
        assert_eq!(r.headers["x-content-sha256"], digest.as_str());

        // The RED copy reaches only the named people (the reporter and the uploader, here the
        // same officer): the coordinator neither lists nor downloads it.
        let red = again.json()["id"].as_str().unwrap().to_string();
        let list = Call::get(format!("/api/v1/incidents/{id}/evidence"))
            .token(Some(coordinator))
            .send(&w.app)
            .await;
        assert_eq!(list.status, StatusCode::OK);
        let ids: Vec<String> = list
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, vec![fid.clone()]);
        let r = Call::get(format!("/api/v1/incidents/{id}/evidence/{red}"))
            .token(Some(coordinator))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let mine = Call::get(format!("/api/v1/incidents/{id}/evidence"))
            .token(Some(officer))
            .send(&w.app)
            .await;
        assert_eq!(mine.json().as_array().unwrap().len(), 2);

        // The file's audit entry states its SHA-256 and verifies against the log.
        w.anchored_entry(w.own).await;
        let receipt = Call::get(format!("/api/v1/incidents/{id}/evidence/{fid}/receipt"))
            .token(Some(officer))
            .send(&w.app)
            .await;
        assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.body);
        let receipt: centinela_web::transparency::AuditReceipt =
            serde_json::from_str(&receipt.body).unwrap();
        assert_eq!(receipt.entry.state_sha256, digest);
        assert_eq!(receipt.entry.record_kind, "evidence");
        let key = w.state.log.as_ref().unwrap().verifier_key();
        centinela_web::transparency::verify_audit_receipt(&receipt, &key).unwrap();

        // The timeline names the file.
        let work = Call::get(format!("/api/v1/incidents/{id}/work"))
            .token(Some(officer))
            .send(&w.app)
            .await
            .json();
        assert!(
            work["timeline"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["body"].as_str().unwrap().contains(&digest)),
            "{work}"
        );
        assert_eq!(work["evidence"].as_array().unwrap().len(), 2);

        // Another institution's officer: the incident and its files do not exist for them.
        let pemex = officer_token(&w, w.other, "oficial.pemex@ejemplo.gob.mx").await;
        for path in [
            format!("/api/v1/incidents/{id}/evidence"),
            format!("/api/v1/incidents/{id}/evidence/{fid}"),
            format!("/api/v1/incidents/{id}/evidence/{fid}/receipt"),
        ] {
            let r = Call::get(path.clone())
                .token(Some(&pemex))
                .send(&w.app)
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
            assert!(!r.body.contains(&digest), "{path}");
        }
        let r = upload(&pemex, &id, &[], "x.txt", "x").send(&w.app).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // A file id from another incident is not this incident's file.
        let other_incident = report(&w, officer, "TLP:AMBER").await;
        let r = Call::get(format!("/api/v1/incidents/{other_incident}/evidence/{fid}"))
            .token(Some(officer))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        w.cleanup().await;
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test]
async fn bad_evidence_is_refused_and_nothing_is_kept() {
    let settings = centinela_web::WebSettings {
        evidence_limit: 1024,
        ..Default::default()
    };
    for w in worlds_with(settings).await {
        let officer = w.tokens["officer"].as_str();
        let id = report(&w, officer, "TLP:GREEN").await;
        let big = "x".repeat(4096);
        let cases: Vec<(Call, StatusCode)> = vec![
            (
                upload(officer, &id, &[], "big.bin", &big),
                StatusCode::PAYLOAD_TOO_LARGE,
            ),
            (
                upload(officer, &id, &[], "empty.txt", ""),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                upload(officer, &id, &[("tlp", "TLP:PURPLE")], "a.txt", "a"),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                upload(
                    officer,
                    &id,
                    &[("description", &"d".repeat(501))],
                    "a.txt",
                    "a",
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                upload(officer, &id, &[("colour", "red")], "a.txt", "a"),
                StatusCode::BAD_REQUEST,
            ),
            (
                Call::new(Method::POST, format!("/api/v1/incidents/{id}/evidence"))
                    .token(Some(officer))
                    .json(&json!({"file": "x"})),
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ),
            (
                upload(w.tokens["ro"].as_str(), &id, &[], "a.txt", "a"),
                StatusCode::FORBIDDEN,
            ),
        ];
        for (i, (call, status)) in cases.into_iter().enumerate() {
            let r = call.send(&w.app).await;
            assert_eq!(r.status, status, "case {i}: {}", r.body);
            assert!(
                r.json()["error"]["message"].is_string(),
                "case {i}: {}",
                r.body
            );
        }
        let list = Call::get(format!("/api/v1/incidents/{id}/evidence"))
            .token(Some(officer))
            .send(&w.app)
            .await;
        assert_eq!(list.json(), json!([]));
        let kept: Vec<_> = walk(&w.log_dir.join("files").join("evidence"));
        assert!(kept.is_empty(), "nothing half-written: {kept:?}");

        // A closed incident takes no more evidence.
        let r = Call::new(Method::POST, format!("/api/v1/incidents/{id}/close"))
            .token(Some(officer))
            .json(&json!({"resolution": "Contenido"}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = upload(officer, &id, &[], "late.txt", "late")
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        w.cleanup().await;
    }
}

#[tokio::test]
async fn sharing_lets_recipients_read_but_never_write() {
    for w in worlds().await {
        let officer = w.tokens["officer"].as_str();
        let pemex = officer_token(&w, w.other, "oficial.pemex@ejemplo.gob.mx").await;
        let id = report(&w, officer, "TLP:AMBER+STRICT").await;
        let ref_of = |v: &Value| v["reference"].as_str().unwrap().to_string();
        let reference = ref_of(
            &Call::get(format!("/api/v1/incidents/{id}"))
                .token(Some(officer))
                .send(&w.app)
                .await
                .json(),
        );
        let listed = |token: String| {
            let app = w.app.clone();
            let reference = reference.clone();
            async move {
                let r = Call::get("/api/v1/incidents?limit=200")
                    .token(Some(&token))
                    .send(&app)
                    .await;
                r.body.contains(&reference)
            }
        };

        // Before sharing: PEMEX's officer cannot see it nor share it.
        assert!(!listed(pemex.clone()).await);
        let r = Call::get(format!("/api/v1/incidents/{id}"))
            .token(Some(&pemex))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        let r = share(&pemex, &id, w.other).send(&w.app).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // Bad shares: itself, an unknown institution; then the real one, once.
        let r = share(officer, &id, w.own).send(&w.app).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let r = share(officer, &id, Uuid::new_v4()).send(&w.app).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let r = share(officer, &id, w.other).send(&w.app).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = share(officer, &id, w.other).send(&w.app).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

        // Shared: PEMEX reads it (AMBER+STRICT included), in the list too, but cannot change it.
        assert!(listed(pemex.clone()).await);
        let r = Call::get(format!("/api/v1/incidents/{id}"))
            .token(Some(&pemex))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = Call::new(Method::POST, format!("/api/v1/incidents/{id}/entries"))
            .token(Some(&pemex))
            .json(&json!({"kind": "comment", "body": "visto"}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = upload(&pemex, &id, &[], "x.txt", "x").send(&w.app).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = share(&pemex, &id, w.other).send(&w.app).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // A third institution still sees nothing.
        let imss = centinela_store::constituency::find_institution_by_slug(w.db(), "imss")
            .await
            .unwrap()
            .unwrap()
            .id;
        let imss_officer = officer_token(&w, imss, "otro.imss@ejemplo.gob.mx").await;
        assert!(!listed(imss_officer.clone()).await);

        // Unsharing takes it away again.
        let r = Call::new(
            Method::DELETE,
            format!("/api/v1/incidents/{id}/recipients/{}", w.other),
        )
        .token(Some(officer))
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        assert!(!listed(pemex.clone()).await);
        let r = Call::get(format!("/api/v1/incidents/{id}"))
            .token(Some(&pemex))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // TLP:RED is for named people: never shared with an institution.
        let red = report(&w, officer, "TLP:RED").await;
        let r = Call::new(Method::POST, format!("/api/v1/incidents/{red}/recipients"))
            .token(Some(officer))
            .json(&json!({"institution_id": w.other}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        w.cleanup().await;
    }
}

#[tokio::test]
async fn a_report_links_its_own_inventory_and_nobody_elses() {
    for w in worlds().await {
        let officer = w.tokens["officer"].as_str();
        let coordinator = w.tokens["coordinator"].as_str();
        let add = |token: &'static str, inst: Uuid, kind: &'static str, body: Value| {
            let app = w.app.clone();
            let token = w.tokens[token].clone();
            async move {
                let r = Call::new(Method::POST, format!("/api/v1/institutions/{inst}/{kind}"))
                    .token(Some(&token))
                    .json(&body)
                    .send(&app)
                    .await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
                r.json()["id"].as_str().unwrap().to_string()
            }
        };
        let asset = add(
            "officer",
            w.own,
            "assets",
            json!({"name": "Servidor de expedientes", "kind": "server", "criticality": "high"}),
        )
        .await;
        let service = add(
            "officer",
            w.own,
            "services",
            json!({"name": "Declaración anual", "url": "https://www.sat.gob.mx/declaracion"}),
        )
        .await;
        let foreign = add(
            "coordinator",
            w.other,
            "assets",
            json!({"name": "Refinería", "kind": "server", "criticality": "high"}),
        )
        .await;

        let mut d = draft(w.own, "TLP:AMBER");
        d["affected_asset_ids"] = json!([asset]);
        d["affected_service_ids"] = json!([service]);
        let r = Call::new(Method::POST, "/api/v1/incidents")
            .token(Some(officer))
            .json(&d)
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_str().unwrap().to_string();
        let page = Call::get(format!("/incidents/{id}"))
            .token(Some(coordinator))
            .send(&w.app)
            .await;
        assert!(
            page.body.contains("Servidor de expedientes")
                && page.body.contains("Declaración anual")
        );

        for (field, ids) in [
            ("affected_asset_ids", json!([foreign])),
            ("affected_asset_ids", json!([Uuid::new_v4()])),
            ("affected_service_ids", json!([asset])),
        ] {
            let mut d = draft(w.own, "TLP:AMBER");
            d[field] = ids.clone();
            let r = Call::new(Method::POST, "/api/v1/incidents")
                .token(Some(officer))
                .json(&d)
                .send(&w.app)
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{field} {ids}: {}",
                r.body
            );
            assert!(r.body.contains(field), "{}", r.body);
        }
        w.cleanup().await;
    }
}

#[tokio::test]
async fn assessment_evidence_has_dates_revisions_and_stays_with_its_institution() {
    for w in worlds().await {
        let officer = w.tokens["officer"].as_str();
        let a = common::campaign_assessment(&w, w.own).await;
        let base = format!("/api/v1/institutions/{}/assessments/{a}", w.own);
        let up = |measure: &str, fields: Vec<(&str, &str)>, name: &str, body: &str| {
            Call::new(Method::POST, format!("{base}/answers/{measure}/evidence"))
                .token(Some(officer))
                .multipart(&fields, name, body)
        };
        // Two revisions of the backup policy; an expired certificate.
        for (fields, name, body) in [
            (
                vec![("effective_on", "2025-01-15")],
                "politica-respaldos.pdf",
                "v1",
            ),
            (
                vec![
                    ("effective_on", "2026-06-01"),
                    ("description", "Revisión 2"),
                ],
                "politica-respaldos.pdf",
                "v2",
            ),
            (
                vec![("effective_on", "2024-01-01"), ("expires_on", "2025-01-01")],
                "certificado.pem",
                "cert",
            ),
        ] {
            let r = up("gob-1", fields, name, body).send(&w.app).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
        // Bad input: dates out of order or malformed, an unknown measure.
        for (measure, fields, status) in [
            (
                "gob-1",
                vec![("effective_on", "2026-02-01"), ("expires_on", "2026-01-01")],
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "gob-1",
                vec![("expires_on", "31/12/2026")],
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            ("no-such-measure", vec![], StatusCode::NOT_FOUND),
        ] {
            let r = up(measure, fields, "x.txt", "x").send(&w.app).await;
            assert_eq!(r.status, status, "{measure}: {}", r.body);
        }
        let view = Call::get(&base)
            .token(Some(officer))
            .send(&w.app)
            .await
            .json();
        let m = view["measures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == "gob-1")
            .unwrap();
        let files = m["files"].as_array().unwrap();
        assert_eq!(files.len(), 3, "{m}");
        assert_eq!(
            files
                .iter()
                .filter(|f| f["file_name"] == "politica-respaldos.pdf")
                .count(),
            2,
            "both revisions kept"
        );
        let expired: Vec<&Value> = files.iter().filter(|f| f["expired"] == true).collect();
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0]["file_name"], "certificado.pem");
        assert_eq!(expired[0]["expires_on"], "2025-01-01");
        let fid = files[1]["id"].as_str().unwrap();
        let r = Call::get(format!("{base}/evidence/{fid}"))
            .token(Some(w.tokens["auditor"].as_str()))
            .send(&w.app)
            .await;
        assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "v2"));

        // Another institution's officer: nothing.
        let pemex = officer_token(&w, w.other, "oficial.pemex@ejemplo.gob.mx").await;
        for path in [format!("{base}/evidence"), format!("{base}/evidence/{fid}")] {
            let r = Call::get(path.clone())
                .token(Some(&pemex))
                .send(&w.app)
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        }
        let r = Call::new(Method::POST, format!("{base}/answers/gob-1/evidence"))
            .token(Some(&pemex))
            .multipart(&[], "x.txt", "x")
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // Its file is not reachable through an assessment of another institution either.
        let other = format!(
            "/api/v1/institutions/{}/assessments/{a}/evidence/{fid}",
            w.other
        );
        let r = Call::get(other)
            .token(Some(w.tokens["coordinator"].as_str()))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        w.cleanup().await;
    }
}
