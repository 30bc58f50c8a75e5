-- PostgreSQL only (a stored search column); SQLite searches its FTS5 trigram table.
SELECT 1;
