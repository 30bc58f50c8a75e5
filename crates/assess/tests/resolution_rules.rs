//! Table-driven tests of each profile-resolution rule on a small hand-written catalog.

mod common;

use assess::{ResolveOptions, WarningKind};
use common::fixture::{Store, control_shape, profile_json, resolve, shape};
use serde_json::{Value, json};

const AS_IS: &str = r#"{"merge": {"as-is": true}}"#;

fn as_is() -> Value {
    serde_json::from_str(AS_IS).unwrap()
}

#[test]
fn selection_rules() {
    let cases: &[(&str, Value, &str)] = &[
        (
            "include-all brings everything, nested",
            json!({"include-all": {}}),
            "ac[ac-1 ac-2[ac-2.1 ac-2.2] ac-3] au[au-1 au-2[au-2.1]]",
        ),
        (
            "with-ids alone brings no children",
            json!({"include-controls": [{"with-ids": ["ac-1", "ac-2"]}]}),
            "ac[ac-1 ac-2]",
        ),
        (
            "with-child-controls yes brings them",
            json!({"include-controls": [{"with-ids": ["ac-2"], "with-child-controls": "yes"}]}),
            "ac[ac-2[ac-2.1 ac-2.2]]",
        ),
        (
            "with-child-controls no",
            json!({"include-controls": [{"with-ids": ["ac-2"], "with-child-controls": "no"}]}),
            "ac[ac-2]",
        ),
        (
            "catalog order, not with-ids order",
            json!({"include-controls": [{"with-ids": ["au-1", "ac-3"]}]}),
            "ac[ac-3] au[au-1]",
        ),
        (
            "glob matching",
            json!({"include-controls": [{"matching": [{"pattern": "ac-*"}]}]}),
            "ac[ac-1 ac-2[ac-2.1 ac-2.2] ac-3]",
        ),
        (
            "glob ?",
            json!({"include-controls": [{"matching": [{"pattern": "a?-1"}]}]}),
            "ac[ac-1] au[au-1]",
        ),
        (
            "orphan enhancements are up-levelled",
            json!({"include-controls": [{"matching": [{"pattern": "*.1"}]}]}),
            "ac[ac-2.1] au[au-2.1]",
        ),
        (
            "matching without pattern selects nothing",
            json!({"include-controls": [{"matching": [{}]}]}),
            "",
        ),
        (
            "exclude a parent: its children move up",
            json!({"include-all": {}, "exclude-controls": [{"with-ids": ["ac-2"]}]}),
            "ac[ac-1 ac-2.1 ac-2.2 ac-3] au[au-1 au-2[au-2.1]]",
        ),
        (
            "exclude with children",
            json!({"include-all": {}, "exclude-controls": [{"with-ids": ["ac-2"], "with-child-controls": "yes"}]}),
            "ac[ac-1 ac-3] au[au-1 au-2[au-2.1]]",
        ),
        (
            "exclusion wins over a more specific include",
            json!({"include-controls": [{"with-ids": ["ac-1"]}], "exclude-controls": [{"matching": [{"pattern": "ac-*"}]}]}),
            "",
        ),
        (
            "exclude by glob",
            json!({"include-all": {}, "exclude-controls": [{"matching": [{"pattern": "au-*"}]}]}),
            "ac[ac-1 ac-2[ac-2.1 ac-2.2] ac-3]",
        ),
    ];
    for (why, import, want) in cases {
        let resolved =
            resolve(profile_json(import.clone(), as_is())).unwrap_or_else(|e| panic!("{why}: {e}"));
        assert_eq!(shape(&resolved.catalog), *want, "{why}");
    }
}

#[test]
fn merge_structures() {
    let all = json!({"include-all": {}});
    let au = json!({"include-controls": [{"matching": [{"pattern": "au-*"}]}]});
    let cases: &[(&str, Value, Value, &str, usize)] = &[
        (
            "no merge means flat",
            au.clone(),
            json!({}),
            "au-1 au-2 au-2.1",
            0,
        ),
        (
            "flat de-nests",
            au.clone(),
            json!({"merge": {"flat": {}}}),
            "au-1 au-2 au-2.1",
            0,
        ),
        (
            "as-is keeps groups and nesting",
            au.clone(),
            as_is(),
            "au[au-1 au-2[au-2.1]]",
            0,
        ),
        (
            "custom: declared groups, descending sort-id, unplaced vanish",
            all.clone(),
            json!({"merge": {"custom": {"groups": [{"id": "audit", "title": "Audit", "insert-controls": [
             {"order": "descending", "include-controls": [{"matching": [{"pattern": "au-*"}]}]}]}]}}}),
            "audit[au-2.1 au-2 au-1]",
            5,
        ),
        (
            "custom: nested groups and top-level inserts, each control placed once",
            json!({"include-controls": [{"with-ids": ["ac-1", "ac-2", "au-1"]}]}),
            json!({"merge": {"custom": {
             "groups": [{"id": "g", "title": "G", "insert-controls": [{"include-controls": [{"with-ids": ["ac-2", "ac-1"]}]}]}],
             "insert-controls": [{"order": "ascending", "include-all": {}}]}}}),
            "au-1 g[ac-1 ac-2]",
            0,
        ),
        (
            "custom: with-child-controls follows the catalog's nesting",
            all.clone(),
            json!({"merge": {"custom": {"groups": [{"id": "x", "title": "X", "insert-controls": [
             {"include-controls": [{"with-ids": ["ac-2"], "with-child-controls": "yes"}]}]}]}}}),
            "x[ac-2 ac-2.1 ac-2.2]",
            5,
        ),
    ];
    for (why, import, merge, want, warnings) in cases {
        let resolved = resolve(profile_json(import.clone(), merge.clone()))
            .unwrap_or_else(|e| panic!("{why}: {e}"));
        assert_eq!(shape(&resolved.catalog), *want, "{why}");
        assert_eq!(
            resolved.warnings.len(),
            *warnings,
            "{why}: {:?}",
            resolved.warnings
        );
        if *warnings > 0 {
            assert!(
                resolved
                    .warnings
                    .iter()
                    .all(|w| w.kind == WarningKind::UnplacedControl),
                "{why}"
            );
        }
    }
}

#[test]
fn combine_across_imports() {
    let two_imports = |method: Option<&str>| {
        let mut merge = json!({"as-is": true});
        if let Some(m) = method {
            merge["combine"] = json!({"method": m});
        }
        json!({"profile": {
            "uuid": "a1b2c3d4-0000-4000-8000-000000000003",
            "metadata": {"title": "Two", "last-modified": "2026-01-01T00:00:00Z", "version": "1", "oscal-version": "1.1.2"},
            "imports": [
                {"href": "catalog.json", "include-controls": [{"with-ids": ["ac-1", "au-1"]}]},
                {"href": "copy.json", "include-controls": [{"with-ids": ["ac-1", "ac-3"]}]}
            ],
            "merge": merge
        }})
    };
    let cases = [
        (
            None,
            "ac[ac-1 ac-1 ac-3] au[au-1]",
            vec![WarningKind::DuplicateControl],
        ),
        (
            Some("keep"),
            "ac[ac-1 ac-1 ac-3] au[au-1]",
            vec![WarningKind::DuplicateControl],
        ),
        (Some("use-first"), "ac[ac-1 ac-3] au[au-1]", vec![]),
        (Some("merge"), "ac[ac-1 ac-3] au[au-1]", vec![]),
    ];
    for (method, want, warnings) in cases {
        let store = Store::new(&[
            ("p.json", two_imports(method)),
            ("copy.json", common::fixture::catalog_json()),
        ]);
        let resolved = store.resolve("p.json", ResolveOptions::default()).unwrap();
        assert_eq!(shape(&resolved.catalog), want, "{method:?}");
        let kinds: Vec<WarningKind> = resolved.warnings.iter().map(|w| w.kind).collect();
        assert_eq!(kinds, warnings, "{method:?}");
    }
}

const BASE: &str = "title=Title of ac-1 params=[ac-1_prm_1] props=[label sort-id] links=[reference] parts=[ac-1_smt(ac-1_smt.a ac-1_smt.b) ac-1_gdn]";

#[test]
fn alters() {
    let part = |id: &str| json!({"id": id, "name": "guidance", "prose": "Nota nacional"});
    let without = |what: &str, empty: &str| BASE.replace(what, empty);
    let cases: &[(&str, Value, String)] = &[
        ("no alter", json!([]), BASE.to_string()),
        (
            "remove by-name",
            json!([{"by-name": "guidance"}]),
            "title=Title of ac-1 params=[ac-1_prm_1] props=[label sort-id] links=[reference] parts=[ac-1_smt(ac-1_smt.a ac-1_smt.b)]".to_string(),
        ),
        (
            "remove by-id, nested",
            json!([{"by-id": "ac-1_smt.a"}]),
            "title=Title of ac-1 params=[ac-1_prm_1] props=[label sort-id] links=[reference] parts=[ac-1_smt(ac-1_smt.b) ac-1_gdn]".to_string(),
        ),
        (
            "remove by-class",
            json!([{"by-class": "extra"}]),
            "title=Title of ac-1 params=[ac-1_prm_1] props=[label sort-id] links=[reference] parts=[ac-1_smt(ac-1_smt.a) ac-1_gdn]".to_string(),
        ),
        (
            "remove by-ns",
            json!([{"by-ns": "https://example.org/ns"}]),
            "title=Title of ac-1 params=[ac-1_prm_1] props=[label sort-id] links=[reference] parts=[ac-1_smt(ac-1_smt.a ac-1_smt.b)]".to_string(),
        ),
        (
            "remove by-item-name prop (everywhere in the control)",
            json!([{"by-item-name": "prop"}]),
            without("props=[label sort-id]", "props=[]"),
        ),
        (
            "remove by-item-name param",
            json!([{"by-item-name": "param", "by-id": "ac-1_prm_1"}]),
            without("params=[ac-1_prm_1]", "params=[]"),
        ),
        (
            "remove by-item-name link",
            json!([{"by-item-name": "link"}]),
            without("links=[reference]", "links=[]"),
        ),
        (
            "remove needs every criterion",
            json!([{"by-item-name": "part", "by-name": "item", "by-class": "extra"}]),
            "title=Title of ac-1 params=[ac-1_prm_1] props=[label sort-id] links=[reference] parts=[ac-1_smt(ac-1_smt.a) ac-1_gdn]".to_string(),
        ),
    ];
    for (why, removes, want) in cases {
        let modify = json!({"merge": {"as-is": true}, "modify": {"alters": [{"control-id": "ac-1", "removes": removes}]}});
        let resolved = resolve(profile_json(json!({"include-all": {}}), modify)).unwrap();
        assert_eq!(
            control_shape(resolved.catalog.control("ac-1").unwrap()),
            *want,
            "{why}"
        );
    }

    let adds: &[(&str, Value, &str)] = &[
        (
            "ending (default) appends to the control",
            json!({"parts": [part("mx")], "props": [{"name": "mx", "value": "1"}]}),
            "title=Title of ac-1 params=[ac-1_prm_1] props=[label sort-id mx] links=[reference] parts=[ac-1_smt(ac-1_smt.a ac-1_smt.b) ac-1_gdn mx]",
        ),
        (
            "starting puts first",
            json!({"position": "starting", "parts": [part("mx")], "props": [{"name": "mx", "value": "1"}]}),
            "title=Title of ac-1 params=[ac-1_prm_1] props=[mx label sort-id] links=[reference] parts=[mx ac-1_smt(ac-1_smt.a ac-1_smt.b) ac-1_gdn]",
        ),
        (
            "title replaces",
            json!({"title": "Nuevo título"}),
            "title=Nuevo título params=[ac-1_prm_1] props=[label sort-id] links=[reference] parts=[ac-1_smt(ac-1_smt.a ac-1_smt.b) ac-1_gdn]",
        ),
        (
            "params are added",
            json!({"params": [{"id": "ac-1_prm_mx"}]}),
            "title=Title of ac-1 params=[ac-1_prm_1 ac-1_prm_mx] props=[label sort-id] links=[reference] parts=[ac-1_smt(ac-1_smt.a ac-1_smt.b) ac-1_gdn]",
        ),
        (
            "by-id before a nested part",
            json!({"position": "before", "by-id": "ac-1_smt.b", "parts": [part("mx")]}),
            "title=Title of ac-1 params=[ac-1_prm_1] props=[label sort-id] links=[reference] parts=[ac-1_smt(ac-1_smt.a mx ac-1_smt.b) ac-1_gdn]",
        ),
        (
            "by-id after",
            json!({"position": "after", "by-id": "ac-1_smt", "parts": [part("mx")]}),
            "title=Title of ac-1 params=[ac-1_prm_1] props=[label sort-id] links=[reference] parts=[ac-1_smt(ac-1_smt.a ac-1_smt.b) mx ac-1_gdn]",
        ),
        (
            "by-id starting inside",
            json!({"position": "starting", "by-id": "ac-1_smt", "parts": [part("mx")]}),
            "title=Title of ac-1 params=[ac-1_prm_1] props=[label sort-id] links=[reference] parts=[ac-1_smt(mx ac-1_smt.a ac-1_smt.b) ac-1_gdn]",
        ),
        (
            "by-id ending inside a leaf",
            json!({"position": "ending", "by-id": "ac-1_gdn", "parts": [part("mx")]}),
            "title=Title of ac-1 params=[ac-1_prm_1] props=[label sort-id] links=[reference] parts=[ac-1_smt(ac-1_smt.a ac-1_smt.b) ac-1_gdn(mx)]",
        ),
        (
            "by-id a param: props go inside it",
            json!({"by-id": "ac-1_prm_1", "props": [{"name": "nat", "value": "x"}]}),
            "title=Title of ac-1 params=[ac-1_prm_1{nat}] props=[label sort-id] links=[reference] parts=[ac-1_smt(ac-1_smt.a ac-1_smt.b) ac-1_gdn]",
        ),
        (
            "by-id before a param",
            json!({"position": "before", "by-id": "ac-1_prm_1", "params": [{"id": "p0"}]}),
            "title=Title of ac-1 params=[p0 ac-1_prm_1] props=[label sort-id] links=[reference] parts=[ac-1_smt(ac-1_smt.a ac-1_smt.b) ac-1_gdn]",
        ),
        (
            "by-id = control id acts on the control",
            json!({"by-id": "ac-1", "links": [{"href": "#x", "rel": "related"}]}),
            "title=Title of ac-1 params=[ac-1_prm_1] props=[label sort-id] links=[reference related] parts=[ac-1_smt(ac-1_smt.a ac-1_smt.b) ac-1_gdn]",
        ),
    ];
    for (why, add, want) in adds {
        let modify = json!({"merge": {"as-is": true}, "modify": {"alters": [{"control-id": "ac-1", "adds": [add]}]}});
        let resolved = resolve(profile_json(json!({"include-all": {}}), modify)).unwrap();
        assert_eq!(
            control_shape(resolved.catalog.control("ac-1").unwrap()),
            *want,
            "{why}"
        );
        assert!(
            resolved.warnings.is_empty(),
            "{why}: {:?}",
            resolved.warnings
        );
    }

    // Removes run before adds, so an add survives a remove of the same name.
    let modify = json!({"merge": {"as-is": true}, "modify": {"alters": [{"control-id": "ac-1",
        "adds": [{"parts": [part("mx")]}], "removes": [{"by-name": "guidance"}]}]}});
    let resolved = resolve(profile_json(json!({"include-all": {}}), modify)).unwrap();
    assert!(
        control_shape(resolved.catalog.control("ac-1").unwrap())
            .ends_with("parts=[ac-1_smt(ac-1_smt.a ac-1_smt.b) mx]")
    );
}

#[test]
fn set_parameters() {
    let cases: &[(&str, Value, Value)] = &[
        (
            "values replace",
            json!({"values": ["al menos anualmente"]}),
            json!({"id": "ac-1_prm_1", "label": "organization-defined frequency", "values": ["al menos anualmente"]}),
        ),
        (
            "label, usage, class replace",
            json!({"label": "frecuencia", "usage": "uso", "class": "nacional"}),
            json!({"id": "ac-1_prm_1", "class": "nacional", "label": "frecuencia", "usage": "uso"}),
        ),
        (
            "select replaces",
            json!({"select": {"how-many": "one", "choice": ["mensual", "anual"]}}),
            json!({"id": "ac-1_prm_1", "label": "organization-defined frequency", "select": {"how-many": "one", "choice": ["mensual", "anual"]}}),
        ),
        (
            "props, links, guidelines, constraints append",
            json!({"props": [{"name": "n", "value": "v"}], "links": [{"href": "#x"}], "guidelines": [{"prose": "g"}], "constraints": [{"description": "d"}]}),
            json!({"id": "ac-1_prm_1", "props": [{"name": "n", "value": "v"}], "links": [{"href": "#x"}], "label": "organization-defined frequency",
                "constraints": [{"description": "d"}], "guidelines": [{"prose": "g"}]}),
        ),
    ];
    for (why, set, want) in cases {
        let mut set = set.clone();
        set["param-id"] = json!("ac-1_prm_1");
        let modify = json!({"modify": {"set-parameters": [set]}});
        let resolved = resolve(profile_json(json!({"include-all": {}}), modify)).unwrap();
        let param = &resolved.catalog.control("ac-1").unwrap().params[0];
        assert_eq!(serde_json::to_value(param).unwrap(), *want, "{why}");
    }
    // Applied in order: the second setting wins.
    let modify = json!({"modify": {"set-parameters": [
        {"param-id": "ac-1_prm_1", "values": ["first"]}, {"param-id": "ac-1_prm_1", "values": ["second"]}]}});
    let resolved = resolve(profile_json(json!({"include-all": {}}), modify)).unwrap();
    assert_eq!(
        resolved.catalog.control("ac-1").unwrap().params[0].values,
        ["second"]
    );
}

#[test]
fn back_matter_and_metadata() {
    let resolved = resolve(profile_json(
        json!({"include-controls": [{"with-ids": ["ac-1"]}]}),
        json!({}),
    ))
    .unwrap();
    let catalog = &resolved.catalog;
    let uuids: Vec<&str> = catalog
        .back_matter
        .as_ref()
        .unwrap()
        .resources
        .iter()
        .map(|r| r.uuid.as_str())
        .collect();
    assert_eq!(
        uuids,
        ["11111111-2222-4333-8444-555555555555"],
        "unreferenced resources pruned"
    );
    assert_eq!(catalog.metadata.title, "Fixture profile");
    assert_ne!(catalog.uuid, "a1b2c3d4-0000-4000-8000-000000000002");
    assert_eq!(catalog.uuid.as_bytes()[14], b'4', "uuid v4");
    assert!(
        catalog
            .metadata
            .links
            .iter()
            .any(|l| l.rel.as_deref() == Some("source-profile") && l.href == "p.json")
    );

    // No reference left: no back-matter at all.
    let modify = json!({"modify": {"alters": [{"control-id": "ac-1", "removes": [{"by-item-name": "link"}]}]}});
    let resolved = resolve(profile_json(
        json!({"include-controls": [{"with-ids": ["ac-1"]}]}),
        modify,
    ))
    .unwrap();
    assert!(resolved.catalog.back_matter.is_none());
}

#[test]
fn profile_of_profile_with_back_matter_reference() {
    // A national baseline over the catalog, then a sector overlay over the baseline.
    let baseline = profile_json(
        json!({"include-controls": [{"with-ids": ["ac-1", "ac-2", "au-1"]}]}),
        json!({"merge": {"as-is": true}, "modify": {"set-parameters": [{"param-id": "ac-1_prm_1", "values": ["anual"]}]}}),
    );
    let overlay = json!({"profile": {
        "uuid": "a1b2c3d4-0000-4000-8000-000000000004",
        "metadata": {"title": "Overlay", "last-modified": "2026-01-01T00:00:00Z", "version": "1", "oscal-version": "1.1.3"},
        "imports": [{"href": "#b0b0b0b0-0000-4000-8000-000000000000", "include-all": {}, "exclude-controls": [{"with-ids": ["au-1"]}]}],
        "merge": {"as-is": true},
        "back-matter": {"resources": [{"uuid": "b0b0b0b0-0000-4000-8000-000000000000",
            "rlinks": [{"href": "baseline.xml", "media-type": "application/oscal.profile+xml"},
                       {"href": "baseline.json", "media-type": "application/oscal.profile+json"}]}]}
    }});
    let store = Store::new(&[("baseline.json", baseline), ("overlay.json", overlay)]);
    let resolved = store
        .resolve("overlay.json", ResolveOptions::default())
        .unwrap();
    assert_eq!(shape(&resolved.catalog), "ac[ac-1 ac-2]");
    assert_eq!(
        resolved.catalog.control("ac-1").unwrap().params[0].values,
        ["anual"]
    );
    assert_eq!(
        resolved.catalog.metadata.oscal_version, "1.1.3",
        "newest input version"
    );
}
