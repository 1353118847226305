-- The node that claimed a schedule's fire and made its job (NULL for a job enqueued directly).
ALTER TABLE jobs ADD COLUMN fired_by TEXT;

-- Held jobs are few (those running now, across the cluster), so the held index also
-- serves the search for lapsed leases: one index fewer to write on every claim.
DROP INDEX jobs_leased;

-- The scheduler's state shared by every node: one row. `paused` is maintenance mode
-- (pauseJobs): no node fires a schedule until it is resumed.
CREATE TABLE scheduler_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  paused INTEGER NOT NULL,
  changed_at BIGINT NOT NULL,
  changed_by TEXT
);
INSERT INTO scheduler_state (id, paused, changed_at, changed_by) VALUES (1, 0, 0, NULL);
