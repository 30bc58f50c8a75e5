-- Evidence files: the bytes live outside the database, content-addressed by SHA-256 under
-- the files directory; a row says what the file is evidence of, who added it and its TLP.
-- `subject_kind` is `incident` (subject_id: the incident) or `assessment` (subject_id:
-- `<assessment id>/<measure id>`).
CREATE TABLE evidence_files (
    id UUID PRIMARY KEY,
    institution_id UUID NOT NULL REFERENCES institutions (id),
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    tlp TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    effective_on DATE,
    expires_on DATE,
    uploaded_by UUID NOT NULL,
    uploaded_by_email TEXT NOT NULL,
    uploaded_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX evidence_files_subject ON evidence_files (subject_kind, subject_id, uploaded_at);

-- AMBER recipients: institutions an incident is shared with, beyond its reporter.
CREATE TABLE incident_recipients (
    incident_id UUID NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    institution_id UUID NOT NULL REFERENCES institutions (id),
    shared_by TEXT NOT NULL,
    shared_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (incident_id, institution_id)
);
CREATE INDEX incident_recipients_institution ON incident_recipients (institution_id, incident_id);
