/**
 * What projects need from exports: checking a task's export settings, running and
 * previewing one task, and its files. Given by whoever assembles Sundial (src/api/server.ts
 * wires src/exports through src/invokers/export-invoker.ts), because projects/ may import
 * only store, schedules and jobs (DESIGN.md): exports reach projects' connections, so the
 * other direction would close a cycle.
 *
 * The plan of a run is a projects rule (which config, which parameters win), so it is made
 * here: {@link planRun}.
 */
import type { Job, RunBy } from "../jobs/job.js";
import type { Parameters, ProjectConfig, TaskConfig, TaskRetries } from "./project.js";

/**
 * Checks a task's export settings (`source`, `output`, …, as one object) when the task is
 * saved, and answers them as they will be stored; `parameters` are the names the run will
 * have, for the templates that use them; `connectionType` tells the type of a stored
 * connection (`undefined` when none has the name), for the fields that name one.
 * @throws SundialError `badRequest` naming the field, e.g. `output.format.delimiter`,
 *   `destinations[0].connection`.
 */
export type ExportSettingsCheck = (
  settings: Record<string, unknown>,
  field: string,
  options: {
    readonly parameters?: readonly string[];
    readonly connectionType?: (name: string) => Promise<string | undefined>;
  },
) => Promise<unknown>;

/**
 * Stored connections with their secrets, for what delivers a task's files outside a run
 * (resending one): a `ConnectionService` is one.
 */
export interface TaskConnections {
  resolve(
    name: string,
  ): Promise<{ readonly name: string; readonly type: string; readonly settings: unknown }>;
}

/** One task as one run will run it: its newest config, with the parameters merged. */
export interface TaskRunPlan {
  readonly jobId: string;
  /** 1 for the first run; a retry is attempt 2 and on. */
  readonly attempt: number;
  readonly task: {
    readonly id: string;
    readonly name: string;
    readonly spec: Readonly<Record<string, unknown>>;
    readonly retries: TaskRetries;
  };
  readonly project: { readonly id: string; readonly name: string };
  /** The project's parameters, overridden by the task's of the same name. */
  readonly parameters: Parameters;
  readonly timeZone: string;
  /** The run's instant (ms): the fire it was made for (kept by retries), else when it was asked. */
  readonly instant: number;
  /** Who asked for the run (a retry keeps its first run's); `null` for a schedule's. */
  readonly runBy: RunBy | null;
  readonly startingUser: string | null;
}

/** What a run gets from its job. */
export interface TaskRunHooks {
  readonly signal: AbortSignal;
  log(level: "INFO" | "ERROR", message: string): Promise<void>;
  /** 0-100 for this task. */
  progress(percent: number): Promise<void>;
}

/** What one run of one task did, for its audit event and its job's results. */
export interface TaskRunReport {
  /**
   * False when the run went through but something in it failed (a destination that could
   * not take the file): a failure the run survived, which its retries are for.
   */
  readonly ok: boolean;
  /** Why it is not ok. */
  readonly error?: string | undefined;
  /** The steps it took, e.g. `["query warehouse", "write sales.csv", "upload vendor"]`. */
  readonly operations: readonly string[];
  readonly description: string;
  /** Where its rows came from, e.g. `postgres warehouse`. */
  readonly dataSource: string | null;
  /** Why it is not ok, as a registered code: a retry won't repeat some (`badRequest`). */
  readonly code?: string | undefined;
  /** JSON for the job's results. */
  readonly results: unknown;
}

/**
 * Runs one task once. Throws when the run could not go through (a failing query, a stop:
 * then with the signal's reason).
 */
export type TaskExecutor = (plan: TaskRunPlan, hooks: TaskRunHooks) => Promise<TaskRunReport>;

/** What a task's preview shows: the query (or other source) as it will run. */
export type TaskPreviewer = (plan: TaskRunPlan, signal: AbortSignal) => Promise<unknown>;

/** A task's stored files: the file history (`FileHistoryService`), as tasks use it. */
export interface TaskFiles {
  /** The files a task's runs produced, the newest first. */
  list(query: { readonly taskId: string; readonly _size?: number }): Promise<{
    readonly result: unknown[];
  }>;
  /** One file; `taskId` says whose it is. @throws SundialError `notFound`. */
  get(id: string): Promise<{ readonly taskId: string | null }>;
  /**
   * Sends a stored file again to the destinations given, through the connections they name,
   * with the parameters of its templates.
   */
  resend(
    id: string,
    destinations: readonly unknown[],
    options: {
      readonly connections: TaskConnections;
      readonly signal?: AbortSignal | undefined;
      readonly parameters?: Readonly<Record<string, string>>;
    },
  ): Promise<unknown[]>;
}

/**
 * The plan of a run of `task`, from its newest config and its project's.
 * @example planRun(job, 1, { id, name, config }, { id, name, config: project }, { instant: job.fireTime })
 */
export function planRun(
  job: Pick<Job, "id" | "runBy" | "fireTime" | "createDate">,
  attempt: number,
  task: { readonly id: string; readonly config: TaskConfig },
  project: { readonly id: string; readonly config: ProjectConfig },
  instant?: number,
): TaskRunPlan {
  return {
    jobId: job.id,
    attempt,
    task: {
      id: task.id,
      name: task.config.name,
      spec: task.config.spec,
      retries: task.config.retries,
    },
    project: { id: project.id, name: project.config.name },
    parameters: { ...project.config.parameters, ...task.config.parameters },
    timeZone: task.config.timeZone ?? project.config.timeZone,
    instant: instant ?? job.fireTime ?? job.createDate,
    runBy: job.runBy,
    startingUser: job.runBy?.name ?? null,
  };
}
