-- Trust services: e-seals made for institutions, official notices and their
-- registered-delivery evidence (ETSI EN 319 522 events), each sealed.
CREATE TABLE seals (
    id BLOB PRIMARY KEY,
    institution_id BLOB NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    document_name TEXT NOT NULL,
    document_sha256 TEXT NOT NULL,
    -- The detached CAdES-B-T signature, DER in base64.
    seal TEXT NOT NULL,
    signer TEXT NOT NULL,
    sealed_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX seals_institution ON seals (institution_id, created_at);

CREATE TABLE notices (
    id BLOB PRIMARY KEY,
    kind TEXT NOT NULL,
    sender TEXT NOT NULL,
    sender_institution_id BLOB REFERENCES institutions (id) ON DELETE SET NULL,
    recipient_institution_id BLOB NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    incident_id BLOB,
    content_sha256 TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    answered_at TEXT,
    answer_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notices_recipient ON notices (recipient_institution_id, created_at);
CREATE INDEX notices_sender ON notices (sender_institution_id, created_at);

CREATE TABLE delivery_evidence (
    id TEXT PRIMARY KEY,
    notice_id BLOB NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    at TEXT NOT NULL,
    -- The canonical evidence text and its detached seal (DER, base64).
    canonical TEXT NOT NULL,
    seal TEXT NOT NULL
);
CREATE INDEX delivery_evidence_notice ON delivery_evidence (notice_id, at);
CREATE INDEX audit_log_record ON audit_log (record_kind, record_id, id);

-- Late reporting stages already notified: each is told once, whichever replica sees it first.
CREATE TABLE late_notices (
    incident_id BLOB NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    occurrence INTEGER NOT NULL,
    notified_at TEXT NOT NULL,
    PRIMARY KEY (incident_id, stage, occurrence)
);
