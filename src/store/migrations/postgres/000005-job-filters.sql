-- Jobs filtered by type and status, newest first (GET /jobs?type=…&status=…), and the
-- count of jobs by type and status that /metrics reads: without this index both read
-- every job (0.1-0.5 s with a million stored). has_errors rides along so that the failed
-- jobs (FINISHED with errors) are told apart in the index rather than in the table; id,
-- the tie-breaker of the order, is left out: it would double the size of every entry.
CREATE INDEX jobs_type_status ON jobs (type, status, create_date, has_errors);
