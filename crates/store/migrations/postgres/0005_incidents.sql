-- Incidents reported under a national protocol, and the stages submitted for each.
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE incidents (
    id UUID PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    institution_id UUID NOT NULL REFERENCES institutions (id),
    protocol_id TEXT NOT NULL,
    protocol_version TEXT NOT NULL,
    title TEXT NOT NULL,
    tlp TEXT NOT NULL,
    level TEXT NOT NULL,
    significant BOOLEAN NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    class TEXT NOT NULL,
    kind TEXT NOT NULL,
    detected_at TIMESTAMPTZ NOT NULL,
    aware_at TIMESTAMPTZ NOT NULL,
    reported_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    closed_at TIMESTAMPTZ,
    reported_by UUID NOT NULL,
    draft TEXT NOT NULL,
    assessment TEXT NOT NULL
);
CREATE INDEX incidents_institution ON incidents (institution_id, reported_at);
CREATE INDEX incidents_reported ON incidents (reported_at);

CREATE TABLE incident_submissions (
    incident_id UUID NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    by_email TEXT NOT NULL,
    PRIMARY KEY (incident_id, stage, at)
);
