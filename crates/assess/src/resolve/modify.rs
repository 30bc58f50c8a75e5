//! `modify`: set-parameters and alters (removes, then adds) on the merged catalog.

use crate::catalog::{Catalog, Control, Group, Parameter, Part};
use crate::metadata::{Link, Property};
use crate::profile::{Add, Position, Remove, SetParameter};

fn find_in_controls<'c>(controls: &'c mut [Control], id: &str) -> Option<&'c mut Control> {
    for control in controls {
        if control.id == id {
            return Some(control);
        }
        if let Some(found) = find_in_controls(&mut control.controls, id) {
            return Some(found);
        }
    }
    None
}

fn find_in_groups<'c>(groups: &'c mut [Group], id: &str) -> Option<&'c mut Control> {
    for group in groups {
        if let Some(found) = find_in_controls(&mut group.controls, id) {
            return Some(found);
        }
        if let Some(found) = find_in_groups(&mut group.groups, id) {
            return Some(found);
        }
    }
    None
}

pub(super) fn find_control_mut<'c>(catalog: &'c mut Catalog, id: &str) -> Option<&'c mut Control> {
    if let Some(found) = find_in_controls(&mut catalog.controls, id) {
        return Some(found);
    }
    find_in_groups(&mut catalog.groups, id)
}

fn params_mut(catalog: &mut Catalog) -> Vec<&mut Parameter> {
    fn from_controls<'c>(controls: &'c mut [Control], out: &mut Vec<&'c mut Parameter>) {
        for control in controls {
            out.extend(control.params.iter_mut());
            from_controls(&mut control.controls, out);
        }
    }
    fn from_groups<'c>(groups: &'c mut [Group], out: &mut Vec<&'c mut Parameter>) {
        for group in groups {
            out.extend(group.params.iter_mut());
            from_controls(&mut group.controls, out);
            from_groups(&mut group.groups, out);
        }
    }
    let mut out: Vec<&mut Parameter> = catalog.params.iter_mut().collect();
    from_controls(&mut catalog.controls, &mut out);
    from_groups(&mut catalog.groups, &mut out);
    out
}

/// Applies one `set-parameter`; false if no param has that id.
pub(super) fn set_parameter(catalog: &mut Catalog, set: &SetParameter) -> bool {
    let mut found = false;
    for param in params_mut(catalog)
        .into_iter()
        .filter(|p| p.id == set.param_id)
    {
        found = true;
        if set.class.is_some() {
            param.class.clone_from(&set.class);
        }
        if set.depends_on.is_some() {
            param.depends_on.clone_from(&set.depends_on);
        }
        if set.label.is_some() {
            param.label.clone_from(&set.label);
        }
        if set.usage.is_some() {
            param.usage.clone_from(&set.usage);
        }
        if !set.values.is_empty() {
            param.values.clone_from(&set.values);
        }
        if set.select.is_some() {
            param.select.clone_from(&set.select);
        }
        param.props.extend(set.props.iter().cloned());
        param.links.extend(set.links.iter().cloned());
        param.constraints.extend(set.constraints.iter().cloned());
        param.guidelines.extend(set.guidelines.iter().cloned());
    }
    found
}

/// What a `remove` can see of an object.
struct Item<'a> {
    kind: &'static str,
    name: Option<&'a str>,
    class: Option<&'a str>,
    id: Option<&'a str>,
    ns: Option<&'a str>,
}

fn remove_matches(remove: &Remove, item: &Item<'_>) -> bool {
    fn check(want: &Option<String>, have: Option<&str>) -> bool {
        want.as_deref().is_none_or(|w| have == Some(w))
    }
    check(&remove.by_item_name, Some(item.kind))
        && check(&remove.by_name, item.name)
        && check(&remove.by_class, item.class)
        && check(&remove.by_id, item.id)
        && check(&remove.by_ns, item.ns)
}

fn prop_item(p: &Property) -> Item<'_> {
    Item {
        kind: "prop",
        name: Some(&p.name),
        class: p.class.as_deref(),
        id: None,
        ns: p.ns.as_deref(),
    }
}

fn link_item(l: &Link) -> Item<'_> {
    Item {
        kind: "link",
        name: None,
        class: None,
        id: None,
        ns: None,
    }
    .with_rel(l)
}

impl<'a> Item<'a> {
    /// Links have no name; their `rel` plays that role for `by-name`.
    fn with_rel(mut self, link: &'a Link) -> Item<'a> {
        self.name = link.rel.as_deref();
        self
    }
}

fn part_item(p: &Part) -> Item<'_> {
    Item {
        kind: "part",
        name: Some(&p.name),
        class: p.class.as_deref(),
        id: p.id.as_deref(),
        ns: p.ns.as_deref(),
    }
}

fn param_item(p: &Parameter) -> Item<'_> {
    Item {
        kind: "param",
        name: None,
        class: p.class.as_deref(),
        id: Some(&p.id),
        ns: None,
    }
}

fn retain_counting<T>(items: &mut Vec<T>, keep: impl Fn(&T) -> bool) -> usize {
    let before = items.len();
    items.retain(keep);
    before - items.len()
}

fn remove_from_parts(parts: &mut Vec<Part>, remove: &Remove) -> usize {
    let mut removed = retain_counting(parts, |p| !remove_matches(remove, &part_item(p)));
    for part in parts {
        removed += retain_counting(&mut part.props, |p| !remove_matches(remove, &prop_item(p)));
        removed += retain_counting(&mut part.links, |l| !remove_matches(remove, &link_item(l)));
        removed += remove_from_parts(&mut part.parts, remove);
    }
    removed
}

/// Number of objects removed from the control (child controls are never touched).
pub(super) fn remove_from_control(control: &mut Control, remove: &Remove) -> usize {
    let empty = remove.by_name.is_none()
        && remove.by_class.is_none()
        && remove.by_id.is_none()
        && remove.by_item_name.is_none()
        && remove.by_ns.is_none();
    if empty {
        return 0;
    }
    retain_counting(&mut control.params, |p| {
        !remove_matches(remove, &param_item(p))
    }) + retain_counting(&mut control.props, |p| {
        !remove_matches(remove, &prop_item(p))
    }) + retain_counting(&mut control.links, |l| {
        !remove_matches(remove, &link_item(l))
    }) + remove_from_parts(&mut control.parts, remove)
}

fn place<T: Clone>(list: &mut Vec<T>, items: &[T], at_start: bool) {
    if at_start {
        list.splice(0..0, items.iter().cloned());
    } else {
        list.extend(items.iter().cloned());
    }
}

/// Index path from `parts` down to the part with `id`.
fn part_path(parts: &[Part], id: &str) -> Option<Vec<usize>> {
    for (i, part) in parts.iter().enumerate() {
        if part.id.as_deref() == Some(id) {
            return Some(vec![i]);
        }
        if let Some(mut rest) = part_path(&part.parts, id) {
            rest.insert(0, i);
            return Some(rest);
        }
    }
    None
}

/// The list that holds the part at `path` (all but the last index followed).
fn part_container<'p>(parts: &'p mut Vec<Part>, path: &[usize]) -> &'p mut Vec<Part> {
    match path {
        [] | [_] => parts,
        [first, rest @ ..] => part_container(&mut parts[*first].parts, rest),
    }
}

/// Applies one `add`; false if `by-id` names nothing in the control.
pub(super) fn add_to_control(control: &mut Control, add: &Add) -> bool {
    let position = add.position.unwrap_or(Position::Ending);
    let by_id = add.by_id.as_deref().filter(|id| *id != control.id);
    let Some(target) = by_id else {
        let at_start = matches!(position, Position::Starting | Position::Before);
        if let Some(title) = &add.title {
            control.title.clone_from(title);
        }
        place(&mut control.params, &add.params, at_start);
        place(&mut control.props, &add.props, at_start);
        place(&mut control.links, &add.links, at_start);
        place(&mut control.parts, &add.parts, at_start);
        return true;
    };
    if let Some(path) = part_path(&control.parts, target) {
        let index = *path.last().expect("non-empty path");
        match position {
            Position::Starting | Position::Ending => {
                let at_start = position == Position::Starting;
                let part = &mut part_container(&mut control.parts, &path)[index];
                if let Some(title) = &add.title {
                    part.title = Some(title.clone());
                }
                place(&mut part.props, &add.props, at_start);
                place(&mut part.links, &add.links, at_start);
                place(&mut part.parts, &add.parts, at_start);
                place(&mut control.params, &add.params, at_start);
            }
            Position::Before | Position::After => {
                let at = if position == Position::Before {
                    index
                } else {
                    index + 1
                };
                let container = part_container(&mut control.parts, &path);
                container.splice(at..at, add.parts.iter().cloned());
                let at_start = position == Position::Before;
                place(&mut control.params, &add.params, at_start);
                place(&mut control.props, &add.props, at_start);
                place(&mut control.links, &add.links, at_start);
            }
        }
        return true;
    }
    if let Some(index) = control.params.iter().position(|p| p.id == target) {
        match position {
            Position::Starting | Position::Ending => {
                let at_start = position == Position::Starting;
                let param = &mut control.params[index];
                if let Some(title) = &add.title {
                    param.label = Some(title.clone());
                }
                place(&mut param.props, &add.props, at_start);
                place(&mut param.links, &add.links, at_start);
                place(&mut control.parts, &add.parts, at_start);
            }
            Position::Before | Position::After => {
                let at = if position == Position::Before {
                    index
                } else {
                    index + 1
                };
                control.params.splice(at..at, add.params.iter().cloned());
                let at_start = position == Position::Before;
                place(&mut control.props, &add.props, at_start);
                place(&mut control.links, &add.links, at_start);
                place(&mut control.parts, &add.parts, at_start);
            }
        }
        return true;
    }
    false
}
