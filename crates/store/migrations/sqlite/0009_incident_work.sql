-- Working an incident: lifecycle phase and triage, a timeline of entries (comments, events),
-- tasks (from playbooks at triage, or added by hand), and links between incidents.
ALTER TABLE incidents ADD COLUMN phase TEXT NOT NULL DEFAULT '';
ALTER TABLE incidents ADD COLUMN triaged_at TEXT;

CREATE TABLE incident_entries (
    id BLOB PRIMARY KEY,
    incident_id BLOB NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    at TEXT NOT NULL,
    author TEXT NOT NULL
);
CREATE INDEX incident_entries_incident ON incident_entries (incident_id, at);

CREATE TABLE incident_tasks (
    id BLOB PRIMARY KEY,
    incident_id BLOB NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    phase TEXT NOT NULL,
    playbook TEXT NOT NULL DEFAULT '',
    owner TEXT NOT NULL DEFAULT '',
    due_at TEXT,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    done_at TEXT
);
CREATE INDEX incident_tasks_incident ON incident_tasks (incident_id, created_at);

CREATE TABLE incident_links (
    incident_id BLOB NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    related_id BLOB NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    relation TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (incident_id, related_id)
);
