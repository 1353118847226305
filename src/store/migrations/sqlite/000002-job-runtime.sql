-- Indexes for the job runtime's own queries (src/jobs/).

-- A node renews its leases and looks for stop requests among the jobs it holds, every
-- few seconds; without this each of those scans every job ever run.
CREATE INDEX jobs_held ON jobs (node) WHERE node IS NOT NULL;

-- An idle worker sleeps until the earliest PENDING run_at (a retry's backoff, a delayed job).
CREATE INDEX jobs_waiting ON jobs (run_at) WHERE status = 'PENDING';

-- Retention deletes ended jobs oldest first.
CREATE INDEX jobs_ended ON jobs (end_date, id) WHERE status IN ('FINISHED', 'CANCELED');
