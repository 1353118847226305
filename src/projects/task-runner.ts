/**
 * How a run goes: the `export` job type's handler (defined by
 * src/invokers/export-invoker.ts). A job names a task (run now, one of its schedules, a
 * retry) or a project (run now, one of its schedules). The rules:
 *
 * - a run takes the newest config of its task and project, the task's parameters over the
 *   project's (export-ports.ts, `planRun`);
 * - a project runs its enabled tasks by rank in `series`, where a task that fails is
 *   logged (an ERROR line, so the job `hasErrors`) and the next one still runs, or all at
 *   once in `parallel`; its job's progress is its tasks' together;
 * - a schedule of a disabled task makes a run that skips it;
 * - every run of a task records how it went (`task_runs`) and appends an audit event;
 * - a failed run is retried while the task's retries last, after its delay, as a new
 *   `export` job (attempt 2, 3, …) that names the failed one and keeps its instant, so that
 *   it writes the same file names. Mistakes a retry would repeat (an invalid config, a row
 *   the format can't write) are not retried, nor is a run that was stopped.
 *
 * Retries are jobs of their own rather than the job runtime's attempts because the
 * runtime's delay belongs to the job type and a schedule's fires take the type's
 * `maxAttempts`, while each task has its own; `cancelRetry` cancels the waiting job.
 */
import { type Clock, systemClock } from "../clock.js";
import { errorCodeOf, SundialError } from "../errors.js";
import type { Job } from "../jobs/job.js";
import type { JobService } from "../jobs/job.service.js";
import type { JobContext } from "../jobs/job-context.js";
import { newJobId } from "../jobs/job-id.js";
import type { Store } from "../store/store.js";
import {
  planRun,
  type TaskExecutor,
  type TaskRunHooks,
  type TaskRunPlan,
  type TaskRunReport,
} from "./export-ports.js";
import { EXPORT_JOB_TYPE } from "./owned-schedules.js";
import type { ProjectConfig } from "./project.js";
import { ProjectRepository, type TaskRecord } from "./project.repository.js";
import { projectConfigOf, taskConfigOf } from "./project.service.js";
import { RunRepository } from "./run.repository.js";

/** What an `export` job's data names (its schedule's invoke context, or run now's). */
export type ExportJobData =
  | {
      readonly taskId: string;
      readonly attempt?: number;
      readonly retryOf?: string;
      readonly instant?: number;
    }
  | { readonly projectId: string };

/** Failures a retry would only repeat: a config, a parameter or the data itself is wrong. */
const NOT_RETRIED = new Set([
  "badRequest",
  "notFound",
  "conflict",
  "forbidden",
  "unauthorized",
  "invalidTrigger",
  "invalidTimeZone",
  "invalidDelay",
  "rowLimitExceeded",
  "invalidRow",
]);

export interface TaskRunnerOptions {
  readonly jobs: JobService;
  /** Runs one task once: the exports (src/invokers/export-invoker.ts). */
  readonly execute: TaskExecutor;
  readonly clock?: Clock;
}

/** How one task's run went, as a project's results list it. */
export interface TaskOutcome {
  readonly taskId: string;
  readonly name: string;
  readonly status: "succeeded" | "failed" | "skipped";
  /** What the run did, or why it failed. */
  readonly message: string;
  readonly retryJobId?: string;
  readonly results?: unknown;
}

const messageOf = (error: unknown) =>
  error instanceof Error ? error.message || error.name : String(error);

export class TaskRunner {
  private readonly projects: ProjectRepository;
  private readonly runs: RunRepository;
  private readonly jobs: JobService;
  private readonly execute: TaskExecutor;
  private readonly clock: Clock;

  constructor(store: Store, options: TaskRunnerOptions) {
    this.projects = ProjectRepository.of(store);
    this.runs = RunRepository.of(store);
    this.jobs = options.jobs;
    this.execute = options.execute;
    this.clock = options.clock ?? systemClock;
  }

  /**
   * The `export` job type's handler. A task's failure is reported (an ERROR line, so the
   * job ends FINISHED with errors, and its outcome as results), never thrown: the task's
   * retries are its own. What is thrown (the store failing, a stop) is the job runtime's.
   */
  async run(context: JobContext): Promise<unknown> {
    const data = context.data as ExportJobData;
    try {
      return "projectId" in data
        ? await this.runProject(context, data.projectId)
        : await this.runTask(context, data);
    } catch (error) {
      // Deleted since the job was made: running the job again would change nothing.
      if (context.signal.aborted || errorCodeOf(error) !== "notFound") throw error;
      const message = (error as Error).message;
      await context.log.error(message);
      return { status: "failed", message };
    }
  }

  private async runTask(
    context: JobContext,
    data: Extract<ExportJobData, { taskId: string }>,
  ): Promise<unknown> {
    const task = await this.projects.taskById(data.taskId);
    if (task === undefined) {
      throw new SundialError("notFound", `task ${data.taskId} no longer exists; nothing was run`, {
        field: "taskId",
      });
    }
    const project = await this.projectOf(task.project_id);
    const config = taskConfigOf(task);
    if (!config.enabled && context.job.scheduleId !== null) {
      await context.log.info(`task ${project.name}/${config.name} is disabled: skipped`);
      await this.skip(context.job, task);
      return { taskId: task.id, name: config.name, status: "skipped", message: "disabled" };
    }
    const hooks: TaskRunHooks = {
      signal: context.signal,
      log: (level, message) =>
        level === "ERROR" ? context.log.error(message) : context.log.info(message),
      progress: (percent) => context.progress(percent),
    };
    const plan = planRun(
      context.job,
      data.attempt ?? 1,
      { id: task.id, config },
      { id: task.project_id, config: project },
      data.instant,
    );
    const { outcome, unlogged } = await this.attempt(plan, hooks, data.retryOf ?? null);
    // The job has errors as its task did: its ERROR line, and the error log, say why.
    if (unlogged) await hooks.log("ERROR", `failed: ${outcome.message}`);
    return outcome;
  }

  private async runProject(context: JobContext, projectId: string): Promise<unknown> {
    const record = await this.projects.projectById(projectId);
    if (record === undefined) {
      throw new SundialError("notFound", `project ${projectId} no longer exists; nothing was run`, {
        field: "projectId",
      });
    }
    const project = projectConfigOf(record);
    const tasks = (await this.projects.tasksOfProject(projectId)).filter(
      (task) => taskConfigOf(task).enabled,
    );
    if (tasks.length === 0) {
      await context.log.info(`project ${project.name} has no enabled task: nothing to run`);
      return { project: project.name, runMode: project.runMode, tasks: [] };
    }
    await context.log.info(
      `project ${project.name}: ${tasks.length} task(s) in ${project.runMode}: ${tasks.map((t) => t.name).join(", ")}`,
    );
    const shares = tasks.map(() => 0);
    const report = () =>
      context.progress(shares.reduce((sum, share) => sum + share, 0) / tasks.length);
    const runOne = (task: TaskRecord, index: number) => {
      const hooks: TaskRunHooks = {
        signal: context.signal,
        log: (level, message) => {
          const line = `[${task.name}] ${message}`;
          return level === "ERROR" ? context.log.error(line) : context.log.info(line);
        },
        progress: (percent) => {
          shares[index] = Math.min(100, Math.max(0, percent));
          return report();
        },
      };
      const plan = planRun(
        context.job,
        1,
        { id: task.id, config: taskConfigOf(task) },
        { id: projectId, config: project },
      );
      return this.attempt(plan, hooks, null).then(async ({ outcome, unlogged }) => {
        shares[index] = 100;
        await report();
        // Logged as an ERROR, so that the project's job has errors; once is enough.
        if (unlogged) await hooks.log("ERROR", `failed: ${outcome.message}`);
        return outcome;
      });
    };
    const outcomes: TaskOutcome[] = [];
    if (project.runMode === "parallel") {
      outcomes.push(...(await Promise.all(tasks.map(runOne))));
    } else {
      for (const [index, task] of tasks.entries()) {
        context.signal.throwIfAborted();
        outcomes.push(await runOne(task, index));
      }
    }
    return { project: project.name, runMode: project.runMode, tasks: outcomes };
  }

  /**
   * One run of one task: recorded, executed, audited, and retried when it failed and may
   * be. A stop is not a failure: it ends the job (STOPPED) with the signal's reason.
   * `unlogged`: it failed without an ERROR line (the executor threw rather than report).
   */
  private async attempt(
    plan: TaskRunPlan,
    hooks: TaskRunHooks,
    retryOf: string | null,
  ): Promise<{ outcome: TaskOutcome; unlogged: boolean }> {
    const { task, project } = plan;
    await this.runs.start({
      job_id: plan.jobId,
      task_id: task.id,
      project_id: project.id,
      attempt: plan.attempt,
      retry_of: retryOf,
      queued_at: this.clock.now(),
      started_at: this.clock.now(),
    });
    let report: TaskRunReport | undefined;
    let error: unknown;
    try {
      report = await this.execute(plan, hooks);
    } catch (thrown) {
      error = thrown;
    }
    if (hooks.signal.aborted) {
      await this.runs.end(plan.jobId, task.id, {
        status: "stopped",
        message: messageOf(hooks.signal.reason),
        at: this.clock.now(),
      });
      throw hooks.signal.reason;
    }
    const ok = report?.ok === true && error === undefined;
    const message = ok
      ? (report?.description ?? "done")
      : error !== undefined
        ? messageOf(error)
        : (report?.error ?? report?.description ?? "failed");
    await this.runs.end(plan.jobId, task.id, {
      status: ok ? "succeeded" : "failed",
      message,
      at: this.clock.now(),
    });
    await this.runs.appendAudit({
      id: newJobId(this.clock.now()),
      task_id: task.id,
      project_id: project.id,
      job_id: plan.jobId,
      starting_user: plan.startingUser,
      operations: JSON.stringify(report?.operations ?? []),
      description: report?.description ?? `failed: ${message}`,
      data_source: report?.dataSource ?? null,
      outcome: ok ? "succeeded" : "failed",
      at: this.clock.now(),
    });
    const outcome: TaskOutcome = {
      taskId: task.id,
      name: task.name,
      status: ok ? "succeeded" : "failed",
      message,
      ...(report === undefined ? {} : { results: report.results }),
    };
    const unlogged = !ok && error !== undefined;
    const code = report?.code ?? errorCodeOf(error);
    if (ok || NOT_RETRIED.has(code)) return { outcome, unlogged };
    const retry = await this.retry(plan, hooks);
    return {
      outcome: retry === undefined ? outcome : { ...outcome, retryJobId: retry.id },
      unlogged,
    };
  }

  /** Enqueues the next attempt of a failed run, while the task's retries last. */
  private async retry(plan: TaskRunPlan, hooks: TaskRunHooks): Promise<Job | undefined> {
    const { count, delayMs } = plan.task.retries;
    if (plan.attempt > count) return undefined;
    const runAt = this.clock.now() + delayMs;
    const job = await this.jobs.enqueue(
      EXPORT_JOB_TYPE,
      {
        taskId: plan.task.id,
        attempt: plan.attempt + 1,
        retryOf: plan.jobId,
        instant: plan.instant,
      },
      {
        label: `task ${plan.project.name}/${plan.task.name} (retry ${plan.attempt} of ${count})`,
        runAt,
        runBy: plan.runBy,
      },
    );
    await this.runs.queue({
      job_id: job.id,
      task_id: plan.task.id,
      project_id: plan.project.id,
      attempt: plan.attempt + 1,
      retry_of: plan.jobId,
      queued_at: job.createDate,
    });
    await hooks.log(
      "INFO",
      `retry ${plan.attempt} of ${count} at ${new Date(runAt).toISOString()}: job ${job.id}`,
    );
    return job;
  }

  private async skip(job: Job, task: TaskRecord): Promise<void> {
    const now = this.clock.now();
    await this.runs.start({
      job_id: job.id,
      task_id: task.id,
      project_id: task.project_id,
      attempt: 1,
      retry_of: null,
      queued_at: now,
      started_at: now,
    });
    await this.runs.end(job.id, task.id, { status: "skipped", message: "disabled", at: now });
  }

  private async projectOf(projectId: string): Promise<ProjectConfig> {
    const record = await this.projects.projectById(projectId);
    if (record === undefined) {
      throw new SundialError("notFound", `project ${projectId} no longer exists`, {
        field: "projectId",
      });
    }
    return projectConfigOf(record);
  }
}
