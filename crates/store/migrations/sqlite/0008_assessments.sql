-- Baselines and assessments: catalog versions with their consultation, campaigns that assign
-- a resolved profile to institutions, answers per measure, auditor verdicts and remediation plans.

-- One version of the national baseline (es and en catalogs) with its sector overlays
-- (a JSON object: sector -> {"es": profile, "en": profile}).
CREATE TABLE catalog_versions (
    id BLOB PRIMARY KEY,
    version TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'consultation', 'adopted', 'mandatory')),
    based_on BLOB REFERENCES catalog_versions (id),
    baseline_es TEXT NOT NULL,
    baseline_en TEXT NOT NULL,
    overlays TEXT NOT NULL,
    consultation_opens TEXT,
    consultation_closes TEXT,
    effective_on TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE catalog_comments (
    id BLOB PRIMARY KEY,
    version_id BLOB NOT NULL REFERENCES catalog_versions (id) ON DELETE CASCADE,
    measure_id TEXT NOT NULL,
    author_email TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    reply TEXT,
    replied_by TEXT,
    replied_at TEXT
);
CREATE INDEX catalog_comments_version ON catalog_comments (version_id, measure_id);

CREATE TABLE campaigns (
    id BLOB PRIMARY KEY,
    title TEXT NOT NULL,
    version_id BLOB NOT NULL REFERENCES catalog_versions (id),
    due_on TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The resolved catalog each profile of a campaign assesses ('baseline' or a sector overlay).
CREATE TABLE campaign_profiles (
    campaign_id BLOB NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    profile TEXT NOT NULL,
    catalog_es TEXT NOT NULL,
    catalog_en TEXT NOT NULL,
    PRIMARY KEY (campaign_id, profile)
);

-- Measures per profile, flattened so roll-ups aggregate in SQL. Weight in thousandths.
CREATE TABLE campaign_measures (
    campaign_id BLOB NOT NULL,
    profile TEXT NOT NULL,
    measure_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    weight INTEGER NOT NULL,
    position INTEGER NOT NULL,
    title_es TEXT NOT NULL,
    title_en TEXT NOT NULL,
    PRIMARY KEY (campaign_id, profile, measure_id),
    FOREIGN KEY (campaign_id, profile) REFERENCES campaign_profiles (campaign_id, profile) ON DELETE CASCADE
);

CREATE TABLE assessments (
    id BLOB PRIMARY KEY,
    campaign_id BLOB NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    institution_id BLOB NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    profile TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (campaign_id, institution_id)
);
CREATE INDEX assessments_institution ON assessments (institution_id, created_at);

CREATE TABLE assessment_answers (
    assessment_id BLOB NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    measure_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('implemented', 'partial', 'planned', 'not_implemented', 'not_applicable')),
    reason TEXT NOT NULL DEFAULT '',
    maturity INTEGER CHECK (maturity BETWEEN 0 AND 5),
    comment TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '[]',
    carried_over INTEGER NOT NULL DEFAULT 0,
    verdict TEXT CHECK (verdict IN ('accepted', 'rejected')),
    verdict_comment TEXT NOT NULL DEFAULT '',
    verdict_by TEXT,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (assessment_id, measure_id)
);

-- Per assessment and group: the answers' figures, rewritten in the transaction that changes
-- an answer, so the national roll-up reads institutions x groups rather than every answer.
-- Earned weight is doubled (partial counts half); weights in thousandths.
CREATE TABLE assessment_group_totals (
    assessment_id BLOB NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    group_id TEXT NOT NULL,
    earned2 INTEGER NOT NULL,
    possible INTEGER NOT NULL,
    maturity_sum INTEGER NOT NULL,
    maturity_weight INTEGER NOT NULL,
    implemented INTEGER NOT NULL,
    partial INTEGER NOT NULL,
    planned INTEGER NOT NULL,
    not_implemented INTEGER NOT NULL,
    not_applicable INTEGER NOT NULL,
    PRIMARY KEY (assessment_id, group_id)
);

CREATE TABLE remediation_items (
    id BLOB PRIMARY KEY,
    assessment_id BLOB NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    measure_id TEXT NOT NULL,
    title TEXT NOT NULL,
    weight INTEGER NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    due_on TEXT,
    status TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (assessment_id, measure_id)
);
