//! The audit trail is anchored in the transparency log, served under /log/, and each entry's
//! receipt checks offline — and fails when the entry, the proof or the key is not genuine.

mod common;

use axum::http::StatusCode;
use centinela_web::transparency::{AuditReceipt, VerifyError, verify_audit_receipt};
use common::{Call, worlds};

#[tokio::test]
async fn audit_entries_have_verifiable_receipts() {
    for w in worlds().await {
        let entry = w.anchored_entry(w.own).await;
        let key = Call::get("/log/key").send(&w.app).await;
        assert_eq!(key.status, StatusCode::OK);
        let key = key.body.trim().to_string();
        assert!(key.starts_with("centinela.test/log+"), "{key}");

        let r = Call::get(format!("/api/v1/audit/{}/receipt", entry.id))
            .token(Some(&w.tokens["auditor"]))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let receipt: AuditReceipt = serde_json::from_str(&r.body).unwrap();
        let (index, size) =
            verify_audit_receipt(&receipt, &key).expect("a genuine receipt verifies");
        assert_eq!(Some(index as i64), entry.log_index);
        assert!(size > index);

        // The checkpoint the receipt cites is the log's, and tiles are served.
        let cp = Call::get("/log/checkpoint").send(&w.app).await;
        assert!(cp.body.starts_with("centinela.test/log\n"), "{}", cp.body);
        assert_eq!(
            Call::get("/log/tile/0/000.p/1").send(&w.app).await.status,
            StatusCode::OK
        );
        assert_eq!(
            Call::get("/log/tile/9/999").send(&w.app).await.status,
            StatusCode::NOT_FOUND
        );

        // An altered entry, proof or key does not verify.
        let mut altered = serde_json::from_str::<AuditReceipt>(&r.body).unwrap();
        altered.entry.actor_email = "someone.else@centinela.example".into();
        assert!(matches!(
            verify_audit_receipt(&altered, &key),
            Err(VerifyError::StatementMismatch)
        ));
        let mut forged = serde_json::from_str::<AuditReceipt>(&r.body).unwrap();
        forged.receipt = forged.receipt.replacen(
            &format!("index {index}"),
            &format!("index {}", index + 1),
            1,
        );
        assert!(verify_audit_receipt(&forged, &key).is_err());
        let other_key = tlog::note::Signer::generate("centinela.test/log")
            .unwrap()
            .verifier()
            .to_string();
        assert!(verify_audit_receipt(&receipt, &other_key).is_err());

        // The officer of another institution cannot fetch this receipt.
        let theirs = w.anchored_entry(w.other).await;
        let r = Call::get(format!("/api/v1/audit/{}/receipt", theirs.id))
            .token(Some(&w.tokens["auditor"]))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        w.cleanup().await;
    }
}
