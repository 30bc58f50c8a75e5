-- PostgreSQL only (storage parameters of incident_counts); SQLite updates rows in place.
SELECT 1;
