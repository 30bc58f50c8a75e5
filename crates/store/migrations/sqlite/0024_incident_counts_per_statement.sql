-- PostgreSQL only (a statement trigger for the counts); SQLite has row triggers alone, and
-- runs them in-process at the cost of an index update each.
SELECT 1;
