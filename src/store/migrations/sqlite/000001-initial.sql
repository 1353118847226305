-- Times are UTC instants in milliseconds since the epoch; ids are stable strings.

CREATE TABLE schedules (
  id TEXT PRIMARY KEY,
  -- The schedule as the user gave it (trigger, policies, what to invoke), as JSON.
  config TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  -- NULL when the schedule will not fire again (its trigger ended, or it is disabled).
  next_fire_at INTEGER,
  last_fire_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX schedules_due ON schedules (next_fire_at) WHERE next_fire_at IS NOT NULL;

CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  label TEXT,
  status TEXT NOT NULL,
  reason TEXT,
  has_errors INTEGER NOT NULL DEFAULT 0,
  progress INTEGER NOT NULL DEFAULT 0,
  data TEXT,
  results TEXT,
  checkpoint TEXT,
  schedule_id TEXT,
  fire_time INTEGER,
  low_priority INTEGER NOT NULL DEFAULT 0,
  priority INTEGER NOT NULL DEFAULT 0,
  attempt INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 1,
  run_at INTEGER NOT NULL,
  node TEXT,
  lease_until INTEGER,
  run_by_id TEXT,
  run_by_name TEXT,
  create_date INTEGER NOT NULL,
  start_date INTEGER,
  end_date INTEGER,
  -- Each fire of a schedule makes at most one job, whichever node claims it.
  UNIQUE (schedule_id, fire_time)
);
CREATE INDEX jobs_ready ON jobs (low_priority, priority DESC, run_at, id) WHERE status = 'PENDING';
CREATE INDEX jobs_created ON jobs (create_date);
CREATE INDEX jobs_leased ON jobs (lease_until) WHERE lease_until IS NOT NULL;

CREATE TABLE job_logs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  level TEXT NOT NULL,
  message TEXT NOT NULL,
  additional_info TEXT
);
CREATE INDEX job_logs_job ON job_logs (job_id, at);
