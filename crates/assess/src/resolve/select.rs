//! Control selection: `include-all`, `include-controls`, `exclude-controls`.

use std::collections::HashSet;

use crate::catalog::Control;
use crate::profile::{SelectControls, YesNo};

/// Compiled include/exclude rules of one import (or one `insert-controls`).
pub(super) struct Selector {
    include_all: bool,
    include: Vec<Rule>,
    exclude: Vec<Rule>,
}

struct Rule {
    ids: HashSet<String>,
    patterns: Vec<String>,
    with_children: bool,
}

impl Rule {
    fn new(select: &SelectControls) -> Rule {
        Rule {
            ids: select.with_ids.iter().cloned().collect(),
            patterns: select
                .matching
                .iter()
                .filter_map(|m| m.pattern.clone())
                .collect(),
            with_children: select.with_child_controls == Some(YesNo::Yes),
        }
    }

    fn matches(&self, id: &str) -> bool {
        self.ids.contains(id) || self.patterns.iter().any(|p| glob_match(p, id))
    }

    fn hits(&self, id: &str, ancestors: &[&str]) -> bool {
        self.matches(id) || (self.with_children && ancestors.iter().any(|a| self.matches(a)))
    }
}

impl Selector {
    pub(super) fn new(
        include_all: bool,
        include: &[SelectControls],
        exclude: &[SelectControls],
    ) -> Selector {
        Selector {
            include_all,
            include: include.iter().map(Rule::new).collect(),
            exclude: exclude.iter().map(Rule::new).collect(),
        }
    }

    pub(super) fn selects(&self, id: &str, ancestors: &[&str]) -> bool {
        let included = self.include_all || self.include.iter().any(|r| r.hits(id, ancestors));
        included && !self.exclude.iter().any(|r| r.hits(id, ancestors))
    }

    pub(super) fn walk<'c>(
        &self,
        controls: &'c [Control],
        ancestors: &mut Vec<&'c str>,
        selected: &mut HashSet<String>,
        known: &mut HashSet<&'c str>,
    ) {
        for control in controls {
            known.insert(&control.id);
            if self.selects(&control.id, ancestors) {
                selected.insert(control.id.clone());
            }
            ancestors.push(&control.id);
            self.walk(&control.controls, ancestors, selected, known);
            ancestors.pop();
        }
    }
}

/// Glob over control ids: `*` any run, `?` any one character, everything else literal.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            backtrack = Some((pi, ti));
            pi += 1;
        } else if let Some((star, matched)) = backtrack {
            pi = star + 1;
            ti = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_rules() {
        let cases = [
            ("ac-*", "ac-2", true),
            ("ac-*", "ac-2.1", true),
            ("ac-*", "au-2", false),
            ("ac-?", "ac-2", true),
            ("ac-?", "ac-22", false),
            ("*.1", "ia-2.1", true),
            ("*.1", "ia-2.12", false),
            ("ia-2", "ia-2", true),
            ("*", "anything", true),
            ("", "x", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
        ];
        for (pattern, id, want) in cases {
            assert_eq!(glob_match(pattern, id), want, "{pattern} vs {id}");
        }
    }
}
