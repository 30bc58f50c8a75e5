-- Reports arrive in batches (group commit, bulk import): one multi-row INSERT per batch. The
-- counts were kept by a row trigger, one three-row upsert per incident; a statement trigger
-- over the inserted rows adds each batch's counts with one grouped upsert (a batch of reports
-- from a few institutions touches a few dozen counter rows, not three per report). In key
-- order, so concurrent batches take the counter rows' locks in the same order.
DROP TRIGGER incident_counts_insert ON incidents;

CREATE FUNCTION incident_counts_insert_trigger() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO incident_counts (institution_id, tlp, reported_by, dim, key, n)
    SELECT i.institution_id, i.tlp, incident_stats_reporter(i.tlp, i.reported_by), d.dim, d.key, COUNT(*)
    FROM inserted i, LATERAL (VALUES ('month', to_char(i.detected_at AT TIME ZONE 'UTC', 'YYYY-MM')), ('class', i.class), ('level', i.level)) AS d (dim, key)
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (institution_id, tlp, reported_by, dim, key) DO UPDATE SET n = incident_counts.n + excluded.n;
    RETURN NULL;
END
$$;

CREATE TRIGGER incident_counts_insert AFTER INSERT ON incidents
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION incident_counts_insert_trigger();
