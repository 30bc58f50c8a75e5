//! CycloneDX import over the sample SBOM and broken variants.

use vuln::{LoadError, Sbom};

const SBOM: &[u8] = include_bytes!("data/cyclonedx-sample.json");

#[test]
fn sample_rows() {
    let sbom = Sbom::from_slice(SBOM).unwrap();
    assert_eq!(sbom.spec_version, "1.5");
    assert_eq!(
        sbom.subject.as_ref().unwrap().bom_ref.as_deref(),
        Some("portal")
    );
    assert_eq!(sbom.components.len(), 8, "nested component included");
    let (rows, issues) = sbom.software_rows();
    let names: Vec<&str> = rows.iter().map(|r| r.product.as_str()).collect();
    assert_eq!(
        names,
        [
            "log4j-core",
            "log4j-api",
            "httpd",
            "lodash",
            "visor-firmas",
            "broken-ids"
        ]
    );
    let core = &rows[0];
    assert_eq!(core.vendor, "apache", "CPE vendor before the group");
    assert!(core.open_source);
    assert_eq!(rows[1].source_path, "components[0].components[0]");
    assert_eq!(rows[1].vendor, "org.apache.logging.log4j");
    assert!(rows[1].open_source, "licence name mapped to Apache-2.0");
    assert_eq!(rows[2].vendor, "Apache Software Foundation");
    assert_eq!(rows[3].licence.as_deref(), Some("MIT OR Apache-2.0"));
    assert!(rows[3].open_source);
    assert!(!rows[4].open_source);
    assert_eq!((rows[5].cpe.as_ref(), rows[5].purl.as_ref()), (None, None));
    let paths: Vec<&str> = issues.iter().map(|i| i.path.as_str()).collect();
    assert_eq!(paths, ["components[4].cpe", "components[4].purl"]);
    assert_eq!(Sbom::from_reader(SBOM, 1 << 20).unwrap(), sbom);
}

#[test]
fn errors_name_the_path() {
    let text = std::str::from_utf8(SBOM).unwrap();
    let cases: &[(&str, &str, &str)] = &[
        (
            "\"bomFormat\": \"CycloneDX\"",
            "\"bomFormat\": \"SPDX\"",
            "bomFormat",
        ),
        (
            "\"specVersion\": \"1.5\"",
            "\"specVersion\": \"2.0\"",
            "specVersion",
        ),
        (
            "\"version\": \"4.17.21\"",
            "\"version\": 4.17",
            "components[2].version",
        ),
        (
            "\"name\": \"log4j-api\",",
            "",
            "components[0].components[0]",
        ),
        (
            "{\"license\": {\"id\": \"Apache-2.0\"}}]",
            "{\"license\": {\"id\": 7}}]",
            "components[0].licenses[0].license.id",
        ),
        (
            "\"components\": [\n    {",
            "\"components\": {",
            "components",
        ),
    ];
    for &(from, to, path) in cases {
        assert!(text.contains(from), "{from}");
        let bad = text.replacen(from, to, 1);
        let err = Sbom::from_slice(bad.as_bytes()).unwrap_err();
        assert_eq!(err.path(), Some(path), "{to}: {err}");
    }
    let err = Sbom::from_slice(&SBOM[..SBOM.len() / 2]).unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::Json {
                kind: vuln::JsonErrorKind::Eof,
                ..
            }
        ),
        "{err}"
    );
}
