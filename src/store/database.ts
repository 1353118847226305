/**
 * The tables as Kysely sees them. Columns hold what the driver returns: SQLite gives
 * booleans as 0/1 and JSON as text, PostgreSQL gives booleans and parsed JSON; the codec
 * in kysely-store.ts turns both into the port's types.
 */
import type { Generated } from "kysely";

type Bool = number | boolean;
type Json = string | unknown;

export interface SchedulesTable {
  id: string;
  config: Json;
  enabled: Bool;
  next_fire_at: number | null;
  last_fire_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface JobsTable {
  id: string;
  type: string;
  label: string | null;
  status: string;
  reason: string | null;
  has_errors: Bool;
  progress: number;
  data: Json | null;
  results: Json | null;
  checkpoint: Json | null;
  schedule_id: string | null;
  fire_time: number | null;
  low_priority: Bool;
  priority: number;
  attempt: number;
  max_attempts: number;
  run_at: number;
  node: string | null;
  lease_until: number | null;
  run_by_id: string | null;
  run_by_name: string | null;
  create_date: number;
  start_date: number | null;
  end_date: number | null;
  fired_by: string | null;
}

export interface JobLogsTable {
  id: Generated<number>;
  job_id: string;
  at: number;
  level: string;
  message: string;
  additional_info: Json | null;
}

export interface SchedulerStateTable {
  id: number;
  paused: Bool;
  changed_at: number;
  changed_by: string | null;
}

export interface MigrationsTable {
  version: number;
  name: string;
  applied_at: number;
}

export interface Database {
  schedules: SchedulesTable;
  jobs: JobsTable;
  job_logs: JobLogsTable;
  scheduler_state: SchedulerStateTable;
  sundial_migrations: MigrationsTable;
}
