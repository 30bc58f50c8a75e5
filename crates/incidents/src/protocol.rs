//! Protocol files: the reporting rules of a jurisdiction, as data.
//!
//! A protocol (`data/protocols/*.toml`) names its taxonomy, its severity model, its reporting
//! stages with their deadlines and whom to tell when one runs late, and its lifecycle phases.
//! Loading checks the whole file and reports every problem as `file:line:column: message`.
//! Incidents pin the `(id, version)` they were reported under; [`ProtocolRegistry`] keeps every
//! loaded version so that old incidents keep their rules.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::due::Due;
use crate::severity::{Factor, FactorRule, Floor, Level, Scale, SeverityModel};
use crate::text::{Localized, line_col};

/// The protocols shipped with Centinela: `(file name, text)`.
pub const BUILTIN: [(&str, &str); 2] = [
    (
        "data/protocols/mx-apf-2025.toml",
        include_str!("../../../data/protocols/mx-apf-2025.toml"),
    ),
    (
        "data/protocols/eu-nis2.toml",
        include_str!("../../../data/protocols/eu-nis2.toml"),
    ),
];

/// What an incident pins: a protocol id and version.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ProtocolKey {
    pub id: String,
    pub version: String,
}

impl ProtocolKey {
    pub fn new(id: &str, version: &str) -> Self {
        ProtocolKey {
            id: id.to_string(),
            version: version.to_string(),
        }
    }
}

impl fmt::Display for ProtocolKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.id, self.version)
    }
}

/// When a stage applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequiredWhen {
    /// Every incident.
    Always,
    /// Incidents whose level is marked `significant`.
    Significant,
    /// Each time someone requests it (due set by the requester).
    OnRequest,
    /// Only when another stage's `if_open_at_due` calls for it.
    Conditional,
}

/// The instant a stage's deadline counts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    DetectedAt,
    AwareAt,
    RequestedAt,
    ClosedAt,
    /// Submission of another stage (`stage:notification`).
    Stage(String),
}

impl Anchor {
    fn parse(s: &str) -> Option<Anchor> {
        Some(match s {
            "detected_at" => Anchor::DetectedAt,
            "aware_at" => Anchor::AwareAt,
            "requested_at" => Anchor::RequestedAt,
            "closed_at" => Anchor::ClosedAt,
            _ => {
                let stage = s.strip_prefix("stage:")?;
                if stage.is_empty() {
                    return None;
                }
                Anchor::Stage(stage.to_string())
            }
        })
    }
}

/// Whether a stage that a later severity upgrade makes required counts from its anchor or from
/// the upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AfterUpgrade {
    #[default]
    OriginalAnchor,
    Upgrade,
}

/// Whom to tell when a stage runs late.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnLate {
    /// `institution:titular`, `institution:responsable`, `role:coordinator`…
    pub notify: Vec<String>,
    /// Notify once per stage (the stage stays submittable).
    #[serde(default = "yes")]
    pub once: bool,
}

fn yes() -> bool {
    true
}

/// "If the incident is still open when this stage falls due, require `require` at that date and
/// re-arm this stage from `rearm_anchor` + `rearm_due`" (NIS2 Art. 23(4)(e)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IfOpenAtDue {
    pub require: String,
    pub rearm_anchor: Anchor,
    pub rearm_due: Due,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    pub id: String,
    pub name: Localized,
    pub required_when: RequiredWhen,
    pub anchor: Option<Anchor>,
    pub due: Option<Due>,
    /// Sector id → due, replacing `due` for that sector.
    pub due_by_sector: BTreeMap<String, Due>,
    /// Level id → target (earlier than the deadline; `PT0S` shows as "immediately").
    pub target_by_level: BTreeMap<String, Due>,
    pub after_upgrade: AfterUpgrade,
    pub repeatable: bool,
    pub on_late: Option<OnLate>,
    pub if_open_at_due: Option<IfOpenAtDue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    pub id: String,
    pub name: Localized,
    /// The matching NIST SP 800-61r2 phase.
    pub nist_sp800_61r2: Option<String>,
    /// CSF 2.0 functions/categories (SP 800-61r3).
    #[serde(default)]
    pub csf_2_0: Vec<String>,
}

/// A loaded, validated protocol.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Protocol {
    pub id: String,
    pub version: String,
    pub is_default: bool,
    pub taxonomy: String,
    /// A pending stage turns "due soon" this long before its deadline.
    pub due_soon: Due,
    pub name: Localized,
    pub basis: Option<Localized>,
    pub severity: SeverityModel,
    pub stages: Vec<Stage>,
    pub phases: Vec<Phase>,
    /// The file it was loaded from.
    pub source: String,
}

impl Protocol {
    pub fn key(&self) -> ProtocolKey {
        ProtocolKey::new(&self.id, &self.version)
    }

    pub fn stage(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// Parses and validates a protocol file. `file` only labels the errors.
    pub fn from_toml(file: &str, text: &str) -> Result<Protocol, ProtocolError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let (line, column) = line_col(text, e.span().map_or(0, |s| s.start));
            ProtocolError::Invalid {
                file: file.to_string(),
                problems: vec![Problem {
                    line,
                    column,
                    message: e.message().trim().to_string(),
                }],
            }
        })?;
        let mut check = Checker {
            text,
            problems: Vec::new(),
        };
        let protocol = check.protocol(file, raw);
        if check.problems.is_empty() {
            Ok(protocol)
        } else {
            Err(ProtocolError::Invalid {
                file: file.to_string(),
                problems: check.problems,
            })
        }
    }

    /// Reads and validates a protocol file from disk.
    pub fn load(path: &Path) -> Result<Protocol, ProtocolError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProtocolError::Io {
            file: path.display().to_string(),
            source,
        })?;
        Protocol::from_toml(&path.display().to_string(), &text)
    }
}

/// One problem in a protocol file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("{}", render(file, problems))]
    Invalid {
        file: String,
        problems: Vec<Problem>,
    },
    #[error("cannot read protocol file {file}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("protocol {key} is loaded twice: {first} and {second}")]
    Duplicate {
        key: ProtocolKey,
        first: String,
        second: String,
    },
}

fn render(file: &str, problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("{file}:{}:{}: {}", p.line, p.column, p.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every loaded protocol version, keyed by `(id, version)`.
#[derive(Debug, Clone, Default)]
pub struct ProtocolRegistry {
    by_key: BTreeMap<ProtocolKey, Protocol>,
    default: Option<ProtocolKey>,
}

impl ProtocolRegistry {
    /// The shipped protocols (`mx-apf-2025` is the default).
    pub fn builtin() -> ProtocolRegistry {
        let mut r = ProtocolRegistry::default();
        for (file, text) in BUILTIN {
            let p = Protocol::from_toml(file, text).expect("shipped protocols are valid (tested)");
            r.insert(p).expect("shipped protocols are distinct");
        }
        r
    }

    /// Adds a protocol. A later protocol marked `default = true` becomes the default (so a
    /// deployment's own file, loaded after the shipped ones, wins).
    pub fn insert(&mut self, p: Protocol) -> Result<(), ProtocolError> {
        let key = p.key();
        if let Some(existing) = self.by_key.get(&key) {
            return Err(ProtocolError::Duplicate {
                key,
                first: existing.source.clone(),
                second: p.source,
            });
        }
        if p.is_default || self.default.is_none() {
            self.default = Some(key.clone());
        }
        self.by_key.insert(key, p);
        Ok(())
    }

    /// Loads every `*.toml` in a directory (sorted by name).
    pub fn load_dir(&mut self, dir: &Path) -> Result<usize, ProtocolError> {
        let io = |source| ProtocolError::Io {
            file: dir.display().to_string(),
            source,
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for p in &paths {
            self.insert(Protocol::load(p)?)?;
        }
        Ok(paths.len())
    }

    pub fn get(&self, id: &str, version: &str) -> Option<&Protocol> {
        self.by_key.get(&ProtocolKey::new(id, version))
    }

    pub fn get_key(&self, key: &ProtocolKey) -> Option<&Protocol> {
        self.by_key.get(key)
    }

    /// The newest loaded version of the protocol `id` (versions compare as text).
    pub fn latest(&self, id: &str) -> Option<&Protocol> {
        self.by_key
            .iter()
            .filter(|(k, _)| k.id == id)
            .max_by(|(a, _), (b, _)| a.version.cmp(&b.version))
            .map(|(_, p)| p)
    }

    /// The ids of the loaded protocols.
    pub fn ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = self.by_key.keys().map(|k| k.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    pub fn default_protocol(&self) -> Option<&Protocol> {
        self.default.as_ref().and_then(|k| self.by_key.get(k))
    }

    pub fn set_default(&mut self, key: &ProtocolKey) -> bool {
        let known = self.by_key.contains_key(key);
        if known {
            self.default = Some(key.clone());
        }
        known
    }

    pub fn iter(&self) -> impl Iterator<Item = &Protocol> {
        self.by_key.values()
    }

    /// Every loaded version of a protocol id.
    pub fn versions<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Protocol> + 'a {
        self.by_key.values().filter(move |p| p.id == id)
    }
}

// ---- file shape ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    protocol: RawHeader,
    severity: RawSeverity,
    stages: Vec<RawStage>,
    phases: Vec<Spanned<Phase>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    id: Spanned<String>,
    version: Spanned<String>,
    #[serde(default)]
    default: bool,
    taxonomy: Spanned<String>,
    due_soon: Spanned<String>,
    name: Localized,
    basis: Option<Localized>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeverity {
    model: String,
    version: String,
    #[serde(default)]
    placeholder: bool,
    levels: Spanned<Vec<Spanned<RawLevel>>>,
    factors: Spanned<BTreeMap<String, Spanned<RawFactor>>>,
    #[serde(default)]
    floors: Vec<Spanned<RawFloor>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLevel {
    id: String,
    name: Localized,
    min_score: Spanned<u32>,
    significant: bool,
    misp_threat_level: u8,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFactor {
    weight: u32,
    points: Option<BTreeMap<String, u32>>,
    steps: Option<Vec<RawStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    from: u64,
    points: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFloor {
    factor: Spanned<String>,
    values: Spanned<Vec<String>>,
    min_level: Spanned<String>,
    why: Localized,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    id: Spanned<String>,
    name: Localized,
    required_when: RequiredWhen,
    anchor: Option<Spanned<String>>,
    due: Option<Spanned<String>>,
    #[serde(default)]
    due_by_sector: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    target_by_level: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    after_upgrade: AfterUpgrade,
    #[serde(default)]
    repeatable: bool,
    on_late: Option<OnLate>,
    if_open_at_due: Option<Spanned<RawIfOpen>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIfOpen {
    require: String,
    rearm_anchor: String,
    rearm_due: String,
}

struct Checker<'t> {
    text: &'t str,
    problems: Vec<Problem>,
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
}

impl Checker<'_> {
    fn at<T>(&mut self, span: &Spanned<T>, message: impl Into<String>) {
        let (line, column) = line_col(self.text, span.span().start);
        self.problems.push(Problem {
            line,
            column,
            message: message.into(),
        });
    }

    fn due(&mut self, s: &Spanned<String>) -> Option<Due> {
        match Due::parse(s.get_ref()) {
            Ok(d) => Some(d),
            Err(e) => {
                self.at(s, e.to_string());
                None
            }
        }
    }

    fn protocol(&mut self, file: &str, raw: RawFile) -> Protocol {
        let h = &raw.protocol;
        if !is_slug(h.id.get_ref()) {
            self.at(
                &h.id,
                "protocol id must be lowercase letters, digits, '-' or '.'",
            );
        }
        if h.version.get_ref().trim().is_empty() {
            self.at(&h.version, "protocol version must not be empty");
        }
        if h.taxonomy.get_ref() != "rsit" {
            self.at(
                &h.taxonomy,
                format!(
                    "unknown taxonomy {:?}; supported: \"rsit\"",
                    h.taxonomy.get_ref()
                ),
            );
        }
        let due_soon = self.due(&h.due_soon);
        let severity = self.severity(raw.severity);
        let stages = self.stages(raw.stages, &severity);
        let mut phase_ids = BTreeSet::new();
        if raw.phases.is_empty() {
            self.problems.push(Problem {
                line: 1,
                column: 1,
                message: "a protocol needs at least one [[phases]]".into(),
            });
        }
        for p in &raw.phases {
            if !is_slug(&p.get_ref().id) || !phase_ids.insert(p.get_ref().id.clone()) {
                self.at(
                    p,
                    format!("phase id {:?} is not a unique slug", p.get_ref().id),
                );
            }
        }
        Protocol {
            id: h.id.get_ref().clone(),
            version: h.version.get_ref().clone(),
            is_default: h.default,
            taxonomy: h.taxonomy.get_ref().clone(),
            due_soon: due_soon.unwrap_or_else(|| Due::parse("PT0S").expect("valid")),
            name: h.name.clone(),
            basis: h.basis.clone(),
            severity,
            stages,
            phases: raw.phases.into_iter().map(Spanned::into_inner).collect(),
            source: file.to_string(),
        }
    }

    fn severity(&mut self, raw: RawSeverity) -> SeverityModel {
        let mut levels: Vec<Level> = Vec::new();
        if raw.levels.get_ref().is_empty() {
            self.at(&raw.levels, "the severity model needs at least one level");
        }
        for l in raw.levels.get_ref() {
            let r = l.get_ref();
            if !is_slug(&r.id) || levels.iter().any(|x| x.id == r.id) {
                self.at(l, format!("level id {:?} is not a unique slug", r.id));
            }
            let min_score = *r.min_score.get_ref();
            if min_score > 100 {
                self.at(
                    &r.min_score,
                    format!("level {}: min_score {min_score} is above 100", r.id),
                );
            }
            if let Some(prev) = levels.last()
                && min_score >= prev.min_score
            {
                self.at(
                    &r.min_score,
                    format!(
                        "level {}: levels go from most to least severe, so min_score must be below {} ({})",
                        r.id, prev.min_score, prev.id
                    ),
                );
            }
            if !(1..=4).contains(&r.misp_threat_level) {
                self.at(l, format!("level {}: misp_threat_level must be 1-4", r.id));
            }
            levels.push(Level {
                id: r.id.clone(),
                name: r.name.clone(),
                min_score,
                significant: r.significant,
                misp_threat_level: r.misp_threat_level,
            });
        }
        if let (Some(last), Some(l)) = (levels.last(), raw.levels.get_ref().last())
            && last.min_score != 0
        {
            self.at(
                l,
                format!("the last level ({}) must have min_score = 0", last.id),
            );
        }

        let mut factors = Vec::new();
        for name in raw.factors.get_ref().keys() {
            if Factor::parse(name).is_none() {
                let span = &raw.factors.get_ref()[name];
                self.at(
                    span,
                    format!(
                        "unknown factor {name:?}; factors are {}",
                        Factor::ALL.map(|f| f.as_str()).join(", ")
                    ),
                );
            }
        }
        for factor in Factor::ALL {
            let Some(spanned) = raw.factors.get_ref().get(factor.as_str()) else {
                self.at(&raw.factors, format!("factor {factor} is missing"));
                continue;
            };
            if let Some(scale) = self.scale(factor, spanned) {
                factors.push(FactorRule {
                    factor,
                    weight: spanned.get_ref().weight,
                    scale,
                });
            }
        }
        if !factors.is_empty() && factors.iter().all(|f| f.weight == 0) {
            self.at(&raw.factors, "at least one factor needs a weight above 0");
        }

        let mut floors = Vec::new();
        for f in &raw.floors {
            let r = f.get_ref();
            let Some(factor) = Factor::parse(r.factor.get_ref()) else {
                self.at(
                    &r.factor,
                    format!("unknown factor {:?}", r.factor.get_ref()),
                );
                continue;
            };
            match factor.vocabulary() {
                None => self.at(
                    &r.factor,
                    format!("floors apply to named factors, not {factor}"),
                ),
                Some(vocab) => {
                    for v in r.values.get_ref() {
                        if !vocab.contains(&v.as_str()) {
                            self.at(&r.values, format!("{v:?} is not a value of {factor}"));
                        }
                    }
                }
            }
            if !levels.iter().any(|l| &l.id == r.min_level.get_ref()) {
                self.at(
                    &r.min_level,
                    format!("unknown level {:?}", r.min_level.get_ref()),
                );
            }
            floors.push(Floor {
                factor,
                values: r.values.get_ref().clone(),
                min_level: r.min_level.get_ref().clone(),
                why: r.why.clone(),
            });
        }
        SeverityModel {
            model: raw.model,
            version: raw.version,
            placeholder: raw.placeholder,
            levels,
            factors,
            floors,
        }
    }

    fn scale(&mut self, factor: Factor, spanned: &Spanned<RawFactor>) -> Option<Scale> {
        let raw = spanned.get_ref();
        match (factor.vocabulary(), &raw.points, &raw.steps) {
            (Some(vocab), Some(points), None) => {
                for v in &vocab {
                    if !points.contains_key(*v) {
                        self.at(spanned, format!("{factor}: no points for {v:?}"));
                    }
                }
                for (k, p) in points {
                    if !vocab.contains(&k.as_str()) {
                        self.at(
                            spanned,
                            format!("{factor}: {k:?} is not one of {}", vocab.join(", ")),
                        );
                    }
                    if *p > 100 {
                        self.at(spanned, format!("{factor}: points for {k:?} above 100"));
                    }
                }
                Some(Scale::Points(points.clone()))
            }
            (None, None, Some(steps)) => {
                if steps.first().is_none_or(|s| s.from != 0) {
                    self.at(
                        spanned,
                        format!("{factor}: the first step must be from = 0"),
                    );
                }
                if steps.windows(2).any(|w| w[1].from <= w[0].from) {
                    self.at(
                        spanned,
                        format!("{factor}: steps must have ascending `from`"),
                    );
                }
                if steps.iter().any(|s| s.points > 100) {
                    self.at(spanned, format!("{factor}: step points above 100"));
                }
                Some(Scale::Steps(
                    steps.iter().map(|s| (s.from, s.points)).collect(),
                ))
            }
            (Some(_), _, _) => {
                self.at(
                    spanned,
                    format!("{factor} is a named factor: give `points` (and no `steps`)"),
                );
                None
            }
            (None, _, _) => {
                self.at(
                    spanned,
                    format!("{factor} is a count: give `steps` (and no `points`)"),
                );
                None
            }
        }
    }

    fn stages(&mut self, raw: Vec<RawStage>, severity: &SeverityModel) -> Vec<Stage> {
        let ids: Vec<String> = raw.iter().map(|s| s.id.get_ref().clone()).collect();
        let mut seen = BTreeSet::new();
        let mut stages = Vec::new();
        for s in &raw {
            let id = s.id.get_ref();
            if !is_slug(id) || !seen.insert(id.clone()) {
                self.at(&s.id, format!("stage id {id:?} is not a unique slug"));
            }
            let anchor = s.anchor.as_ref().and_then(|a| {
                let parsed = Anchor::parse(a.get_ref());
                match &parsed {
                    None => self.at(
                        a,
                        format!(
                            "unknown anchor {:?}; use detected_at, aware_at, requested_at, closed_at or stage:<id>",
                            a.get_ref()
                        ),
                    ),
                    Some(Anchor::Stage(other)) if other == id => {
                        self.at(a, "a stage cannot count from itself")
                    }
                    Some(Anchor::Stage(other)) if !ids.contains(other) => {
                        self.at(a, format!("unknown stage {other:?}"))
                    }
                    _ => {}
                }
                parsed
            });
            let due = s.due.as_ref().and_then(|d| self.due(d));
            match s.required_when {
                RequiredWhen::Always | RequiredWhen::Significant => {
                    if anchor.is_none() || s.due.is_none() {
                        self.at(&s.id, format!("stage {id}: needs `anchor` and `due`"));
                    }
                    if anchor == Some(Anchor::RequestedAt) {
                        self.at(&s.id, format!("stage {id}: anchor requested_at needs required_when = \"on-request\""));
                    }
                }
                RequiredWhen::OnRequest => {
                    if anchor != Some(Anchor::RequestedAt) {
                        self.at(
                            &s.id,
                            format!("stage {id}: on-request stages need anchor = \"requested_at\""),
                        );
                    }
                }
                RequiredWhen::Conditional => {
                    let referenced = raw.iter().any(|o| {
                        o.if_open_at_due
                            .as_ref()
                            .is_some_and(|i| &i.get_ref().require == id)
                    });
                    if !referenced {
                        self.at(
                            &s.id,
                            format!(
                                "stage {id}: conditional, but no stage's if_open_at_due requires it"
                            ),
                        );
                    }
                }
            }
            let mut due_by_sector = BTreeMap::new();
            for (sector, d) in &s.due_by_sector {
                if let Some(d) = self.due(d) {
                    due_by_sector.insert(sector.clone(), d);
                }
            }
            let mut target_by_level = BTreeMap::new();
            for (level, d) in &s.target_by_level {
                if severity.level(level).is_none() {
                    self.at(
                        d,
                        format!("stage {id}: unknown level {level:?} in target_by_level"),
                    );
                }
                if let Some(d) = self.due(d) {
                    target_by_level.insert(level.clone(), d);
                }
            }
            let if_open_at_due = s.if_open_at_due.as_ref().and_then(|i| {
                let r = i.get_ref();
                let required_ok = raw.iter().any(|o| {
                    o.id.get_ref() == &r.require && o.required_when == RequiredWhen::Conditional
                });
                if !required_ok {
                    self.at(
                        i,
                        format!(
                            "if_open_at_due.require: {:?} is not a conditional stage",
                            r.require
                        ),
                    );
                }
                let rearm_anchor = Anchor::parse(&r.rearm_anchor);
                if rearm_anchor.is_none() {
                    self.at(
                        i,
                        format!(
                            "if_open_at_due.rearm_anchor: unknown anchor {:?}",
                            r.rearm_anchor
                        ),
                    );
                }
                let rearm_due = Due::parse(&r.rearm_due)
                    .map_err(|e| self.at(i, format!("if_open_at_due.rearm_due: {e}")))
                    .ok();
                Some(IfOpenAtDue {
                    require: r.require.clone(),
                    rearm_anchor: rearm_anchor?,
                    rearm_due: rearm_due?,
                })
            });
            stages.push(Stage {
                id: id.clone(),
                name: s.name.clone(),
                required_when: s.required_when,
                anchor,
                due,
                due_by_sector,
                target_by_level,
                after_upgrade: s.after_upgrade,
                repeatable: s.repeatable,
                on_late: s.on_late.clone(),
                if_open_at_due,
            });
        }
        stages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_protocols_load() {
        let r = ProtocolRegistry::builtin();
        let mx = r.get("mx-apf-2025", "2025.1").expect("mx");
        assert_eq!(r.default_protocol().map(|p| p.key()), Some(mx.key()));
        let levels: Vec<_> = mx
            .severity
            .levels
            .iter()
            .map(|l| l.name.es.as_str())
            .collect();
        assert_eq!(levels, ["Crítico", "Muy alto", "Alto", "Medio", "Bajo"]);
        assert!(mx.severity.placeholder, "MX levels are provisional");
        let phases: Vec<_> = mx.phases.iter().map(|p| p.name.es.as_str()).collect();
        assert_eq!(
            phases,
            ["Preparación", "Detección", "Respuesta", "Recuperación"]
        );
        let initial = mx.stage("initial-report").unwrap();
        assert_eq!(initial.anchor, Some(Anchor::DetectedAt));
        assert!(initial.target_by_level["critico"].is_zero());

        let eu = r.get("eu-nis2", "2022-2555.1").expect("nis2");
        let stages: Vec<_> = eu.stages.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            stages,
            [
                "early-warning",
                "notification",
                "intermediate",
                "final",
                "progress"
            ]
        );
        assert_eq!(
            eu.stage("final").unwrap().anchor,
            Some(Anchor::Stage("notification".into()))
        );
        assert_eq!(r.iter().count(), 2);
    }

    #[test]
    fn registry_keeps_versions_and_refuses_duplicates() {
        let mut r = ProtocolRegistry::builtin();
        let text = BUILTIN[1].1.replace("2022-2555.1", "2022-2555.2");
        r.insert(Protocol::from_toml("eu2.toml", &text).unwrap())
            .unwrap();
        assert_eq!(r.versions("eu-nis2").count(), 2);
        assert!(
            r.get("eu-nis2", "2022-2555.1").is_some(),
            "old version still there"
        );
        assert_eq!(r.default_protocol().unwrap().id, "mx-apf-2025");
        let again = Protocol::from_toml("again.toml", BUILTIN[0].1).unwrap();
        let err = r.insert(again).unwrap_err().to_string();
        assert!(
            err.contains("mx-apf-2025@2025.1") && err.contains("again.toml"),
            "{err}"
        );
        assert!(r.set_default(&ProtocolKey::new("eu-nis2", "2022-2555.2")));
        assert_eq!(r.default_protocol().unwrap().version, "2022-2555.2");
    }

    fn line_of(text: &str, needle: &str) -> usize {
        text.lines().position(|l| l.contains(needle)).expect(needle) + 1
    }

    /// Each broken file: (replace this, with this, expected message part, line containing).
    #[test]
    fn errors_name_file_and_line() {
        let base = BUILTIN[1].1;
        let cases = [
            (
                "due = \"PT72H\"",
                "due = \"72 hours\"",
                "is not a duration",
                "due = \"72 hours\"",
            ),
            (
                "anchor = \"stage:notification\"",
                "anchor = \"stage:notifcation\"",
                "unknown stage \"notifcation\"",
                "stage:notifcation",
            ),
            (
                "anchor = \"aware_at\"\ndue = \"PT24H\"",
                "anchor = \"awareness\"\ndue = \"PT24H\"",
                "unknown anchor",
                "\"awareness\"",
            ),
            (
                "required_when = \"on-request\"",
                "required_when = \"sometimes\"",
                "unknown variant",
                "\"sometimes\"",
            ),
            (
                "min_level = \"significant\"",
                "min_level = \"severe\"",
                "unknown level \"severe\"",
                "\"severe\"",
            ),
            (
                "values = [\"yes\"]",
                "values = [\"maybe\"]",
                "\"maybe\" is not a value of cross_border",
                "\"maybe\"",
            ),
            (
                "min_score = 40",
                "min_score = 80",
                "min_score must be below 70",
                "min_score = 80",
            ),
            (
                "taxonomy = \"rsit\"",
                "taxonomy = \"veris\"",
                "unknown taxonomy",
                "veris",
            ),
            (
                "[[stages]]\nid = \"progress\"",
                "[[stages]]\nid = \"final\"",
                "not a unique slug",
                "id = \"final\"",
            ),
            (
                "repeatable = true",
                "repeatable = true\nrepeat = 3",
                "unknown field `repeat`",
                "repeat = 3",
            ),
        ];
        for (from, to, message, line_with) in cases {
            assert!(base.contains(from), "fixture: {from}");
            let text = base.replacen(from, to, 1);
            let err = Protocol::from_toml("data/protocols/bad.toml", &text)
                .unwrap_err()
                .to_string();
            // For the duplicate-id case the second occurrence is the culprit.
            let line = if message == "not a unique slug" {
                text.lines()
                    .enumerate()
                    .filter(|(_, l)| l.contains(line_with))
                    .nth(1)
                    .unwrap()
                    .0
                    + 1
            } else {
                line_of(&text, line_with)
            };
            let prefix = format!("data/protocols/bad.toml:{line}:");
            assert!(err.contains(message), "{to}: {err}");
            assert!(err.contains(&prefix), "{to}: want {prefix} in {err}");
        }
    }

    #[test]
    fn all_problems_are_reported_and_factors_checked() {
        let text = BUILTIN[0]
            .1
            .replace(
                "weight = 1\npoints = { no = 0, yes = 100 }",
                "weight = 1\npoints = { no = 0 }",
            )
            .replace("id = \"bajo\"", "id = \"alto\"");
        let err = Protocol::from_toml("x.toml", &text).unwrap_err();
        let ProtocolError::Invalid { problems, .. } = &err else {
            panic!("{err}")
        };
        let all = err.to_string();
        assert!(problems.len() >= 2, "{all}");
        assert!(all.contains("cross_border: no points for \"yes\""), "{all}");
        assert!(
            all.contains("level id \"alto\" is not a unique slug"),
            "{all}"
        );
    }

    #[test]
    fn load_dir_reads_deployment_files() {
        let dir = std::env::temp_dir().join(format!("incidents-protocols-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let own = BUILTIN[0]
            .1
            .replace("version = \"2025.1\"", "version = \"2026.1\"");
        std::fs::write(dir.join("mx-2026.toml"), own).unwrap();
        std::fs::write(dir.join("notes.txt"), "ignored").unwrap();
        let mut r = ProtocolRegistry::builtin();
        assert_eq!(r.load_dir(&dir).unwrap(), 1);
        assert_eq!(r.default_protocol().unwrap().version, "2026.1");
        std::fs::write(dir.join("broken.toml"), "[protocol\n").unwrap();
        let err = ProtocolRegistry::builtin()
            .load_dir(&dir)
            .unwrap_err()
            .to_string();
        assert!(err.contains("broken.toml:1:"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
