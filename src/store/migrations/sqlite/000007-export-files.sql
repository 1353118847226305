-- Export files (src/exports/file-history/): every file an export run produced, kept
-- under the server's files directory for download and resending, with its hashes and the
-- run that made it. Ids and names are copied, not referenced: a file outlives its task
-- and job (they may be deleted), and history must still say what made it.

CREATE TABLE export_files (
  id TEXT PRIMARY KEY,
  -- The file's name, as the run named it and destinations received it.
  name TEXT NOT NULL,
  -- Where it is kept, relative to the files directory: "<id>/<name>".
  path TEXT NOT NULL,
  size INTEGER NOT NULL,
  -- Data rows, the header row excluded; 0 is an empty file.
  row_count INTEGER NOT NULL,
  md5 TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  job_id TEXT NOT NULL,
  task_id TEXT,
  task_name TEXT NOT NULL,
  project_id TEXT,
  project_name TEXT,
  started_by TEXT,
  created_at INTEGER NOT NULL
);

-- The lists: a task's files, a project's files, and all of them, newest first; and the
-- retention purge, oldest first.
CREATE INDEX export_files_task ON export_files (task_id, created_at, id);
CREATE INDEX export_files_project ON export_files (project_id, created_at, id);
CREATE INDEX export_files_created ON export_files (created_at, id);

-- The last good copy of each query an export fetched from a server (SFTP, FTP, http), as
-- fetched (before parameters), used when a later fetch fails. Kept in the database rather
-- than on a node's disk, so that every node of a cluster has it.
CREATE TABLE export_query_cache (
  -- "<connection>:<path>", as query-fetch.ts makes it.
  location TEXT PRIMARY KEY,
  query TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  fetched_at INTEGER NOT NULL
);
