/**
 * What users do with a task's runs: run it now, cancel a retry that waits, and read its
 * runs, audit events and files, or all of it with its config versions together (the task
 * page). How a run goes is task-runner.ts's.
 *
 * @example
 * const runs = new TaskRunService(sundial.store, { tasks, jobs: sundial.jobs, files });
 * const job = await runs.run(task.id, { runBy: { id: "usr_1", name: "ada" } });
 */
import { type Clock, systemClock } from "../clock.js";
import { SundialError } from "../errors.js";
import type { Job } from "../jobs/job.js";
import type { JobService } from "../jobs/job.service.js";
import type { Store } from "../store/store.js";
import {
  planRun,
  type TaskConnections,
  type TaskFiles,
  type TaskPreviewer,
} from "./export-ports.js";
import { EXPORT_JOB_TYPE } from "./owned-schedules.js";
import type { AuditEvent, ConfigVersion, RunStatus, Task, TaskRun } from "./project.js";
import type { RunOptions } from "./project.service.js";
import { type AuditRecord, type RunRecord, RunRepository } from "./run.repository.js";
import type { TaskService } from "./task.service.js";

export interface TaskRunServiceOptions {
  readonly tasks: TaskService;
  readonly jobs: JobService;
  /** The file history; without it a task has no files to list or resend. */
  readonly files?: TaskFiles | undefined;
  /** The stored connections a resent file goes through; without them resending is refused. */
  readonly connections?: TaskConnections | undefined;
  /** Shows the query as it will run; without it `preview` is refused. */
  readonly preview?: TaskPreviewer | undefined;
  readonly clock?: Clock;
}

/** Everything a task page shows at once. */
export interface TaskOverview {
  readonly task: Task;
  readonly runs: TaskRun[];
  readonly files: unknown[];
  readonly versions: ConfigVersion[];
  readonly audit: AuditEvent[];
}

const DEFAULT_LIMIT = 50;
const HELD = new Set(["RUNNING", "STOPPING"]);

/** How a run stands when its job ended without the run saying how it went for the task. */
const ENDED_AS: Readonly<Record<string, RunStatus>> = {
  CANCELED: "canceled",
  STOPPED: "stopped",
  FINISHED: "failed",
};

export function toAuditEvent(row: AuditRecord): AuditEvent {
  return {
    id: row.id,
    taskId: row.task_id,
    projectId: row.project_id,
    jobId: row.job_id,
    startingUser: row.starting_user,
    operations: JSON.parse(row.operations) as string[],
    description: row.description,
    dataSource: row.data_source,
    outcome: row.outcome as AuditEvent["outcome"],
    timestamp: row.at,
  };
}

export class TaskRunService {
  private readonly runsRepository: RunRepository;
  private readonly tasks: TaskService;
  private readonly jobs: JobService;
  private readonly files: TaskFiles | undefined;
  private readonly connections: TaskConnections | undefined;
  private readonly previewer: TaskPreviewer | undefined;
  private readonly clock: Clock;

  constructor(store: Store, options: TaskRunServiceOptions) {
    this.runsRepository = RunRepository.of(store);
    this.tasks = options.tasks;
    this.jobs = options.jobs;
    this.files = options.files;
    this.connections = options.connections;
    this.previewer = options.preview;
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Runs a task now, enabled or not: an `export` job whose `runBy` is the caller, which
   * runs the task's newest config.
   * @throws SundialError `notFound`; `badRequest` when no `export` job type is defined.
   */
  async run(id: string, options: RunOptions = {}): Promise<Job> {
    const { record, project } = await this.tasks.state(id);
    const job = await this.jobs.enqueue(
      EXPORT_JOB_TYPE,
      { taskId: id },
      { label: `task ${project.name}/${record.name}`, runBy: options.runBy ?? null },
    );
    await this.runsRepository.queue({
      job_id: job.id,
      task_id: id,
      project_id: record.project_id,
      attempt: 1,
      retry_of: null,
      queued_at: job.createDate,
    });
    return job;
  }

  /**
   * Cancels the retries of a task that wait for their time; answers the jobs canceled
   * (none when none waits).
   * @throws SundialError `notFound`; `conflict` while the task is running.
   */
  async cancelRetry(id: string): Promise<{ canceled: Job[] }> {
    const { config } = await this.tasks.state(id);
    const open = await this.withJobs(await this.runsRepository.openRuns(id));
    const running = open.find(({ job }) => job !== null && HELD.has(job.status));
    if (running !== undefined) {
      throw new SundialError(
        "conflict",
        `Task ${config.name} is running (job ${running.run.job_id}); its retry can be canceled once the run has ended, or stop the job first.`,
        { field: "id" },
      );
    }
    const canceled: Job[] = [];
    for (const { run, job } of open) {
      if (run.attempt < 2 || job?.status !== "PENDING") continue;
      canceled.push(await this.jobs.cancel(run.job_id));
      await this.runsRepository.end(run.job_id, id, {
        status: "canceled",
        message: "retry canceled",
        at: this.clock.now(),
      });
    }
    return { canceled };
  }

  /** A task's runs, the newest first, each with its job while the job is kept. */
  async runs(id: string, limit = DEFAULT_LIMIT): Promise<TaskRun[]> {
    await this.tasks.state(id);
    const rows = await this.withJobs(await this.runsRepository.runsOfTask(id, limit));
    return rows.map(({ run, job }) => ({
      jobId: run.job_id,
      taskId: run.task_id,
      projectId: run.project_id,
      attempt: run.attempt,
      retryOf: run.retry_of,
      status: statusOf(run, job),
      queuedAt: run.queued_at,
      startedAt: run.started_at,
      endedAt: run.ended_at,
      message: run.message,
      job,
    }));
  }

  /** A task's audit events, the newest first. */
  async audit(id: string, limit = DEFAULT_LIMIT): Promise<AuditEvent[]> {
    await this.tasks.state(id);
    return (await this.runsRepository.auditOfTask(id, limit)).map(toAuditEvent);
  }

  /** The files a task's runs produced, the newest first. */
  async fileList(id: string, limit = DEFAULT_LIMIT): Promise<unknown[]> {
    await this.tasks.state(id);
    return this.files === undefined
      ? []
      : (await this.files.list({ taskId: id, _size: limit })).result;
  }

  /**
   * Sends one of the task's files again, to the task's current destinations, through the
   * connections they name now.
   * @throws SundialError `notFound` for a file that is not the task's, or a connection that
   *   is not stored; `badRequest` for a connection of another type than its destination takes.
   */
  async resend(id: string, fileId: string, signal?: AbortSignal): Promise<unknown[]> {
    const { record, config, project } = await this.tasks.state(id);
    const notFound = new SundialError(
      "notFound",
      `Task ${config.name} has no file with the id "${fileId}"; list its files to find one.`,
      { field: "fileId" },
    );
    if (this.files === undefined) throw notFound;
    const file = await this.files.get(fileId).catch((error: unknown) => {
      throw (error as SundialError).code === "notFound" ? notFound : error;
    });
    if (file.taskId !== id) throw notFound;
    const destinations = config.spec.destinations;
    // The templates of email destinations have what a run's have: parameters, task, project.
    const plan = planRun(
      { id: "resend", runBy: null, fireTime: null, createDate: this.clock.now() },
      1,
      { id, config },
      { id: record.project_id, config: project },
    );
    if (this.connections === undefined) {
      throw new SundialError(
        "internal",
        "This server can't resend files: it was assembled without the stored connections to send them through.",
      );
    }
    return this.files.resend(fileId, Array.isArray(destinations) ? destinations : [], {
      connections: this.connections,
      signal,
      parameters: { ...plan.parameters, task: config.name, project: project.name },
    });
  }

  /**
   * The task's source as its next run would run it (the query with its parameters),
   * without running the export.
   * @throws SundialError `notFound`; `unavailable` when this server can't preview.
   */
  async preview(id: string, options: RunOptions & { signal?: AbortSignal } = {}) {
    const { record, config, project } = await this.tasks.state(id);
    if (this.previewer === undefined) {
      throw new SundialError("unavailable", "This server has no export previewer installed.");
    }
    const now = this.clock.now();
    const job = { id: "preview", runBy: options.runBy ?? null, fireTime: null, createDate: now };
    const plan = planRun(
      job,
      1,
      { id: record.id, config },
      { id: record.project_id, config: project },
    );
    return this.previewer(plan, options.signal ?? new AbortController().signal);
  }

  /** The task, its runs, files, config versions and audit events together. */
  async overview(id: string, limit = DEFAULT_LIMIT): Promise<TaskOverview> {
    const [task, runs, files, versions, audit] = await Promise.all([
      this.tasks.get(id),
      this.runs(id, limit),
      this.fileList(id, limit),
      this.tasks.versions(id),
      this.audit(id, limit),
    ]);
    return { task, runs, files, versions: versions.slice(0, limit), audit };
  }

  /** Each run with its job, or null when the job is gone (purged). */
  private withJobs(rows: readonly RunRecord[]) {
    return Promise.all(
      rows.map(async (run) => {
        try {
          return { run, job: await this.jobs.findById(run.job_id) };
        } catch (error) {
          if ((error as SundialError).code !== "notFound") throw error;
          return { run, job: null };
        }
      }),
    );
  }
}

/** The run's own status, or, while it says it has not ended, what its job says. */
function statusOf(run: RunRecord, job: Job | null): RunStatus {
  const recorded = run.status as RunStatus;
  if (recorded !== "queued" && recorded !== "running") return recorded;
  if (job === null) return "failed";
  return ENDED_AS[job.status] ?? recorded;
}
