-- NCAF framework editions uploaded by a coordinator, next to those shipped in the binary
-- (which are not stored here). The document is the edition file as uploaded and validated by
-- `assess::ncaf`; title, year and counts are copied out for listing without parsing it.
-- Editions are never edited in place: an assessment names the edition it answers, and
-- rewriting one would rescore past years.
CREATE TABLE ncaf_editions (
    edition TEXT PRIMARY KEY,
    year BIGINT NOT NULL,
    title_es TEXT NOT NULL,
    title_en TEXT NOT NULL,
    objectives BIGINT NOT NULL,
    indicators BIGINT NOT NULL,
    document TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TIMESTAMPTZ NOT NULL
);
