-- Nothing for SQLite: its claim is one statement already (src/store/sql/claim-jobs.ts);
-- PostgreSQL's became a function at this version. Versions stay the same in both dialects.
SELECT 1;
