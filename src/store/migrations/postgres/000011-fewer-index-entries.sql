-- Fewer index entries for each job a node claims and ends. Both write a new version of
-- the job's row, and PostgreSQL adds an entry for it to every index whose predicate the
-- row matches: five on a claim and five on an ending before this migration.
--
-- The fire key (each fire of a schedule makes at most one job) now holds only jobs a
-- schedule made: jobs enqueued otherwise have no schedule and took an entry of nulls on
-- every change. The new index is built before the old constraint goes, so the key never
-- lapses; ON CONFLICT names its predicate (KyselyStore.fireKey).
CREATE UNIQUE INDEX jobs_fire ON jobs (schedule_id, fire_time) WHERE schedule_id IS NOT NULL;
ALTER TABLE jobs DROP CONSTRAINT jobs_schedule_id_fire_time_key;

-- The claimed rows are found by their ids, through the primary key: as a join of the
-- queue's ids, PostgreSQL hashed them and read the whole table, history included (7 ms a
-- claim at 20,000 jobs, and growing with the table).
CREATE OR REPLACE FUNCTION sundial_claim_jobs(claimer text, claimed_at bigint, leased_until bigint, most integer)
RETURNS SETOF jobs
LANGUAGE sql
SET enable_bitmapscan = off
SET enable_sort = off
AS $$
  UPDATE jobs
  SET status = 'RUNNING', node = claimer, lease_until = leased_until, start_date = claimed_at,
    attempt = attempt + 1
  WHERE id = ANY(ARRAY(
    SELECT id FROM jobs
    WHERE status = 'PENDING' AND run_at <= claimed_at
    ORDER BY low_priority, priority DESC, run_at, id
    LIMIT most
    FOR UPDATE SKIP LOCKED
  ))
  RETURNING *
$$;
