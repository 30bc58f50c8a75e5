-- Exposure follow-up per institution: suppression rules for accepted findings, the digest
-- cadence, and one row per digest period claimed by the replica that sends it.

-- When a finding was last stored or updated by an ingestion (not when the source saw it),
-- so a digest lists what arrived since the previous one, whatever the scan dates.
ALTER TABLE exposure_events ADD COLUMN touched_at TEXT;
CREATE INDEX exposure_touched ON exposure_events (institution_id, touched_at);

CREATE TABLE exposure_suppressions (
    id BLOB PRIMARY KEY,
    institution_id BLOB NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    identifier TEXT NOT NULL,
    cidr TEXT,
    port INTEGER,
    reason TEXT NOT NULL,
    expires_on TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX exposure_suppressions_institution ON exposure_suppressions (institution_id);

CREATE TABLE exposure_digest_settings (
    institution_id BLOB PRIMARY KEY REFERENCES institutions (id) ON DELETE CASCADE,
    cadence TEXT NOT NULL CHECK (cadence IN ('off', 'daily', 'weekly')),
    updated_at TEXT NOT NULL
);

CREATE TABLE exposure_digests (
    institution_id BLOB NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    covered_until TEXT NOT NULL,
    findings INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    PRIMARY KEY (institution_id, period)
);
