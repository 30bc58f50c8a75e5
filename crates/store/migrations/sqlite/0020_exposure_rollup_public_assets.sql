-- The national exposure overview reads a rollup kept by ingestion instead of aggregating every
-- finding per request, and digests cover findings by an ingestion sequence instead of by time.

-- Per institution, classification type and week (the Monday that starts it, UTC, YYYY-MM-DD):
-- findings first seen that week (and their sightings, all of them, counted in the week the
-- finding was first seen), and findings active in it (first seen before its end, last seen
-- after its start). Written in the transaction that stores or updates the findings.
CREATE TABLE exposure_rollup (
    institution_id BLOB NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    class_type TEXT NOT NULL,
    week TEXT NOT NULL,
    new_findings INTEGER NOT NULL DEFAULT 0,
    active_findings INTEGER NOT NULL DEFAULT 0,
    sightings INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (institution_id, class_type, week)
);
CREATE INDEX exposure_rollup_week ON exposure_rollup (week);

-- Every week of each finding's span, the first one marked.
INSERT INTO exposure_rollup (institution_id, class_type, week, new_findings, active_findings, sightings)
WITH RECURSIVE spans (institution_id, class_type, week, last_week, is_first, sightings) AS (
    SELECT institution_id, class_type, date(first_seen, '-6 days', 'weekday 1'),
           date(last_seen, '-6 days', 'weekday 1'), 1, count
    FROM exposure_events WHERE institution_id IS NOT NULL
    UNION ALL
    SELECT institution_id, class_type, date(week, '+7 days'), last_week, 0, 0
    FROM spans WHERE week < last_week
)
SELECT institution_id, class_type, week, SUM(is_first), COUNT(*), SUM(sightings)
FROM spans GROUP BY institution_id, class_type, week;

-- One counter row: each ingestion batch takes the next number (its write holds the row until
-- the batch commits) and stamps the findings it stores or updates with it; a digest claim
-- takes a number too, so every batch numbered below it has committed when the digest reads.
CREATE TABLE exposure_clock (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO exposure_clock (id, seq) VALUES (1, 1);

ALTER TABLE exposure_events ADD COLUMN touched_seq INTEGER NOT NULL DEFAULT 0;
-- Findings no digest has covered yet go to the next one.
UPDATE exposure_events SET touched_seq = 1
WHERE touched_at IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM exposure_digests d
    WHERE d.institution_id = exposure_events.institution_id AND d.covered_until >= exposure_events.touched_at
);
DROP INDEX exposure_touched;
CREATE INDEX exposure_touched_seq ON exposure_events (institution_id, touched_seq);

-- The clock number a digest was claimed at: it covers findings stamped after the previous
-- digest's number, up to its own.
ALTER TABLE exposure_digests ADD COLUMN covered_seq INTEGER;
UPDATE exposure_digests SET covered_seq = 0;

-- Whether an asset is reachable from the Internet: the IPv6 KPI counts these only. Stated in
-- the import or form; when not stated, true exactly when the address is a public IP address
-- (`core::inventory::default_internet_facing`). Existing assets are listed here and
-- evaluated by that rule right after the migrations run (`Db::migrate`).
ALTER TABLE assets ADD COLUMN internet_facing BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE assets_public_pending (id BLOB PRIMARY KEY);
INSERT INTO assets_public_pending (id) SELECT id FROM assets;
