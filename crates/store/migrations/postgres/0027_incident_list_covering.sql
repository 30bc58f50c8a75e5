-- The list's two walks in report order (everyone's, and one institution's) read the columns
-- the visibility condition and the officer's filters test from the index itself: an
-- index-only scan. Testing them on the table meant a random heap read per row walked: an
-- officer's page at offset 5,000 took 30-400 ms, a coordinator's at offset 100,000 300 ms,
-- an officer's class+level filter ANDed two bitmaps (20 ms); index-only, 1.4, 28 and 0.3 ms.
-- The list is newest first with ties by id descending: a backward walk of these ascending
-- indexes, whose new entries land at the right edge (descending ones took every insert at
-- the left edge and cost a third of the reports a second).
CREATE INDEX incidents_institution_listed ON incidents (institution_id, reported_at, id)
    INCLUDE (tlp, reported_by, class, level);
DROP INDEX incidents_institution;
CREATE INDEX incidents_listed ON incidents (reported_at, id)
    INCLUDE (institution_id, tlp, reported_by);
DROP INDEX incidents_reported;
