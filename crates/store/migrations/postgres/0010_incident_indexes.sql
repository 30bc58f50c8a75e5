-- The incident list at national scale (a million rows): filters by class, severity level and
-- state each walk an index in report order instead of the whole table.
CREATE INDEX incidents_class_level ON incidents (class, level, reported_at);
CREATE INDEX incidents_level ON incidents (level, reported_at);
CREATE INDEX incidents_state ON incidents (state, reported_at);
