-- Third-party reports (Shadowserver-style) and the exposure findings routed from them.
CREATE TABLE feed_reports (
    id BLOB PRIMARY KEY,
    filename TEXT NOT NULL,
    report_kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'processing', 'done', 'failed')),
    uploaded_by TEXT NOT NULL,
    rows_read INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    events_new INTEGER NOT NULL DEFAULT 0,
    events_repeated INTEGER NOT NULL DEFAULT 0,
    unrouted INTEGER NOT NULL DEFAULT 0,
    summary TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    finished_at TEXT
);

CREATE TABLE exposure_events (
    id BLOB PRIMARY KEY,
    institution_id BLOB REFERENCES institutions (id) ON DELETE CASCADE,
    report_id BLOB NOT NULL REFERENCES feed_reports (id) ON DELETE CASCADE,
    feed_name TEXT NOT NULL,
    taxonomy TEXT NOT NULL,
    class_type TEXT NOT NULL,
    identifier TEXT NOT NULL,
    source_ip TEXT NOT NULL,
    source_port INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    count INTEGER NOT NULL,
    event TEXT NOT NULL
);
CREATE INDEX exposure_dedup ON exposure_events (source_ip, source_port, identifier, last_seen);
CREATE INDEX exposure_institution ON exposure_events (institution_id, last_seen);
