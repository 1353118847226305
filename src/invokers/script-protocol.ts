/**
 * What a script's worker thread and the job's handler say to each other. The worker
 * can't reach the store, so every `sys.jobs` call is a message to the handler, which
 * makes it on the real `JobService` and replies.
 */
import type { JobStatus, RunBy } from "../jobs/job.js";
import type { JobLog } from "../jobs/job.service.js";
import type { JobFindQuery, JobLogQuery } from "../jobs/job-query.js";

/** What the worker starts with (its `workerData`). */
export interface ScriptStart {
  readonly source: string;
  /** The name stacks give the script: its file's path, or `invokeContext.script.source`. */
  readonly filename: string;
  /** The file the script's `require` resolves from. */
  readonly requireFrom: string;
  readonly jobId: string;
  readonly input: unknown;
  /** The record's id when a task scanner runs the script for one (a global `objectID`). */
  readonly objectID?: string;
  readonly context: ScriptRunContext;
  readonly checkpoint: unknown;
}

/** The script's `context`: which job runs it, and the schedule fire that made the job. */
export interface ScriptRunContext {
  readonly jobId: string;
  /** The schedule whose fire made the job, else null. */
  readonly scheduleId: string | null;
  /** That fire's instant (ms since the epoch), else null. */
  readonly fireTime: number | null;
  /** The job's whole data: the schedule's `invokeContext`. */
  readonly invokeContext: unknown;
}

/** The `JobService` methods a script may call through `sys.jobs`. */
export const SYS_JOBS_METHODS = [
  "find",
  "findById",
  "logs",
  "logInfo",
  "logError",
  "waitForJob",
  "setLowPriority",
  "removeLowPriority",
] as const;

/** Calls the handler answers: `sys.jobs` methods, and the running job's own progress and checkpoint. */
export type ScriptCall = (typeof SYS_JOBS_METHODS)[number] | "progress" | "saveCheckpoint";

/** A script failure, as the worker saw it. */
export interface ScriptErrorInfo {
  readonly name: string;
  readonly message: string;
  /** The script's own frames only. */
  readonly stack?: string;
  /** Where in the script (1-based), when the stack says. */
  readonly line?: number;
  readonly column?: number;
}

/** A failed call, as the script receives it (a rebuilt `Error` with these fields). */
export interface CallErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly field?: string;
}

export type FromScript =
  | {
      readonly kind: "log";
      readonly level: "INFO" | "ERROR";
      readonly message: string;
      readonly additionalInfo?: unknown;
    }
  | {
      readonly kind: "call";
      readonly id: number;
      readonly method: ScriptCall;
      readonly args: readonly unknown[];
    }
  /** `setResult(value)`, as JSON; kept in case the script exits without returning. */
  | { readonly kind: "result"; readonly value: unknown }
  | { readonly kind: "done"; readonly results: unknown }
  | { readonly kind: "failed"; readonly error: ScriptErrorInfo };

export type ToScript =
  | { readonly kind: "reply"; readonly id: number; readonly ok: true; readonly value: unknown }
  | {
      readonly kind: "reply";
      readonly id: number;
      readonly ok: false;
      readonly error: CallErrorInfo;
    }
  /** The job must stop: the script's `signal` aborts with a `JobInterrupted` of this kind. */
  | {
      readonly kind: "abort";
      readonly reason: { readonly kind: string; readonly message: string };
    };

/**
 * A job as a script sees it (`sys.jobs.getCurrentJob()`, `find`, `findById`, …): a
 * snapshot read through methods, with calls that act on the job. `refresh()` reads it
 * again; `JSON.stringify(job)` gives the plain job.
 */
export interface ScriptJob {
  id(): string;
  label(): string | null;
  type(): string;
  status(): JobStatus;
  progress(): number;
  /** ms from creation to start (or to now, while it waits). */
  waiting(): number;
  /** ms from start to end (or to now, while it runs). */
  duration(): number;
  hasErrors(): boolean;
  /** ms since the epoch, or null. */
  startDate(): number | null;
  endDate(): number | null;
  runBy(): RunBy | null;
  data(): unknown;
  results(): unknown;
  logs(query?: JobLogQuery): Promise<JobLog[]>;
  logInfo(message: string, additionalInfo?: unknown): Promise<void>;
  logError(message: string, additionalInfo?: unknown): Promise<void>;
  refresh(): Promise<ScriptJob>;
  toJSON(): unknown;
}

/** `sys.jobs` in a script. */
export interface ScriptJobsApi {
  find(query?: JobFindQuery): Promise<ScriptJob[]>;
  findById(jobId: string): Promise<ScriptJob>;
  logs(jobId: string, query?: JobLogQuery): Promise<JobLog[]>;
  logInfo(jobId: string, message: string, additionalInfo?: unknown): Promise<void>;
  logError(jobId: string, message: string, additionalInfo?: unknown): Promise<void>;
  waitForJob(
    jobId: string,
    statuses: JobStatus | string | readonly string[],
    maxTimeMs: number,
  ): Promise<ScriptJob>;
  setLowPriority(jobId: string): Promise<ScriptJob>;
  removeLowPriority(jobId: string): Promise<ScriptJob>;
  getCurrentJobId(): string;
  getCurrentJob(): Promise<ScriptJob>;
}
