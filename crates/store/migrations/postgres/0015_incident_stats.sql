-- Incident statistics and text search at national scale (a million incidents). Derived data
-- kept by triggers in the transaction of every change, so it cannot disagree with the rows
-- whatever code writes them.

-- Counts per (institution, label, reporter): the detection month (UTC), the class, the
-- severity level, and the delay bucket (whole hours, truncated, from detection to the first
-- stage submitted). `reported_by` is the reporter for labels that name people (AMBER+STRICT,
-- RED) and the nil id for the open ones, so the list's visibility condition applies as it is.
CREATE TABLE incident_counts (
    institution_id UUID NOT NULL,
    tlp TEXT NOT NULL,
    reported_by UUID NOT NULL,
    dim TEXT NOT NULL,
    key TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (institution_id, tlp, reported_by, dim, key)
);

-- The first stage submitted of each incident that has one (the median delay is exact: the
-- bucket holding it is read back from here).
CREATE TABLE incident_first_reports (
    incident_id UUID PRIMARY KEY,
    institution_id UUID NOT NULL,
    tlp TEXT NOT NULL,
    reported_by UUID NOT NULL,
    detected_at TIMESTAMPTZ NOT NULL,
    first_at TIMESTAMPTZ NOT NULL,
    delay_s BIGINT NOT NULL
);
-- Covering: the median's bucket is read from the index alone (a table read per row cost
-- 80-120 ms for the 19,000 first reports of one hour bucket).
CREATE INDEX incident_first_reports_delay ON incident_first_reports (delay_s, institution_id, tlp, reported_by, detected_at, first_at);

CREATE FUNCTION incident_stats_reporter(tlp TEXT, reported_by UUID) RETURNS UUID
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN tlp IN ('TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER') THEN '00000000-0000-0000-0000-000000000000'::uuid ELSE reported_by END
$$;

CREATE FUNCTION incident_stats_delay(first_at TIMESTAMPTZ, detected_at TIMESTAMPTZ) RETURNS BIGINT
LANGUAGE sql IMMUTABLE AS $$
    SELECT round(extract(epoch FROM (first_at - detected_at)))::bigint
$$;

-- Adds `n` (1 or -1) to an incident's month, class and level counts.
CREATE FUNCTION incident_counts_add(i incidents, n BIGINT) RETURNS VOID
LANGUAGE sql AS $$
    INSERT INTO incident_counts (institution_id, tlp, reported_by, dim, key, n)
    SELECT i.institution_id, i.tlp, incident_stats_reporter(i.tlp, i.reported_by), d.dim, d.key, n
    FROM (VALUES ('month', to_char(i.detected_at AT TIME ZONE 'UTC', 'YYYY-MM')), ('class', i.class), ('level', i.level)) AS d (dim, key)
    ON CONFLICT (institution_id, tlp, reported_by, dim, key) DO UPDATE SET n = incident_counts.n + excluded.n
$$;

CREATE FUNCTION incident_counts_trigger() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM incident_counts_add(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM incident_counts_add(NEW, 1);
    END IF;
    IF TG_OP = 'UPDATE' THEN
        -- The first report's copy of the label, owner and detection follows the incident.
        UPDATE incident_first_reports
        SET institution_id = NEW.institution_id, tlp = NEW.tlp,
            reported_by = incident_stats_reporter(NEW.tlp, NEW.reported_by),
            detected_at = NEW.detected_at, delay_s = incident_stats_delay(first_at, NEW.detected_at)
        WHERE incident_id = NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM incident_first_reports WHERE incident_id = OLD.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER incident_counts_insert AFTER INSERT ON incidents
FOR EACH ROW EXECUTE FUNCTION incident_counts_trigger();
CREATE TRIGGER incident_counts_update AFTER UPDATE OF institution_id, tlp, reported_by, detected_at, class, level ON incidents
FOR EACH ROW WHEN (OLD.institution_id IS DISTINCT FROM NEW.institution_id OR OLD.tlp IS DISTINCT FROM NEW.tlp
    OR OLD.reported_by IS DISTINCT FROM NEW.reported_by OR OLD.detected_at IS DISTINCT FROM NEW.detected_at
    OR OLD.class IS DISTINCT FROM NEW.class OR OLD.level IS DISTINCT FROM NEW.level)
EXECUTE FUNCTION incident_counts_trigger();
CREATE TRIGGER incident_counts_delete AFTER DELETE ON incidents
FOR EACH ROW EXECUTE FUNCTION incident_counts_trigger();

-- A submission may change which stage came first (the earliest `at`).
CREATE FUNCTION incident_first_reports_trigger() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
DECLARE
    incident UUID;
BEGIN
    IF TG_OP = 'DELETE' THEN
        incident := OLD.incident_id;
        DELETE FROM incident_first_reports WHERE incident_id = incident AND first_at = OLD.at;
    ELSE
        incident := NEW.incident_id;
    END IF;
    INSERT INTO incident_first_reports (incident_id, institution_id, tlp, reported_by, detected_at, first_at, delay_s)
    SELECT i.id, i.institution_id, i.tlp, incident_stats_reporter(i.tlp, i.reported_by), i.detected_at, s.at,
           incident_stats_delay(s.at, i.detected_at)
    FROM incidents i, (SELECT MIN(at) AS at FROM incident_submissions WHERE incident_id = incident) s
    WHERE i.id = incident AND s.at IS NOT NULL
    ON CONFLICT (incident_id) DO UPDATE SET first_at = excluded.first_at, delay_s = excluded.delay_s
    WHERE excluded.first_at < incident_first_reports.first_at;
    RETURN NULL;
END
$$;

CREATE TRIGGER incident_first_reports_submit AFTER INSERT OR DELETE ON incident_submissions
FOR EACH ROW EXECUTE FUNCTION incident_first_reports_trigger();

-- The delay buckets follow the first reports.
CREATE FUNCTION incident_delay_trigger() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO incident_counts (institution_id, tlp, reported_by, dim, key, n)
        VALUES (OLD.institution_id, OLD.tlp, OLD.reported_by, 'delay', (OLD.delay_s / 3600)::text, -1)
        ON CONFLICT (institution_id, tlp, reported_by, dim, key) DO UPDATE SET n = incident_counts.n + excluded.n;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO incident_counts (institution_id, tlp, reported_by, dim, key, n)
        VALUES (NEW.institution_id, NEW.tlp, NEW.reported_by, 'delay', (NEW.delay_s / 3600)::text, 1)
        ON CONFLICT (institution_id, tlp, reported_by, dim, key) DO UPDATE SET n = incident_counts.n + excluded.n;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER incident_delay AFTER INSERT OR UPDATE OR DELETE ON incident_first_reports
FOR EACH ROW EXECUTE FUNCTION incident_delay_trigger();

-- What exists already (the triggers above keep it from now on).
INSERT INTO incident_counts (institution_id, tlp, reported_by, dim, key, n)
SELECT i.institution_id, i.tlp, incident_stats_reporter(i.tlp, i.reported_by), d.dim, d.key, COUNT(*)
FROM incidents i, LATERAL (VALUES ('month', to_char(i.detected_at AT TIME ZONE 'UTC', 'YYYY-MM')), ('class', i.class), ('level', i.level)) AS d (dim, key)
GROUP BY 1, 2, 3, 4, 5;

ALTER TABLE incident_first_reports DISABLE TRIGGER incident_delay;
INSERT INTO incident_first_reports (incident_id, institution_id, tlp, reported_by, detected_at, first_at, delay_s)
SELECT i.id, i.institution_id, i.tlp, incident_stats_reporter(i.tlp, i.reported_by), i.detected_at, s.at,
       incident_stats_delay(s.at, i.detected_at)
FROM incidents i JOIN (SELECT incident_id, MIN(at) AS at FROM incident_submissions GROUP BY incident_id) s ON s.incident_id = i.id;
ALTER TABLE incident_first_reports ENABLE TRIGGER incident_delay;
INSERT INTO incident_counts (institution_id, tlp, reported_by, dim, key, n)
SELECT institution_id, tlp, reported_by, 'delay', (delay_s / 3600)::text, COUNT(*)
FROM incident_first_reports GROUP BY 1, 2, 3, 5;

-- The statistics' timeline: the newest severe incidents, nationally and of an institution.
CREATE INDEX incidents_level_detected ON incidents (level, detected_at);
CREATE INDEX incidents_institution_level ON incidents (institution_id, level, detected_at);

-- Text search `q`: substrings of title, description and reference, case and accents folded,
-- through a trigram index. The extensions are trusted (no superuser needed) and live in
-- `public`, named explicitly so the index expression does not depend on `search_path`.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;

CREATE FUNCTION incident_search_text(title TEXT, draft TEXT, reference TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT lower(public.unaccent('public.unaccent'::regdictionary,
        title || chr(31) || coalesce(draft::jsonb ->> 'description', '') || chr(31) || reference))
$$;

CREATE INDEX incidents_search ON incidents USING gin (incident_search_text(title, draft, reference) public.gin_trgm_ops);
