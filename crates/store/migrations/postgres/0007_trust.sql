-- Trust services: e-seals made for institutions, official notices and their
-- registered-delivery evidence (ETSI EN 319 522 events), each sealed.
CREATE TABLE seals (
    id UUID PRIMARY KEY,
    institution_id UUID NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    document_name TEXT NOT NULL,
    document_sha256 TEXT NOT NULL,
    -- The detached CAdES-B-T signature, DER in base64.
    seal TEXT NOT NULL,
    signer TEXT NOT NULL,
    sealed_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX seals_institution ON seals (institution_id, created_at);

CREATE TABLE notices (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL,
    sender TEXT NOT NULL,
    sender_institution_id UUID REFERENCES institutions (id) ON DELETE SET NULL,
    recipient_institution_id UUID NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    incident_id UUID,
    content_sha256 TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    answered_at TIMESTAMPTZ,
    answer_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notices_recipient ON notices (recipient_institution_id, created_at);
CREATE INDEX notices_sender ON notices (sender_institution_id, created_at);

CREATE TABLE delivery_evidence (
    id TEXT PRIMARY KEY,
    notice_id UUID NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    -- The canonical evidence text and its detached seal (DER, base64).
    canonical TEXT NOT NULL,
    seal TEXT NOT NULL
);
CREATE INDEX delivery_evidence_notice ON delivery_evidence (notice_id, at);
CREATE INDEX audit_log_record ON audit_log (record_kind, record_id, id);

-- Late reporting stages already notified: each is told once, whichever replica sees it first.
CREATE TABLE late_notices (
    incident_id UUID NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    occurrence BIGINT NOT NULL,
    notified_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (incident_id, stage, occurrence)
);
