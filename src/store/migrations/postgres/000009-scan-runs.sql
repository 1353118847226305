-- Task scanner runs (src/scanner/): one row per run of a `taskScanner` job, keyed by the
-- job's id, with the counts it has reached (written while it runs, so that every node's
-- API shows any run's progress) and how it ended. Ended runs past the newest N (the
-- server's scanRunsKept) are deleted when a run ends. Times are UTC instants in
-- milliseconds. The dialect files differ only in INTEGER / BIGINT for instants.

CREATE TABLE scan_runs (
  id TEXT PRIMARY KEY,
  -- The schedule scanned for; NULL for a job enqueued without one.
  schedule TEXT,
  -- INITIALIZED, ACTIVE, COMPLETED, CANCELLED or ERROR.
  state TEXT NOT NULL,
  total INTEGER NOT NULL,
  processed INTEGER NOT NULL,
  successes INTEGER NOT NULL,
  failures INTEGER NOT NULL,
  -- Records another scanner claimed first.
  skipped INTEGER NOT NULL,
  message TEXT,
  node TEXT,
  started_by TEXT,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  ended_at BIGINT,
  updated_at BIGINT NOT NULL
);

-- The list, newest first; the retention purge, the newest ended first.
CREATE INDEX scan_runs_created ON scan_runs (created_at, id);
CREATE INDEX scan_runs_ended ON scan_runs (ended_at, id);
