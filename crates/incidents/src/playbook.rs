//! Playbooks: task templates per incident type (`data/protocols/playbooks.toml`), in Spanish and
//! English, chosen by the incident's RSIT pairs.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::due::Due;
use crate::taxonomy::Classification;
use crate::text::{Localized, line_col};

pub const BUILTIN_FILE: &str = "data/protocols/playbooks.toml";
pub const BUILTIN: &str = include_str!("../../../data/protocols/playbooks.toml");

/// Lifecycle phase a task belongs to (SP 800-61's vocabulary, shared by every protocol).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskPhase {
    Analysis,
    Containment,
    Eradication,
    Recovery,
    Lessons,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskTemplate {
    pub phase: TaskPhase,
    /// Counted from triage.
    pub due: Due,
    pub title: Localized,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Playbook {
    pub id: String,
    pub name: Localized,
    pub applies_to: Vec<Classification>,
    pub tasks: Vec<TaskTemplate>,
}

/// A task to create on an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskDraft {
    pub playbook: String,
    pub phase: TaskPhase,
    pub title: Localized,
    pub due_at: OffsetDateTime,
}

impl Playbook {
    /// The tasks with due dates from `triaged_at`.
    pub fn tasks_from(&self, triaged_at: OffsetDateTime) -> Vec<TaskDraft> {
        self.tasks
            .iter()
            .map(|t| TaskDraft {
                playbook: self.id.clone(),
                phase: t.phase,
                title: t.title.clone(),
                due_at: t.due.after(triaged_at),
            })
            .collect()
    }
}

/// All playbooks of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Playbooks {
    pub playbooks: Vec<Playbook>,
}

#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct PlaybookError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    playbooks: Vec<RawPlaybook>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlaybook {
    id: toml::Spanned<String>,
    name: Localized,
    applies_to: Vec<toml::Spanned<String>>,
    tasks: Vec<RawTask>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTask {
    phase: TaskPhase,
    due: toml::Spanned<String>,
    es: String,
    en: String,
}

impl Playbooks {
    pub fn builtin() -> Playbooks {
        Playbooks::from_toml(BUILTIN_FILE, BUILTIN).expect("shipped playbooks are valid (tested)")
    }

    /// Parses and checks a playbook file: unique ids, RSIT pairs that exist, valid durations.
    pub fn from_toml(file: &str, text: &str) -> Result<Playbooks, PlaybookError> {
        let err = |offset: usize, message: String| {
            let (line, column) = line_col(text, offset);
            PlaybookError {
                file: file.to_string(),
                line,
                column,
                message,
            }
        };
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            err(
                e.span().map_or(0, |s| s.start),
                e.message().trim().to_string(),
            )
        })?;
        let mut playbooks: Vec<Playbook> = Vec::new();
        for p in raw.playbooks {
            if p.id.get_ref().is_empty() || playbooks.iter().any(|x| &x.id == p.id.get_ref()) {
                return Err(err(
                    p.id.span().start,
                    format!("playbook id {:?} is empty or repeated", p.id.get_ref()),
                ));
            }
            let mut applies_to = Vec::new();
            for a in &p.applies_to {
                let c = Classification::parse_pair(a.get_ref()).ok_or_else(|| {
                    err(
                        a.span().start,
                        format!("{:?} is not class:type", a.get_ref()),
                    )
                })?;
                c.check().map_err(|e| err(a.span().start, e.to_string()))?;
                applies_to.push(c);
            }
            let mut tasks = Vec::new();
            for t in p.tasks {
                let due = Due::parse(t.due.get_ref())
                    .map_err(|e| err(t.due.span().start, e.to_string()))?;
                tasks.push(TaskTemplate {
                    phase: t.phase,
                    due,
                    title: Localized { es: t.es, en: t.en },
                });
            }
            playbooks.push(Playbook {
                id: p.id.into_inner(),
                name: p.name,
                applies_to,
                tasks,
            });
        }
        Ok(Playbooks { playbooks })
    }

    pub fn get(&self, id: &str) -> Option<&Playbook> {
        self.playbooks.iter().find(|p| p.id == id)
    }

    /// Playbooks that apply to any of the pairs, in file order. Several may match one pair
    /// (ransomware and defacement share an RSIT type): the coordinator picks.
    pub fn for_classifications(&self, pairs: &[Classification]) -> Vec<&Playbook> {
        self.playbooks
            .iter()
            .filter(|p| p.applies_to.iter().any(|a| pairs.contains(a)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn shipped_playbooks_cover_the_common_types() {
        let b = Playbooks::builtin();
        for id in [
            "ransomware",
            "ddos",
            "data-leak",
            "defacement",
            "account-compromise",
            "payment-fraud",
        ] {
            let p = b.get(id).unwrap_or_else(|| panic!("{id}"));
            assert!(!p.tasks.is_empty(), "{id}");
            assert!(
                p.tasks
                    .iter()
                    .all(|t| !t.title.es.is_empty() && !t.title.en.is_empty())
            );
        }
    }

    #[test]
    fn chosen_by_rsit_type() {
        let b = Playbooks::builtin();
        let ids = |pairs: &[(&str, &str)]| {
            let pairs: Vec<_> = pairs
                .iter()
                .map(|(c, t)| Classification::new(c, t))
                .collect();
            b.for_classifications(&pairs)
                .iter()
                .map(|p| p.id.clone())
                .collect::<Vec<_>>()
        };
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
        let cases: [Case; 5] = [
            (&[("availability", "ddos")], &["ddos"]),
            (
                &[(
                    "information-content-security",
                    "unauthorised-information-modification",
                )],
                &["ransomware", "defacement"],
            ),
            (
                &[
                    ("fraud", "unauthorised-use-of-resources"),
                    ("intrusions", "application-compromise"),
                ],
                &["payment-fraud", "system-compromise"],
            ),
            (
                &[("intrusions", "privileged-account-compromise")],
                &["account-compromise"],
            ),
            (&[("test", "test")], &[]),
        ];
        for (pairs, expected) in cases {
            assert_eq!(ids(pairs), expected, "{pairs:?}");
        }
        let tasks = b
            .get("ddos")
            .unwrap()
            .tasks_from(datetime!(2026-05-01 10:00 UTC));
        assert_eq!(tasks[0].due_at, datetime!(2026-05-01 11:00 UTC));
        assert_eq!(tasks[0].phase, TaskPhase::Analysis);
    }

    #[test]
    fn bad_files_name_the_line() {
        let cases = [
            (
                "availability:ddos\", \"availability:dos\"]",
                "availability:ddos\", \"availability:flood\"]",
                "not an RSIT type",
                "availability:flood",
            ),
            (
                "due = \"PT1H\", es = \"Caracterizar",
                "due = \"1h\", es = \"Caracterizar",
                "not a duration",
                "\"1h\"",
            ),
            (
                "phase = \"analysis\", due = \"PT1H\"",
                "phase = \"triage\", due = \"PT1H\"",
                "unknown variant",
                "\"triage\"",
            ),
        ];
        for (from, to, message, line_with) in cases {
            assert!(BUILTIN.contains(from), "{from}");
            let text = BUILTIN.replacen(from, to, 1);
            let e = Playbooks::from_toml("p.toml", &text).unwrap_err();
            let line = text.lines().position(|l| l.contains(line_with)).unwrap() + 1;
            assert!(e.message.contains(message), "{e}");
            assert_eq!(e.line, line, "{e}");
            assert!(e.to_string().starts_with(&format!("p.toml:{line}:")));
        }
    }
}
