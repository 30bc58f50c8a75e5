-- National capabilities self-assessment (NCAF): one assessment per year, scored against the
-- framework edition it names; answers per indicator. Figures are computed by `assess::ncaf`
-- from the answers when read, so nothing derived is stored.
CREATE TABLE ncaf_assessments (
    id BLOB PRIMARY KEY,
    year INTEGER NOT NULL UNIQUE,
    edition TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE ncaf_answers (
    assessment_id BLOB NOT NULL REFERENCES ncaf_assessments (id) ON DELETE CASCADE,
    indicator_id TEXT NOT NULL,
    answer TEXT NOT NULL CHECK (answer IN ('yes', 'no', 'not-applicable')),
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (assessment_id, indicator_id)
);

-- Campaign reminders sent: claimed with an insert by whichever worker replica gets there
-- first, so each (campaign, institution, kind) is mailed once.
CREATE TABLE campaign_reminders (
    campaign_id BLOB NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    institution_id BLOB NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (campaign_id, institution_id, kind)
);
