-- SQLite's folded search text (its 0026). PostgreSQL already stores its own folding of the
-- same text (`search_text`, 0025), tested by LIKE on the walk and indexed by trigrams.
SELECT 1;
