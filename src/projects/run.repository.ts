/**
 * The run and audit history queries: which jobs ran each task and how it went for the
 * task (`task_runs`), and one audit event per run (`task_audit`). Rules (what a run
 * records, when it is retried) live in task-runner.ts; here are only reads and writes.
 */
import type { Kysely, Selectable } from "kysely";
import type { Database } from "../store/database.js";
import type { Store } from "../store/store.js";
import type { RunStatus } from "./project.js";
import type { ProjectTables, TaskAuditTable, TaskRunsTable } from "./project-tables.js";

export type RunRecord = Selectable<TaskRunsTable>;
export type AuditRecord = Selectable<TaskAuditTable>;

/** A run that may not have ended: its job waits, or runs. */
const OPEN: readonly RunStatus[] = ["queued", "running"];

export class RunRepository {
  private constructor(private readonly db: Kysely<Database & ProjectTables>) {}

  static of(store: Store): RunRepository {
    return new RunRepository(store.db.withTables<ProjectTables>());
  }

  /** Records a job enqueued to run a task (run now, a retry); a second record changes nothing. */
  async queue(row: Omit<TaskRunsTable, "status" | "started_at" | "ended_at" | "message">) {
    await this.db
      .insertInto("task_runs")
      .values({ ...row, status: "queued", started_at: null, ended_at: null, message: null })
      .onConflict((oc) => oc.columns(["job_id", "task_id"]).doNothing())
      .execute();
  }

  /** Records that a job started a task; a job its schedule made is first seen here. */
  async start(row: Omit<TaskRunsTable, "status" | "ended_at" | "message">): Promise<void> {
    await this.db
      .insertInto("task_runs")
      .values({ ...row, status: "running", ended_at: null, message: null })
      .onConflict((oc) =>
        oc.columns(["job_id", "task_id"]).doUpdateSet({
          status: "running",
          started_at: row.started_at,
          ended_at: null,
          message: null,
        }),
      )
      .execute();
  }

  async end(
    jobId: string,
    taskId: string,
    change: { status: RunStatus; message: string | null; at: number },
  ): Promise<void> {
    await this.db
      .updateTable("task_runs")
      .set({ status: change.status, message: change.message, ended_at: change.at })
      .where("job_id", "=", jobId)
      .where("task_id", "=", taskId)
      .execute();
  }

  /** A task's runs, the newest first. */
  runsOfTask(taskId: string, limit: number): Promise<RunRecord[]> {
    return this.db
      .selectFrom("task_runs")
      .selectAll()
      .where("task_id", "=", taskId)
      .orderBy("queued_at", "desc")
      .orderBy("job_id", "desc")
      .limit(limit)
      .execute();
  }

  /** A task's runs that may not have ended. */
  openRuns(taskId: string): Promise<RunRecord[]> {
    return this.db
      .selectFrom("task_runs")
      .selectAll()
      .where("task_id", "=", taskId)
      .where("status", "in", [...OPEN])
      .execute();
  }

  async appendAudit(row: TaskAuditTable): Promise<void> {
    await this.db.insertInto("task_audit").values(row).execute();
  }

  /** A task's audit events, the newest first. */
  auditOfTask(taskId: string, limit: number): Promise<AuditRecord[]> {
    return this.db
      .selectFrom("task_audit")
      .selectAll()
      .where("task_id", "=", taskId)
      .orderBy("id", "desc")
      .limit(limit)
      .execute();
  }
}
