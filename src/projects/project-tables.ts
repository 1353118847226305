/**
 * The project tables as Kysely sees them (created by migration 000008-projects), reached
 * with `store.db.withTables<ProjectTables>()`. No column differs between the dialects:
 * configs are JSON text, flags 0/1 integers, instants BIGINT (read back as numbers).
 */

export interface ProjectsTable {
  id: string;
  name: string;
  config: string;
  version: number;
  created_at: number;
  updated_at: number;
  created_by: string | null;
  updated_by: string | null;
}

export interface ProjectOwnersTable {
  project_id: string;
  owner: string;
}

export interface TasksTable {
  id: string;
  project_id: string;
  name: string;
  enabled: number;
  run_rank: number;
  config: string;
  version: number;
  created_at: number;
  updated_at: number;
  created_by: string | null;
  updated_by: string | null;
}

export interface ConfigVersionsTable {
  kind: string;
  subject_id: string;
  version: number;
  config: string;
  saved_by: string | null;
  saved_at: number;
}

export interface TaskRunsTable {
  job_id: string;
  task_id: string;
  project_id: string;
  attempt: number;
  retry_of: string | null;
  status: string;
  queued_at: number;
  started_at: number | null;
  ended_at: number | null;
  message: string | null;
}

export interface TaskAuditTable {
  id: string;
  task_id: string;
  project_id: string;
  job_id: string;
  starting_user: string | null;
  operations: string;
  description: string;
  data_source: string | null;
  outcome: string;
  at: number;
}

// A type, not an interface: withTables needs the implicit index signature only types have.
export type ProjectTables = {
  projects: ProjectsTable;
  project_owners: ProjectOwnersTable;
  tasks: TasksTable;
  config_versions: ConfigVersionsTable;
  task_runs: TaskRunsTable;
  task_audit: TaskAuditTable;
};
