//! The OSCAL catalog model: groups, controls (nested), parts, parameters.
//!
//! [`Catalog::from_json_str`] and [`Catalog::from_file`] read `{"catalog": {...}}` documents and
//! report unknown or malformed content with its JSON path; [`Catalog::to_json_pretty`] writes
//! them back in OSCAL key order.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::AssessError;
use crate::metadata::{BackMatter, Link, Metadata, Property};

/// `catalog`: the root of an OSCAL catalog document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Catalog {
    pub uuid: String,
    pub metadata: Metadata,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Parameter>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<Control>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_matter: Option<BackMatter>,
}

/// `group`: a family or function; holds controls and/or sub-groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Group {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Parameter>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Property>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<Control>,
}

/// `control`; enhancements are nested `controls` (`ac-2.1` inside `ac-2`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Control {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Parameter>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Property>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<Control>,
}

/// `part`: statement, item, guidance, objective... identified by `name` (and `ns`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Part {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ns: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Property>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prose: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

/// `param`: an organisation-defined parameter (ODP) referenced from prose by
/// `{{ insert: param, <id> }}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Parameter {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// OSCAL 1.0 only (the 2021 SP 800-53 catalog uses it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depends_on: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Property>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guidelines: Vec<Guideline>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<Selection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Constraint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<ConstraintTest>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConstraintTest {
    pub expression: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Guideline {
    pub prose: String,
}

/// `select`: the parameter value is one (or more) of `choice`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Selection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how_many: Option<HowMany>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choice: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HowMany {
    One,
    OneOrMore,
}

/// Finds the value of the first property named `name` (any namespace, any class).
pub fn prop_value<'a>(props: &'a [Property], name: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|p| p.name == name)
        .map(|p| p.value.as_str())
}

impl Control {
    /// `sort-id` prop if present (NIST: `ac-02.01`), else the id. Sort by this, not by `id`.
    pub fn sort_key(&self) -> &str {
        prop_value(&self.props, "sort-id").unwrap_or(&self.id)
    }

    /// The plain `label` prop (`AC-2(1)`), ignoring labels with a class.
    pub fn label(&self) -> Option<&str> {
        self.props
            .iter()
            .find(|p| p.name == "label" && p.class.is_none())
            .map(|p| p.value.as_str())
    }

    /// Withdrawn stubs (`status` = `withdrawn`) are kept but never assessed.
    pub fn is_withdrawn(&self) -> bool {
        self.props
            .iter()
            .any(|p| p.name == "status" && p.value == "withdrawn")
    }
}

/// Depth-first, document-order walk over controls and their enhancements.
pub fn walk_controls<'a>(controls: &'a [Control], out: &mut Vec<&'a Control>) {
    for control in controls {
        out.push(control);
        walk_controls(&control.controls, out);
    }
}

fn walk_groups<'a>(groups: &'a [Group], out: &mut Vec<&'a Control>) {
    for group in groups {
        walk_controls(&group.controls, out);
        walk_groups(&group.groups, out);
    }
}

impl Catalog {
    /// Parses `{"catalog": {...}}`; `origin` (usually the file name) prefixes error messages.
    pub fn from_json_str(text: &str, origin: &str) -> Result<Catalog, AssessError> {
        parse_json::<CatalogDocument>(text, origin).map(|doc| doc.catalog)
    }

    pub fn from_file(path: &Path) -> Result<Catalog, AssessError> {
        let text = std::fs::read_to_string(path).map_err(|e| AssessError::io(path, e))?;
        Catalog::from_json_str(&text, &path.display().to_string())
    }

    /// OSCAL JSON (`{"catalog": {...}}`), pretty-printed, keys in OSCAL order.
    pub fn to_json_pretty(&self) -> String {
        let doc = CatalogDocumentRef { catalog: self };
        // Serialising plain structs of strings and vectors cannot fail.
        serde_json::to_string_pretty(&doc).expect("catalog serialises")
    }

    /// Writes [`Catalog::to_json_pretty`] plus a final newline to `path`.
    pub fn write_file(&self, path: &Path) -> Result<(), AssessError> {
        let mut text = self.to_json_pretty();
        text.push('\n');
        std::fs::write(path, text).map_err(|e| AssessError::io(path, e))
    }

    /// Every control and enhancement, depth-first in document order (top-level controls first,
    /// then groups).
    pub fn all_controls(&self) -> Vec<&Control> {
        let mut out = Vec::new();
        walk_controls(&self.controls, &mut out);
        walk_groups(&self.groups, &mut out);
        out
    }

    pub fn control(&self, id: &str) -> Option<&Control> {
        self.all_controls().into_iter().find(|c| c.id == id)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogDocument {
    #[serde(rename = "$schema", default)]
    _schema: Option<String>,
    catalog: Catalog,
}

#[derive(Serialize)]
struct CatalogDocumentRef<'a> {
    catalog: &'a Catalog,
}

/// Deserialises with `serde_path_to_error` so the error names the JSON path.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    text: &str,
    origin: &str,
) -> Result<T, AssessError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        AssessError::Json {
            origin: origin.to_string(),
            path: if path.is_empty() || path == "." {
                "(root)".to_string()
            } else {
                path
            },
            message: inner.to_string(),
        }
    })?;
    de.end().map_err(|e| AssessError::Json {
        origin: origin.to_string(),
        path: "(root)".to_string(),
        message: e.to_string(),
    })?;
    Ok(value)
}

/// Ids of the parameters that `{{ insert: param, ID }}` references in `text`, in order.
pub fn param_inserts(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        let inner = after[..end].trim();
        if let Some(spec) = inner.strip_prefix("insert:") {
            let mut fields = spec.split(',').map(str::trim);
            if fields.next() == Some("param")
                && let Some(id) = fields.next()
                && !id.is_empty()
            {
                out.push(id);
            }
        }
        rest = &after[end + 2..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn param_inserts_are_found_tolerantly() {
        let cases: &[(&str, &[&str])] = &[
            ("no inserts", &[]),
            ("a {{ insert: param, ac-1_prm_1 }} b", &["ac-1_prm_1"]),
            ("{{insert: param,x}}{{ insert: param, y }}", &["x", "y"]),
            ("{{ insert: other, x }}", &[]),
            ("{{ unterminated", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(param_inserts(text), *want, "{text}");
        }
    }
}
