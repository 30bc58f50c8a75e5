//! A small hand-written catalog and an in-memory loader for the rule tests.

use std::collections::HashMap;

use assess::catalog::Control;
use assess::{AssessError, Catalog, Document, Loaded, Profile, ResolveOptions, Resolved};
use serde_json::{Value, json};

fn control(id: &str, sort: &str, children: Vec<Value>) -> Value {
    let mut c = json!({
        "id": id,
        "class": "SP800-53",
        "title": format!("Title of {id}"),
        "params": [{"id": format!("{id}_prm_1"), "label": "organization-defined frequency"}],
        "props": [{"name": "label", "value": id.to_uppercase()}, {"name": "sort-id", "value": sort}],
        "links": [{"href": "#11111111-2222-4333-8444-555555555555", "rel": "reference"}],
        "parts": [
            {"id": format!("{id}_smt"), "name": "statement", "prose": format!("Do {{{{ insert: param, {id}_prm_1 }}}}."),
             "parts": [
                {"id": format!("{id}_smt.a"), "name": "item", "props": [{"name": "label", "value": "a."}], "prose": "first"},
                {"id": format!("{id}_smt.b"), "name": "item", "class": "extra", "props": [{"name": "label", "value": "b."}], "prose": "second"}
             ]},
            {"id": format!("{id}_gdn"), "name": "guidance", "ns": "https://example.org/ns", "prose": "Why."}
        ]
    });
    if !children.is_empty() {
        c["controls"] = Value::Array(children);
    }
    c
}

pub fn catalog_json() -> Value {
    json!({"catalog": {
        "uuid": "a1b2c3d4-0000-4000-8000-000000000001",
        "metadata": {"title": "Fixture catalog", "last-modified": "2026-01-01T00:00:00Z", "version": "1", "oscal-version": "1.1.2"},
        "groups": [
            {"id": "ac", "class": "family", "title": "Access Control", "controls": [
                control("ac-1", "ac-01", vec![]),
                control("ac-2", "ac-02", vec![control("ac-2.1", "ac-02.01", vec![]), control("ac-2.2", "ac-02.02", vec![])]),
                control("ac-3", "ac-03", vec![])
            ]},
            {"id": "au", "class": "family", "title": "Audit", "controls": [
                control("au-1", "au-01", vec![]),
                control("au-2", "au-02", vec![control("au-2.1", "au-02.01", vec![])])
            ]}
        ],
        "back-matter": {"resources": [
            {"uuid": "11111111-2222-4333-8444-555555555555", "title": "Referenced"},
            {"uuid": "99999999-2222-4333-8444-555555555555", "title": "Unreferenced"}
        ]}
    }})
}

/// A profile importing `catalog.json` with the given import body (merged into the import
/// object) and extra top-level profile keys.
pub fn profile_json(import: Value, extra: Value) -> Value {
    let mut imp = json!({"href": "catalog.json"});
    for (k, v) in import.as_object().expect("object") {
        imp[k] = v.clone();
    }
    let mut profile = json!({
        "uuid": "a1b2c3d4-0000-4000-8000-000000000002",
        "metadata": {"title": "Fixture profile", "last-modified": "2026-01-01T00:00:00Z", "version": "1", "oscal-version": "1.1.2"},
        "imports": [imp]
    });
    for (k, v) in extra.as_object().expect("object") {
        profile[k] = v.clone();
    }
    json!({ "profile": profile })
}

/// Documents by name; hrefs are names (no directories).
pub struct Store(pub HashMap<String, String>);

impl Store {
    pub fn new(docs: &[(&str, Value)]) -> Store {
        let mut map: HashMap<String, String> = docs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        map.entry("catalog.json".into())
            .or_insert_with(|| catalog_json().to_string());
        Store(map)
    }

    pub fn load(&self, _base: &str, href: &str) -> Result<Loaded, AssessError> {
        let text = self.0.get(href).ok_or_else(|| AssessError::Import {
            from: _base.to_string(),
            href: href.to_string(),
            reason: "not in store".into(),
        })?;
        Ok(Loaded {
            location: href.to_string(),
            document: Document::from_json_str(text, href)?,
        })
    }

    pub fn resolve(&self, name: &str, options: ResolveOptions) -> Result<Resolved, AssessError> {
        let profile = Profile::from_json_str(&self.0[name], name)?;
        let loader = |base: &str, href: &str| self.load(base, href);
        assess::resolve_profile(&profile, name, &loader, options)
    }
}

/// Resolves one profile over the fixture catalog.
pub fn resolve(profile: Value) -> Result<Resolved, AssessError> {
    Store::new(&[("p.json", profile)]).resolve("p.json", ResolveOptions::default())
}

fn controls_shape(controls: &[Control]) -> String {
    controls
        .iter()
        .map(|c| {
            if c.controls.is_empty() {
                c.id.clone()
            } else {
                format!("{}[{}]", c.id, controls_shape(&c.controls))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `ac[ac-1 ac-2[ac-2.1]] au[au-1]`, top-level controls first.
pub fn shape(catalog: &Catalog) -> String {
    let mut parts = Vec::new();
    if !catalog.controls.is_empty() {
        parts.push(controls_shape(&catalog.controls));
    }
    for g in &catalog.groups {
        parts.push(format!(
            "{}[{}]",
            g.id.clone().unwrap_or_default(),
            controls_shape(&g.controls)
        ));
    }
    parts.join(" ")
}

fn parts_shape(parts: &[assess::Part]) -> String {
    parts
        .iter()
        .map(|p| {
            let id = p.id.clone().unwrap_or_else(|| p.name.clone());
            if p.parts.is_empty() {
                id
            } else {
                format!("{id}({})", parts_shape(&p.parts))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Everything an alter can change in a control, as one line.
pub fn control_shape(control: &Control) -> String {
    let params: Vec<String> = control
        .params
        .iter()
        .map(|p| {
            let props: Vec<&str> = p.props.iter().map(|x| x.name.as_str()).collect();
            if props.is_empty() {
                p.id.clone()
            } else {
                format!("{}{{{}}}", p.id, props.join(","))
            }
        })
        .collect();
    let props: Vec<&str> = control.props.iter().map(|p| p.name.as_str()).collect();
    let links: Vec<&str> = control
        .links
        .iter()
        .map(|l| l.rel.as_deref().unwrap_or("-"))
        .collect();
    format!(
        "title={} params=[{}] props=[{}] links=[{}] parts=[{}]",
        control.title,
        params.join(" "),
        props.join(" "),
        links.join(" "),
        parts_shape(&control.parts)
    )
}
