-- The incident's search text (title, description, reference) folded as the trigram index folds
-- it, stored: a common term (a tenth of a million incidents) is found sooner by walking the
-- list's order and testing each row than by reading every match from the index and sorting
-- them (0.35-0.42 s), and the test must not parse the draft's JSON for each row. SQLite's
-- lower() folds ASCII only, so the server writes this column (`text_fold::incident_text`)
-- with every incident it stores, and fills it at start for rows stored before this column.
ALTER TABLE incidents ADD COLUMN search_fold TEXT;

-- The rows still to fill, and nothing once they are filled.
CREATE INDEX incidents_unfolded ON incidents (reported_at) WHERE search_fold IS NULL;
