//! Reporting clocks: each stage's deadline, state and time remaining, at an explicit `now`.
//!
//! Pure functions over UTC instants (no clock reads, no time zones: the interface shows the
//! results in the user's IANA zone). A deadline is met when the submission is at or before it;
//! a stage is late when `now` is strictly after it.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

use crate::protocol::{AfterUpgrade, Anchor, Protocol, RequiredWhen, Stage};

/// A stage submitted at an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Submission {
    pub stage: String,
    pub at: OffsetDateTime,
}

/// A request for an on-request stage (NIS2 intermediate report), with the requester's due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageRequest {
    pub stage: String,
    pub requested_at: OffsetDateTime,
    pub due_at: OffsetDateTime,
}

/// What the clocks need to know about an incident.
#[derive(Debug, Clone, Copy)]
pub struct ClockInput<'a> {
    pub detected_at: OffsetDateTime,
    pub aware_at: OffsetDateTime,
    /// The level in force.
    pub level: &'a str,
    /// When the incident first reached a level that makes `significant` stages required, if that
    /// was after it was reported (an upgrade); `None` when it was significant from the start.
    pub significant_since: Option<OffsetDateTime>,
    /// The reporting entity's sector id (for `due_by_sector`).
    pub sector: Option<&'a str>,
    pub closed_at: Option<OffsetDateTime>,
    pub submissions: &'a [Submission],
    pub requests: &'a [StageRequest],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StageState {
    /// The stage does not apply to this incident (its level, no request…).
    NotRequired,
    /// Applies, but its anchor has not happened yet (final report before the notification).
    Waiting,
    Pending,
    /// Within the protocol's `due_soon` window, or past an "immediately" target.
    DueSoon,
    Late,
    MetOnTime,
    MetLate,
}

/// One stage's clock (repeatable stages get one per request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageClock {
    pub stage: String,
    /// 0 for ordinary stages; the request's index for on-request stages.
    pub occurrence: usize,
    pub state: StageState,
    pub anchor_at: Option<OffsetDateTime>,
    pub deadline: Option<OffsetDateTime>,
    /// An earlier target for the level (`PT0S`: immediately).
    pub target: Option<OffsetDateTime>,
    pub immediate: bool,
    pub submitted_at: Option<OffsetDateTime>,
    /// `deadline − now` while unsubmitted (negative: overdue by).
    pub remaining: Option<Duration>,
    /// Set when the deadline was re-armed (the final report of an incident open at its due date).
    pub rearmed: bool,
    /// Whom to notify if late (from the protocol).
    pub notify_on_late: Vec<String>,
}

impl StageClock {
    pub fn is_late(&self) -> bool {
        self.state == StageState::Late
    }
}

fn first_submission(input: &ClockInput<'_>, stage: &str) -> Option<OffsetDateTime> {
    input
        .submissions
        .iter()
        .filter(|s| s.stage == stage)
        .map(|s| s.at)
        .min()
}

fn anchor_time(input: &ClockInput<'_>, anchor: &Anchor) -> Option<OffsetDateTime> {
    match anchor {
        Anchor::DetectedAt => Some(input.detected_at),
        Anchor::AwareAt => Some(input.aware_at),
        Anchor::ClosedAt => input.closed_at,
        Anchor::RequestedAt => None,
        Anchor::Stage(s) => first_submission(input, s),
    }
}

struct Timing {
    anchor_at: Option<OffsetDateTime>,
    deadline: Option<OffsetDateTime>,
    target: Option<OffsetDateTime>,
    immediate: bool,
    submitted_at: Option<OffsetDateTime>,
    rearmed: bool,
}

fn state_of(t: &Timing, now: OffsetDateTime, due_soon: Duration) -> (StageState, Option<Duration>) {
    let Some(deadline) = t.deadline else {
        return (StageState::Waiting, None);
    };
    if let Some(at) = t.submitted_at {
        let s = if at <= deadline {
            StageState::MetOnTime
        } else {
            StageState::MetLate
        };
        return (s, None);
    }
    let remaining = deadline - now;
    let state = if now > deadline {
        StageState::Late
    } else if remaining <= due_soon || t.target.is_some_and(|target| now >= target) {
        StageState::DueSoon
    } else {
        StageState::Pending
    };
    (state, Some(remaining))
}

fn clock(
    stage: &Stage,
    occurrence: usize,
    t: Timing,
    now: OffsetDateTime,
    due_soon: Duration,
) -> StageClock {
    let (state, remaining) = state_of(&t, now, due_soon);
    StageClock {
        stage: stage.id.clone(),
        occurrence,
        state,
        anchor_at: t.anchor_at,
        deadline: t.deadline,
        target: t.target,
        immediate: t.immediate,
        submitted_at: t.submitted_at,
        remaining,
        rearmed: t.rearmed,
        notify_on_late: stage
            .on_late
            .as_ref()
            .map(|o| o.notify.clone())
            .unwrap_or_default(),
    }
}

fn not_required(stage: &Stage, occurrence: usize, input: &ClockInput<'_>) -> StageClock {
    StageClock {
        stage: stage.id.clone(),
        occurrence,
        state: StageState::NotRequired,
        anchor_at: None,
        deadline: None,
        target: None,
        immediate: false,
        submitted_at: first_submission(input, &stage.id),
        remaining: None,
        rearmed: false,
        notify_on_late: Vec::new(),
    }
}

/// Every stage's clock for an incident, in protocol order. Pure: `now` is an argument.
pub fn stage_clocks(
    protocol: &Protocol,
    input: &ClockInput<'_>,
    now: OffsetDateTime,
) -> Vec<StageClock> {
    let due_soon = protocol.due_soon.fixed;
    let significant = protocol.severity.is_significant(input.level);
    let mut out = Vec::with_capacity(protocol.stages.len());
    // Conditional stages called for by another stage: stage id → (deadline).
    let mut called: Vec<(String, OffsetDateTime)> = Vec::new();
    for stage in &protocol.stages {
        match stage.required_when {
            RequiredWhen::Conditional => continue,
            RequiredWhen::OnRequest => {
                out.extend(request_clocks(stage, input, now, due_soon));
                continue;
            }
            RequiredWhen::Significant if !significant => {
                out.push(not_required(stage, 0, input));
                continue;
            }
            RequiredWhen::Significant | RequiredWhen::Always => {}
        }
        let (Some(anchor), Some(due)) = (&stage.anchor, &stage.due) else {
            out.push(not_required(stage, 0, input));
            continue;
        };
        let mut anchor_at = anchor_time(input, anchor);
        if stage.required_when == RequiredWhen::Significant
            && stage.after_upgrade == AfterUpgrade::Upgrade
            && let (Some(a), Some(up)) = (anchor_at, input.significant_since)
        {
            anchor_at = Some(a.max(up));
        }
        let due = input
            .sector
            .and_then(|s| stage.due_by_sector.get(s))
            .unwrap_or(due);
        let target_due = stage.target_by_level.get(input.level);
        let mut t = Timing {
            anchor_at,
            deadline: anchor_at.map(|a| due.after(a)),
            target: anchor_at.zip(target_due).map(|(a, d)| d.after(a)),
            immediate: target_due.is_some_and(|d| d.is_zero()),
            submitted_at: first_submission(input, &stage.id),
            rearmed: false,
        };
        if let (Some(rule), Some(d)) = (&stage.if_open_at_due, t.deadline) {
            let met_by_due = t.submitted_at.is_some_and(|s| s <= d);
            let open_at_due = input.closed_at.is_none_or(|c| c > d);
            if !met_by_due && open_at_due {
                called.push((rule.require.clone(), d));
                if now > d {
                    // Still open at the due date: the progress report was due then, and this
                    // stage counts again from the re-arm anchor.
                    let re = anchor_time(input, &rule.rearm_anchor);
                    t.anchor_at = re;
                    t.deadline = re.map(|a| rule.rearm_due.after(a));
                    t.rearmed = true;
                }
            }
        }
        out.push(clock(stage, 0, t, now, due_soon));
    }
    for stage in protocol
        .stages
        .iter()
        .filter(|s| s.required_when == RequiredWhen::Conditional)
    {
        match called.iter().find(|(id, _)| id == &stage.id) {
            Some((_, deadline)) => {
                let t = Timing {
                    anchor_at: Some(*deadline),
                    deadline: Some(*deadline),
                    target: None,
                    immediate: false,
                    submitted_at: first_submission(input, &stage.id),
                    rearmed: false,
                };
                out.push(clock(stage, 0, t, now, due_soon));
            }
            None => out.push(not_required(stage, 0, input)),
        }
    }
    out
}

fn request_clocks(
    stage: &Stage,
    input: &ClockInput<'_>,
    now: OffsetDateTime,
    due_soon: Duration,
) -> Vec<StageClock> {
    let mut requests: Vec<&StageRequest> = input
        .requests
        .iter()
        .filter(|r| r.stage == stage.id)
        .collect();
    if requests.is_empty() {
        return vec![not_required(stage, 0, input)];
    }
    requests.sort_by_key(|r| r.requested_at);
    let mut submissions: Vec<OffsetDateTime> = input
        .submissions
        .iter()
        .filter(|s| s.stage == stage.id)
        .map(|s| s.at)
        .collect();
    submissions.sort();
    // The n-th submission after a request answers it.
    let mut used = 0;
    requests
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let answer = submissions[used.min(submissions.len())..]
                .iter()
                .position(|s| *s >= r.requested_at);
            let submitted_at = answer.map(|p| {
                used += p + 1;
                submissions[used - 1]
            });
            let t = Timing {
                anchor_at: Some(r.requested_at),
                deadline: Some(r.due_at),
                target: None,
                immediate: false,
                submitted_at,
                rearmed: false,
            };
            clock(stage, i, t, now, due_soon)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::ProtocolRegistry;
    use time::macros::datetime;

    fn sub(stage: &str, at: OffsetDateTime) -> Submission {
        Submission {
            stage: stage.into(),
            at,
        }
    }

    fn hours(h: i64) -> Duration {
        Duration::hours(h)
    }

    /// MX: one stage, 24 h from detection, "immediately" for crítico.
    #[test]
    fn mx_initial_report_table() {
        let r = ProtocolRegistry::builtin();
        let mx = r.get("mx-apf-2025", "2025.1").unwrap();
        let d = datetime!(2026-03-02 09:00 UTC);
        #[allow(clippy::type_complexity)]
        let cases: Vec<(
            &str,
            &str,
            Option<i64>,
            Option<OffsetDateTime>,
            i64,
            StageState,
            Option<Duration>,
        )> = vec![
            (
                "pending",
                "alto",
                None,
                None,
                3,
                StageState::Pending,
                Some(hours(21)),
            ),
            (
                "due soon inside 6 h",
                "alto",
                None,
                None,
                20,
                StageState::DueSoon,
                Some(hours(4)),
            ),
            (
                "exactly at the deadline is not late",
                "alto",
                None,
                None,
                24,
                StageState::DueSoon,
                Some(hours(0)),
            ),
            (
                "late",
                "alto",
                None,
                None,
                25,
                StageState::Late,
                Some(hours(-1)),
            ),
            (
                "met on time",
                "muy-alto",
                Some(23),
                None,
                30,
                StageState::MetOnTime,
                None,
            ),
            (
                "met at the deadline",
                "alto",
                Some(24),
                None,
                30,
                StageState::MetOnTime,
                None,
            ),
            (
                "met late",
                "alto",
                Some(26),
                None,
                30,
                StageState::MetLate,
                None,
            ),
            (
                "critical is due immediately",
                "critico",
                None,
                None,
                0,
                StageState::DueSoon,
                Some(hours(24)),
            ),
            (
                "critical late after 24 h",
                "critico",
                None,
                None,
                25,
                StageState::Late,
                Some(hours(-1)),
            ),
            (
                "medio: not required",
                "medio",
                None,
                None,
                30,
                StageState::NotRequired,
                None,
            ),
            // The MX clock counts from detection even after an upgrade.
            (
                "upgrade keeps the anchor",
                "alto",
                None,
                Some(d + hours(30)),
                31,
                StageState::Late,
                Some(hours(-7)),
            ),
        ];
        for (name, level, submitted, since, now, state, remaining) in cases {
            let subs: Vec<_> = submitted
                .map(|h| sub("initial-report", d + hours(h)))
                .into_iter()
                .collect();
            let input = ClockInput {
                detected_at: d,
                aware_at: d + hours(1),
                level,
                significant_since: since,
                sector: None,
                closed_at: None,
                submissions: &subs,
                requests: &[],
            };
            let c = &stage_clocks(mx, &input, d + hours(now))[0];
            assert_eq!(c.state, state, "{name}");
            assert_eq!(c.remaining, remaining, "{name}");
            if state != StageState::NotRequired {
                assert_eq!(c.deadline, Some(d + hours(24)), "{name}");
                assert_eq!(c.notify_on_late.len(), 3, "{name}");
            }
            assert_eq!(c.immediate, level == "critico", "{name}");
            if level == "critico" {
                assert_eq!(c.target, Some(d), "{name}");
            }
        }
    }

    struct Nis2Case {
        name: &'static str,
        level: &'static str,
        sector: Option<&'static str>,
        since: Option<OffsetDateTime>,
        closed: Option<OffsetDateTime>,
        submissions: Vec<Submission>,
        requests: Vec<StageRequest>,
        now: OffsetDateTime,
        /// (stage, occurrence, state, deadline)
        expect: Vec<(&'static str, usize, StageState, Option<OffsetDateTime>)>,
    }

    #[test]
    fn nis2_table() {
        let r = ProtocolRegistry::builtin();
        let eu = r.get("eu-nis2", "2022-2555.1").unwrap();
        let aware = datetime!(2026-01-28 10:00 UTC);
        let notified = datetime!(2026-01-31 09:00 UTC);
        let base = |name| Nis2Case {
            name,
            level: "significant",
            sector: None,
            since: None,
            closed: None,
            submissions: vec![],
            requests: vec![],
            now: aware + hours(2),
            expect: vec![],
        };
        use StageState::*;
        let cases = vec![
            Nis2Case {
                expect: vec![
                    ("early-warning", 0, Pending, Some(aware + hours(24))),
                    ("notification", 0, Pending, Some(aware + hours(72))),
                    ("intermediate", 0, NotRequired, None),
                    ("final", 0, Waiting, None),
                    ("progress", 0, NotRequired, None),
                ],
                ..base("fresh significant incident")
            },
            Nis2Case {
                sector: Some("trust-services"),
                expect: vec![("notification", 0, Pending, Some(aware + hours(24)))],
                ..base("trust services notify in 24 h")
            },
            Nis2Case {
                level: "minor",
                now: aware + hours(100),
                expect: vec![
                    ("early-warning", 0, NotRequired, None),
                    ("notification", 0, NotRequired, None),
                    ("final", 0, NotRequired, None),
                ],
                ..base("not significant")
            },
            Nis2Case {
                since: Some(aware + hours(48)),
                now: aware + hours(50),
                expect: vec![
                    ("early-warning", 0, Pending, Some(aware + hours(72))),
                    ("notification", 0, Pending, Some(aware + hours(120))),
                ],
                ..base("upgrade restarts the NIS2 clocks")
            },
            Nis2Case {
                submissions: vec![
                    sub("early-warning", aware + hours(20)),
                    sub("notification", notified),
                ],
                now: datetime!(2026-02-10 00:00 UTC),
                expect: vec![
                    ("early-warning", 0, MetOnTime, Some(aware + hours(24))),
                    ("notification", 0, MetOnTime, Some(aware + hours(72))),
                    // One calendar month from 31 Jan is 28 Feb.
                    ("final", 0, Pending, Some(datetime!(2026-02-28 09:00 UTC))),
                    (
                        "progress",
                        0,
                        Pending,
                        Some(datetime!(2026-02-28 09:00 UTC)),
                    ),
                ],
                ..base("final one month after the notification")
            },
            Nis2Case {
                submissions: vec![sub("notification", notified)],
                now: datetime!(2026-03-01 00:00 UTC),
                expect: vec![
                    ("early-warning", 0, Late, Some(aware + hours(24))),
                    ("final", 0, Waiting, None),
                    ("progress", 0, Late, Some(datetime!(2026-02-28 09:00 UTC))),
                ],
                ..base("still open at the due date: progress report was due")
            },
            Nis2Case {
                submissions: vec![
                    sub("notification", notified),
                    sub("progress", datetime!(2026-02-27 12:00 UTC)),
                ],
                closed: Some(datetime!(2026-03-10 12:00 UTC)),
                now: datetime!(2026-03-11 00:00 UTC),
                expect: vec![
                    ("final", 0, Pending, Some(datetime!(2026-04-10 12:00 UTC))),
                    (
                        "progress",
                        0,
                        MetOnTime,
                        Some(datetime!(2026-02-28 09:00 UTC)),
                    ),
                ],
                ..base("final re-armed one month after closure")
            },
            Nis2Case {
                submissions: vec![sub("notification", notified)],
                closed: Some(datetime!(2026-02-20 00:00 UTC)),
                now: datetime!(2026-03-01 00:00 UTC),
                expect: vec![
                    ("final", 0, Late, Some(datetime!(2026-02-28 09:00 UTC))),
                    ("progress", 0, NotRequired, None),
                ],
                ..base("closed before the due date: final is late")
            },
            Nis2Case {
                submissions: vec![
                    sub("notification", notified),
                    sub("final", datetime!(2026-02-25 00:00 UTC)),
                ],
                now: datetime!(2026-03-05 00:00 UTC),
                expect: vec![
                    ("final", 0, MetOnTime, Some(datetime!(2026-02-28 09:00 UTC))),
                    ("progress", 0, NotRequired, None),
                ],
                ..base("final on time")
            },
            Nis2Case {
                requests: vec![
                    StageRequest {
                        stage: "intermediate".into(),
                        requested_at: datetime!(2026-02-05 00:00 UTC),
                        due_at: datetime!(2026-02-08 00:00 UTC),
                    },
                    StageRequest {
                        stage: "intermediate".into(),
                        requested_at: datetime!(2026-02-10 00:00 UTC),
                        due_at: datetime!(2026-02-12 00:00 UTC),
                    },
                ],
                submissions: vec![sub("intermediate", datetime!(2026-02-07 00:00 UTC))],
                now: datetime!(2026-02-13 00:00 UTC),
                expect: vec![
                    (
                        "intermediate",
                        0,
                        MetOnTime,
                        Some(datetime!(2026-02-08 00:00 UTC)),
                    ),
                    (
                        "intermediate",
                        1,
                        Late,
                        Some(datetime!(2026-02-12 00:00 UTC)),
                    ),
                ],
                ..base("intermediate reports on request")
            },
        ];
        for case in cases {
            let input = ClockInput {
                detected_at: aware - hours(30),
                aware_at: aware,
                level: case.level,
                significant_since: case.since,
                sector: case.sector,
                closed_at: case.closed,
                submissions: &case.submissions,
                requests: &case.requests,
            };
            let clocks = stage_clocks(eu, &input, case.now);
            for (stage, occurrence, state, deadline) in &case.expect {
                let c = clocks
                    .iter()
                    .find(|c| c.stage == *stage && c.occurrence == *occurrence)
                    .unwrap_or_else(|| panic!("{}: no clock {stage}#{occurrence}", case.name));
                assert_eq!(
                    (c.state, c.deadline),
                    (*state, *deadline),
                    "{}: {stage}#{occurrence}",
                    case.name
                );
            }
        }
    }
}
