//! The inventory: imports (CSV with line numbers, CycloneDX), vulnerable software with KEV
//! first, KPIs, and the institution boundary.

mod common;

use axum::http::{Method, StatusCode};
use common::{Call, worlds};
use serde_json::json;

const SBOM: &str = include_str!("../../vuln/tests/data/cyclonedx-sample.json");

#[tokio::test]
async fn imports_matching_and_kpis() {
    for w in worlds().await {
        let officer = Some(w.tokens["officer"].as_str());
        let base = format!("/api/v1/institutions/{}", w.own);
        // A CSV with one bad row is refused whole, with the line.
        let bad = "vendor,product,version,cpe,purl,licence\napache,http_server,2.4.49,cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*,,Apache-2.0\nx,,1,,,\nacme,tool,1,not-a-cpe,,\n";
        let r = Call::new(Method::POST, format!("{base}/software/import"))
            .token(officer)
            .raw(bad, "text/csv")
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let fields = r.json()["error"]["fields"].to_string();
        assert!(
            fields.contains("line 3") && fields.contains("line 4"),
            "{fields}"
        );
        let listed = Call::get(format!("{base}/software"))
            .token(officer)
            .send(&w.app)
            .await
            .json();
        assert_eq!(listed.as_array().unwrap().len(), 0, "nothing half-imported");

        let good = "vendor,product,version,cpe,purl,licence\r\napache,http_server,2.4.49,cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*,,Apache-2.0\r\n\"microsoft\",\"exchange_server\",2016,\"cpe:2.3:a:microsoft:exchange_server:2016:cumulative_update_19:*:*:*:*:*:*\",,\r\n";
        let r = Call::new(Method::POST, format!("{base}/software/import"))
            .token(officer)
            .raw(good, "text/csv")
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.json()["imported"], 2);
        let sbom = Call::new(Method::POST, format!("{base}/software/import"))
            .token(officer)
            .raw(SBOM, "application/vnd.cyclonedx+json")
            .send(&w.app)
            .await;
        assert_eq!(sbom.status, StatusCode::CREATED, "{}", sbom.body);
        let wrong = Call::new(Method::POST, format!("{base}/software/import"))
            .token(officer)
            .raw("{", "application/vnd.cyclonedx+json")
            .send(&w.app)
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);

        let vulns = Call::get(format!("{base}/vulnerabilities"))
            .token(officer)
            .send(&w.app)
            .await
            .json();
        let list = vulns.as_array().unwrap();
        assert!(list.iter().any(|v| v["cve"] == "CVE-2021-41773"), "{vulns}");
        assert!(list.iter().any(|v| v["cve"] == "CVE-2021-26855"), "{vulns}");
        assert_eq!(list[0]["kev"], true, "KEV entries first: {vulns}");

        let csv = Call::get(format!("{base}/software.csv"))
            .token(officer)
            .send(&w.app)
            .await;
        assert!(
            csv.body
                .starts_with("vendor,product,version,cpe,purl,licence")
        );
        assert!(csv.body.contains("exchange_server"));

        let r = Call::new(Method::POST, format!("{base}/assets"))
            .token(officer)
            .json(&json!({"name": "Portal", "kind": "server", "criticality": "high", "ipv6": true}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        Call::new(Method::POST, format!("{base}/assets"))
            .token(officer)
            .json(&json!({"name": "BD", "kind": "server", "criticality": "high"}))
            .send(&w.app)
            .await;
        let r = Call::new(Method::POST, format!("{base}/services"))
            .token(officer)
            .json(&json!({"name": "Trámites", "url": "ftp://x"}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        Call::new(Method::POST, format!("{base}/services"))
            .token(officer)
            .json(&json!({"name": "Trámites", "url": "https://x.gob.mx", "personal_data": true}))
            .send(&w.app)
            .await;
        let k = Call::get("/api/v1/inventory/kpis")
            .token(officer)
            .send(&w.app)
            .await
            .json();
        assert_eq!(
            (k["assets"].as_i64(), k["assets_ipv6"].as_i64()),
            (Some(2), Some(1)),
            "{k}"
        );
        assert_eq!(k["institutions_complete"], 1, "{k}");
        assert!(
            k["software_open_source"].as_i64().unwrap() >= 1,
            "Apache-2.0 counts as open source: {k}"
        );

        // Another institution's inventory stays out of reach.
        let theirs = format!("/api/v1/institutions/{}/software", w.other);
        assert_eq!(
            Call::get(&theirs).token(officer).send(&w.app).await.status,
            StatusCode::NOT_FOUND
        );
        let r = Call::new(Method::POST, &theirs)
            .token(officer)
            .json(&json!({"vendor": "a", "product": "b"}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        w.cleanup().await;
    }
}
