-- Working an incident: lifecycle phase and triage, a timeline of entries (comments, events),
-- tasks (from playbooks at triage, or added by hand), and links between incidents.
ALTER TABLE incidents ADD COLUMN phase TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN triaged_at TIMESTAMPTZ;

CREATE TABLE incident_entries (
    id UUID PRIMARY KEY,
    incident_id UUID NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    author TEXT NOT NULL
);
CREATE INDEX incident_entries_incident ON incident_entries (incident_id, at);

CREATE TABLE incident_tasks (
    id UUID PRIMARY KEY,
    incident_id UUID NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    phase TEXT NOT NULL,
    playbook TEXT NOT NULL DEFAULT '',
    owner TEXT NOT NULL DEFAULT '',
    due_at TIMESTAMPTZ,
    status TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    done_at TIMESTAMPTZ
);
CREATE INDEX incident_tasks_incident ON incident_tasks (incident_id, created_at);

CREATE TABLE incident_links (
    incident_id UUID NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    related_id UUID NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    relation TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (incident_id, related_id)
);
