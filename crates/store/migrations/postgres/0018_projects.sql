-- ICT projects per institution, and assessments of one subject (a digital service or an ICT
-- project) with a shipped questionnaire, reviewed by a coordinator or auditor.

CREATE TABLE ict_projects (
    id UUID PRIMARY KEY,
    institution_id UUID NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL CHECK (kind IN ('digital_transformation', 'cloud_migration', 'other')),
    service_id UUID REFERENCES services (id) ON DELETE SET NULL,
    planned_live_on DATE,
    status TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'live', 'retired')),
    went_live_on DATE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ict_projects_institution ON ict_projects (institution_id, name);

-- Campaign assessments stay in `assessments` (one per campaign and institution); a subject's
-- assessment lives here, one per subject and questionnaire, with the resolved questionnaire
-- it answers (so a later edition never rewrites it).
CREATE TABLE subject_assessments (
    id UUID PRIMARY KEY,
    institution_id UUID NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('service', 'project')),
    subject_id UUID NOT NULL,
    questionnaire TEXT NOT NULL CHECK (questionnaire IN ('pia', 'cloud')),
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
    return_reason TEXT NOT NULL DEFAULT '',
    catalog_es TEXT NOT NULL,
    catalog_en TEXT NOT NULL,
    created_by TEXT NOT NULL,
    submitted_by TEXT,
    submitted_at TIMESTAMPTZ,
    decided_by TEXT,
    decided_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (subject_kind, subject_id, questionnaire)
);
CREATE INDEX subject_assessments_institution ON subject_assessments (institution_id, created_at);

-- The questionnaire's measures, flattened like campaign_measures. Weight in thousandths.
CREATE TABLE subject_measures (
    assessment_id UUID NOT NULL REFERENCES subject_assessments (id) ON DELETE CASCADE,
    measure_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    weight BIGINT NOT NULL,
    position BIGINT NOT NULL,
    title_es TEXT NOT NULL,
    title_en TEXT NOT NULL,
    PRIMARY KEY (assessment_id, measure_id)
);

-- The same answer model as assessment_answers.
CREATE TABLE subject_answers (
    assessment_id UUID NOT NULL,
    measure_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('implemented', 'partial', 'planned', 'not_implemented', 'not_applicable')),
    reason TEXT NOT NULL DEFAULT '',
    maturity BIGINT CHECK (maturity BETWEEN 0 AND 5),
    comment TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '[]',
    carried_over BOOLEAN NOT NULL DEFAULT FALSE,
    verdict TEXT CHECK (verdict IN ('accepted', 'rejected')),
    verdict_comment TEXT NOT NULL DEFAULT '',
    verdict_by TEXT,
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (assessment_id, measure_id),
    FOREIGN KEY (assessment_id, measure_id) REFERENCES subject_measures (assessment_id, measure_id) ON DELETE CASCADE
);
