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
            .json(&json!({"name": "Portal", "kind": "server", "criticality": "high", "ipv6": true, "address": "201.144.10.5"}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        assert_eq!(
            r.json()["internet_facing"],
            true,
            "a public IP address makes an asset public by default"
        );
        let r = Call::new(Method::POST, format!("{base}/assets"))
            .token(officer)
            .json(&json!({"name": "BD", "kind": "server", "criticality": "high", "address": "10.2.0.20"}))
            .send(&w.app)
            .await;
        assert_eq!(r.json()["internet_facing"], false, "{}", r.body);
        let r = Call::new(Method::POST, format!("{base}/assets"))
            .token(officer)
            .json(&json!({"name": "BD", "kind": "server", "criticality": "high", "internet_facing": "sí"}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
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
            (
                k["assets"].as_i64(),
                k["public_assets"].as_i64(),
                k["assets_ipv6"].as_i64()
            ),
            (Some(2), Some(1), Some(1)),
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

async fn import(w: &common::World, token: &str, path: &str, csv: &str) -> common::Reply {
    Call::new(Method::POST, path)
        .token(Some(token))
        .raw(csv.to_string(), "text/csv")
        .send(&w.app)
        .await
}

#[tokio::test]
async fn assets_and_services_csv_round_trip() {
    for w in worlds().await {
        let officer = w.tokens["officer"].as_str();
        let coordinator = w.tokens["coordinator"].as_str();
        let base = format!("/api/v1/institutions/{}", w.own);
        let theirs = format!("/api/v1/institutions/{}", w.other);

        // Bad rows are named by line, and nothing is stored.
        let bad = "name,kind,address,ipv6,criticality\n\
                   Portal,server,portal.sat.gob.mx,true,high\n\
                   Castillo,castle,,maybe,high\n\
                   ,server,,false,low\n";
        let r = import(&w, officer, &format!("{base}/assets/import"), bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let fields = r.json()["error"]["fields"].to_string();
        for expected in ["line 3: kind", "line 3: ipv6", "line 4: name"] {
            assert!(fields.contains(expected), "{expected}: {fields}");
        }
        assert!(!fields.contains("line 2"), "{fields}");
        let listed = Call::get(format!("{base}/assets"))
            .token(Some(officer))
            .send(&w.app)
            .await;
        assert_eq!(
            listed.json().as_array().unwrap().len(),
            0,
            "nothing half-imported"
        );

        // Missing required column, wrong media type.
        let r = import(
            &w,
            officer,
            &format!("{base}/assets/import"),
            "name,address\nx,y\n",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body.contains("name,kind,address,ipv6,criticality"),
            "{}",
            r.body
        );
        let r = Call::new(Method::POST, format!("{base}/services/import"))
            .token(Some(officer))
            .raw("name,url\n", "application/json")
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.body);

        // partial=true keeps the valid row and reports the others with their lines.
        let r = import(
            &w,
            officer,
            &format!("{base}/assets/import?partial=true"),
            bad,
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let v = r.json();
        assert_eq!(
            (v["imported"].as_u64(), v["rejected"].as_u64()),
            (Some(1), Some(2)),
            "{v}"
        );
        let lines: Vec<u64> = v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["line"].as_u64().unwrap())
            .collect();
        assert_eq!(lines, [3, 3, 4], "{v}");

        // A spreadsheet's file: byte-order mark, CRLF, quoted commas, headers in any order
        // and case.
        let good = "\u{feff}Criticality,Name,Kind,IPv6,Address\r\n\
                    medium,\"Correo, institucional\",system,no,mail.sat.gob.mx\r\n\
                    low,Red interna,network-device,1,2001:db8::1\r\n";
        let r = import(&w, officer, &format!("{base}/assets/import"), good).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.json()["imported"], 2);
        let services = "name,url,personal_data,payments,owner\n\
                        Trámites,https://Tramites.SAT.gob.mx/citas,sí,true,Dirección de Servicios Digitales\n\
                        \"Portal \"\"abierto\"\"\",https://www.sat.gob.mx,false,,\n";
        let r = import(&w, officer, &format!("{base}/services/import"), services).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let listed = Call::get(format!("{base}/services"))
            .token(Some(officer))
            .send(&w.app)
            .await
            .json();
        let tramites = listed
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "Trámites")
            .unwrap();
        assert_eq!(
            (&tramites["personal_data"], &tramites["payments"]),
            (&json!(true), &json!(true))
        );
        assert_eq!(tramites["domain"], "tramites.sat.gob.mx");
        assert_eq!(tramites["owner"], "Dirección de Servicios Digitales");

        // Export, import elsewhere, export again: the same file.
        for table in ["assets", "services"] {
            let mine = Call::get(format!("{base}/{table}.csv"))
                .token(Some(officer))
                .send(&w.app)
                .await;
            assert_eq!(mine.status, StatusCode::OK);
            assert!(
                mine.headers[axum::http::header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .starts_with("text/csv")
            );
            assert_eq!(
                mine.body.lines().count(),
                if table == "assets" { 4 } else { 3 },
                "{}",
                mine.body
            );
            let r = import(
                &w,
                coordinator,
                &format!("{theirs}/{table}/import"),
                &mine.body,
            )
            .await;
            assert_eq!(r.status, StatusCode::CREATED, "{table}: {}", r.body);
            let copy = Call::get(format!("{theirs}/{table}.csv"))
                .token(Some(coordinator))
                .send(&w.app)
                .await;
            assert_eq!(copy.body, mine.body, "{table} round trip");
        }
        assert!(
            Call::get(format!("{base}/assets.csv"))
                .token(Some(officer))
                .send(&w.app)
                .await
                .body
                .starts_with("name,kind,address,ipv6,criticality,internet_facing\n")
        );

        // Another institution's officer can neither read nor import.
        for path in [
            format!("{theirs}/assets.csv"),
            format!("{theirs}/services.csv"),
        ] {
            let r = Call::get(&path).token(Some(officer)).send(&w.app).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        }
        let r = import(&w, officer, &format!("{theirs}/assets/import"), good).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = import(&w, officer, &format!("{theirs}/services/import"), services).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let theirs_listed = Call::get(format!("{theirs}/assets"))
            .token(Some(coordinator))
            .send(&w.app)
            .await
            .json();
        assert_eq!(
            theirs_listed.as_array().unwrap().len(),
            3,
            "only the coordinator's copy"
        );

        // The institution's page: upload with the session's CSRF token; errors with lines.
        let cookie = common::login(&w.app, "oficial.sat@centinela.example").await;
        let csrf = common::csrf_of(&w.app, &cookie).await;
        let page = format!("/institutions/{}", w.own);
        let r = Call::new(Method::POST, format!("{page}/inventory/import"))
            .cookie(&cookie)
            .multipart(
                &[("_csrf", &csrf), ("table", "services")],
                "s.csv",
                "name,url\nMesa de ayuda,ftp://x\n",
            )
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("line 2: url"), "{}", r.body);
        let r = Call::new(Method::POST, format!("{page}/inventory/import"))
            .cookie(&cookie)
            .multipart(
                &[("table", "services")],
                "s.csv",
                "name,url\nMesa de ayuda,https://ayuda.sat.gob.mx\n",
            )
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token: {}", r.body);
        let r = Call::new(Method::POST, format!("{page}/inventory/import"))
            .cookie(&cookie)
            .multipart(
                &[("_csrf", &csrf), ("table", "services")],
                "s.csv",
                "name,url\nMesa de ayuda,https://ayuda.sat.gob.mx\n",
            )
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let shown = Call::get(&page).cookie(&cookie).send(&w.app).await.body;
        assert!(
            shown.contains("Mesa de ayuda") && shown.contains("services.csv"),
            "{shown}"
        );

        // One asset from the page's form: Internet-facing by its address unless stated.
        let add = |pairs: Vec<(&'static str, String)>| {
            Call::new(Method::POST, format!("{page}/assets"))
                .cookie(&cookie)
                .form(
                    &pairs
                        .iter()
                        .map(|(k, v)| (*k, v.as_str()))
                        .collect::<Vec<_>>(),
                )
                .send(&w.app)
        };
        let base_form = |name: &str, address: &str, public: &str| {
            vec![
                ("_csrf", csrf.clone()),
                ("name", name.to_string()),
                ("kind", "server".to_string()),
                ("address", address.to_string()),
                ("ipv6", "true".to_string()),
                ("internet_facing", public.to_string()),
                ("criticality", "high".to_string()),
            ]
        };
        let r = add(base_form("Ventanilla", "201.144.10.9", "maybe")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("asset-add-problems"), "{}", r.body);
        for (name, address, public) in [
            ("Ventanilla", "201.144.10.9", "auto"),
            ("Intranet", "10.2.0.30", "auto"),
            ("Kiosco", "kiosco.sat.gob.mx", "true"),
        ] {
            let r = add(base_form(name, address, public)).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let listed = Call::get(format!("{base}/assets"))
            .token(Some(officer))
            .send(&w.app)
            .await
            .json();
        let flag = |name: &str| {
            listed
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["name"] == name)
                .map(|a| (a["ipv6"].as_bool(), a["internet_facing"].as_bool()))
        };
        assert_eq!(
            flag("Ventanilla"),
            Some((Some(true), Some(true))),
            "{listed}"
        );
        assert_eq!(
            flag("Intranet"),
            Some((Some(true), Some(false))),
            "{listed}"
        );
        assert_eq!(flag("Kiosco"), Some((Some(true), Some(true))), "{listed}");
        w.cleanup().await;
    }
}

/// The owner a routing table built now gives `value`.
async fn owner_of(w: &common::World, kind: &str, value: &str) -> Vec<String> {
    let owners = centinela_store::exposure::owners_csv(w.db()).await.unwrap();
    owners
        .lines()
        .filter(|l| l.starts_with(&format!("{kind},{value},")))
        .map(|l| l.rsplit(',').next().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn imported_networks_never_beat_manual_ones() {
    for w in worlds().await {
        let officer = w.tokens["officer"].as_str();
        let coordinator = w.tokens["coordinator"].as_str();
        let mine = format!("/api/v1/institutions/{}/networks", w.own);
        let theirs = format!("/api/v1/institutions/{}/networks", w.other);
        let sat_prefix = centinela_store::constituency::list_networks(
            w.db(),
            w.own,
            centinela_store::Page::new(Some(200), None),
        )
        .await
        .unwrap()
        .0
        .into_iter()
        .find(|n| n.kind == "cidr")
        .expect("SAT has a prefix")
        .value;

        // Bad rows are named by line and nothing is stored.
        let r = import(
            &w,
            coordinator,
            &format!("{theirs}/import"),
            "kind,value\ndomain,ok.pemex.example\ncidr,10.0.0.0/33\nplanet,x\n",
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let fields = r.json()["error"]["fields"].to_string();
        assert!(
            fields.contains("line 3: value") && fields.contains("line 4: kind"),
            "{fields}"
        );
        assert!(owner_of(&w, "domain", "ok.pemex.example").await.is_empty());

        // PEMEX imports SAT's hand-entered prefix: stored as an import, flagged, and routing
        // keeps sending it to SAT.
        let csv = format!("kind,value\ncidr,{sat_prefix}\ndomain,Importada.Pemex.Example\n");
        let r = import(&w, coordinator, &format!("{theirs}/import"), &csv).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let v = r.json();
        assert_eq!(v["imported"], 2, "{v}");
        assert!(v["warnings"].to_string().contains(&sat_prefix), "{v}");
        assert_eq!(owner_of(&w, "cidr", &sat_prefix).await, [w.own.to_string()]);
        assert_eq!(
            owner_of(&w, "domain", "importada.pemex.example").await,
            [w.other.to_string()]
        );
        let listed = Call::get(&theirs)
            .token(Some(coordinator))
            .send(&w.app)
            .await
            .json();
        let imported = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["value"] == sat_prefix.as_str())
            .unwrap()
            .clone();
        assert_eq!(imported["source"], "import");

        // The other way round: an imported prefix, then another institution's manual entry,
        // which wins the routing.
        let r = import(
            &w,
            coordinator,
            &format!("{theirs}/import"),
            "kind,value\ncidr,203.0.113.0/24\n",
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(
            owner_of(&w, "cidr", "203.0.113.0/24").await,
            [w.other.to_string()]
        );
        let r = Call::new(Method::POST, &mine)
            .token(Some(officer))
            .json(&json!({"kind": "cidr", "value": "203.0.113.0/24"}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(
            owner_of(&w, "cidr", "203.0.113.0/24").await,
            [w.own.to_string()]
        );
        // Two hands on one value is still refused.
        let r = Call::new(Method::POST, &theirs)
            .token(Some(coordinator))
            .json(&json!({"kind": "cidr", "value": "203.0.113.0/24"}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

        // Importing never overwrites nor duplicates the institution's own entries: the manual
        // one stays manual, once.
        let r = import(
            &w,
            officer,
            &format!("{mine}/import"),
            "kind,value\ncidr,203.0.113.0/24\ndomain,nueva.sat.gob.mx\ndomain,nueva.sat.gob.mx\n",
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let v = r.json();
        assert_eq!(v["imported"], 1, "{v}");
        assert_eq!(v["warnings"].as_array().unwrap().len(), 2, "{v}");
        let listed = Call::get(format!("{mine}?limit=200"))
            .token(Some(officer))
            .send(&w.app)
            .await
            .json();
        let held: Vec<&serde_json::Value> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["value"] == "203.0.113.0/24")
            .collect();
        assert_eq!(held.len(), 1);
        assert_eq!(held[0]["source"], "manual");
        // A hand entry over the institution's own import replaces it.
        let r = Call::new(Method::POST, &mine)
            .token(Some(officer))
            .json(&json!({"kind": "domain", "value": "nueva.sat.gob.mx"}))
            .send(&w.app)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let listed = Call::get(format!("{mine}?limit=200"))
            .token(Some(officer))
            .send(&w.app)
            .await
            .json();
        let held: Vec<&serde_json::Value> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["value"] == "nueva.sat.gob.mx")
            .collect();
        assert_eq!((held.len(), &held[0]["source"]), (1, &json!("manual")));

        // Export reads back as an import that changes nothing.
        let csv = Call::get(format!("{mine}.csv"))
            .token(Some(officer))
            .send(&w.app)
            .await;
        assert!(csv.body.starts_with("kind,value,source\n"), "{}", csv.body);
        let r = import(&w, officer, &format!("{mine}/import"), &csv.body).await;
        assert_eq!(r.json()["imported"], 0, "{}", r.body);

        // Another institution's officer is refused.
        let r = import(
            &w,
            officer,
            &format!("{theirs}/import"),
            "kind,value\ndomain,intruso.example\n",
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(
            Call::get(format!("{theirs}.csv"))
                .token(Some(officer))
                .send(&w.app)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert!(owner_of(&w, "domain", "intruso.example").await.is_empty());
        w.cleanup().await;
    }
}

#[tokio::test]
async fn per_sector_kpis_and_exposure_trend() {
    use centinela_store::exposure::{self, ExposureDraft};
    use time::{Duration, OffsetDateTime};
    for w in worlds().await {
        let officer = w.tokens["officer"].as_str();
        let coordinator = w.tokens["coordinator"].as_str();
        let sat = centinela_store::constituency::get_institution(w.db(), w.own)
            .await
            .unwrap();
        let pemex = centinela_store::constituency::get_institution(w.db(), w.other)
            .await
            .unwrap();
        assert_ne!(sat.sector, pemex.sector, "the test needs two sectors");

        // The IPv6 KPI counts public (Internet-facing) assets only, worked by hand:
        // SAT: 6 assets, 4 public (three by their public address, one stated for a host
        // name), 3 of those over IPv6 (75 %); an internal IPv6 host and a public address
        // stated internal do not count (over all 6: 4 of 6, 66 %).
        // PEMEX: 4 assets, 3 public (two stated), 1 of those over IPv6 (33 %, under the
        // target; over all 4 it would be 2 of 4, 50 %, meeting it).
        // SAT: 1 of 2 programs open source, complete; PEMEX: its one program open source.
        let assets = |rows: &[(&str, bool, &str)]| {
            let mut csv = "name,kind,address,ipv6,criticality,internet_facing\n".to_string();
            for (i, (address, v, public)) in rows.iter().enumerate() {
                csv.push_str(&format!("host{i},server,{address},{v},high,{public}\n"));
            }
            csv
        };
        for (inst, rows, software, services) in [
            (
                w.own,
                &[
                    ("201.144.10.5", true, ""),
                    ("2806:2f0::1", true, ""),
                    ("portal.sat.gob.mx", true, "true"),
                    ("201.144.10.6", false, ""),
                    ("10.2.0.9", true, ""),
                    ("201.144.10.7", false, "false"),
                ][..],
                "vendor,product,licence\napache,http_server,Apache-2.0\nmicrosoft,exchange_server,\n",
                "name,url\nPortal,https://sat.gob.mx\n",
            ),
            (
                w.other,
                &[
                    ("201.150.0.1", true, ""),
                    ("201.150.0.2", false, "yes"),
                    ("pemex.com.mx", false, "1"),
                    ("fd00::5", true, ""),
                ][..],
                "vendor,product,purl\nexpress,express,pkg:npm/express@4.18.2\n",
                "",
            ),
        ] {
            let base = format!("/api/v1/institutions/{inst}");
            for (table, csv) in [
                ("assets", assets(rows)),
                ("software", software.to_string()),
                ("services", services.to_string()),
            ] {
                if csv.is_empty() {
                    continue;
                }
                let r = import(&w, coordinator, &format!("{base}/{table}/import"), &csv).await;
                assert_eq!(r.status, StatusCode::CREATED, "{table}: {}", r.body);
            }
        }
        let k = Call::get("/api/v1/inventory/kpis")
            .token(Some(coordinator))
            .send(&w.app)
            .await
            .json();
        assert_eq!(k["ipv6_target_percent"], 50);
        let sector = |k: &serde_json::Value, s: &str| {
            k["by_sector"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["sector"] == s)
                .cloned()
                .unwrap_or_else(|| panic!("{s} in {k}"))
        };
        let s = sector(&k, &sat.sector);
        assert_eq!(
            (
                s["assets"].as_i64(),
                s["public_assets"].as_i64(),
                s["assets_ipv6"].as_i64(),
                s["assets_ipv6_percent"].as_i64()
            ),
            (Some(6), Some(4), Some(3), Some(75)),
            "{s}"
        );
        assert_eq!(
            (
                s["software"].as_i64(),
                s["software_open_source"].as_i64(),
                s["open_source_percent"].as_i64()
            ),
            (Some(2), Some(1), Some(50)),
            "{s}"
        );
        assert_eq!(s["meets_ipv6_target"], true, "{s}");
        assert!(s["institutions_complete"].as_i64().unwrap() >= 1, "{s}");
        let p = sector(&k, &pemex.sector);
        assert_eq!(
            (
                p["assets"].as_i64(),
                p["public_assets"].as_i64(),
                p["assets_ipv6"].as_i64(),
                p["assets_ipv6_percent"].as_i64()
            ),
            (Some(4), Some(3), Some(1), Some(33)),
            "{p}"
        );
        assert_eq!(
            (
                p["software_open_source"].as_i64(),
                p["open_source_percent"].as_i64()
            ),
            (Some(1), Some(100)),
            "{p}"
        );
        assert_eq!(p["meets_ipv6_target"], false, "{p}");
        // The national figures are the sum of the sectors'.
        for field in [
            "assets",
            "public_assets",
            "assets_ipv6",
            "software",
            "software_open_source",
            "institutions",
            "institutions_complete",
        ] {
            let total: i64 = k["by_sector"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x[field].as_i64().unwrap())
                .sum();
            assert_eq!(k[field].as_i64(), Some(total), "{field}");
        }
        assert_eq!(
            (
                k["assets"].as_i64(),
                k["public_assets"].as_i64(),
                k["assets_ipv6"].as_i64()
            ),
            (Some(10), Some(7), Some(4)),
            "{k}"
        );

        // An officer sees their own institution only.
        let mine = Call::get("/api/v1/inventory/kpis")
            .token(Some(officer))
            .send(&w.app)
            .await
            .json();
        let sectors = mine["by_sector"].as_array().unwrap();
        assert_eq!(sectors.len(), 1, "{mine}");
        assert_eq!(
            (
                sectors[0]["sector"].as_str(),
                sectors[0]["institutions"].as_i64(),
                sectors[0]["assets"].as_i64()
            ),
            (Some(sat.sector.as_str()), Some(1), Some(6))
        );
        assert!(
            !mine.to_string().contains(&format!("\"{}\"", pemex.sector)),
            "{mine}"
        );

        // Exposure, placed in past weeks (Wednesday noon of the week `back` weeks ago).
        let now = OffsetDateTime::now_utc();
        let monday =
            now.date() - Duration::days(i64::from(now.date().weekday().number_days_from_monday()));
        let at = |back: i64, day: i64| {
            (monday - Duration::weeks(back) + Duration::days(day))
                .midnight()
                .assume_utc()
                + Duration::hours(12)
        };
        let report = exposure::create_report(
            w.db(),
            &centinela_store::Actor::system(),
            uuid::Uuid::new_v4(),
            "r.csv",
            "scan_http",
            "00",
            1,
        )
        .await
        .unwrap();
        let event =
            |inst: Option<uuid::Uuid>, ip: &str, port: i64, ident: &str, class: &str, seen| {
                ExposureDraft {
                    institution_id: inst,
                    feed_name: "test".into(),
                    taxonomy: "vulnerable".into(),
                    class_type: class.into(),
                    identifier: ident.into(),
                    source_ip: ip.into(),
                    source_port: port,
                    seen,
                    event: "{}".into(),
                }
            };
        let batches = [
            vec![event(
                Some(w.own),
                "10.9.0.1",
                53,
                "dns-open-resolver",
                "vulnerable-system",
                at(5, 2),
            )],
            // Seen again six days later: the same finding, counted twice.
            vec![event(
                Some(w.own),
                "10.9.0.1",
                53,
                "dns-open-resolver",
                "vulnerable-system",
                at(4, 1),
            )],
            vec![
                event(
                    Some(w.own),
                    "10.9.0.2",
                    80,
                    "accessible-http",
                    "other",
                    at(2, 2),
                ),
                event(
                    Some(w.other),
                    "10.9.1.1",
                    443,
                    "vulnerable-http",
                    "vulnerable-system",
                    at(2, 3),
                ),
                event(None, "198.18.0.1", 80, "accessible-http", "other", at(2, 3)),
            ],
        ];
        for b in &batches {
            exposure::ingest(w.db(), report.id, b).await.unwrap();
        }
        let o = Call::get("/api/v1/exposure/overview")
            .token(Some(coordinator))
            .send(&w.app)
            .await;
        assert_eq!(o.status, StatusCode::OK, "{}", o.body);
        let o = o.json();
        let group = |list: &str, sector: &str, class: &str| {
            o[list]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["sector"] == sector && g["class_type"] == class)
                .map(|g| {
                    (
                        g["findings"].as_i64().unwrap(),
                        g["sightings"].as_i64().unwrap(),
                    )
                })
        };
        assert_eq!(group("by_sector", &sat.sector, ""), Some((2, 3)), "{o}");
        assert_eq!(group("by_sector", &pemex.sector, ""), Some((1, 1)), "{o}");
        assert_eq!(
            group("by_type", "", "vulnerable-system"),
            Some((2, 3)),
            "{o}"
        );
        assert_eq!(
            group("by_type", "", "other"),
            Some((1, 1)),
            "unrouted left out: {o}"
        );
        assert_eq!(
            group("by_sector_type", &sat.sector, "vulnerable-system"),
            Some((1, 2)),
            "{o}"
        );
        assert_eq!(
            group("by_sector_type", &sat.sector, "other"),
            Some((1, 1)),
            "{o}"
        );
        assert_eq!(
            group("by_sector_type", &pemex.sector, "vulnerable-system"),
            Some((1, 1)),
            "{o}"
        );
        let weekly = o["weekly"].as_array().unwrap();
        assert_eq!(weekly.len(), 12);
        assert_eq!(weekly[11]["week"], monday.to_string());
        let week = |back: usize| {
            (
                weekly[11 - back]["new_findings"].as_i64().unwrap(),
                weekly[11 - back]["active_findings"].as_i64().unwrap(),
            )
        };
        assert_eq!(
            [week(5), week(4), week(3), week(2), week(1), week(0)],
            [(1, 1), (0, 1), (0, 0), (2, 2), (0, 0), (0, 0)],
            "{o}"
        );

        let o = Call::get("/api/v1/exposure/overview")
            .token(Some(officer))
            .send(&w.app)
            .await
            .json();
        assert_eq!(o["by_sector"].as_array().unwrap().len(), 1, "{o}");
        assert_eq!(o["by_type"].as_array().unwrap().len(), 2, "{o}");
        assert!(!o.to_string().contains(&pemex.sector), "{o}");
        assert_eq!(
            o["weekly"][9]["new_findings"], 1,
            "only SAT's finding of two weeks ago: {o}"
        );

        // The pages draw them.
        let page = Call::get("/exposure")
            .token(Some(coordinator))
            .send(&w.app)
            .await
            .body;
        assert!(
            page.contains("id=\"exposure-trend\"")
                && page.contains("id=\"exposure-by-sector\"")
                && page.contains("vulnerable-system"),
            "{page}"
        );
        let dash = Call::get("/dashboard")
            .token(Some(coordinator))
            .send(&w.app)
            .await
            .body;
        assert!(
            dash.contains("id=\"ipv6-by-sector\"")
                && dash.contains("75 % (3/4)")
                && dash.contains("33 % (1/3)"),
            "{dash}"
        );
        let dash = Call::get("/dashboard")
            .token(Some(&w.tokens["admin"]))
            .send(&w.app)
            .await
            .body;
        assert!(
            !dash.contains("ipv6-by-sector"),
            "the administrator has no inventory access"
        );
        w.cleanup().await;
    }
}
