//! The time-stamping authority over HTTP, checked with OpenSSL: a query made by `openssl ts
//! -query` gets a reply that `openssl ts -verify` accepts against the served chain, and the
//! token is stated in the transparency log.

mod common;

use axum::http::{Method, StatusCode};
use common::{Call, worlds};
use std::process::Command;

fn openssl(args: &[&str]) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl command (apt-get install openssl)")
}

#[tokio::test]
async fn openssl_verifies_tokens_from_post_tsa() {
    for mut w in worlds().await {
        let dir = w.log_dir.join("tsa");
        let tsa = centinela_web::tsa::development(&dir).unwrap();
        w.state = w.state.clone().with_tsa(tsa);
        w.app = centinela_web::app(w.state.clone());
        let doc = dir.join("doc.txt");
        std::fs::write(&doc, "informe de incidente").unwrap();
        let query = dir.join("q.tsq");
        let out = openssl(&[
            "ts",
            "-query",
            "-data",
            doc.to_str().unwrap(),
            "-sha384",
            "-cert",
            "-out",
            query.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let before = w.state.log.as_ref().unwrap().log.size();

        let body = std::fs::read(&query).unwrap();
        let r = Call::new(Method::POST, "/tsa")
            .raw_bytes(body, "application/timestamp-query")
            .send_bytes(&w.app)
            .await;
        assert_eq!(r.0, StatusCode::OK);
        let reply = dir.join("r.tsr");
        std::fs::write(&reply, &r.1).unwrap();
        let chain = Call::get("/tsa/certificate").send(&w.app).await;
        assert!(chain.body.starts_with("-----BEGIN CERTIFICATE-----"));
        let chain_path = dir.join("chain.pem");
        std::fs::write(&chain_path, &chain.body).unwrap();
        let out = openssl(&[
            "ts",
            "-verify",
            "-data",
            doc.to_str().unwrap(),
            "-in",
            reply.to_str().unwrap(),
            "-CAfile",
            dir.join("root.pem").to_str().unwrap(),
            "-untrusted",
            chain_path.to_str().unwrap(),
        ]);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Verification: OK"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The token is stated in the log (audit entries are being anchored beside it).
        let log = &w.state.log.as_ref().unwrap().log;
        let stated = (before..log.size()).any(|i| {
            tlog::entry::Entry::decode(&log.entry(i).unwrap())
                .is_ok_and(|e| e.kind() == "tsa.token")
        });
        assert!(stated, "a tsa.token entry after index {before}");

        let wrong = Call::new(Method::POST, "/tsa")
            .raw("x", "text/plain")
            .send(&w.app)
            .await;
        assert_eq!(wrong.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(wrong.error_message().contains("timestamp-query"));
        w.cleanup().await;
    }
}
