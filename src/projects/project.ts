/**
 * Projects and tasks: the export pipelines users build, run and audit.
 *
 * Vocabulary (docs/glossary.md says the same):
 * - **project**: a named group of tasks with owners, parameters, schedules and a run mode.
 * - **task**: one export pipeline (source → processing → file → destinations →
 *   notifications, docs/exports.md) in a project, with its own parameters, schedules and
 *   retries. Its export settings sit in the task object itself, beside its name.
 * - **run mode**: how a project's run takes its enabled tasks: `series` (one after the
 *   other by `rank`, then name; a task that fails is logged and the next one still runs)
 *   or `parallel` (all at once).
 * - **parameters**: named values for queries, file names and messages; a task's override
 *   its project's of the same name.
 * - **retries**: how often, and after how long, a task's failed run is tried again, for
 *   failures the run survived (an upload that timed out); each retry is a job of its own.
 * - **config version**: the full config of a project, task or schedule as one create or
 *   edit left it, with who and when; the newest is what runs.
 * - **audit event**: what one run of a task did: who started it, its operations, a
 *   description, its data source and when.
 * - **run**: one job's go at a task: the task's own job (run now, its schedules, a retry)
 *   or its project's.
 */
import type { Job } from "../jobs/job.js";

export const RUN_MODES = ["series", "parallel"] as const;
export type RunMode = (typeof RUN_MODES)[number];

/** Named text values for queries (bound, never spliced), file names and messages. */
export type Parameters = Readonly<Record<string, string>>;

/** A schedule of a project or task: a trigger and its policies, as in docs/schedules.md. */
export type ScheduleEntry = Readonly<Record<string, unknown>>;

/** A schedule entry as read back: with the id it is stored under and its next fire. */
export type ScheduleView = ScheduleEntry & {
  readonly _id: string;
  readonly nextFireTime: string | null;
};

export interface TaskRetries {
  /** How many times a failed run is tried again; 0: never. */
  readonly count: number;
  /** How long after a failure the retry runs, in ms. */
  readonly delayMs: number;
}

/** Who made a change (`createdBy`, `savedBy`): a user name, when the change came from one. */
export interface SaveOptions {
  readonly by?: string | undefined;
}

/** A project's config: what a version holds. */
export interface ProjectConfig {
  readonly name: string;
  readonly description: string | null;
  readonly owners: string[];
  readonly parameters: Parameters;
  readonly runMode: RunMode;
  /** The zone of its runs' dates (file names) and of schedules that name none. */
  readonly timeZone: string;
  readonly schedules: ScheduleEntry[];
}

export interface Project extends Omit<ProjectConfig, "schedules"> {
  readonly id: string;
  readonly schedules: ScheduleView[];
  readonly taskCount: number;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly createdBy: string | null;
  readonly updatedBy: string | null;
}

export type ProjectSummary = Omit<Project, "schedules" | "parameters">;

/**
 * A task's config: what a version holds. The export settings (`source`, `output`,
 * `destinations`, …; docs/exports.md) are in `spec`, and flattened into the task object
 * users read and write.
 */
export interface TaskConfig {
  readonly projectId: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly rank: number;
  readonly parameters: Parameters;
  /** Overrides the project's time zone for this task's dates. */
  readonly timeZone: string | null;
  readonly schedules: ScheduleEntry[];
  readonly retries: TaskRetries;
  readonly spec: Readonly<Record<string, unknown>>;
}

/** A task as users read it: its config, the export settings flattened in. */
export type Task = Omit<TaskConfig, "spec" | "schedules"> &
  Readonly<Record<string, unknown>> & {
    readonly id: string;
    /** The project's name. */
    readonly project: string;
    readonly schedules: ScheduleView[];
    readonly version: number;
    readonly createdAt: number;
    readonly updatedAt: number;
    readonly createdBy: string | null;
    readonly updatedBy: string | null;
  };

export type ConfigKind = "project" | "task" | "schedule";

export interface ConfigVersion {
  readonly version: number;
  readonly savedBy: string | null;
  readonly savedAt: number;
  readonly config: Readonly<Record<string, unknown>>;
}

/** One difference between two configs, at a path such as `output.format.delimiter` or `destinations[1]`. */
export interface ConfigChange {
  readonly path: string;
  readonly change: "added" | "removed" | "changed";
  readonly from?: unknown;
  readonly to?: unknown;
}

export interface ConfigDiff {
  readonly from: number;
  readonly to: number;
  readonly changes: ConfigChange[];
}

/**
 * `queued` (its job waits), `running`, `succeeded`, `failed`, `skipped` (a disabled task's
 * schedule fired), `stopped` (its job was stopped), `canceled` (its job was canceled).
 */
export const RUN_STATUSES = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "skipped",
  "stopped",
  "canceled",
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** One run of a task, and the job that made it. */
export interface TaskRun {
  readonly jobId: string;
  readonly taskId: string;
  readonly projectId: string;
  readonly attempt: number;
  readonly retryOf: string | null;
  /** How the run went for this task; a run whose job ended without saying is `failed`. */
  readonly status: RunStatus;
  readonly queuedAt: number;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  readonly message: string | null;
  /** The job, when it is still kept (ended jobs are purged after 30 days by default). */
  readonly job: Job | null;
}

export interface AuditEvent {
  readonly id: string;
  readonly taskId: string;
  readonly projectId: string;
  readonly jobId: string;
  /** Who ran it; `null` when a schedule did. */
  readonly startingUser: string | null;
  readonly operations: string[];
  readonly description: string;
  readonly dataSource: string | null;
  readonly outcome: "succeeded" | "failed";
  readonly timestamp: number;
}
