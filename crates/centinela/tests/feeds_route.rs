//! `centinela feeds route`: a report with good and bad rows becomes routed JSON lines (written
//! through the direct-I/O event file), a summary naming each bad row's line, and clear errors
//! for files that cannot be read.

use std::path::PathBuf;
use std::process::Command;

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("centinela-route-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn centinela(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_centinela"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn routes_a_report_to_owners_and_reports_bad_rows_by_line() {
    let dir = temp("ok");
    let owners = dir.join("owners.csv");
    std::fs::write(
        &owners,
        "kind,value,owner\ncidr,192.0.2.0/24,ministry-a\ncidr,192.0.2.128/25,agency-b\ncidr,2001:db8::/32,ministry-a\nasn,64500,agency-c\n",
    )
    .unwrap();
    let input = dir.join("2024-05-01-scan_http-mx-geo.csv");
    // Line 3: a wrong column count; lines 5-6: one record (a quoted newline); line 7: routed
    // by ASN; line 8: no owner.
    std::fs::write(
        &input,
        "\u{feff}\"timestamp\",\"ip\",\"protocol\",\"port\",\"hostname\",\"asn\"\r\n\
         \"2024-05-01 10:00:00\",\"192.0.2.7\",\"tcp\",80,\"www.example.mx\",64501\r\n\
         \"2024-05-01 10:00:01\",\"192.0.2.8\",\"tcp\"\r\n\
         \"2024-05-01 10:00:02\",\"192.0.2.200\",\"tcp\",443,,64501\r\n\
         \"2024-05-01 10:00:03\",\"2001:db8::1\",\"tcp\",8080,\"a\nb\",64501\r\n\
         \"2024-05-01 10:00:04\",\"203.0.113.9\",\"tcp\",80,,64500\r\n\
         \"2024-05-01 10:00:05\",\"198.51.100.1\",\"tcp\",80,,64999\r\n",
    )
    .unwrap();
    let output = dir.join("events.jsonl");
    let (ok, stdout, stderr) = centinela(&[
        "feeds",
        "route",
        "--owners",
        owners.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    assert!(ok, "{stdout}{stderr}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["rows_read"], 6, "{summary}");
    assert_eq!(summary["events_written"], 5, "{summary}");
    assert_eq!(summary["rows_rejected"], 1, "{summary}");
    assert_eq!(summary["unrouted"], 1, "{summary}");
    assert_eq!(summary["events_per_owner"]["ministry-a"], 2, "{summary}");
    assert_eq!(summary["events_per_owner"]["agency-b"], 1, "{summary}");
    assert_eq!(summary["events_per_owner"]["agency-c"], 1, "{summary}");
    let rejected = summary["examples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "column_count")
        .unwrap();
    assert_eq!(rejected["line"], 3, "{summary}");
    let unrouted = summary["examples"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "unrouted")
        .unwrap();
    assert_eq!(
        unrouted["line"], 8,
        "the quoted newline moved it a line: {summary}"
    );

    let text = std::fs::read_to_string(&output).unwrap();
    let events: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 5);
    let owners: Vec<&str> = events
        .iter()
        .map(|e| e["extra.owner"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(
        owners,
        ["ministry-a", "agency-b", "ministry-a", "agency-c", "-"]
    );
    assert_eq!(events[0]["source.ip"], "192.0.2.7");
    assert_eq!(events[0]["time.source"], "2024-05-01T10:00:00+00:00");
    assert_eq!(events[2]["source.ip"], "2001:db8::1");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unreadable_files_are_named_in_the_error() {
    let dir = temp("bad");
    let owners = dir.join("owners.csv");
    std::fs::write(&owners, "kind,value,owner\ncidr,not-a-prefix,x\n").unwrap();
    let input = dir.join("2024-05-01-scan_http-mx-geo.csv");
    std::fs::write(&input, "timestamp,ip\n").unwrap();
    let output = dir.join("events.jsonl");
    let (ok, _, stderr) = centinela(&[
        "feeds",
        "route",
        "--owners",
        owners.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(stderr.contains("line 2"), "{stderr}");
    let missing = dir.join("nope.csv");
    std::fs::write(&owners, "kind,value,owner\ncidr,192.0.2.0/24,a\n").unwrap();
    let (ok, _, stderr) = centinela(&[
        "feeds",
        "route",
        "--owners",
        owners.to_str().unwrap(),
        "--input",
        missing.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(stderr.contains("nope.csv"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
