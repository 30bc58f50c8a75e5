-- Where each audit entry landed in the transparency log (NULL until anchored).
ALTER TABLE audit_log ADD COLUMN log_index INTEGER;
CREATE INDEX audit_log_unanchored ON audit_log (id) WHERE log_index IS NULL;
