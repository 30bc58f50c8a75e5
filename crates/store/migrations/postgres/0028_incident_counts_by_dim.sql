-- SQLite's index of the kept counts in (dimension, key) order (its 0028). PostgreSQL sums
-- them with a hash aggregate over the table, and an index holding `n` would make every
-- counter update a non-HOT update, bloating the index at a thousand reports a second.
SELECT 1;
