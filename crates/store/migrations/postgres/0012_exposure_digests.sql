-- Exposure follow-up per institution: suppression rules for accepted findings, the digest
-- cadence, and one row per digest period claimed by the replica that sends it.

-- When a finding was last stored or updated by an ingestion (not when the source saw it),
-- so a digest lists what arrived since the previous one, whatever the scan dates.
ALTER TABLE exposure_events ADD COLUMN touched_at TIMESTAMPTZ;
CREATE INDEX exposure_touched ON exposure_events (institution_id, touched_at);

CREATE TABLE exposure_suppressions (
    id UUID PRIMARY KEY,
    institution_id UUID NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    identifier TEXT NOT NULL,
    cidr TEXT,
    port BIGINT,
    reason TEXT NOT NULL,
    expires_on TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX exposure_suppressions_institution ON exposure_suppressions (institution_id);

CREATE TABLE exposure_digest_settings (
    institution_id UUID PRIMARY KEY REFERENCES institutions (id) ON DELETE CASCADE,
    cadence TEXT NOT NULL CHECK (cadence IN ('off', 'daily', 'weekly')),
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE exposure_digests (
    institution_id UUID NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    covered_until TIMESTAMPTZ NOT NULL,
    findings BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (institution_id, period)
);
