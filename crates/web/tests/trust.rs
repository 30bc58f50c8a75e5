//! E-seals and registered-delivery evidence through the API, checked with OpenSSL and with
//! the transparency log: a seal made for an institution verifies with `openssl cms -verify`
//! against the served roots; every piece of notice evidence is sealed, verifies the same way,
//! and its audit entry (whose digest is the evidence's SHA-256) is proven in the log.

mod common;

use axum::http::{Method, StatusCode};
use base64::Engine;
use common::{Call, World, worlds};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn openssl_verifies(dir: &Path, seal_der: &[u8], content: &[u8], roots: &str) -> (bool, String) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("seal.p7s"), seal_der).unwrap();
    std::fs::write(dir.join("content.bin"), content).unwrap();
    std::fs::write(dir.join("roots.pem"), roots).unwrap();
    let out = Command::new("openssl")
        .current_dir(dir)
        .args([
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "seal.p7s",
            "-content",
            "content.bin",
            "-CAfile",
            "roots.pem",
            "-purpose",
            "any",
            "-out",
            "/dev/null",
        ])
        .output()
        .expect("the openssl command (apt-get install openssl)");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn roots(w: &World) -> String {
    let r = Call::get("/seals/roots.pem").send(&w.app).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.matches("BEGIN CERTIFICATE").count(), 2);
    r.body
}

#[tokio::test]
async fn an_institution_seals_a_document_and_anyone_verifies_it() {
    for w in worlds().await {
        let officer = w.tokens["officer"].as_str();
        let document = "Oficio 123/2026: informe final del incidente CEN-2026-000042".as_bytes();
        let digest = hex(&Sha256::digest(document));
        let r = Call::new(
            Method::POST,
            format!("/api/v1/institutions/{}/seals", w.own),
        )
        .token(Some(officer))
        .json(&json!({"document_name": "oficio-123.pdf", "document_sha256": digest}))
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let seal = r.json();
        assert!(seal["signer"].as_str().unwrap().contains("E-Seal"));
        let id = seal["id"].as_str().unwrap().to_string();

        // Downloaded .p7s: OpenSSL accepts it for the document, refuses it for another.
        let (status, der) = Call::get(format!("/api/v1/seals/{id}/p7s"))
            .token(Some(officer))
            .send_bytes(&w.app)
            .await;
        assert_eq!(status, StatusCode::OK);
        let roots = roots(&w).await;
        let dir = w.log_dir.join("seal-check");
        let (ok, err) = openssl_verifies(&dir, &der, document, &roots);
        assert!(ok, "openssl cms -verify: {err}");
        let (ok, _) = openssl_verifies(&dir, &der, b"another document", &roots);
        assert!(!ok, "a different document must not verify");

        // The public verifier explains each step.
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        let r = Call::new(Method::POST, "/api/v1/seals/verify")
            .json(&json!({"document_sha256": digest, "seal": b64}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let v = r.json();
        assert_eq!(v["valid"], true, "{v}");
        assert!(v["tsa"].as_str().unwrap().contains("TSA"));
        let wrong = hex(&Sha256::digest(b"another document"));
        let v = Call::new(Method::POST, "/api/v1/seals/verify")
            .json(&json!({"document_sha256": wrong, "seal": b64}))
            .send(&w.app)
            .await
            .json();
        assert_eq!(v["valid"], false);
        let digest_check = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "digest")
            .unwrap();
        assert_eq!(digest_check["passed"], false);

        // A tampered seal is reported, not a server error.
        let mut bad = der.clone();
        let n = bad.len();
        bad[n - 40] ^= 0x55;
        let r = Call::new(Method::POST, "/api/v1/seals/verify")
            .json(&json!({"document_sha256": digest, "seal": base64::engine::general_purpose::STANDARD.encode(&bad)}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["valid"], false);
        for (body, field) in [
            (
                json!({"document_sha256": "xyz", "seal": b64}),
                "document_sha256",
            ),
            (
                json!({"document_sha256": digest, "seal": "not a seal"}),
                "seal",
            ),
        ] {
            let r = Call::new(Method::POST, "/api/v1/seals/verify")
                .json(&body)
                .send(&w.app)
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            assert!(r.body.contains(field), "{}", r.body);
        }

        // Nobody seals in another institution's name, and its seals stay hidden.
        let r = Call::new(
            Method::POST,
            format!("/api/v1/institutions/{}/seals", w.other),
        )
        .token(Some(officer))
        .json(&json!({"document_name": "x.pdf", "document_sha256": digest}))
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let coordinator = w.tokens["coordinator"].as_str();
        let r = Call::new(
            Method::POST,
            format!("/api/v1/institutions/{}/seals", w.own),
        )
        .token(Some(coordinator))
        .json(&json!({"document_name": "x.pdf", "document_sha256": digest}))
        .send(&w.app)
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // The seal's audit entry carries the SHA-256 of the seal and is in the log.
        w.anchored_entry(w.own).await;
        let receipt = Call::get(format!("/api/v1/seals/{id}/receipt"))
            .token(Some(officer))
            .send(&w.app)
            .await;
        assert_eq!(receipt.status, StatusCode::OK, "{}", receipt.body);
        let receipt: centinela_web::transparency::AuditReceipt =
            serde_json::from_str(&receipt.body).unwrap();
        assert_eq!(receipt.entry.state_sha256, hex(&Sha256::digest(&der)));
        let key = w.state.log.as_ref().unwrap().verifier_key();
        centinela_web::transparency::verify_audit_receipt(&receipt, &key).unwrap();
        w.cleanup().await;
    }
}

fn evidence_events(v: &Value) -> Vec<String> {
    v["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn notices_carry_sealed_registered_delivery_evidence() {
    for w in worlds().await {
        let coordinator = w.tokens["coordinator"].as_str();
        let officer = w.tokens["officer"].as_str();
        let body = json!({
            "recipient_institution_id": w.own, "kind": "advisory",
            "subject": "Vulnerabilidad crítica en servidores de correo",
            "body": "Aplique el parche publicado por el fabricante antes del viernes."
        });
        let r = Call::new(Method::POST, "/api/v1/notices")
            .token(Some(coordinator))
            .json(&body)
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let notice = r.json();
        let id = notice["id"].as_str().unwrap().to_string();
        assert_eq!(
            evidence_events(&notice),
            ["SubmissionAcceptance", "ContentConsignment"]
        );
        assert_eq!(notice["state"], "delivered");

        // Another institution's officer sees nothing of it.
        let other_officer = {
            let u = centinela_store::accounts::create_user(
                w.db(),
                &centinela_store::Actor::system(),
                &centinela_store::accounts::NewUser {
                    email: "oficial.pemex@ejemplo.gob.mx",
                    name: "Oficial PEMEX",
                    role: centinela_core::principal::Role::Officer,
                    institution_id: Some(w.other),
                    password_hash: "x".into(),
                    locale: "es-MX",
                    audits: &[],
                },
            )
            .await
            .unwrap();
            let (t, _) = centinela_store::accounts::create_token(
                w.db(),
                &centinela_store::Actor::system(),
                u.id,
                "t",
                true,
                None,
            )
            .await
            .unwrap();
            Some(t)
        };
        if let Some(t) = &other_officer {
            let r = Call::get(format!("/api/v1/notices/{id}"))
                .token(Some(t))
                .send(&w.app)
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND);
            let list = Call::get("/api/v1/notices")
                .token(Some(t))
                .send(&w.app)
                .await;
            assert!(!list.body.contains(&id));
        }

        // The coordinator reading it is not a handover; the recipient's first read is, once.
        let r = Call::get(format!("/api/v1/notices/{id}"))
            .token(Some(coordinator))
            .send(&w.app)
            .await;
        assert_eq!(evidence_events(&r.json()).len(), 2);
        for _ in 0..2 {
            let r = Call::get(format!("/api/v1/notices/{id}"))
                .token(Some(officer))
                .send(&w.app)
                .await;
            assert_eq!(r.status, StatusCode::OK);
            assert_eq!(
                evidence_events(&r.json()),
                [
                    "SubmissionAcceptance",
                    "ContentConsignment",
                    "ContentHandover"
                ]
            );
        }

        // Rejecting needs a reason; then the answer is final.
        let answer = |b: Value| {
            Call::new(Method::POST, format!("/api/v1/notices/{id}/answer"))
                .token(Some(officer))
                .json(&b)
        };
        let r = answer(json!({"accept": false})).send(&w.app).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let r = Call::new(Method::POST, format!("/api/v1/notices/{id}/answer"))
            .token(Some(coordinator))
            .json(&json!({"accept": true}))
            .send(&w.app)
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "only the recipient answers"
        );
        let r = answer(json!({"accept": false, "reason": "No administramos servidores de correo"}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let v = r.json();
        assert_eq!(v["state"], "rejected");
        assert_eq!(evidence_events(&v).last().unwrap(), "ConsignmentRejection");
        let r = answer(json!({"accept": true})).send(&w.app).await;
        assert_eq!(r.status, StatusCode::CONFLICT);

        // Each piece of evidence: its text is canonical and states the content digest; its
        // seal verifies with OpenSSL; its audit entry commits to it and is in the log.
        let roots = roots(&w).await;
        let content = format!(
            "{}\n\n{}",
            body["subject"].as_str().unwrap(),
            body["body"].as_str().unwrap()
        );
        let content_hex = hex(&Sha256::digest(content.as_bytes()));
        w.anchored_entry(w.own).await;
        let key = w.state.log.as_ref().unwrap().verifier_key();
        for event in ["submission", "consignment", "handover", "rejection"] {
            let text = Call::get(format!("/api/v1/notices/{id}/evidence/{event}/text"))
                .token(Some(officer))
                .send(&w.app)
                .await;
            assert_eq!(text.status, StatusCode::OK, "{event}");
            let parsed = trust::evidence::Evidence::from_canonical(text.body.as_bytes()).unwrap();
            assert_eq!(parsed.message_id, id);
            assert_eq!(hex(&parsed.content_digests[0]), content_hex);
            let (status, der) = Call::get(format!("/api/v1/notices/{id}/evidence/{event}/p7s"))
                .token(Some(coordinator))
                .send_bytes(&w.app)
                .await;
            assert_eq!(status, StatusCode::OK);
            let (ok, err) =
                openssl_verifies(&w.log_dir.join(event), &der, text.body.as_bytes(), &roots);
            assert!(ok, "{event}: {err}");
            let receipt = Call::get(format!("/api/v1/notices/{id}/evidence/{event}/receipt"))
                .token(Some(officer))
                .send(&w.app)
                .await;
            assert_eq!(receipt.status, StatusCode::OK, "{event}: {}", receipt.body);
            let receipt: centinela_web::transparency::AuditReceipt =
                serde_json::from_str(&receipt.body).unwrap();
            assert_eq!(
                receipt.entry.state_sha256,
                hex(&Sha256::digest(text.body.as_bytes()))
            );
            centinela_web::transparency::verify_audit_receipt(&receipt, &key).unwrap();
        }

        // Bad input: unknown recipient, unknown kind, empty subject.
        for (bad, field) in [
            (
                json!({"recipient_institution_id": uuid::Uuid::new_v4(), "kind": "advisory", "subject": "s", "body": "b"}),
                "recipient_institution_id",
            ),
            (
                json!({"recipient_institution_id": w.own, "kind": "late_stage_x", "subject": "s", "body": "b"}),
                "kind",
            ),
            (
                json!({"recipient_institution_id": w.own, "kind": "advisory", "subject": " ", "body": "b"}),
                "subject",
            ),
        ] {
            let r = Call::new(Method::POST, "/api/v1/notices")
                .token(Some(coordinator))
                .json(&bad)
                .send(&w.app)
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
            assert!(r.body.contains(field), "{}", r.body);
        }
        w.cleanup().await;
    }
}

const BOUNDARY: &str = "centinela-trust-boundary";

fn multipart_files(parts: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

#[tokio::test]
async fn pages_seal_a_file_verify_it_publicly_and_answer_a_notice() {
    for w in worlds().await {
        let officer = w.tokens["officer"].as_str();
        let document = b"%PDF-1.7 acta de la sesion del comite".to_vec();
        let (status, _) = Call::new(Method::POST, format!("/institutions/{}/seals", w.own))
            .token(Some(officer))
            .raw_bytes(
                multipart_files(&[("file", "acta.pdf", &document)]),
                "multipart/form-data; boundary=centinela-trust-boundary",
            )
            .send_bytes(&w.app)
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let list = Call::get(format!("/api/v1/institutions/{}/seals", w.own))
            .token(Some(officer))
            .send(&w.app)
            .await
            .json();
        let seal = &list[0];
        assert_eq!(seal["document_name"], "acta.pdf");
        assert_eq!(seal["document_sha256"], hex(&Sha256::digest(&document)));
        let page = Call::get(format!("/institutions/{}/seals", w.own))
            .token(Some(officer))
            .send(&w.app)
            .await;
        assert!(page.body.contains("acta.pdf"));
        let der = base64::engine::general_purpose::STANDARD
            .decode(seal["seal"].as_str().unwrap())
            .unwrap();

        // Anyone, signed in or not, verifies on the public page.
        let verify = |doc: &[u8]| {
            Call::new(Method::POST, "/seals/verify").raw_bytes(
                multipart_files(&[("document", "acta.pdf", doc), ("seal", "acta.p7s", &der)]),
                "multipart/form-data; boundary=centinela-trust-boundary",
            )
        };
        let r = verify(&document).send(&w.app).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("class=\"ok\""), "{}", r.body);
        let r = verify(b"otro documento").send(&w.app).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.body.contains("id=\"verdict\" class=\"error\""));
        let r = Call::new(Method::POST, "/seals/verify")
            .raw_bytes(
                multipart_files(&[("document", "a.pdf", b"x")]),
                "multipart/form-data; boundary=centinela-trust-boundary",
            )
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("role=\"alert\""));

        // A notice sent from the page is answered from the page.
        let coordinator = w.tokens["coordinator"].as_str();
        let r = Call::new(Method::POST, "/notices")
            .token(Some(coordinator))
            .form(&[
                ("recipient", &w.own.to_string()),
                ("kind", "incident_notice"),
                ("subject", "Actividad sospechosa desde su red"),
                ("body", "Observamos tráfico de comando y control."),
            ])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let location = r.headers["location"].to_str().unwrap().to_string();
        let page = Call::get(&location).token(Some(officer)).send(&w.app).await;
        assert!(page.body.contains("answer-form"));
        let r = Call::new(Method::POST, format!("{location}/answer"))
            .token(Some(officer))
            .form(&[("decision", "reject")])
            .send(&w.app)
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a rejection needs a reason"
        );
        let r = Call::new(Method::POST, format!("{location}/answer"))
            .token(Some(officer))
            .form(&[("decision", "accept")])
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = Call::get(&location).token(Some(officer)).send(&w.app).await;
        assert!(page.body.contains("evidence-acceptance"));
        assert!(!page.body.contains("answer-form"));
        w.cleanup().await;
    }
}
