-- Nothing for SQLite: PostgreSQL's fire key became a partial index at this version, which
-- SQLite's can't without rebuilding the jobs table, and SQLite has no lease index.
-- Versions stay the same in both dialects.
SELECT 1;
