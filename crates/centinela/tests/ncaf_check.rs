//! `centinela ncaf check` validates an edition file offline: a summary on success, the file
//! and the JSON path on failure.

use std::path::PathBuf;
use std::process::Command;

fn check(file: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_centinela"))
        .args(["ncaf", "check"])
        .arg(file)
        .output()
        .unwrap()
}

fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel)
}

#[test]
fn valid_editions_are_summarised() {
    let out = check(&repo("assess/data/ncaf/ncaf-2020.json"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("edition 2020 (2020)"), "{stdout}");
    assert!(
        stdout.contains("4 clusters, 17 objectives, 204 indicators"),
        "{stdout}"
    );
    assert!(
        stdout.contains("level 1: 34, level 2: 51, level 3: 51, level 4: 34, level 5: 34"),
        "{stdout}"
    );

    let out = check(&repo("assess/tests/fixtures/ncaf-test-2.0.json"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("4 clusters, 20 objectives, 100 indicators"),
        "{stdout}"
    );
}

#[test]
fn invalid_editions_name_file_and_path() {
    let dir = std::env::temp_dir().join(format!("centinela-ncaf-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.json");
    let text = std::fs::read_to_string(repo("assess/tests/fixtures/ncaf-test-2.0.json"))
        .unwrap()
        .replacen("\"level\": 5,", "\"level\": 7,", 1);
    std::fs::write(&file, text).unwrap();
    let out = check(&file);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}: ncaf.levels[4].level", file.display())),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
