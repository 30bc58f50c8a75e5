//! Bad input never panics and always gives a typed error: mutated feeds, random strings.

use proptest::prelude::*;
use vuln::{Cpe, KevCatalog, LoadError, NvdFeed, PackageUrl, Sbom, compare_versions};

const KEV: &[u8] = include_bytes!("data/kev-sample.json");
const NVD: &[u8] = include_bytes!("data/nvd-sample.json");
const SBOM: &[u8] = include_bytes!("data/cyclonedx-sample.json");

fn load_all(bytes: &[u8]) {
    // Any result is fine; a panic fails the test.
    let _ = KevCatalog::from_slice(bytes);
    let _ = NvdFeed::from_slice(bytes);
    let _ = Sbom::from_slice(bytes);
    let _ = NvdFeed::from_reader(bytes, 1 << 20);
}

/// Deterministic mutations: every truncation point, and byte substitutions at a stride.
#[test]
fn mutated_feeds_never_panic() {
    for doc in [KEV, NVD, SBOM] {
        for cut in (0..doc.len()).step_by(7) {
            load_all(&doc[..cut]);
        }
        let subs = [b'"', b'{', b']', b'0', b'\\', 0xff, b'-', b':', b' '];
        for (n, at) in (0..doc.len()).step_by(13).enumerate() {
            let mut m = doc.to_vec();
            m[at] = subs[n % subs.len()];
            load_all(&m);
        }
    }
}

#[test]
fn typed_errors_for_common_mistakes() {
    let cases: &[(&[u8], &str)] = &[
        (b"", "."),
        (b"not json", "."),
        (b"[]", "."),
        (b"{\"vulnerabilities\": {}}", "vulnerabilities"),
        (b"{\"format\": \"NVD_CPE\", \"vulnerabilities\": []}", "format"),
        (b"{\"version\": \"1.1\", \"vulnerabilities\": []}", "version"),
        (b"{\"CVE_Items\": []}", "CVE_Items"),
        (b"{\"resultsPerPage\": -1, \"vulnerabilities\": []}", "resultsPerPage"),
        (b"{\"vulnerabilities\": [{\"cve\": {\"id\": \"CVE-2021-1\"}}]}", "vulnerabilities[0].cve.id"),
        (
            b"{\"vulnerabilities\": [{\"cve\": {\"id\": \"CVE-2021-0001\", \"published\": \"yesterday\"}}]}",
            "vulnerabilities[0].cve.published",
        ),
        (
            b"{\"vulnerabilities\": [{\"cve\": {\"id\": \"CVE-2021-0001\", \"published\": \"2021-01-01T00:00:00\", \"lastModified\": \"2021-01-01T00:00:00\", \"configurations\": [{\"nodes\": [{\"cpeMatch\": [{\"vulnerable\": \"yes\"}]}]}]}}]}",
            "vulnerabilities[0].cve.configurations[0].nodes[0].cpeMatch[0].vulnerable",
        ),
    ];
    for &(input, path) in cases {
        let err = NvdFeed::from_slice(input).unwrap_err();
        assert_eq!(
            err.path(),
            Some(path),
            "{}: {err}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn bad_criteria_is_reported_not_fatal() {
    let text = std::str::from_utf8(NVD).unwrap().replacen(
        "cpe:2.3:a:apache:http_server:2.4.50:*:*:*:*:*:*:*",
        "cpe:2.3:a:apache:http server:2.4.50:*:*:*:*:*:*:*",
        1,
    );
    let feed = NvdFeed::from_slice(text.as_bytes()).unwrap();
    assert_eq!(feed.summary.issues.len(), 1);
    assert_eq!(
        feed.summary.issues[0].path,
        "vulnerabilities[1].cve.configurations[0].nodes[0].cpeMatch[1].criteria"
    );
    assert_eq!(feed.cves[1].configurations[0].nodes[0].cpe_match.len(), 1);
}

#[test]
fn huge_inputs_are_refused_by_the_limit() {
    // A never-ending array streamed from a reader stops at the limit, without buffering it.
    let endless = std::io::repeat(b' ');
    let head: &[u8] = b"{\"vulnerabilities\": [";
    let reader = std::io::Read::chain(head, endless);
    let err = NvdFeed::from_reader(reader, 8 << 20).unwrap_err();
    assert!(
        matches!(err, LoadError::TooLarge { limit } if limit == 8 << 20),
        "{err}"
    );
    // Deep nesting is refused by serde_json's recursion limit, not a stack overflow.
    let deep = format!("{{\"vulnerabilities\": {}", "[".repeat(100_000));
    assert!(NvdFeed::from_slice(deep.as_bytes()).is_err());
    // A very long string in a CPE is refused by the CPE length limit.
    let long = format!("cpe:2.3:a:{}:p:*:*:*:*:*:*:*:*", "v".repeat(100_000));
    assert!(long.parse::<Cpe>().is_err());
}

proptest! {
    #[test]
    fn cpe_parser_never_panics(s in "\\PC{0,80}") {
        let _ = s.parse::<Cpe>();
    }

    #[test]
    fn cpe_like_strings_round_trip(s in "cpe:2\\.3:[aoh*](:([a-z0-9._*?-]|\\\\[!-~]){1,6}){10}") {
        if let Ok(c) = s.parse::<Cpe>() {
            let again: Cpe = c.as_str().parse().unwrap();
            prop_assert_eq!(&again, &c);
            prop_assert!(c.matches(&c) || c.as_str().contains(['*', '?']));
        }
    }

    #[test]
    fn purl_parser_never_panics(s in "(pkg:)?\\PC{0,60}") {
        if let Ok(p) = s.parse::<PackageUrl>() {
            let again: PackageUrl = p.to_string().parse().unwrap();
            prop_assert_eq!(again, p);
        }
    }

    #[test]
    fn version_order_is_antisymmetric(a in "[0-9a-z.+~_-]{0,12}", b in "[0-9a-z.+~_-]{0,12}") {
        let ab = compare_versions(&a, &b);
        let ba = compare_versions(&b, &a);
        prop_assert_eq!(ab, ba.map(std::cmp::Ordering::reverse));
    }

    #[test]
    fn licence_classifier_never_panics(s in "\\PC{0,80}") {
        let _ = vuln::classify_licence(&s);
    }
}
