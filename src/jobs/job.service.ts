/**
 * The rules of jobs as users command them: enqueue, find, logs, wait, stop, cancel,
 * resume, retry, priority. How a claimed job runs and ends is the worker pool's
 * (worker-pool.ts, job-run.ts); both announce changes through the same {@link JobEvents}.
 */
import type { Clock } from "../clock.js";
import { SundialError } from "../errors.js";
import {
  JOB_STATUSES,
  type JobRow,
  type JobStatus,
  LOG_LEVELS,
  type LogLevel,
  type LogLine,
  type Store,
} from "../store/store.js";
import { type EnqueueArgs, type EnqueueRequest, toNewJob } from "./enqueue-request.js";
import { type DataOf, ENDED_STATUSES, type Job, toJob } from "./job.js";
import { JobEvents } from "./job-events.js";
import { type JobFindQuery, type JobLogQuery, toJobQuery, toLogQuery } from "./job-query.js";
import type { JobRegistry } from "./job-registry.js";
import { jsonValue, withoutNul } from "./json-value.js";

/** A log line of a job. */
export interface JobLog {
  readonly id: number;
  readonly jobId: string;
  readonly at: number;
  readonly level: LogLevel;
  readonly message: string;
  readonly additionalInfo: unknown;
}

/** A line for {@link JobService.logMany}. */
export interface JobLogLine {
  readonly level: LogLevel;
  readonly message: string;
  readonly additionalInfo?: unknown;
  /** When it was written (ms); default now. */
  readonly at?: number;
}

/** `purge`: give `maxAgeMs`, `maxCount` or both. */
export interface RetentionRule {
  /** Delete ended jobs (FINISHED, CANCELED) that ended longer ago than this. */
  readonly maxAgeMs?: number;
  /** Keep at most this many ended jobs, the newest. */
  readonly maxCount?: number;
}

export interface JobServiceOptions {
  readonly store: Store;
  readonly clock: Clock;
  /** This process's node id, unique among live nodes; recorded on the jobs it runs. */
  readonly node: string;
  readonly registry: JobRegistry;
  /** Share one hub between services of one process; default a new one. */
  readonly events?: JobEvents;
  /** How often `waitForJob` looks in the store, for changes made by other nodes; default 1000 ms. */
  readonly pollIntervalMs?: number;
}

const ALL_STATUSES: readonly JobStatus[] = JOB_STATUSES;
const MAX_MESSAGE = 100_000;

/**
 * Jobs as users and handlers command them.
 * @example
 * const jobs = new JobService({ store, clock: systemClock, node: "node-1", registry });
 * const job = await jobs.enqueue("send-invoice", { invoiceId: "inv-1" }, { maxAttempts: 3 });
 * const done = await jobs.waitForJob(job.id, ["FINISHED"], 60_000);
 */
export class JobService {
  readonly events: JobEvents;
  readonly node: string;
  readonly store: Store;
  readonly clock: Clock;
  readonly registry: JobRegistry;
  private readonly pollIntervalMs: number;

  constructor(options: JobServiceOptions) {
    if (typeof options.node !== "string" || options.node.trim() === "") {
      throw new SundialError("badRequest", "node: give this process a node id (non-empty text)", {
        field: "node",
      });
    }
    this.store = options.store;
    this.clock = options.clock;
    this.node = options.node;
    this.registry = options.registry;
    this.events = options.events ?? new JobEvents();
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
  }

  /**
   * Enqueues one job of a defined type.
   * @throws SundialError `badRequest` for an undefined type, bad options or data that isn't JSON.
   * @example await jobs.enqueue("send-invoice", { invoiceId: "inv-1" }, { delayMs: 60_000 })
   */
  async enqueue<TType extends string>(
    type: TType,
    ...[data, options]: EnqueueArgs<TType>
  ): Promise<Job<DataOf<TType>>> {
    const [job] = await this.enqueueMany([
      { type, data, ...(options === undefined ? {} : { options }) } as EnqueueRequest<TType>,
    ]);
    return job as Job<DataOf<TType>>;
  }

  /**
   * Enqueues several jobs at once: all of them or, if one is invalid, none.
   * @example await jobs.enqueueMany(ids.map((invoiceId) => ({ type: "send-invoice", data: { invoiceId } })))
   */
  async enqueueMany<TType extends string>(
    requests: readonly EnqueueRequest<TType>[],
  ): Promise<Job<DataOf<TType>>[]> {
    const now = this.clock.now();
    const rows = requests.map((request, index) =>
      toNewJob(request, this.registry, now, requests.length > 1 ? `[${index}].` : ""),
    );
    const inserted = await this.store.insertJobs(rows);
    const jobs = inserted.map((row) => toJob(row, now));
    for (const job of jobs) this.events.emit("enqueued", job);
    return jobs as Job<DataOf<TType>>[];
  }

  /**
   * Jobs matching `query`, newest created first.
   * @example await jobs.find({ status: "PENDING,RUNNING", type: ["export"], _size: 20 })
   */
  async find(query: JobFindQuery = {}): Promise<Job[]> {
    const rows = await this.store.findJobs(toJobQuery(query));
    const now = this.clock.now();
    return rows.map((row) => toJob(row, now));
  }

  /**
   * One job.
   * @throws SundialError `notFound`.
   */
  async findById(jobId: string): Promise<Job> {
    return toJob(await this.row(jobId), this.clock.now());
  }

  /**
   * A job's log lines, oldest first.
   * @throws SundialError `notFound`, or `badRequest` for a bad query.
   * @example await jobs.logs(id, { level: "ERROR", period: "2h 30m" })
   */
  async logs(jobId: string, query: JobLogQuery = {}): Promise<JobLog[]> {
    const storeQuery = toLogQuery(query, this.clock.now());
    await this.row(jobId);
    return this.store.findLogs(jobId, storeQuery);
  }

  /**
   * Adds an INFO line to a job's log.
   * @throws SundialError `notFound`.
   */
  async logInfo(jobId: string, message: string, additionalInfo?: unknown): Promise<void> {
    const line = this.logLine(jobId, { level: "INFO", message, additionalInfo });
    await this.row(jobId);
    await this.writeLogs(jobId, [line]);
  }

  /**
   * Adds an ERROR line to a job's log, and marks the job `hasErrors`.
   * @throws SundialError `notFound`.
   */
  async logError(jobId: string, message: string, additionalInfo?: unknown): Promise<void> {
    const line = this.logLine(jobId, { level: "ERROR", message, additionalInfo });
    await this.row(jobId);
    await this.writeLogs(jobId, [line]);
  }

  /**
   * Adds many lines to a job's log in one write, in order; any ERROR line marks the job
   * `hasErrors`. Invalid lines store nothing.
   * @throws SundialError `notFound`; `badRequest` naming the line, e.g. `lines[3].message`.
   * @example
   * await jobs.logMany(id, [
   *   { level: "INFO", message: "exported 120 rows" },
   *   { level: "ERROR", message: "3 rows skipped", additionalInfo: { rows: [4, 9, 77] } },
   * ]);
   */
  async logMany(jobId: string, lines: readonly JobLogLine[]): Promise<void> {
    if (!Array.isArray(lines)) {
      throw new SundialError("badRequest", "lines: give a list of log lines", { field: "lines" });
    }
    checkJobId(jobId);
    const checked = lines.map((line, index) => this.logLine(jobId, line, `lines[${index}].`));
    // An ERROR line's hasErrors update finds a missing job anyway; only INFO needs the look.
    if (!checked.some((line) => line.level === "ERROR")) await this.row(jobId);
    await this.writeLogs(jobId, checked);
  }

  /**
   * Appends a line without checking that the job exists, nor the message's length (the
   * worker pool records how its jobs end with it, and that must not be refused); an ERROR
   * line marks the job `hasErrors`.
   */
  async appendLog(
    jobId: string,
    level: LogLevel,
    message: string,
    additionalInfo?: unknown,
  ): Promise<void> {
    await this.writeLogs(jobId, [
      this.logLine(jobId, { level, message, additionalInfo }, "", Number.POSITIVE_INFINITY),
    ]);
  }

  /** A line as stored, checked; `at` prefixes field names for lines of a batch. */
  private logLine(jobId: string, line: JobLogLine, at = "", maxMessage = MAX_MESSAGE): LogLine {
    if (line === null || typeof line !== "object") {
      const field = at.replace(/\.$/, "") || "line";
      throw new SundialError("badRequest", `${field}: must be a log line ({ level, message })`, {
        field,
      });
    }
    if (!(LOG_LEVELS as readonly unknown[]).includes(line.level)) {
      throw new SundialError(
        "badRequest",
        `${at}level: ${JSON.stringify(line.level)} is not one of ${LOG_LEVELS.join(", ")}`,
        { field: `${at}level` },
      );
    }
    const { message } = line;
    if (typeof message !== "string" || message.length > maxMessage) {
      throw new SundialError(
        "badRequest",
        `${at}message: must be text of at most ${MAX_MESSAGE} characters`,
        { field: `${at}message` },
      );
    }
    const info = jsonValue(line.additionalInfo, `${at}additionalInfo`);
    return {
      jobId,
      at: line.at === undefined ? this.clock.now() : checkInstant(line.at, `${at}at`),
      level: line.level,
      message: withoutNul(message),
      ...(info === null ? {} : { additionalInfo: info }),
    };
  }

  /** Stores checked lines of one job; an ERROR among them marks it `hasErrors` first. */
  private async writeLogs(jobId: string, lines: readonly LogLine[]): Promise<void> {
    if (lines.some((line) => line.level === "ERROR")) {
      const row = await this.store.updateJob(jobId, { status: ALL_STATUSES }, { hasErrors: true });
      if (row === undefined) throw notFound(jobId);
    }
    await this.store.appendLogs(lines);
  }

  /**
   * Resolves with the job once it is in one of `statuses` (at once if it already is).
   * Woken by changes made in this process, and looks in the store every poll interval
   * for changes made by other nodes.
   * @throws SundialError `timeout` when `maxTimeMs` passes first; `notFound`; `badRequest`;
   *   `signal.reason` when `signal` aborts first (a long poll whose client left).
   * @example const job = await jobs.waitForJob(id, ["FINISHED", "CANCELED"], 30_000);
   */
  async waitForJob(
    jobId: string,
    statuses: JobStatus | string | readonly (JobStatus | string)[],
    maxTimeMs: number,
    signal?: AbortSignal,
  ): Promise<Job> {
    const wanted = new Set(statusList(statuses));
    if (typeof maxTimeMs !== "number" || !Number.isSafeInteger(maxTimeMs) || maxTimeMs < 0) {
      throw new SundialError(
        "badRequest",
        `maxTimeMs: ${String(maxTimeMs)} is not a whole number of milliseconds (0 or more)`,
        { field: "maxTimeMs" },
      );
    }
    const deadline = this.clock.now() + maxTimeMs;
    const wake = new AbortController();
    let seen: Job | undefined;
    const off = this.events.on("changed", (job) => {
      if (job.id === jobId && wanted.has(job.status)) {
        seen = job;
        wake.abort();
      }
    });
    const stop = () => wake.abort();
    signal?.addEventListener("abort", stop, { once: true });
    try {
      for (;;) {
        signal?.throwIfAborted();
        const job = seen ?? (await this.findById(jobId));
        if (wanted.has(job.status)) return job;
        const left = deadline - this.clock.now();
        if (left <= 0) {
          throw new SundialError(
            "timeout",
            `Job ${jobId} did not reach ${[...wanted].join(" or ")} within ${maxTimeMs} ms; it is ${job.status}.`,
          );
        }
        await this.clock.sleep(Math.min(this.pollIntervalMs, left), wake.signal);
      }
    } finally {
      off();
      signal?.removeEventListener("abort", stop);
      wake.abort();
    }
  }

  /**
   * Asks a RUNNING job to stop: it becomes STOPPING, its handler's signal is aborted, and
   * it ends STOPPED, keeping its checkpoint for `resume`. A job already stopping or stopped
   * is returned as it is.
   * @throws SundialError `conflict` for a job in another status; `notFound`.
   */
  async stop(jobId: string): Promise<Job> {
    const { row, changed } = await this.change(
      jobId,
      ["RUNNING"],
      { status: "STOPPING" },
      "stopped",
      ["STOPPING", "STOPPED"],
      { PENDING: "cancel a PENDING job instead" },
    );
    const job = changed ? this.announced(row) : toJob(row, this.clock.now());
    // Asked again while STOPPING: ask its node again, in case the first request was lost.
    if (row.status === "STOPPING") this.events.emit("stopRequested", job);
    return job;
  }

  /**
   * Ends a PENDING job (waiting to run, or for its retry) or a STOPPED one as CANCELED,
   * for good. A job already canceled is returned as it is.
   * @throws SundialError `conflict` for a running or finished job; `notFound`.
   */
  async cancel(jobId: string): Promise<Job> {
    const { row, changed } = await this.change(
      jobId,
      ["PENDING", "STOPPED"],
      { status: "CANCELED", endDate: this.clock.now(), reason: null },
      "canceled",
      ["CANCELED"],
      { RUNNING: "stop it first", STOPPING: "wait until it is STOPPED" },
    );
    return changed ? this.announced(row) : toJob(row, this.clock.now());
  }

  /**
   * Puts a STOPPED job back in line; its handler is handed the checkpoint it saved. The
   * interrupted attempt doesn't count against `maxAttempts`.
   * @throws SundialError `conflict` for a job that is not STOPPED; `notFound`.
   */
  async resume(jobId: string): Promise<Job> {
    const { row } = await this.change(
      jobId,
      ["STOPPED"],
      {
        status: "PENDING",
        runAt: this.clock.now(),
        endDate: null,
        reason: null,
        refundAttempt: true,
      },
      "resumed",
      [],
      {},
    );
    return this.announced(row);
  }

  /**
   * Runs a failed or canceled job again, as a new job with the same type, data and
   * options (the old one stays as it ended, for the record; each log names the other).
   * @throws SundialError `conflict` unless the job is FINISHED with errors or CANCELED; `notFound`.
   * @example const again = await jobs.retry(failed.id);
   */
  async retry(jobId: string): Promise<Job> {
    const old = await this.row(jobId);
    if (!(old.status === "CANCELED" || (old.status === "FINISHED" && old.hasErrors))) {
      const why =
        old.status === "FINISHED"
          ? "it finished without errors; enqueue a new job to run it again"
          : old.status === "STOPPED"
            ? "resume a STOPPED job instead"
            : "it has not ended yet";
      throw new SundialError(
        "conflict",
        `Job ${jobId} is ${old.status} and can't be retried: ${why}. A job can be retried when it is FINISHED with errors, or CANCELED.`,
      );
    }
    const [job] = await this.enqueueMany([
      {
        type: old.type,
        data: old.data,
        options: {
          label: old.label,
          lowPriority: old.lowPriority,
          priority: old.priority,
          maxAttempts: old.maxAttempts,
          runBy: old.runById === null ? null : { id: old.runById, name: old.runByName ?? "" },
        },
      },
    ]);
    const retried = job as Job;
    await this.appendLog(retried.id, "INFO", `retry of job ${jobId}`, { retryOf: jobId });
    await this.appendLog(jobId, "INFO", `retried as job ${retried.id}`, { retriedAs: retried.id });
    return retried;
  }

  /** Marks a job low priority: it runs only when no normal job is waiting. @throws SundialError `notFound`. */
  async setLowPriority(jobId: string): Promise<Job> {
    return this.setPriorityClass(jobId, true);
  }

  /** Gives a low-priority job its normal place in line again. @throws SundialError `notFound`. */
  async removeLowPriority(jobId: string): Promise<Job> {
    return this.setPriorityClass(jobId, false);
  }

  private async setPriorityClass(jobId: string, lowPriority: boolean): Promise<Job> {
    const row = await this.store.updateJob(jobId, { status: ALL_STATUSES }, { lowPriority });
    if (row === undefined) throw notFound(jobId);
    return this.announced(row);
  }

  /**
   * Deletes ended jobs (FINISHED, CANCELED) and their logs past the retention rule;
   * STOPPED jobs are kept, since they can be resumed. Returns how many went. An aborted
   * `signal` ends it between two batches of deletes.
   * @example await jobs.purge({ maxAgeMs: 30 * 86_400_000, maxCount: 100_000 })
   */
  async purge(rule: RetentionRule, options: { signal?: AbortSignal } = {}): Promise<number> {
    const endedBefore =
      rule.maxAgeMs === undefined
        ? undefined
        : this.clock.now() - checkCount(rule.maxAgeMs, "maxAgeMs");
    const keepNewest =
      rule.maxCount === undefined ? undefined : checkCount(rule.maxCount, "maxCount");
    if (endedBefore === undefined && keepNewest === undefined) return 0;
    const batch = 1000;
    let total = 0;
    for (;;) {
      const purged = await this.store.purgeJobs({
        ...(endedBefore === undefined ? {} : { endedBefore }),
        ...(keepNewest === undefined ? {} : { keepNewest }),
        limit: batch,
      });
      total += purged;
      if (purged < batch || options.signal?.aborted) return total;
    }
  }

  /**
   * Wakes the worker pools of this process: call it after inserting jobs without
   * `enqueue` (the scheduler's fires), so they are claimed at once rather than at the
   * next poll.
   */
  notifyEnqueued(): void {
    this.events.emit("enqueued", undefined);
  }

  /**
   * Tells this process's listeners that a job changed (and ended, or became claimable).
   * For the worker pool and the scheduler, after they change a job in the store
   * themselves: the job as users see it is made only when someone listens, which for a
   * job just claimed is seldom.
   */
  announce(row: JobRow): void {
    const { events } = this;
    const listened =
      events.listenerCount("changed") > 0 ||
      (ENDED_STATUSES.includes(row.status)
        ? events.listenerCount("finished") > 0
        : row.status === "PENDING" && events.listenerCount("enqueued") > 0);
    if (listened) this.announced(row);
  }

  /** {@link announce}, returning the job as users see it. */
  private announced(row: JobRow): Job {
    const job = toJob(row, this.clock.now());
    this.events.emit("changed", job);
    if (ENDED_STATUSES.includes(job.status)) this.events.emit("finished", job);
    if (job.status === "PENDING") this.events.emit("enqueued", job);
    return job;
  }

  /** The stored job. @throws SundialError `notFound`. */
  private async row(jobId: string): Promise<JobRow> {
    checkJobId(jobId);
    const row = await this.store.getJob(jobId);
    if (row === undefined) throw notFound(jobId);
    return row;
  }

  /**
   * A command's compare-and-set: moves the job from one of `from` with `change`. A job
   * already where the command leads (`already`) is returned as it is (`changed: false`);
   * any other status is a `conflict` whose message says what to do (`advice`).
   */
  private async change(
    jobId: string,
    from: readonly JobStatus[],
    change: Parameters<Store["updateJob"]>[2],
    verb: string,
    already: readonly JobStatus[],
    advice: Partial<Record<JobStatus, string>>,
  ): Promise<{ row: JobRow; changed: boolean }> {
    const current = await this.row(jobId);
    if (already.includes(current.status)) return { row: current, changed: false };
    const changed = from.includes(current.status)
      ? await this.store.updateJob(jobId, { status: from }, change)
      : undefined;
    if (changed !== undefined) return { row: changed, changed: true };
    // Not as it was a moment ago (another node moved it first), or never allowed.
    const now = await this.row(jobId);
    if (already.includes(now.status)) return { row: now, changed: false };
    const hint = advice[now.status];
    throw new SundialError(
      "conflict",
      `Job ${jobId} is ${now.status} and can't be ${verb}: only a ${from.join(" or ")} job can${hint ? `; ${hint}` : ""}.`,
    );
  }
}

function notFound(jobId: string): SundialError {
  return new SundialError("notFound", `No job has the id ${jobId}.`, { field: "jobId" });
}

function checkJobId(jobId: unknown): void {
  if (typeof jobId !== "string" || jobId === "") {
    throw new SundialError("badRequest", "jobId: give the id of a job", { field: "jobId" });
  }
}

function checkInstant(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new SundialError(
      "badRequest",
      `${field}: ${String(value)} is not an instant (whole ms since 1970-01-01 UTC)`,
      { field },
    );
  }
  return value;
}

function checkCount(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new SundialError(
      "badRequest",
      `${field}: ${String(value)} is not a whole number (0 or more)`,
      {
        field,
      },
    );
  }
  return value;
}

function statusList(statuses: string | readonly string[]): JobStatus[] {
  const list = (typeof statuses === "string" ? statuses.split(",") : [...statuses]).map((s) =>
    String(s).trim(),
  );
  const unknown = list.filter((s) => !(JOB_STATUSES as readonly string[]).includes(s));
  if (list.length === 0 || unknown.length > 0) {
    throw new SundialError(
      "badRequest",
      `statuses: ${unknown.length > 0 ? `"${unknown[0]}" is not a job status` : "give at least one status"}; use ${JOB_STATUSES.join(", ")}`,
      { field: "statuses" },
    );
  }
  return list as JobStatus[];
}
