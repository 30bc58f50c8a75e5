-- Answers inferred from the institution's other assessments (through shared framework ids or
-- OLIR mappings): the provenance as JSON (source assessment, source measure, relationship,
-- how they relate). NULL for answers given by the officer or carried over; cleared on edit.
ALTER TABLE assessment_answers ADD COLUMN inferred_from TEXT;

-- NCAF answers copied from the previous year when a year is opened, until re-answered.
ALTER TABLE ncaf_answers ADD COLUMN carried_over INTEGER NOT NULL DEFAULT 0;
