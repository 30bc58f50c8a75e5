//! End-to-end over the sample feeds in `tests/data/`.

use vuln::{
    KevCatalog, MatchedBy, NvdFeed, RansomwareUse, Severity, SoftwareItem, VulnDb, VulnDbBuilder,
};

const KEV: &[u8] = include_bytes!("data/kev-sample.json");
const NVD: &[u8] = include_bytes!("data/nvd-sample.json");

fn db() -> VulnDb {
    let mut b = VulnDbBuilder::new();
    let summary = b.add_nvd_slice(NVD).unwrap();
    assert_eq!(summary.records, 5);
    assert!(summary.issues.is_empty(), "{:?}", summary.issues);
    b.add_kev(KevCatalog::from_slice(KEV).unwrap());
    b.build()
}

fn item(
    id: &str,
    vendor: &str,
    product: &str,
    version: Option<&str>,
    cpe: Option<&str>,
) -> SoftwareItem {
    SoftwareItem {
        id: id.into(),
        vendor: vendor.into(),
        product: product.into(),
        version: version.map(Into::into),
        cpe: cpe.map(Into::into),
        purl: None,
    }
}

fn cves(db: &VulnDb, it: &SoftwareItem) -> Vec<String> {
    let mut v: Vec<String> = db
        .match_item(it)
        .unwrap()
        .into_iter()
        .map(|f| f.cve_id.to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn kev_sample_loads() {
    let k = KevCatalog::from_slice(KEV).unwrap();
    assert_eq!(k.count, 4);
    let log4j = k
        .vulnerabilities
        .iter()
        .find(|e| e.cve_id.as_str() == "CVE-2021-44228")
        .unwrap();
    assert_eq!(log4j.known_ransomware_campaign_use, RansomwareUse::Known);
    assert_eq!(log4j.due_date.to_string(), "2021-12-24");
    let from_reader = KevCatalog::from_reader(KEV, vuln::DEFAULT_MAX_BYTES).unwrap();
    assert_eq!(from_reader, k);
}

#[test]
fn nvd_sample_loads() {
    let f = NvdFeed::from_slice(NVD).unwrap();
    assert_eq!(f.summary.total_results, Some(5));
    let httpd = &f.cves[0];
    assert_eq!(httpd.id.as_str(), "CVE-2021-41773");
    assert!(
        httpd
            .description
            .as_deref()
            .unwrap()
            .starts_with("A flaw was found")
    );
    let s = httpd.preferred_cvss().unwrap();
    assert_eq!((s.base_score, s.severity), (7.5, Severity::High));
    assert_eq!(httpd.cvss.len(), 2, "v3.1 and v2");
    assert_eq!(httpd.weaknesses, ["CWE-22"]);
    assert!(httpd.cisa.is_some());
    // Primary metric wins over the CNA's secondary one.
    assert_eq!(f.cves[2].preferred_cvss().unwrap().base_score, 9.1);
    assert_eq!(
        f.cves[3].weaknesses,
        ["CWE-20", "CWE-400", "CWE-502", "CWE-917"]
    );
    let awaiting = &f.cves[4];
    assert!(awaiting.configurations.is_empty() && awaiting.cvss.is_empty());
    let streamed = NvdFeed::from_reader(NVD, vuln::DEFAULT_MAX_BYTES).unwrap();
    assert_eq!(streamed, f);
}

#[test]
fn matching_table() {
    let db = db();
    let cases: &[(SoftwareItem, &[&str])] = &[
        (
            item("a", "Apache", "HTTP Server", Some("2.4.49"), None),
            &["CVE-2021-41773", "CVE-2021-42013"],
        ),
        (
            item(
                "b",
                "",
                "",
                None,
                Some("cpe:2.3:a:apache:http_server:2.4.50:*:*:*:*:*:*:*"),
            ),
            &["CVE-2021-42013"],
        ),
        (
            item("c", "Apache", "HTTP Server", Some("2.4.51"), None),
            &[],
        ),
        (
            item("d", "Apache", "HTTP Server", Some("2.4.48"), None),
            &[],
        ),
        (
            item(
                "e",
                "",
                "",
                None,
                Some("cpe:2.3:a:microsoft:exchange_server:2016:cumulative_update_19:*:*:*:*:*:*"),
            ),
            &["CVE-2021-26855"],
        ),
        (
            item(
                "f",
                "",
                "",
                None,
                Some("cpe:2.3:a:microsoft:exchange_server:2016:cumulative_update_20:*:*:*:*:*:*"),
            ),
            &[],
        ),
        (
            item(
                "g",
                "x",
                "y",
                Some("2.14.1"),
                Some("cpe:2.3:a:apache:log4j:*:*:*:*:*:*:*:*"),
            ),
            &["CVE-2021-44228"],
        ),
        (item("h", "Apache", "log4j", Some("2.12.2"), None), &[]),
        (item("i", "Apache", "log4j", Some("2.15.0"), None), &[]),
        (
            item("j", "Apache", "log4j", Some("2.3.0"), None),
            &["CVE-2021-44228"],
        ),
        (item("k", "Apache", "log4j", Some("2.0.0"), None), &[]),
        (
            item(
                "l",
                "",
                "",
                None,
                Some("cpe:2.3:a:apache:log4j:2.0:beta9:*:*:*:*:*:*"),
            ),
            &["CVE-2021-44228"],
        ),
        (item("m", "Apache", "log4j", Some("1.2.17"), None), &[]),
        // Version unknown: only "all versions" criteria could match; these have ranges.
        (item("n", "Apache", "log4j", None, None), &[]),
        (
            item(
                "o",
                "Fedoraproject",
                "Fedora",
                Some("35"),
                Some("cpe:2.3:o:fedoraproject:fedora:35:*:*:*:*:*:*:*"),
            ),
            &["CVE-2021-41773"],
        ),
    ];
    for (it, want) in cases {
        assert_eq!(cves(&db, it), *want, "item {}", it.id);
    }
}

#[test]
fn purl_supplies_the_version() {
    let db = db();
    let mut it = item("p", "Apache", "log4j", None, None);
    it.purl = Some("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1".into());
    assert_eq!(cves(&db, &it), ["CVE-2021-44228"]);
}

#[test]
fn platform_configurations_are_conditional() {
    let db = db();
    let it = item(
        "s",
        "",
        "",
        Some("3.0"),
        Some("cpe:2.3:o:siemens:sppa-t3000_ses3000_firmware:*:*:*:*:*:*:*:*"),
    );
    let f = db.match_item(&it).unwrap();
    assert_eq!(f.len(), 1);
    assert!(f[0].conditional);
    assert_eq!(f[0].matched_by, MatchedBy::Cpe);
}

#[test]
fn report_is_sorted_kev_first_by_due_date_then_score() {
    let db = db();
    let items = vec![
        item("log4j", "Apache", "log4j", Some("2.14.1"), None),
        item("httpd", "Apache", "HTTP Server", Some("2.4.49"), None),
        item(
            "exch",
            "",
            "",
            None,
            Some("cpe:2.3:a:microsoft:exchange_server:2019:cumulative_update_8:*:*:*:*:*:*"),
        ),
        item(
            "bad",
            "",
            "",
            None,
            Some("cpe:/a:apache:http_server:2.4.49"),
        ),
        item("empty", "", "", None, None),
    ];
    let report = db.match_inventory(&items);
    let order: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.software_id.as_str(), f.cve_id.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            ("exch", "CVE-2021-26855"),
            ("httpd", "CVE-2021-42013"),
            ("httpd", "CVE-2021-41773"),
            ("log4j", "CVE-2021-44228"),
        ]
    );
    let k = report.findings[0].kev.unwrap();
    assert!(k.from_catalog);
    assert_eq!(k.due_date.unwrap().to_string(), "2021-04-16");
    assert_eq!(k.ransomware, RansomwareUse::Known);
    assert_eq!(report.findings[1].matched_by, MatchedBy::DerivedCpe);
    let skipped: Vec<&str> = report
        .skipped
        .iter()
        .map(|s| s.software_id.as_str())
        .collect();
    assert_eq!(skipped, ["bad", "empty"]);
    assert!(
        report.skipped[0].reason.contains("cpe:2.3:"),
        "{}",
        report.skipped[0].reason
    );
}

#[test]
fn newer_record_replaces_older() {
    let mut b = VulnDbBuilder::new();
    b.add_nvd_slice(NVD).unwrap();
    let text = std::str::from_utf8(NVD).unwrap();
    // An older copy of the httpd record with no configurations must not win.
    let older = text.replace("2021-12-14T18:15:08.000", "2021-10-01T00:00:00.000");
    b.add_nvd_slice(older.as_bytes()).unwrap();
    let db = b.build();
    let id = "CVE-2021-41773".parse().unwrap();
    assert_eq!(
        db.cve(&id).unwrap().last_modified.to_string(),
        "2021-12-14 18:15:08.0"
    );
    assert_eq!(db.stats().cves, 5);
}
