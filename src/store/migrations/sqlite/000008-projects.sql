-- Projects and tasks (src/projects/): a project groups export tasks, runs them in series by
-- rank or in parallel, and has owners and schedules; a task is one export pipeline. Each
-- holds its newest config as JSON text (what runs), never queried inside; the columns
-- beside it (name, enabled, rank, owners) are what lists filter and sort on. Times are UTC
-- instants in milliseconds. The dialect files differ only in INTEGER / BIGINT for instants.

CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  -- What people and URLs call it.
  name TEXT NOT NULL UNIQUE,
  config TEXT NOT NULL,
  -- The number of the config version `config` is; bumped by every edit (a compare-and-set).
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  created_by TEXT,
  updated_by TEXT
);

-- "My projects" and "my tasks" (owner=me) read this rather than the config.
CREATE TABLE project_owners (
  project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  owner TEXT NOT NULL,
  PRIMARY KEY (project_id, owner)
);
CREATE INDEX project_owners_owner ON project_owners (owner);

CREATE TABLE tasks (
  id TEXT PRIMARY KEY,
  -- A project with tasks can't be deleted (the service says so before the key would).
  project_id TEXT NOT NULL REFERENCES projects (id),
  name TEXT NOT NULL,
  -- 1 or 0 in both dialects.
  enabled INTEGER NOT NULL,
  -- The order of a project's run in series: lower first, then by name.
  run_rank INTEGER NOT NULL,
  config TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  created_by TEXT,
  updated_by TEXT,
  UNIQUE (project_id, name)
);
CREATE INDEX tasks_name ON tasks (name);

-- Config history: every create or edit of a project, task or schedule appends its full
-- config; the newest is what runs.
CREATE TABLE config_versions (
  -- project, task or schedule.
  kind TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  config TEXT NOT NULL,
  saved_by TEXT,
  saved_at INTEGER NOT NULL,
  PRIMARY KEY (kind, subject_id, version)
);

-- The runs of each task: which job ran it (a task's own job, or its project's), which
-- attempt, and how it ended for this task (a project job runs several).
CREATE TABLE task_runs (
  job_id TEXT NOT NULL,
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  project_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  -- The job whose failure this run retries.
  retry_of TEXT,
  -- queued, running, succeeded, failed, skipped.
  status TEXT NOT NULL,
  queued_at INTEGER NOT NULL,
  started_at INTEGER,
  ended_at INTEGER,
  message TEXT,
  PRIMARY KEY (job_id, task_id)
);
CREATE INDEX task_runs_task ON task_runs (task_id, queued_at);

-- Audit history: one event per run of a task, appended when it ends.
CREATE TABLE task_audit (
  -- Time-ordered (UUIDv7), so the id is also the order.
  id TEXT PRIMARY KEY,
  task_id TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  project_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  starting_user TEXT,
  -- JSON array of the steps the run took, e.g. ["query warehouse", "write csv", "upload vendor"].
  operations TEXT NOT NULL,
  description TEXT NOT NULL,
  data_source TEXT,
  -- succeeded or failed.
  outcome TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX task_audit_task ON task_audit (task_id, id);
