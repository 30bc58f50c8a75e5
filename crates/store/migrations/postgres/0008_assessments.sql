-- Baselines and assessments: catalog versions with their consultation, campaigns that assign
-- a resolved profile to institutions, answers per measure, auditor verdicts and remediation plans.

-- One version of the national baseline (es and en catalogs) with its sector overlays
-- (a JSON object: sector -> {"es": profile, "en": profile}).
CREATE TABLE catalog_versions (
    id UUID PRIMARY KEY,
    version TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'consultation', 'adopted', 'mandatory')),
    based_on UUID REFERENCES catalog_versions (id),
    baseline_es TEXT NOT NULL,
    baseline_en TEXT NOT NULL,
    overlays TEXT NOT NULL,
    consultation_opens DATE,
    consultation_closes DATE,
    effective_on DATE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE catalog_comments (
    id UUID PRIMARY KEY,
    version_id UUID NOT NULL REFERENCES catalog_versions (id) ON DELETE CASCADE,
    measure_id TEXT NOT NULL,
    author_email TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    reply TEXT,
    replied_by TEXT,
    replied_at TIMESTAMPTZ
);
CREATE INDEX catalog_comments_version ON catalog_comments (version_id, measure_id);

CREATE TABLE campaigns (
    id UUID PRIMARY KEY,
    title TEXT NOT NULL,
    version_id UUID NOT NULL REFERENCES catalog_versions (id),
    due_on DATE NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- The resolved catalog each profile of a campaign assesses ('baseline' or a sector overlay).
CREATE TABLE campaign_profiles (
    campaign_id UUID NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    profile TEXT NOT NULL,
    catalog_es TEXT NOT NULL,
    catalog_en TEXT NOT NULL,
    PRIMARY KEY (campaign_id, profile)
);

-- Measures per profile, flattened so roll-ups aggregate in SQL. Weight in thousandths.
CREATE TABLE campaign_measures (
    campaign_id UUID NOT NULL,
    profile TEXT NOT NULL,
    measure_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    weight BIGINT NOT NULL,
    position BIGINT NOT NULL,
    title_es TEXT NOT NULL,
    title_en TEXT NOT NULL,
    PRIMARY KEY (campaign_id, profile, measure_id),
    FOREIGN KEY (campaign_id, profile) REFERENCES campaign_profiles (campaign_id, profile) ON DELETE CASCADE
);

CREATE TABLE assessments (
    id UUID PRIMARY KEY,
    campaign_id UUID NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    institution_id UUID NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    profile TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (campaign_id, institution_id)
);
CREATE INDEX assessments_institution ON assessments (institution_id, created_at);

CREATE TABLE assessment_answers (
    assessment_id UUID NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
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
    PRIMARY KEY (assessment_id, measure_id)
);

-- Per assessment and group: the answers' figures, rewritten in the transaction that changes
-- an answer, so the national roll-up reads institutions x groups rather than every answer.
-- Earned weight is doubled (partial counts half); weights in thousandths.
CREATE TABLE assessment_group_totals (
    assessment_id UUID NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    group_id TEXT NOT NULL,
    earned2 BIGINT NOT NULL,
    possible BIGINT NOT NULL,
    maturity_sum BIGINT NOT NULL,
    maturity_weight BIGINT NOT NULL,
    implemented BIGINT NOT NULL,
    partial BIGINT NOT NULL,
    planned BIGINT NOT NULL,
    not_implemented BIGINT NOT NULL,
    not_applicable BIGINT NOT NULL,
    PRIMARY KEY (assessment_id, group_id)
);

CREATE TABLE remediation_items (
    id UUID PRIMARY KEY,
    assessment_id UUID NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    measure_id TEXT NOT NULL,
    title TEXT NOT NULL,
    weight BIGINT NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    due_on DATE,
    status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done')),
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (assessment_id, measure_id)
);
