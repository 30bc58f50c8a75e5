//! Bad input: every failure is an error (or, for soft problems, a warning that strict mode
//! turns into an error) that says what and where.

mod common;

use std::path::{Path, PathBuf};

use assess::{AssessError, Catalog, Profile, ResolveOptions, WarningKind, resolve_profile_file};
use common::fixture::{Store, catalog_json, profile_json, resolve};
use serde_json::json;

/// A fresh directory under the system temp dir for file-based tests.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("assess-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, value: &serde_json::Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string()).unwrap();
    path
}

fn importing(href: &str) -> serde_json::Value {
    let mut p = profile_json(json!({"include-all": {}}), json!({}));
    p["profile"]["imports"][0]["href"] = json!(href);
    p
}

#[test]
fn missing_catalog_is_an_import_error() {
    let dir = temp_dir("missing");
    let profile = write(&dir, "p.json", &importing("nowhere/catalog.json"));
    let err = resolve_profile_file(&profile, None).unwrap_err();
    match &err {
        AssessError::Import { href, reason, .. } => {
            assert_eq!(href, "nowhere/catalog.json");
            assert!(reason.contains("no such file"), "{reason}");
        }
        other => panic!("unexpected {other}"),
    }
    // Remote URLs are refused, not fetched.
    let profile = write(
        &dir,
        "r.json",
        &importing("https://example.org/catalog.json"),
    );
    assert!(
        resolve_profile_file(&profile, None)
            .unwrap_err()
            .to_string()
            .contains("not fetched")
    );
    // A `#uuid` without a back-matter resource.
    let profile = write(
        &dir,
        "u.json",
        &importing("#00000000-0000-4000-8000-000000000000"),
    );
    assert!(
        resolve_profile_file(&profile, None)
            .unwrap_err()
            .to_string()
            .contains("no back-matter resource")
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn relative_imports_and_catalog_override_use_files() {
    let dir = temp_dir("files");
    std::fs::create_dir_all(dir.join("cat")).unwrap();
    write(&dir.join("cat"), "c.json", &catalog_json());
    let profile = write(&dir, "p.json", &importing("cat/c.json"));
    assert_eq!(
        resolve_profile_file(&profile, None)
            .unwrap()
            .all_controls()
            .len(),
        8
    );

    let other = write(&dir, "other.json", &catalog_json());
    let broken = write(&dir, "b.json", &importing("missing.json"));
    assert_eq!(
        resolve_profile_file(&broken, Some(&other))
            .unwrap()
            .all_controls()
            .len(),
        8
    );

    let mut two = importing("missing.json");
    two["profile"]["imports"] =
        json!([{"href": "a.json", "include-all": {}}, {"href": "b.json", "include-all": {}}]);
    let two = write(&dir, "two.json", &two);
    assert!(matches!(
        resolve_profile_file(&two, Some(&other)),
        Err(AssessError::CatalogOverride { imports: 2, .. })
    ));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn cycles_are_detected() {
    // In memory: a → b → a, and a profile importing itself.
    let store = Store::new(&[
        ("a.json", importing("b.json")),
        ("b.json", importing("a.json")),
        ("self.json", importing("self.json")),
    ]);
    match store.resolve("a.json", ResolveOptions::default()) {
        Err(AssessError::ImportCycle { chain }) => {
            assert_eq!(chain, ["a.json", "b.json", "a.json"])
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(
        store.resolve("self.json", ResolveOptions::default()),
        Err(AssessError::ImportCycle { .. })
    ));

    // On disk, through different spellings of the same file.
    let dir = temp_dir("cycle");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    write(&dir, "a.json", &importing("sub/b.json"));
    write(&dir.join("sub"), "b.json", &importing("../a.json"));
    let err = resolve_profile_file(&dir.join("a.json"), None).unwrap_err();
    assert!(err.to_string().contains("cycle"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn soft_problems_warn_and_strict_fails() {
    let cases = [
        (
            "unknown control in alters",
            json!({"include-all": {}}),
            json!({"modify": {"alters": [{"control-id": "zz-99", "adds": [{"props": [{"name": "x", "value": "y"}]}]}]}}),
            WarningKind::UnknownAlterTarget,
        ),
        (
            "alter of a control not selected",
            json!({"include-controls": [{"with-ids": ["ac-1"]}]}),
            json!({"modify": {"alters": [{"control-id": "ac-2", "removes": [{"by-name": "guidance"}]}]}}),
            WarningKind::UnknownAlterTarget,
        ),
        (
            "param of a control not selected",
            json!({"include-controls": [{"with-ids": ["ac-1"]}]}),
            json!({"modify": {"set-parameters": [{"param-id": "au-1_prm_1", "values": ["x"]}]}}),
            WarningKind::UnknownParameter,
        ),
        (
            "add by-id naming nothing",
            json!({"include-all": {}}),
            json!({"modify": {"alters": [{"control-id": "ac-1", "adds": [{"by-id": "nope", "props": [{"name": "x", "value": "y"}]}]}]}}),
            WarningKind::UnknownAddTarget,
        ),
        (
            "remove matching nothing",
            json!({"include-all": {}}),
            json!({"modify": {"alters": [{"control-id": "ac-1", "removes": [{"by-name": "nothing-like-this"}]}]}}),
            WarningKind::RemoveMatchedNothing,
        ),
        (
            "with-ids naming no control",
            json!({"include-controls": [{"with-ids": ["ac-1", "zz-1"]}]}),
            json!({}),
            WarningKind::UnmatchedSelection,
        ),
    ];
    for (why, import, extra, kind) in cases {
        let store = Store::new(&[("p.json", profile_json(import, extra))]);
        let resolved = store
            .resolve("p.json", ResolveOptions::default())
            .unwrap_or_else(|e| panic!("{why}: {e}"));
        let kinds: Vec<WarningKind> = resolved.warnings.iter().map(|w| w.kind).collect();
        assert_eq!(kinds, [kind], "{why}");
        let strict = store.resolve("p.json", ResolveOptions { strict: true });
        assert!(
            matches!(strict, Err(AssessError::Strict(_))),
            "{why}: {strict:?}"
        );
    }
}

#[test]
fn invalid_profiles() {
    let cases = [
        (
            "neither include-all nor include-controls",
            profile_json(json!({}), json!({})),
            "neither include-all",
        ),
        (
            "two structures",
            profile_json(
                json!({"include-all": {}}),
                json!({"merge": {"flat": {}, "as-is": true}}),
            ),
            "only one of",
        ),
        (
            "major version clash",
            {
                let mut p = profile_json(json!({"include-all": {}}), json!({}));
                p["profile"]["metadata"]["oscal-version"] = json!("2.0.0");
                p
            },
            "major versions",
        ),
    ];
    for (why, profile, message) in cases {
        let err = resolve(profile).unwrap_err();
        assert!(matches!(err, AssessError::Invalid { .. }), "{why}: {err}");
        assert!(err.to_string().contains(message), "{why}: {err}");
    }
}

#[test]
fn malformed_json_names_the_path() {
    let with = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut c = catalog_json();
        edit(&mut c);
        c.to_string()
    };
    let cases: Vec<(&str, String, &str, &str)> = vec![
        (
            "missing control id",
            with(&|c| {
                c["catalog"]["groups"][1]["controls"][1]
                    .as_object_mut()
                    .unwrap()
                    .remove("id");
            }),
            "catalog.groups[1].controls[1]",
            "missing field `id`",
        ),
        (
            "unknown key in a nested part",
            with(&|c| {
                c["catalog"]["groups"][0]["controls"][1]["controls"][0]["parts"][0]["colour"] =
                    json!("red");
            }),
            "catalog.groups[0].controls[1].controls[0].parts[0].colour",
            "unknown field `colour`",
        ),
        (
            "wrong type",
            with(&|c| {
                c["catalog"]["groups"][0]["title"] = json!(7);
            }),
            "catalog.groups[0].title",
            "invalid type",
        ),
        (
            "bad enum value",
            with(&|c| {
                c["catalog"]["groups"][0]["controls"][0]["params"][0]["select"] =
                    json!({"how-many": "several"});
            }),
            "catalog.groups[0].controls[0].params[0].select.how-many",
            "unknown variant",
        ),
        (
            "syntax error",
            "{\"catalog\": {\"uuid\": ".to_string(),
            "catalog.uuid",
            "EOF",
        ),
        (
            "not OSCAL at all",
            "42".to_string(),
            "(root)",
            "invalid type",
        ),
        (
            "trailing garbage",
            format!("{} x", catalog_json()),
            "(root)",
            "trailing",
        ),
    ];
    for (why, text, path, message) in cases {
        match Catalog::from_json_str(&text, "fixture.json") {
            Err(AssessError::Json {
                origin,
                path: p,
                message: m,
            }) => {
                assert_eq!(origin, "fixture.json", "{why}");
                assert_eq!(p, path, "{why}: {m}");
                assert!(m.contains(message), "{why}: {m}");
            }
            other => panic!("{why}: unexpected {other:?}"),
        }
    }
    let err = Profile::from_json_str(r#"{"profile": {"uuid": "x", "metadata": {"title": "t", "last-modified": "d", "version": "1", "oscal-version": "1.1.2"},
        "imports": [{"href": "c.json", "include-controls": [{"with-ids": ["a"], "with-child-controls": "maybe"}]}]}}"#, "p.json")
        .unwrap_err();
    assert!(
        err.to_string().starts_with(
            "p.json: profile.imports[0].include-controls[0].with-child-controls: unknown variant"
        ),
        "{err}"
    );
    // A profile where a catalog was expected is refused by the file API.
    let dir = temp_dir("kind");
    let catalog = write(&dir, "c.json", &catalog_json());
    assert!(
        resolve_profile_file(&catalog, None)
            .unwrap_err()
            .to_string()
            .contains("expected a profile")
    );
    std::fs::remove_dir_all(dir).unwrap();
}
