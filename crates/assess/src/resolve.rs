//! Profile resolution: profile + imported catalogs (or profiles) → one resolved catalog.
//!
//! Follows the OSCAL profile-resolution steps in order: **import** (select controls per
//! import), **merge** (combine clashes, then structure as `as-is`, `flat` or `custom`),
//! **modify** (set-parameters, then alters: removes before adds), then back-matter and metadata.
//!
//! Supported, with the choices where the specification is silent or loose:
//! - hrefs relative to the importing profile, and `#uuid` back-matter references (the first
//!   rlink whose media type or file name says JSON); loading goes through [`ImportLoader`].
//! - `include-all`, `include-controls` / `exclude-controls` with `with-ids`, `matching` globs
//!   (`*`, `?`) and `with-child-controls: yes` (all descendants). Exclusion always wins.
//! - `combine`: `keep` (default; duplicate ids warn), `use-first`; deprecated `merge` = `use-first`.
//! - structure: no `merge` = `flat`; `as-is` keeps catalog order and groups holding an included
//!   control (groups with the same id from several imports are merged), up-levels a selected
//!   control whose parent is not selected (warning); `flat` de-nests every control;
//!   `custom` builds the declared groups, `insert-controls` place (de-nested) controls once
//!   each, in `keep`, `ascending` or `descending` `sort-id` order; unplaced controls vanish
//!   (warning).
//! - `set-parameters` target params by id only: label, usage, values, select, class, depends-on
//!   replace; props, links, constraints, guidelines append.
//! - `removes` match every given criterion, on params, props, links and parts of the control
//!   and, recursively, of its parts. `adds` without `by-id` go into the control (`before`
//!   acts as `starting`, `after` as `ending`); with `by-id` (a part or param inside the control)
//!   `starting`/`ending` go inside the target and `before`/`after` place parts (or params)
//!   beside it, other kinds go to the control. `title` replaces the target's title (a
//!   param's `label`).
//! - back-matter: imported resources in import order, then the profile's; a later one with the
//!   same uuid replaces the earlier unless it carries prop `keep` = `always`; pruned to the
//!   resources referenced as `#uuid` anywhere in the controls (links and prose).
//! - metadata: the profile's, with a new uuid, `last-modified` = now, the newest
//!   `oscal-version` of the inputs, prop `resolution-tool` and link `source-profile`.
//! - warnings: with-ids not in the import, duplicate ids, unknown param or alter targets,
//!   removes matching nothing, orphan enhancements, unplaced controls. With
//!   [`ResolveOptions::strict`] the first warning becomes an error.

mod modify;
mod select;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::catalog::{Catalog, Control, Group, prop_value};
use crate::error::AssessError;
use crate::load::{Document, FileLoader, ImportLoader, Loaded};
use crate::metadata::{BackMatter, Link, Property, Resource};
use crate::profile::{CombineMethod, CustomGroup, Import, InsertControls, InsertOrder, Profile};

pub use select::glob_match;

use modify::{add_to_control, find_control_mut, remove_from_control, set_parameter};
use select::Selector;

/// Name of the tool written into `resolution-tool`.
pub const RESOLUTION_TOOL: &str = concat!("centinela-assess ", env!("CARGO_PKG_VERSION"));

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResolveOptions {
    /// Turn every [`Warning`] into an [`AssessError::Strict`] error.
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningKind {
    /// An include/exclude `with-ids` entry names no control of the import.
    UnmatchedSelection,
    /// Two imports bring the same control id and `combine` is `keep`.
    DuplicateControl,
    /// The same document is imported twice.
    DuplicateImport,
    /// A selected control whose parent is not selected was moved up a level.
    OrphanEnhancement,
    /// `custom` merge placed no control for some selected control.
    UnplacedControl,
    /// `set-parameters` names a param not in the resolved catalog.
    UnknownParameter,
    /// `alters` names a control not in the resolved catalog.
    UnknownAlterTarget,
    /// An `add` `by-id` names no part or param inside the control.
    UnknownAddTarget,
    /// A `remove` matched nothing (or had no criteria).
    RemoveMatchedNothing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub kind: WarningKind,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A resolved catalog and what the resolver had to say about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub catalog: Catalog,
    pub warnings: Vec<Warning>,
}

/// Resolves the profile file at `profile`. With `catalog_override`, the profile must have
/// exactly one import, and that import reads `catalog_override` instead (the CLI's
/// `--catalog`). Warnings are dropped; use [`resolve_profile_file_with`] to see them.
pub fn resolve_profile_file(
    profile: &Path,
    catalog_override: Option<&Path>,
) -> Result<Catalog, AssessError> {
    resolve_profile_file_with(profile, catalog_override, ResolveOptions::default())
        .map(|r| r.catalog)
}

/// [`resolve_profile_file`] with options and warnings.
pub fn resolve_profile_file_with(
    profile: &Path,
    catalog_override: Option<&Path>,
    options: ResolveOptions,
) -> Result<Resolved, AssessError> {
    let Loaded { location, document } = FileLoader::load_path(profile)?;
    let Document::Profile(mut profile) = document else {
        return Err(AssessError::Invalid {
            origin: location,
            message: "expected a profile, found a catalog".into(),
        });
    };
    if let Some(path) = catalog_override {
        if profile.imports.len() != 1 {
            return Err(AssessError::CatalogOverride {
                profile: location,
                imports: profile.imports.len(),
            });
        }
        let canonical = path.canonicalize().map_err(|e| AssessError::io(path, e))?;
        profile.imports[0].href = canonical.display().to_string();
    }
    resolve_profile(&profile, &location, &FileLoader, options)
}

/// Resolves `profile`, located at `location`, loading its imports through `loader`.
pub fn resolve_profile(
    profile: &Profile,
    location: &str,
    loader: &dyn ImportLoader,
    options: ResolveOptions,
) -> Result<Resolved, AssessError> {
    let mut resolver = Resolver {
        loader,
        options,
        warnings: Vec::new(),
        stack: Vec::new(),
    };
    let catalog = resolver.resolve(profile, location)?;
    Ok(Resolved {
        catalog,
        warnings: resolver.warnings,
    })
}

struct Resolver<'a> {
    loader: &'a dyn ImportLoader,
    options: ResolveOptions,
    warnings: Vec<Warning>,
    /// Locations of the profiles being resolved, outermost first.
    stack: Vec<String>,
}

/// One import after loading and selection.
struct Imported {
    catalog: Catalog,
    selected: HashSet<String>,
}

impl Resolver<'_> {
    fn warn(&mut self, kind: WarningKind, message: String) -> Result<(), AssessError> {
        if self.options.strict {
            return Err(AssessError::Strict(message));
        }
        self.warnings.push(Warning { kind, message });
        Ok(())
    }

    fn resolve(&mut self, profile: &Profile, location: &str) -> Result<Catalog, AssessError> {
        self.stack.push(location.to_string());
        let mut imported = Vec::with_capacity(profile.imports.len());
        let mut seen_locations = HashSet::new();
        for import in &profile.imports {
            let href = import_href(profile, location, &import.href)?;
            let loaded = self.loader.load(location, &href)?;
            if self.stack.contains(&loaded.location) {
                let mut chain = self.stack.clone();
                chain.push(loaded.location);
                return Err(AssessError::ImportCycle { chain });
            }
            if !seen_locations.insert(loaded.location.clone()) {
                self.warn(
                    WarningKind::DuplicateImport,
                    format!("{location}: {} is imported more than once", loaded.location),
                )?;
            }
            let catalog = match loaded.document {
                Document::Catalog(catalog) => *catalog,
                Document::Profile(inner) => self.resolve(&inner, &loaded.location)?,
            };
            let selected = self.select(&catalog, import, location)?;
            imported.push(Imported { catalog, selected });
        }
        let mut catalog = self.merge(profile, location, &mut imported)?;
        if let Some(modify) = &profile.modify {
            for set in &modify.set_parameters {
                if !set_parameter(&mut catalog, set) {
                    self.warn(
                        WarningKind::UnknownParameter,
                        format!(
                            "{location}: set-parameters {}: no such param in the selected controls",
                            set.param_id
                        ),
                    )?;
                }
            }
            for alter in &modify.alters {
                let Some(control) = find_control_mut(&mut catalog, &alter.control_id) else {
                    self.warn(
                        WarningKind::UnknownAlterTarget,
                        format!(
                            "{location}: alter {}: no such control in the resolved catalog",
                            alter.control_id
                        ),
                    )?;
                    continue;
                };
                let mut notes = Vec::new();
                for remove in &alter.removes {
                    if remove_from_control(control, remove) == 0 {
                        notes.push((
                            WarningKind::RemoveMatchedNothing,
                            format!(
                                "{location}: alter {}: remove {remove:?} matched nothing",
                                alter.control_id
                            ),
                        ));
                    }
                }
                for add in &alter.adds {
                    if !add_to_control(control, add) {
                        notes.push((
                            WarningKind::UnknownAddTarget,
                            format!(
                                "{location}: alter {}: add by-id {:?} names nothing in the control",
                                alter.control_id,
                                add.by_id.as_deref().unwrap_or_default()
                            ),
                        ));
                    }
                }
                for (kind, message) in notes {
                    self.warn(kind, message)?;
                }
            }
        }
        // After modify: alters may add or remove references.
        catalog.back_matter = back_matter(profile, &imported, &catalog);
        self.stack.pop();
        Ok(catalog)
    }

    /// Ids selected by one import, warning about `with-ids` that name nothing.
    fn select(
        &mut self,
        catalog: &Catalog,
        import: &Import,
        location: &str,
    ) -> Result<HashSet<String>, AssessError> {
        if import.include_all.is_none() && import.include_controls.is_empty() {
            return Err(AssessError::Invalid {
                origin: location.to_string(),
                message: format!(
                    "import {} has neither include-all nor include-controls",
                    import.href
                ),
            });
        }
        let selector = Selector::new(
            import.include_all.is_some(),
            &import.include_controls,
            &import.exclude_controls,
        );
        let mut selected = HashSet::new();
        let mut known = HashSet::new();
        let mut ancestors = Vec::new();
        selector.walk(&catalog.controls, &mut ancestors, &mut selected, &mut known);
        for group in all_groups(&catalog.groups) {
            selector.walk(&group.controls, &mut ancestors, &mut selected, &mut known);
        }
        let mut unknown: Vec<&String> = import
            .include_controls
            .iter()
            .chain(&import.exclude_controls)
            .flat_map(|rule| &rule.with_ids)
            .filter(|id| !known.contains(id.as_str()))
            .collect();
        unknown.dedup();
        for id in unknown {
            self.warn(
                WarningKind::UnmatchedSelection,
                format!(
                    "{location}: import {}: with-ids {id} names no control",
                    import.href
                ),
            )?;
        }
        Ok(selected)
    }

    fn merge(
        &mut self,
        profile: &Profile,
        location: &str,
        imported: &mut [Imported],
    ) -> Result<Catalog, AssessError> {
        let merge = profile.merge.clone().unwrap_or_default();
        let structures = usize::from(merge.flat.is_some())
            + usize::from(merge.as_is == Some(true))
            + usize::from(merge.custom.is_some());
        if structures > 1 {
            return Err(AssessError::Invalid {
                origin: location.to_string(),
                message: "merge may name only one of flat, as-is, custom".into(),
            });
        }
        let method = merge
            .combine
            .and_then(|c| c.method)
            .unwrap_or(CombineMethod::Keep);
        // Combine: clashes across imports, decided before structuring.
        let mut seen: HashSet<String> = HashSet::new();
        for import in imported.iter_mut() {
            let mut clashes: Vec<String> = import
                .selected
                .iter()
                .filter(|id| seen.contains(*id))
                .cloned()
                .collect();
            clashes.sort();
            if method == CombineMethod::Keep {
                for id in &clashes {
                    self.warn(
                        WarningKind::DuplicateControl,
                        format!(
                            "{location}: control {id} is imported more than once (combine keep)"
                        ),
                    )?;
                }
            } else {
                for id in &clashes {
                    import.selected.remove(id);
                }
            }
            seen.extend(import.selected.iter().cloned());
        }

        let mut out = Catalog {
            uuid: uuid::Uuid::new_v4().to_string(),
            metadata: profile.metadata.clone(),
            params: Vec::new(),
            controls: Vec::new(),
            groups: Vec::new(),
            back_matter: None,
        };
        if merge.as_is == Some(true) {
            for import in imported.iter() {
                let mut orphans = Vec::new();
                let controls =
                    filter_controls(&import.catalog.controls, &import.selected, &mut orphans);
                out.controls.extend(controls);
                for group in filter_groups(&import.catalog.groups, &import.selected, &mut orphans) {
                    merge_group(&mut out.groups, group);
                }
                for id in orphans {
                    self.warn(
                        WarningKind::OrphanEnhancement,
                        format!(
                            "{location}: {id} is selected without its parent: moved up a level"
                        ),
                    )?;
                }
            }
        } else {
            let mut pool = Vec::new();
            let mut parents = HashMap::new();
            for import in imported.iter() {
                flatten_selected(
                    &import.catalog.controls,
                    None,
                    &import.selected,
                    &mut pool,
                    &mut parents,
                );
                for group in all_groups(&import.catalog.groups) {
                    flatten_selected(
                        &group.controls,
                        None,
                        &import.selected,
                        &mut pool,
                        &mut parents,
                    );
                }
            }
            match &merge.custom {
                None => out.controls = pool,
                Some(custom) => {
                    let mut placed = HashSet::new();
                    out.groups = custom
                        .groups
                        .iter()
                        .map(|g| custom_group(g, &pool, &parents, &mut placed))
                        .collect();
                    out.controls =
                        insert_controls(&custom.insert_controls, &pool, &parents, &mut placed);
                    for control in &pool {
                        if !placed.contains(&control.id) {
                            self.warn(
                                WarningKind::UnplacedControl,
                                format!(
                                    "{location}: custom merge places no {}: dropped",
                                    control.id
                                ),
                            )?;
                        }
                    }
                }
            }
        }
        // Catalog-level params travel only if the result references them.
        let referenced_params = referenced_params(&out);
        for import in imported.iter() {
            out.params.extend(
                import
                    .catalog
                    .params
                    .iter()
                    .filter(|p| referenced_params.contains(p.id.as_str()))
                    .cloned(),
            );
        }
        out.metadata = self.metadata(profile, location, imported)?;
        Ok(out)
    }

    fn metadata(
        &self,
        profile: &Profile,
        location: &str,
        imported: &[Imported],
    ) -> Result<crate::metadata::Metadata, AssessError> {
        let mut metadata = profile.metadata.clone();
        metadata.last_modified = now_rfc3339();
        let mut newest = parse_version(&metadata.oscal_version);
        for import in imported {
            let version = parse_version(&import.catalog.metadata.oscal_version);
            if version.0 != newest.0 {
                return Err(AssessError::Invalid {
                    origin: location.to_string(),
                    message: format!(
                        "OSCAL major versions clash: profile {} vs import {}",
                        metadata.oscal_version, import.catalog.metadata.oscal_version
                    ),
                });
            }
            newest = newest.max(version);
        }
        metadata.oscal_version = format!("{}.{}.{}", newest.0, newest.1, newest.2);
        metadata.props.retain(|p| p.name != "resolution-tool");
        metadata
            .props
            .push(Property::new("resolution-tool", RESOLUTION_TOOL));
        metadata
            .links
            .retain(|l| l.rel.as_deref() != Some("source-profile"));
        metadata.links.push(Link::new("source-profile", location));
        Ok(metadata)
    }
}

/// Replaces a `#uuid` href by the JSON rlink of that back-matter resource.
fn import_href(profile: &Profile, location: &str, href: &str) -> Result<String, AssessError> {
    let Some(uuid) = href.strip_prefix('#') else {
        return Ok(href.to_string());
    };
    let error = |reason: &str| AssessError::Import {
        from: location.to_string(),
        href: href.to_string(),
        reason: reason.to_string(),
    };
    let resource = profile
        .back_matter
        .as_ref()
        .and_then(|b| b.resource(uuid))
        .ok_or_else(|| error("no back-matter resource with this uuid"))?;
    let is_json = |l: &&crate::metadata::Rlink| {
        l.media_type.as_deref().is_some_and(|m| m.ends_with("json"))
            || (l.media_type.is_none() && l.href.ends_with(".json"))
    };
    resource
        .rlinks
        .iter()
        .find(is_json)
        .map(|l| l.href.clone())
        .ok_or_else(|| error("the back-matter resource has no JSON rlink"))
}

fn all_groups(groups: &[Group]) -> Vec<&Group> {
    let mut out = Vec::new();
    for group in groups {
        out.push(group);
        out.extend(all_groups(&group.groups));
    }
    out
}

/// `as-is` filtering: keeps nesting, up-levels selected controls under unselected parents.
fn filter_controls(
    controls: &[Control],
    selected: &HashSet<String>,
    orphans: &mut Vec<String>,
) -> Vec<Control> {
    let mut out = Vec::new();
    for control in controls {
        if selected.contains(&control.id) {
            let mut kept = without_children(control);
            kept.controls = filter_controls(&control.controls, selected, orphans);
            out.push(kept);
        } else {
            let lifted = filter_controls(&control.controls, selected, orphans);
            // Only the first lifted level is an orphan; deeper ones keep their own parent.
            orphans.extend(lifted.iter().map(|c| c.id.clone()));
            out.extend(lifted);
        }
    }
    out
}

fn filter_groups(
    groups: &[Group],
    selected: &HashSet<String>,
    orphans: &mut Vec<String>,
) -> Vec<Group> {
    groups
        .iter()
        .filter_map(|group| {
            let controls = filter_controls(&group.controls, selected, orphans);
            let subgroups = filter_groups(&group.groups, selected, orphans);
            (!controls.is_empty() || !subgroups.is_empty()).then(|| Group {
                controls,
                groups: subgroups,
                ..Group {
                    id: group.id.clone(),
                    class: group.class.clone(),
                    title: group.title.clone(),
                    params: group.params.clone(),
                    props: group.props.clone(),
                    links: group.links.clone(),
                    parts: group.parts.clone(),
                    groups: Vec::new(),
                    controls: Vec::new(),
                }
            })
        })
        .collect()
}

/// Groups from several imports with the same id become one.
fn merge_group(into: &mut Vec<Group>, group: Group) {
    let existing = group
        .id
        .as_ref()
        .and_then(|id| into.iter_mut().find(|g| g.id.as_ref() == Some(id)));
    match existing {
        Some(target) => {
            target.controls.extend(group.controls);
            for sub in group.groups {
                merge_group(&mut target.groups, sub);
            }
        }
        None => into.push(group),
    }
}

fn without_children(control: &Control) -> Control {
    Control {
        id: control.id.clone(),
        class: control.class.clone(),
        title: control.title.clone(),
        params: control.params.clone(),
        props: control.props.clone(),
        links: control.links.clone(),
        parts: control.parts.clone(),
        controls: Vec::new(),
    }
}

/// `flat` / `custom` pool: selected controls de-nested, in document order.
fn flatten_selected(
    controls: &[Control],
    parent: Option<&str>,
    selected: &HashSet<String>,
    pool: &mut Vec<Control>,
    parents: &mut HashMap<String, String>,
) {
    for control in controls {
        if let Some(parent) = parent {
            parents.insert(control.id.clone(), parent.to_string());
        }
        if selected.contains(&control.id) {
            pool.push(without_children(control));
        }
        flatten_selected(
            &control.controls,
            Some(&control.id),
            selected,
            pool,
            parents,
        );
    }
}

fn custom_group(
    spec: &CustomGroup,
    pool: &[Control],
    parents: &HashMap<String, String>,
    placed: &mut HashSet<String>,
) -> Group {
    let controls = insert_controls(&spec.insert_controls, pool, parents, placed);
    Group {
        id: spec.id.clone(),
        class: spec.class.clone(),
        title: spec.title.clone(),
        params: spec.params.clone(),
        props: spec.props.clone(),
        links: spec.links.clone(),
        parts: spec.parts.clone(),
        groups: spec
            .groups
            .iter()
            .map(|g| custom_group(g, pool, parents, placed))
            .collect(),
        controls,
    }
}

fn insert_controls(
    inserts: &[InsertControls],
    pool: &[Control],
    parents: &HashMap<String, String>,
    placed: &mut HashSet<String>,
) -> Vec<Control> {
    let mut out = Vec::new();
    for insert in inserts {
        let selector = Selector::new(
            insert.include_all.is_some(),
            &insert.include_controls,
            &insert.exclude_controls,
        );
        let mut chosen: Vec<&Control> = pool
            .iter()
            .filter(|c| !placed.contains(&c.id))
            .filter(|c| {
                let mut ancestors = Vec::new();
                let mut cursor = parents.get(&c.id);
                while let Some(parent) = cursor {
                    ancestors.push(parent.as_str());
                    cursor = parents.get(parent);
                }
                selector.selects(&c.id, &ancestors)
            })
            .collect();
        match insert.order.unwrap_or(InsertOrder::Keep) {
            InsertOrder::Keep => {}
            InsertOrder::Ascending => chosen.sort_by(|a, b| a.sort_key().cmp(b.sort_key())),
            InsertOrder::Descending => chosen.sort_by(|a, b| b.sort_key().cmp(a.sort_key())),
        }
        for control in chosen {
            placed.insert(control.id.clone());
            out.push(control.clone());
        }
    }
    out
}

/// Every `#fragment` that looks like a uuid and every `{{ insert: param, id }}` in the catalog.
struct References {
    fragments: HashSet<String>,
    params: HashSet<String>,
}

fn scan_references(catalog: &Catalog) -> References {
    // Serialising once and scanning the text sees links and Markdown prose alike.
    let text = serde_json::to_string(&(&catalog.params, &catalog.controls, &catalog.groups))
        .expect("catalog serialises");
    let mut fragments = HashSet::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(offset) = text[i..].find('#') {
        let start = i + offset + 1;
        let end = start
            + bytes[start..]
                .iter()
                .take_while(|b| b.is_ascii_hexdigit() || **b == b'-')
                .count();
        if end - start == 36 {
            fragments.insert(text[start..end].to_string());
        }
        i = start;
    }
    let params = crate::catalog::param_inserts(&text)
        .into_iter()
        .map(str::to_string)
        .collect();
    References { fragments, params }
}

fn referenced_params(catalog: &Catalog) -> HashSet<String> {
    scan_references(catalog).params
}

fn back_matter(profile: &Profile, imported: &[Imported], out: &Catalog) -> Option<BackMatter> {
    let mut resources: Vec<Resource> = Vec::new();
    let sources = imported
        .iter()
        .filter_map(|i| i.catalog.back_matter.as_ref())
        .chain(profile.back_matter.as_ref());
    for source in sources {
        for resource in &source.resources {
            match resources.iter_mut().find(|r| r.uuid == resource.uuid) {
                Some(existing) if prop_value(&existing.props, "keep") == Some("always") => {}
                Some(existing) => *existing = resource.clone(),
                None => resources.push(resource.clone()),
            }
        }
    }
    let referenced = scan_references(out).fragments;
    resources
        .retain(|r| referenced.contains(&r.uuid) || prop_value(&r.props, "keep") == Some("always"));
    (!resources.is_empty()).then_some(BackMatter { resources })
}

/// `(major, minor, patch)` of an `oscal-version` such as `1.1.2` or `v1.1.3`.
fn parse_version(text: &str) -> (u32, u32, u32) {
    let mut parts = text
        .trim_start_matches('v')
        .split(['.', '-', '+'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// Current UTC time as RFC 3339 (`2026-05-04T12:00:00Z`), without a date crate.
fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil-from-days (proleptic Gregorian), after H. Hinnant's published algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(parse_version("v1.1.3"), (1, 1, 3));
        assert!(parse_version("1.1.10") > parse_version("1.1.2"));
        assert_eq!(parse_version("1.0.0"), (1, 0, 0));
    }

    #[test]
    fn timestamp_shape() {
        let now = now_rfc3339();
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.ends_with('Z') && now.as_bytes()[10] == b'T', "{now}");
    }
}
