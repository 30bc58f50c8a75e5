//! ICT projects and the assessments of a single subject (a digital service or an ICT project)
//! with a shipped questionnaire: the vocabularies, the review workflow and the rule the
//! national oversight applies. Dates are any ordered type, so the rules stay free of a clock.

use serde::Serialize;

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}

vocabulary!(
    /// What an ICT project does.
    ProjectKind { DigitalTransformation = "digital_transformation", CloudMigration = "cloud_migration", Other = "other" }
);

vocabulary!(
    /// Where an ICT project stands.
    ProjectStatus { Planned = "planned", InProgress = "in_progress", Live = "live", Retired = "retired" }
);

vocabulary!(
    /// The shipped questionnaires: privacy-by-design impact assessment, cloud security gap analysis.
    Questionnaire { Pia = "pia", Cloud = "cloud" }
);

vocabulary!(
    /// What a subject assessment is about.
    SubjectKind { Service = "service", Project = "project" }
);

vocabulary!(
    /// The review of a subject assessment: the institution answers and submits, a coordinator
    /// or auditor approves it or returns it with a reason.
    ReviewStatus { Draft = "draft", Submitted = "submitted", Approved = "approved", Returned = "returned" }
);

impl SubjectKind {
    /// The questionnaires a subject needs approved: a digital service its privacy impact
    /// assessment; an ICT project that one and the cloud security gap analysis.
    pub fn questionnaires(self) -> &'static [Questionnaire] {
        match self {
            SubjectKind::Service => &[Questionnaire::Pia],
            SubjectKind::Project => &[Questionnaire::Pia, Questionnaire::Cloud],
        }
    }
}

impl ReviewStatus {
    /// Answers change only while the institution holds the assessment.
    pub fn editable(self) -> bool {
        matches!(self, ReviewStatus::Draft | ReviewStatus::Returned)
    }

    /// Draft or returned → submitted (institution); submitted → approved or returned
    /// (reviewer). An approved assessment is final.
    pub fn may_become(self, next: ReviewStatus) -> bool {
        matches!(
            (self, next),
            (
                ReviewStatus::Draft | ReviewStatus::Returned,
                ReviewStatus::Submitted
            ) | (
                ReviewStatus::Submitted,
                ReviewStatus::Approved | ReviewStatus::Returned
            )
        )
    }
}

/// Checks a project's status against its went-live date: live needs the date, planned and
/// in-progress projects have none, and the date is neither before the project was registered
/// nor in the future. `Err` is the field's message key.
pub fn check_went_live<D: Ord>(
    status: ProjectStatus,
    went_live: Option<&D>,
    registered: &D,
    today: &D,
) -> Result<(), &'static str> {
    match (status, went_live) {
        (ProjectStatus::Live, None) => Err("err-required"),
        (ProjectStatus::Planned | ProjectStatus::InProgress, Some(_)) => {
            Err("err-went-live-not-live")
        }
        (_, Some(d)) if d < registered => Err("err-went-live-before-registered"),
        (_, Some(d)) if d > today => Err("err-went-live-future"),
        _ => Ok(()),
    }
}

/// Whether the national oversight should already see a project's assessments approved: it is
/// live, or not yet live but past its planned go-live date. Retired projects are out of scope.
pub fn due<D: Ord>(status: ProjectStatus, planned_live: Option<&D>, today: &D) -> bool {
    match status {
        ProjectStatus::Live => true,
        ProjectStatus::Planned | ProjectStatus::InProgress => {
            planned_live.is_some_and(|p| p < today)
        }
        ProjectStatus::Retired => false,
    }
}

/// The questionnaires `kind` needs that are not among those `approved`, in their fixed order.
pub fn missing(kind: SubjectKind, approved: &[Questionnaire]) -> Vec<Questionnaire> {
    kind.questionnaires()
        .iter()
        .copied()
        .filter(|q| !approved.contains(q))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProjectStatus::*;
    use ReviewStatus::*;

    #[test]
    fn vocabularies_read_back() {
        for k in ProjectKind::ALL {
            assert_eq!(ProjectKind::parse(k.as_str()), Some(*k));
        }
        for s in ProjectStatus::ALL {
            assert_eq!(ProjectStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(ProjectKind::parse("blockchain"), None);
        assert_eq!(ReviewStatus::parse("Approved"), None);
    }

    #[test]
    fn the_review_moves_by_the_rules() {
        // (from, to, allowed)
        let cases = [
            (Draft, Submitted, true),
            (Returned, Submitted, true),
            (Submitted, Approved, true),
            (Submitted, Returned, true),
            (Draft, Approved, false),
            (Draft, Returned, false),
            (Approved, Approved, false),
            (Approved, Returned, false),
            (Approved, Submitted, false),
            (Submitted, Submitted, false),
            (Returned, Approved, false),
        ];
        for (from, to, allowed) in cases {
            assert_eq!(from.may_become(to), allowed, "{from:?} -> {to:?}");
        }
        let editable: Vec<_> = ReviewStatus::ALL.iter().filter(|s| s.editable()).collect();
        assert_eq!(editable, [&Draft, &Returned]);
    }

    #[test]
    fn went_live_dates() {
        // (status, went live, registered, today, result)
        let cases = [
            (Live, Some(5), 3, 9, Ok(())),
            (Live, Some(3), 3, 9, Ok(())),
            (Live, None, 3, 9, Err("err-required")),
            (Live, Some(2), 3, 9, Err("err-went-live-before-registered")),
            (Live, Some(10), 3, 9, Err("err-went-live-future")),
            (Planned, Some(5), 3, 9, Err("err-went-live-not-live")),
            (InProgress, Some(5), 3, 9, Err("err-went-live-not-live")),
            (InProgress, None, 3, 9, Ok(())),
            (Retired, None, 3, 9, Ok(())),
            (Retired, Some(4), 3, 9, Ok(())),
        ];
        for (status, went, registered, today, expected) in cases {
            assert_eq!(
                check_went_live(status, went.as_ref(), &registered, &today),
                expected,
                "{status:?} {went:?}"
            );
        }
    }

    #[test]
    fn what_is_due_and_what_is_missing() {
        // (status, planned go-live, today, due)
        let cases = [
            (Live, None, 5, true),
            (Live, Some(9), 5, true),
            (Planned, Some(4), 5, true),
            (Planned, Some(5), 5, false),
            (InProgress, Some(6), 5, false),
            (InProgress, None, 5, false),
            (Retired, Some(1), 5, false),
        ];
        for (status, planned, today, expected) in cases {
            assert_eq!(
                due(status, planned.as_ref(), &today),
                expected,
                "{status:?}"
            );
        }
        use Questionnaire::*;
        assert_eq!(missing(SubjectKind::Project, &[]), [Pia, Cloud]);
        assert_eq!(missing(SubjectKind::Project, &[Cloud]), [Pia]);
        assert!(missing(SubjectKind::Project, &[Cloud, Pia]).is_empty());
        assert_eq!(missing(SubjectKind::Service, &[Cloud]), [Pia]);
        assert!(missing(SubjectKind::Service, &[Pia]).is_empty());
    }
}
