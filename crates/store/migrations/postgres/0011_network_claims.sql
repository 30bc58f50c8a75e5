-- A manual entry beats an imported one: a prefix, ASN or domain may be entered by hand by one
-- institution only, and imported by others too; routing prefers the manual claim. An
-- institution holds each value once.
ALTER TABLE networks DROP CONSTRAINT networks_kind_value_key;
CREATE UNIQUE INDEX networks_held ON networks (institution_id, kind, value);
CREATE UNIQUE INDEX networks_manual ON networks (kind, value) WHERE source <> 'import';
CREATE INDEX networks_value ON networks (kind, value);
