-- incident_counts is a few thousand rows, each updated by every report it counts. Left at the
-- default, a busy day leaves hundreds of dead versions per live row and the statistics scan a
-- table twenty times its size (measured: 95 MB for 32k rows after a million reports). Half-full
-- pages let each update stay on its page (HOT: no index entry, pruned on the next visit), and
-- vacuum runs after a fixed number of dead rows rather than a share of a small table.
ALTER TABLE incident_counts SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000, autovacuum_analyze_scale_factor = 0.05);
ALTER TABLE incident_first_reports SET (autovacuum_analyze_scale_factor = 0.02);
