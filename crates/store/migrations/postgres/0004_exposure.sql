-- Third-party reports (Shadowserver-style) and the exposure findings routed from them.
CREATE TABLE feed_reports (
    id UUID PRIMARY KEY,
    filename TEXT NOT NULL,
    report_kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'processing', 'done', 'failed')),
    uploaded_by TEXT NOT NULL,
    rows_read BIGINT NOT NULL DEFAULT 0,
    rows_rejected BIGINT NOT NULL DEFAULT 0,
    events_new BIGINT NOT NULL DEFAULT 0,
    events_repeated BIGINT NOT NULL DEFAULT 0,
    unrouted BIGINT NOT NULL DEFAULT 0,
    summary TEXT,
    error TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
);

CREATE TABLE exposure_events (
    id UUID PRIMARY KEY,
    institution_id UUID REFERENCES institutions (id) ON DELETE CASCADE,
    report_id UUID NOT NULL REFERENCES feed_reports (id) ON DELETE CASCADE,
    feed_name TEXT NOT NULL,
    taxonomy TEXT NOT NULL,
    class_type TEXT NOT NULL,
    identifier TEXT NOT NULL,
    source_ip TEXT NOT NULL,
    source_port BIGINT NOT NULL,
    first_seen TIMESTAMPTZ NOT NULL,
    last_seen TIMESTAMPTZ NOT NULL,
    count BIGINT NOT NULL,
    event TEXT NOT NULL
);
CREATE INDEX exposure_dedup ON exposure_events (source_ip, source_port, identifier, last_seen);
CREATE INDEX exposure_institution ON exposure_events (institution_id, last_seen);
