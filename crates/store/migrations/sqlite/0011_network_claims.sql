-- A manual entry beats an imported one: a prefix, ASN or domain may be entered by hand by one
-- institution only, and imported by others too; routing prefers the manual claim. An
-- institution holds each value once. SQLite cannot drop a table constraint: rebuild.
CREATE TABLE networks_claims (
    id BLOB PRIMARY KEY,
    institution_id BLOB NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('cidr', 'asn', 'domain')),
    value TEXT NOT NULL,
    source TEXT NOT NULL DEFAULT 'manual',
    created_at TEXT NOT NULL
);
INSERT INTO networks_claims (id, institution_id, kind, value, source, created_at)
    SELECT id, institution_id, kind, value, source, created_at FROM networks;
DROP TABLE networks;
ALTER TABLE networks_claims RENAME TO networks;
CREATE INDEX networks_institution ON networks (institution_id);
CREATE UNIQUE INDEX networks_held ON networks (institution_id, kind, value);
CREATE UNIQUE INDEX networks_manual ON networks (kind, value) WHERE source <> 'import';
CREATE INDEX networks_value ON networks (kind, value);
