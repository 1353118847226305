-- The job claim as a function, so that a claim is one round trip instead of four (BEGIN,
-- the planner settings, the UPDATE, COMMIT): a function's SET clauses hold while its
-- statement is planned and run, and only then. Why the settings: after a burst of
-- enqueues PostgreSQL's statistics still say the queue is nearly empty, and it plans a
-- bitmap scan of every PENDING job and a sort, on every claim (10 ms a claim at a backlog
-- of 20,000); walking jobs_ready in order and stopping at the limit is right at any size.
-- The order of claiming (src/store/sql/claim-jobs.ts says it): normal priority before
-- low, higher priority first, then the job that has waited longest, then id. SKIP LOCKED:
-- concurrent nodes never wait on, or double-claim, a job.
CREATE FUNCTION sundial_claim_jobs(claimer text, claimed_at bigint, leased_until bigint, most integer)
RETURNS SETOF jobs
LANGUAGE sql
SET enable_bitmapscan = off
SET enable_sort = off
AS $$
  UPDATE jobs
  SET status = 'RUNNING', node = claimer, lease_until = leased_until, start_date = claimed_at,
    attempt = attempt + 1
  WHERE id IN (
    SELECT id FROM jobs
    WHERE status = 'PENDING' AND run_at <= claimed_at
    ORDER BY low_priority, priority DESC, run_at, id
    LIMIT most
    FOR UPDATE SKIP LOCKED
  )
  RETURNING *
$$;
