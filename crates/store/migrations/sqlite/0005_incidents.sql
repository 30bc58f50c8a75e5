-- Incidents reported under a national protocol, and the stages submitted for each.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE incidents (
    id BLOB PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    institution_id BLOB NOT NULL REFERENCES institutions (id),
    protocol_id TEXT NOT NULL,
    protocol_version TEXT NOT NULL,
    title TEXT NOT NULL,
    tlp TEXT NOT NULL,
    level TEXT NOT NULL,
    significant INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    class TEXT NOT NULL,
    kind TEXT NOT NULL,
    detected_at TEXT NOT NULL,
    aware_at TEXT NOT NULL,
    reported_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    closed_at TEXT,
    reported_by BLOB NOT NULL,
    draft TEXT NOT NULL,
    assessment TEXT NOT NULL
);
CREATE INDEX incidents_institution ON incidents (institution_id, reported_at);
CREATE INDEX incidents_reported ON incidents (reported_at);

CREATE TABLE incident_submissions (
    incident_id BLOB NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    at TEXT NOT NULL,
    by_email TEXT NOT NULL,
    PRIMARY KEY (incident_id, stage, at)
);
