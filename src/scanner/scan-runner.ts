/**
 * One scan run: the `taskScanner` job's handler. It reads the matching records a page at a
 * time (by id), claims each with a compare-and-set on `taskState.started`, runs the task
 * of each claimed one (at most `numberOfThreads` at once) and sets `taskState.completed`
 * when the task succeeds. The rules of a record:
 *
 * - claimed by another scanner first: skipped (its claim is the other's);
 * - task succeeded: `completed` set, so it never matches again;
 * - task failed: left started and not completed, so that a later run claims it again once
 *   `recovery.timeout` has passed (a back-off, as OpenIDM's scanner does), never at once;
 * - task interrupted (the run cancelled, its node shutting down): as a failure, uncounted.
 *
 * The run's time is the store's clock (in a cluster the one every node agrees on), read
 * at its start and carried on by this node's clock; its conditions are read at its start.
 */

import type { WorkingCalendar } from "../calendar/index.js";
import { errorCodeOf, SundialError } from "../errors.js";
import { resolveConnection } from "../exports/connection-ref.js";
import type { ConnectionResolver } from "../exports/export-run-context.js";
import { SQL_DIALECTS, type SqlConnection } from "../exports/sources/sql-connection.js";
import type { JobService } from "../jobs/job.service.js";
import { type JobContext, type JobHandler, JobInterrupted } from "../jobs/job-context.js";
import type { Store } from "../store/store.js";
import { jsonRecord, recordTaskHandler, runRecordTask } from "./record-task.js";
import { checkCondition, conditionAt } from "./scan-condition.js";
import {
  checkScanContext,
  DEFAULT_RECOVERY_MS,
  DEFAULT_THREADS,
  durationMs,
  type RecordTask,
  recordTaskOf,
  type ScanContext,
  workingCalendarOf,
} from "./scan-context.js";
import { openScanDatabase, type ScanDatabase, type ScanRecord } from "./scan-database.js";
import { NO_COUNTS, type ScanCounts, type ScanState } from "./scan-run.js";
import type { ScanRunRepository } from "./scan-run.repository.js";
import {
  claimStatement,
  columnsStatement,
  completeStatement,
  countStatement,
  pageStatement,
  type ScanMatch,
  type ScanTarget,
  timeParameter,
} from "./scan-sql.js";

export interface ScanRunnerOptions {
  readonly jobs: JobService;
  readonly store: Store;
  readonly runs: ScanRunRepository;
  readonly connections: ConnectionResolver;
  /** This process's node id, recorded on the runs it runs. */
  readonly node: string;
  /** A schedule's time zone, by its id; undefined when there is no such schedule. */
  readonly timeZoneOf: (schedule: string) => Promise<string | undefined>;
  /** Ended runs kept; older ones are deleted when a run ends. */
  readonly keepRuns: number;
  /** How often a running scan writes its counts; default 500 ms. */
  readonly progressEveryMs?: number;
  /** Records read per query; default 100. */
  readonly pageSize?: number;
}

/** A finished run's job results. */
export interface ScanResults {
  readonly runId: string;
  readonly state: ScanState;
  readonly progress: ScanCounts;
}

/** Tasks running at once, at most `size`; the first infrastructure failure stops the rest. */
class TaskPool {
  private readonly running = new Set<Promise<void>>();
  private failure: { readonly error: unknown } | undefined;

  constructor(
    private readonly size: number,
    private readonly stop: AbortController,
  ) {}

  /** Starts `work` once a place is free; throws the failure of an earlier one. */
  async add(work: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.size) await Promise.race(this.running);
    this.throwIfFailed();
    const running: Promise<void> = work()
      .catch((error: unknown) => {
        this.failure ??= { error };
        this.stop.abort(error);
      })
      .finally(() => this.running.delete(running));
    this.running.add(running);
  }

  /** Waits for every task; throws the first failure. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.race(this.running);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}

/** A column's value in a record, read as the driver named it (MySQL's names ignore case). */
function columnValue(record: ScanRecord, column: string): unknown {
  if (Object.hasOwn(record, column)) return record[column];
  const lower = column.toLowerCase();
  const key = Object.keys(record).find((name) => name.toLowerCase() === lower);
  return key === undefined ? undefined : record[key];
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** What a run settled on before it reads a record. */
interface PassPlan {
  readonly target: ScanTarget;
  readonly task: RecordTask;
  /** The invoker that runs each record's task. */
  readonly handler: JobHandler;
  readonly calendar: WorkingCalendar;
  readonly recoveryMs: number;
}

/** One run's pass over the records, and its counts. */
class ScanPass {
  private readonly counts = { ...NO_COUNTS };
  private lastWrite = Number.NEGATIVE_INFINITY;
  private writing = false;
  private readonly stop = new AbortController();
  /** The job's signal, or the pool's stop after a database failure. */
  private readonly signal: AbortSignal;

  constructor(
    private readonly options: ScanRunnerOptions,
    private readonly run: JobContext<unknown>,
    private readonly context: ScanContext,
    private readonly plan: PassPlan,
    private readonly db: ScanDatabase,
    /** The run's now (ms) on the store's clock. */
    private readonly now: () => number,
  ) {
    this.signal = AbortSignal.any([run.signal, this.stop.signal]);
  }

  get progress(): ScanCounts {
    return { ...this.counts };
  }

  private time(ms: number): unknown {
    const format = this.context.scan.timeFormat ?? "timestamp";
    return timeParameter(ms, format, this.plan.target.dialect);
  }

  /** Refuses a table or column the database lacks, naming the field that names it. */
  async checkColumns(): Promise<void> {
    const { scan } = this.context;
    const { dialect, table } = this.plan.target;
    const found = (await this.db.rows(columnsStatement(this.plan.target))).map((row) =>
      String(columnValue(row, "name")),
    );
    if (found.length === 0) {
      throw new SundialError(
        "badRequest",
        `invokeContext.scan.table: connection "${scan.connection}" has no table "${table}" (or its login may not read it); check the name and its case`,
        { field: "invokeContext.scan.table" },
      );
    }
    // MariaDB and MySQL compare column names without case; the others as written.
    const norm = (name: string) => (dialect === "mysql" ? name.toLowerCase() : name);
    const columns = new Set(found.map(norm));
    const needed: (readonly [string, string])[] = [
      ["idColumn", this.plan.target.idColumn],
      // A query's rows have the property; the table need not.
      ...(scan.query === undefined ? [["property", scan.property] as const] : []),
      ["taskState.started", scan.taskState.started],
      ["taskState.completed", scan.taskState.completed],
    ];
    for (const [name, column] of needed) {
      if (!columns.has(norm(column))) {
        const field = `invokeContext.scan.${name}`;
        throw new SundialError(
          "badRequest",
          `${field}: table "${table}" has no column "${column}"; its columns are ${found.join(", ")}`,
          { field },
        );
      }
    }
  }

  /** Reads the matching records and runs their tasks; resolves once every task has ended. */
  async scan(): Promise<void> {
    const { scan, maxRecords } = this.context;
    const threads = this.context.numberOfThreads ?? DEFAULT_THREADS;
    const at = this.now();
    const bound = (value: string | number | undefined, field: string) => {
      if (value === undefined) return undefined;
      const resolved = conditionAt(checkCondition(value, field), at, this.plan.calendar);
      return "instant" in resolved ? this.time(resolved.instant) : resolved.value;
    };
    const match: ScanMatch = {
      before: bound(scan.condition.before, "invokeContext.scan.condition.before"),
      after: bound(scan.condition.after, "invokeContext.scan.condition.after"),
      staleBefore: this.time(at - this.plan.recoveryMs),
    };
    const [count] = await this.db.rows(countStatement(this.plan.target, match));
    const matching = Number(columnValue(count ?? {}, "n") ?? 0);
    const limit = maxRecords ?? Number.POSITIVE_INFINITY;
    this.counts.total = Math.min(matching, limit);
    await this.run.log.info(
      `${matching} records of ${scan.table} match; running the task of ${this.counts.total}, ${threads} at a time`,
    );
    await this.writeProgress(true);

    const pool = new TaskPool(threads, this.stop);
    const pageSize = this.options.pageSize ?? 100;
    let read = 0;
    let after: unknown;
    while (read < limit && !this.signal.aborted) {
      const size = Math.min(pageSize, limit - read);
      const page = await this.db.rows(pageStatement(this.plan.target, match, after, size));
      for (const record of page) {
        if (this.signal.aborted) break;
        read++;
        // Records that came to match after the count are run too, and counted.
        this.counts.total = Math.max(this.counts.total, read);
        await pool.add(() => this.handle(record));
      }
      if (page.length < size) break;
      after = columnValue(page.at(-1) as ScanRecord, this.plan.target.idColumn);
    }
    await pool.drain();
  }

  /** Claims one record and runs its task; rejects only when the database fails. */
  private async handle(record: ScanRecord): Promise<void> {
    if (this.signal.aborted) return;
    const { target } = this.plan;
    const id = columnValue(record, target.idColumn);
    if (id === null || id === undefined) {
      await this.count("failures");
      await this.run.log.error(`a record has no ${target.idColumn}, so it can't be claimed`);
      return;
    }
    const objectID = String(id);
    const at = this.now();
    const claim = claimStatement(target, id, this.time(at), this.time(at - this.plan.recoveryMs));
    if ((await this.db.update(claim)) === 0) return this.count("skipped");
    try {
      await runRecordTask(
        this.plan.handler,
        { job: this.run.job, signal: this.signal, log: this.run.log },
        this.plan.task,
        jsonRecord(record),
        objectID,
      );
    } catch (error) {
      // Stopped part-way: the record stays claimed, for a run after the recovery timeout.
      if (this.signal.aborted) return;
      await this.run.log.error(
        `record ${objectID}: the task failed (${errorCodeOf(error)}): ${messageOf(error)}; it is tried again once recovery.timeout has passed`,
      );
      return this.count("failures");
    }
    await this.db.update(completeStatement(target, id, this.time(this.now())));
    return this.count("successes");
  }

  private count(outcome: "successes" | "failures" | "skipped"): Promise<void> {
    this.counts[outcome]++;
    this.counts.processed++;
    return this.writeProgress();
  }

  /** Writes the counts (and the job's percentage) at most every `progressEveryMs`, or now. */
  private async writeProgress(now = false): Promise<void> {
    const clock = this.options.jobs.clock;
    const every = this.options.progressEveryMs ?? 500;
    if (this.writing || (!now && clock.now() - this.lastWrite < every)) return;
    this.writing = true;
    try {
      await this.options.runs.progress(this.run.job.id, this.progress, this.now());
      const { total, processed } = this.counts;
      await this.run.progress(total === 0 ? 0 : (100 * processed) / total);
    } finally {
      this.lastWrite = clock.now();
      this.writing = false;
    }
  }
}

/** What an interruption makes of a run: its state and message, or nothing (another node has it). */
function interrupted(reason: unknown): { state: ScanState; message: string } | undefined {
  const kind = reason instanceof JobInterrupted ? reason.kind : "stopped";
  switch (kind) {
    case "stopped":
      return {
        state: "CANCELLED",
        message: "cancelled; the records not reached were left as they were",
      };
    case "shutdown":
      return {
        state: "INITIALIZED",
        message: "its node shut down; the scan starts again when its job runs again",
      };
    case "timeout":
      return { state: "ERROR", message: messageOf(reason) };
    case "leaseLost":
      return undefined;
  }
}

/**
 * The handler of the `taskScanner` job type: one scan run per job, recorded under the
 * job's id. A run that fails ends in ERROR and fails its job (with the reason in its log);
 * a cancelled one ends CANCELLED and its job STOPPED.
 * @example sundial.define("taskScanner", scanHandler({ jobs, store, runs, connections, node, timeZoneOf, keepRuns: 100 }));
 */
export function scanHandler(options: ScanRunnerOptions): JobHandler<unknown, ScanResults> {
  const { runs, jobs } = options;
  return async (run) => {
    const { job, signal, log } = run;
    // Read before the context is checked, so that a context refused now ends its run in ERROR.
    const given = (run.data as { schedule?: unknown } | null)?.schedule;
    const schedule = job.scheduleId ?? (typeof given === "string" ? given : null);
    const startedAt = await options.store.now();
    const local = jobs.clock.now();
    const now = () => startedAt + (jobs.clock.now() - local);
    await runs.start({ id: job.id, schedule, node: options.node, at: startedAt });

    let pass: ScanPass | undefined;
    const end = async (state: ScanState, message: string | null) => {
      const counts = pass?.progress ?? NO_COUNTS;
      await runs.move(job.id, { state, message, at: now(), counts });
      if (state === "INITIALIZED") return;
      await log.info(
        `scan ${state}: ${counts.processed} of ${counts.total} records processed; ${counts.successes} succeeded, ${counts.failures} failed, ${counts.skipped} claimed by another scanner`,
      );
      await runs.purge(options.keepRuns);
    };
    try {
      const context = checkScanContext(run.data);
      const zone =
        context.timeZone ??
        (schedule === null ? undefined : await options.timeZoneOf(schedule)) ??
        "UTC";
      const task = recordTaskOf(context.task, "invokeContext.task");
      const { scan } = context;
      const connection = (await resolveConnection(options.connections, {
        field: "invokeContext.scan.connection",
        name: scan.connection,
        types: SQL_DIALECTS,
        what: "a task scanner",
      })) as SqlConnection;
      const plan: PassPlan = {
        target: {
          dialect: connection.type,
          table: scan.table,
          query: scan.query,
          idColumn: scan.idColumn ?? "id",
          property: scan.property,
          started: scan.taskState.started,
          completed: scan.taskState.completed,
        },
        task,
        handler: recordTaskHandler(jobs.registry, task),
        calendar: workingCalendarOf(context, zone),
        recoveryMs:
          scan.recovery === undefined
            ? DEFAULT_RECOVERY_MS
            : durationMs(scan.recovery.timeout, "invokeContext.scan.recovery.timeout"),
      };
      const db = await openScanDatabase(connection);
      try {
        pass = new ScanPass(options, run, context, plan, db, now);
        await pass.checkColumns();
        await pass.scan();
      } finally {
        await db.close();
      }
    } catch (error) {
      if (!signal.aborted) {
        await end("ERROR", messageOf(error));
        throw error;
      }
    }
    if (signal.aborted) {
      const outcome = interrupted(signal.reason);
      if (outcome !== undefined) await end(outcome.state, outcome.message);
      throw signal.reason;
    }
    await end("COMPLETED", null);
    return { runId: job.id, state: "COMPLETED", progress: pass?.progress ?? NO_COUNTS };
  };
}
