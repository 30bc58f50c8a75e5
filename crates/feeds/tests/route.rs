//! End-to-end behaviour of `route_stream` on real-format samples and on broken input.

use feeds::{
    FeedsError, IssueKind, OwnerTable, ReportKind, RouteOptions, RouteSummary, route_stream,
    route_stream_with,
};
use serde_json::{Value, json};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn owners() -> OwnerTable {
    OwnerTable::from_csv(std::fs::File::open(format!("{DATA}/OWNERS.csv")).unwrap()).unwrap()
}

fn options() -> RouteOptions {
    RouteOptions {
        time_observation: Some("2024-05-02T00:00:00+00:00".into()),
        ..RouteOptions::default()
    }
}

fn run(kind: &str, input: &[u8]) -> (RouteSummary, Vec<Value>) {
    let mut out = Vec::new();
    let summary = route_stream_with(
        &owners(),
        kind.parse().unwrap(),
        input,
        &mut out,
        &options(),
        |_| {},
    )
    .unwrap();
    let events = out
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    (summary, events)
}

fn sample(file: &str) -> (RouteSummary, Vec<Value>) {
    let kind = ReportKind::from_file_name(file).unwrap();
    run(
        kind.name(),
        &std::fs::read(format!("{DATA}/{file}")).unwrap(),
    )
}

#[test]
fn scan_http_sample() {
    let (s, ev) = sample("2024-05-01-scan_http-mx-geo.csv");
    assert_eq!(
        (s.rows_read, s.events_written, s.rows_rejected, s.unrouted),
        (2, 2, 0, 0)
    );
    assert_eq!(
        ev[0],
        json!({
            "time.source": "2024-05-01T00:00:01+00:00", "severity": "info", "source.ip": "192.0.2.10",
            "protocol.transport": "tcp", "source.port": 80, "source.reverse_dns": "www.salud.gob.mx",
            "extra.tag": "http", "source.asn": 64500, "source.geolocation.cc": "MX",
            "source.geolocation.region": "CIUDAD DE MEXICO", "source.geolocation.city": "MEXICO CITY",
            "extra.source.naics": 517311, "extra.hostname_source": "ptr", "extra.source.sector": "Government",
            "extra.http": "HTTP/1.1", "extra.http_code": 200, "extra.http_reason": "OK",
            "extra.content_type": "text/html", "extra.connection": "close", "extra.server": "nginx",
            "extra.content_length": 612, "extra.http_date": "2024-05-01T00:00:00+00:00",
            "feed.name": "Accessible-HTTP", "time.observation": "2024-05-02T00:00:00+00:00",
            "classification.taxonomy": "other", "classification.type": "other",
            "classification.identifier": "accessible-http", "protocol.application": "http",
            "extra.owner": "salud"
        })
    );
    // IPv6 in an IPv4-named report, routed by prefix; naics 0 dropped; quoted quotes kept.
    assert_eq!(ev[1]["source.ip"], "2001:db8:0:1::5");
    assert_eq!(ev[1]["extra.owner"], "ministry-v6");
    assert_eq!(ev[1]["extra.www_authenticate"], "Basic realm=\"admin\"");
    assert!(ev[1].get("extra.source.naics").is_none());
    assert_eq!(s.events_per_owner.get("salud"), Some(&1));
}

#[test]
fn scan_dns_sample() {
    let (s, ev) = sample("2024-05-01-scan_dns-mx-geo.csv");
    assert_eq!((s.events_written, s.unrouted), (2, 1));
    assert_eq!(ev[0]["classification.identifier"], "dns-open-resolver");
    assert_eq!(ev[0]["classification.taxonomy"], "vulnerable");
    assert_eq!(ev[0]["extra.min_amplification"], 18.5);
    assert_eq!(ev[0]["extra.owner"], "carrier-mx"); // by ASN
    assert_eq!(ev[0]["protocol.application"], "dns");
    assert!(ev[1].get("extra.owner").is_none());
    assert_eq!(s.routed_by_asn, 1);
}

#[test]
fn device_id_sample() {
    let (s, ev) = sample("2024-05-01-device_id-mx-geo.csv");
    assert_eq!(s.events_written, 2);
    assert_eq!(ev[0]["product.vendor"], "fortinet");
    assert_eq!(ev[0]["product.name"], "fortigate");
    assert_eq!(ev[0]["product.version"], "7.0.12");
    assert_eq!(ev[0]["extra.device_type"], "firewall");
    assert_eq!(ev[0]["classification.type"], "undetermined");
    assert_eq!(ev[0]["extra.owner"], "salud");
}

#[test]
fn vulnerable_http_sample_carries_cves() {
    let (s, ev) = sample("2024-05-01-scan_http_vulnerable-mx-geo.csv");
    assert_eq!(s.events_written, 1);
    assert_eq!(
        ev[0]["product.vulnerabilities"],
        "cve-2023-46805;cve-2024-21887"
    );
    assert_eq!(ev[0]["classification.identifier"], "vulnerable-http");
    assert_eq!(ev[0]["severity"], "critical");
    assert_eq!(ev[0]["extra.owner"], "salud-vpn"); // /27 inside the /24
    assert_eq!(ev[0]["extra.detail"], "Ivanti Connect Secure");
}

#[test]
fn exchange_sample_classifies_per_row() {
    let (_, ev) = sample("2024-05-01-scan_exchange-mx-geo.csv");
    assert_eq!(
        ev[0]["classification.identifier"],
        "vulnerable-exchange-server"
    );
    assert_eq!(ev[0]["product.vulnerabilities"], "cve-2021-26855");
    assert_eq!(
        ev[0]["destination.url"],
        "http://mail.example.mx/owa/auth/x.js"
    );
    assert_eq!(
        ev[1]["classification.identifier"],
        "exchange-server-webshell"
    );
    assert_eq!(ev[1]["classification.taxonomy"], "intrusions");
}

const HEAD: &str = "timestamp,ip,protocol,port,hostname,asn\n";

/// One row per kind of broken input: (name, file bytes, rows read, events, rejected,
/// expected issues as (kind, line)).
#[test]
fn bad_input_table() {
    let huge = format!(
        "{HEAD}2024-05-01 00:00:00,192.0.2.1,tcp,80,\"{}\",1\n2024-05-01 00:00:00,192.0.2.2,tcp,80,,1\n",
        "a".repeat(2 << 20)
    );
    let mut non_utf8 = HEAD.as_bytes().to_vec();
    non_utf8.extend_from_slice(b"2024-05-01 00:00:00,192.0.2.1,tcp,80,h\xff\xfe.mx,1\n2024-05-01 00:00:00,192.0.2.2,tcp,80,,1\n");
    type Case<'a> = (&'a str, Vec<u8>, u64, u64, u64, Vec<(IssueKind, u64)>);
    let cases: Vec<Case> = vec![
        ("empty file", b"".to_vec(), 0, 0, 0, vec![]),
        ("header only", HEAD.as_bytes().to_vec(), 0, 0, 0, vec![]),
        (
            "bad IPs are kept in extra.ip and unrouted",
            format!("{HEAD}2024-05-01 00:00:00,999.1.1.1,tcp,80,,\n2024-05-01 00:00:00,0.0.0.0,tcp,80,,\n2024-05-01 00:00:00,192.0.2.1,tcp,80,,\n").into_bytes(),
            3,
            3,
            0,
            vec![(IssueKind::InvalidValue, 2), (IssueKind::Unrouted, 2), (IssueKind::InvalidValue, 3), (IssueKind::Unrouted, 3)],
        ),
        (
            "wrong column counts",
            format!("{HEAD}2024-05-01 00:00:00,192.0.2.1,tcp,80\n2024-05-01 00:00:00,192.0.2.1,tcp,80,a,1,extra\n2024-05-01 00:00:00,192.0.2.1,tcp,80,,1\n").into_bytes(),
            3,
            1,
            2,
            vec![(IssueKind::ColumnCount, 2), (IssueKind::ColumnCount, 3)],
        ),
        (
            "quoted commas and newlines keep line numbers",
            format!("{HEAD}\"2024-05-01 00:00:00\",\"192.0.2.1\",tcp,80,\"a,b\nc\",1\n2024-05-01 00:00:00,192.0.2.1,tcp,80\n").into_bytes(),
            2,
            1,
            1,
            vec![(IssueKind::InvalidValue, 2), (IssueKind::ColumnCount, 4)],
        ),
        (
            "byte-order mark",
            format!("\u{feff}{HEAD}2024-05-01 00:00:00,192.0.2.1,tcp,80,,1\n").into_bytes(),
            1,
            1,
            0,
            vec![],
        ),
        (
            "CRLF and blank lines",
            format!("{}2024-05-01 00:00:00,192.0.2.1,tcp,80,,1\r\n\r\n2024-05-01 00:00:00,192.0.2.1,tcp,80,,1\r\n", HEAD.replace('\n', "\r\n")).into_bytes(),
            2,
            2,
            0,
            vec![],
        ),
        ("non-UTF-8 bytes", non_utf8, 2, 1, 1, vec![(IssueKind::NotUtf8, 2)]),
        ("huge field", huge.into_bytes(), 2, 1, 1, vec![(IssueKind::TooLarge, 2)]),
        (
            "unbalanced quote swallows the rest, bounded",
            format!("{HEAD}2024-05-01 00:00:00,192.0.2.1,tcp,80,\"oops,1\n{}", "2024-05-01 00:00:00,192.0.2.1,tcp,80,,1\n".repeat(40_000)).into_bytes(),
            1,
            0,
            1,
            vec![(IssueKind::TooLarge, 2)],
        ),
        (
            "bad port, asn 0 and bad time go to extra",
            format!("{HEAD}yesterday,192.0.2.1,tcp,99999,,0\n").into_bytes(),
            1,
            1,
            0,
            vec![(IssueKind::InvalidValue, 2)],
        ),
    ];
    for (name, input, rows, events, rejected, issues) in cases {
        let (s, ev) = run("scan_http", &input);
        assert_eq!(
            (s.rows_read, s.events_written, s.rows_rejected),
            (rows, events, rejected),
            "{name}"
        );
        assert_eq!(ev.len() as u64, events, "{name}");
        let got: Vec<(IssueKind, u64)> = s.examples.iter().map(|e| (e.kind, e.line)).collect();
        assert_eq!(got, issues, "{name}: {:?}", s.examples);
        assert_eq!(s.empty_input, name == "empty file", "{name}");
    }
}

#[test]
fn invalid_values_land_in_extra() {
    let (s, ev) = run(
        "scan_http",
        format!("{HEAD}yesterday,999.1.1.1,TCP,99999,bad host!,AS0\n").as_bytes(),
    );
    assert_eq!(s.invalid_values, 4);
    let e = &ev[0];
    assert_eq!(e["extra.timestamp"], "yesterday");
    assert_eq!(e["extra.ip"], "999.1.1.1");
    assert_eq!(e["extra.port"], "99999");
    assert_eq!(e["extra.hostname"], "bad host!");
    assert_eq!(e["protocol.transport"], "tcp");
    assert!(e.get("source.asn").is_none() && e.get("extra.asn").is_none());
    assert_eq!(s.without_source_ip, 1);
}

#[test]
fn missing_required_column_fails_the_file() {
    let err = route_stream(
        &owners(),
        "scan_http".parse().unwrap(),
        "ip,port\n1.2.3.4,80\n".as_bytes(),
        Vec::new(),
        |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(err, FeedsError::MissingColumns { ref missing, .. } if missing == &["timestamp"]),
        "{err}"
    );
}

#[test]
fn routing_by_domain_and_unrouted_owner() {
    let opts = RouteOptions {
        unrouted_owner: Some("unknown".into()),
        ..options()
    };
    let input = format!(
        "{HEAD}2024-05-01 00:00:00,203.0.113.1,tcp,80,www.EXAMPLE.mx.,1\n2024-05-01 00:00:00,203.0.113.2,tcp,80,notexample.mx,1\n"
    );
    let mut out = Vec::new();
    let s = route_stream_with(
        &owners(),
        "scan_http".parse().unwrap(),
        input.as_bytes(),
        &mut out,
        &opts,
        |_| {},
    )
    .unwrap();
    let ev: Vec<Value> = out
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(ev[0]["source.reverse_dns"], "www.example.mx");
    assert_eq!(ev[0]["extra.owner"], "example-owner");
    assert_eq!(ev[1]["extra.owner"], "unknown");
    assert_eq!((s.routed_by_domain, s.unrouted), (1, 1));
}

#[test]
fn example_cap_counts_the_rest() {
    let input = format!("{HEAD}{}", "2024-05-01 00:00:00,192.0.2.1,tcp\n".repeat(50));
    let opts = RouteOptions {
        max_examples: 3,
        ..options()
    };
    let s = route_stream_with(
        &owners(),
        "scan_http".parse().unwrap(),
        input.as_bytes(),
        Vec::new(),
        &opts,
        |_| {},
    )
    .unwrap();
    assert_eq!(
        (s.rows_rejected, s.examples.len(), s.examples_dropped),
        (50, 3, 47)
    );
    assert_eq!(s.rejected_by_reason.get("column_count"), Some(&50));
}

#[test]
fn progress_reports_bytes_read() {
    let input = format!(
        "{HEAD}{}",
        "2024-05-01 00:00:00,192.0.2.1,tcp,80,,1\n".repeat(1000)
    );
    let mut seen = Vec::new();
    let opts = RouteOptions {
        progress_every_bytes: 4096,
        ..options()
    };
    route_stream_with(
        &owners(),
        "scan_http".parse().unwrap(),
        input.as_bytes(),
        Vec::new(),
        &opts,
        |b| seen.push(b),
    )
    .unwrap();
    assert_eq!(seen.last(), Some(&(input.len() as u64)));
    assert!(seen.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn dedup_key_from_events() {
    let (_, ev) = sample("2024-05-01-scan_http-mx-geo.csv");
    assert_eq!(ev.len(), 2);
    let input = format!(
        "{HEAD}2024-05-01 00:00:00,192.0.2.1,tcp,80,,1\n2024-05-03 00:00:00,192.0.2.1,tcp,80,,1\n"
    );
    let mut keys = Vec::new();
    feeds::parse_stream(
        "scan_http".parse().unwrap(),
        input.as_bytes(),
        &options(),
        |_| {},
        |_, e, _, _| {
            keys.push((feeds::dedup_key(e), feeds::dedup::sighting_time(e).unwrap()));
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(keys[0].0, keys[1].0);
    assert!(!feeds::within_window(keys[0].1, keys[1].1, 86_400));
    assert!(feeds::within_window(keys[0].1, keys[1].1, 3 * 86_400));
}
