/**
 * The task scanner's rules: executing a `taskScanner` schedule now, cancelling a run,
 * reading runs, and keeping only the newest ended ones. Each run is one `taskScanner` job
 * (scan-runner.ts), so a run executed here, or fired by its schedule, is claimed and run
 * by whichever node is free, and a cancel reaches the node running it through the job's
 * stop.
 *
 * @example
 * const scanner = openTaskScanner(sundial, { connections });
 * const run = await scanner.execute("sunset", { waitForCompletion: true });
 * console.log(run.progress); // { state: "COMPLETED", total: 12, processed: 12, successes: 12, … }
 */
import { SundialError } from "../errors.js";
import type { ConnectionResolver } from "../exports/export-run-context.js";
import { ENDED_STATUSES, type Job, type RunBy } from "../jobs/job.js";
import type { JobService } from "../jobs/job.service.js";
import type { JobHandler } from "../jobs/job-context.js";
import type { ScheduleService } from "../schedules/schedule.service.js";
import type { Store } from "../store/store.js";
import { checkScanContext, SCANNER_JOB_TYPE } from "./scan-context.js";
import { ENDED_SCAN_STATES, type ScanRun, type ScanState } from "./scan-run.js";
import { ScanRunRepository } from "./scan-run.repository.js";
import { type ScanResults, scanHandler } from "./scan-runner.js";

export interface ScannerOptions {
  /** Stored connections (a `ConnectionService`), where `scan.connection` is looked up. */
  readonly connections: ConnectionResolver;
  /** How many ended runs are kept (the newest); default 100. */
  readonly keepRuns?: number;
  /** How often a running scan writes its counts; default 500 ms. */
  readonly progressEveryMs?: number;
  /** Records read per query; default 100. */
  readonly pageSize?: number;
  /** How long `cancel` waits for a running run to stop; default 10 s. */
  readonly cancelWaitMs?: number;
}

/** What the scanner uses of a Sundial. */
export interface ScannerHost {
  readonly store: Store;
  readonly jobs: JobService;
  readonly schedules: ScheduleService;
  readonly node: string;
}

export interface ExecuteOptions {
  /** Who asked; recorded on the run and its job. */
  readonly runBy?: RunBy | undefined;
  /** Wait for the run to end; default the schedule's `invokeContext.waitForCompletion`. */
  readonly waitForCompletion?: boolean | undefined;
  /** How long to wait at most; default 30 s. The run goes on if it has not ended by then. */
  readonly maxWaitMs?: number | undefined;
  /** Stops waiting (not the run) when aborted, e.g. when the client has gone. */
  readonly signal?: AbortSignal | undefined;
}

export interface ScanRunQuery {
  readonly schedule?: string | undefined;
  readonly state?: ScanState | undefined;
  /** Default 100, at most 1000. */
  readonly limit?: number | undefined;
}

export const DEFAULT_KEEP_RUNS = 100;
const DEFAULT_WAIT_MS = 30_000;

const notFound = (id: string) =>
  new SundialError("notFound", `No scan run has id ${id}; list the runs to find it.`, {
    field: "id",
  });

export class ScannerService {
  private readonly runs: ScanRunRepository;
  private readonly keepRuns: number;
  /** The handler of the `taskScanner` job type (see `openTaskScanner`). */
  readonly handler: JobHandler<unknown, ScanResults>;

  constructor(
    private readonly host: ScannerHost,
    private readonly options: ScannerOptions,
  ) {
    this.runs = ScanRunRepository.of(host.store);
    this.keepRuns = options.keepRuns ?? DEFAULT_KEEP_RUNS;
    if (!Number.isSafeInteger(this.keepRuns) || this.keepRuns < 0) {
      throw new SundialError(
        "badRequest",
        `keepRuns: ${String(options.keepRuns)} is not a whole number of runs (0 or more)`,
        { field: "keepRuns" },
      );
    }
    this.handler = scanHandler({
      jobs: host.jobs,
      store: host.store,
      runs: this.runs,
      connections: options.connections,
      node: host.node,
      timeZoneOf: async (schedule) => (await host.schedules.get(schedule))?.timeZone,
      keepRuns: this.keepRuns,
      ...(options.progressEveryMs === undefined
        ? {}
        : { progressEveryMs: options.progressEveryMs }),
      ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    });
    // A job that ended without its handler saying how its run went (cancelled while
    // waiting, out of attempts after its node died): the run ends with it.
    host.jobs.events.on("finished", (job) => {
      if (job.type === SCANNER_JOB_TYPE) void this.settle(job);
    });
  }

  /**
   * Runs the scan of schedule `name` now, as a new `taskScanner` job, and answers its run:
   * INITIALIZED (or further), or once it has ended when waiting.
   * @throws SundialError `notFound` naming `name` for no such schedule; `badRequest` naming
   *   `name` for a schedule that is not a task scanner, or naming the field of its invoke
   *   context at fault.
   */
  async execute(name: string, options: ExecuteOptions = {}): Promise<ScanRun> {
    const { jobs, schedules } = this.host;
    const schedule = await schedules.get(name);
    if (schedule === undefined) {
      throw new SundialError("notFound", `No schedule is named "${name}"; list the schedules.`, {
        field: "name",
      });
    }
    if (schedule.invokeService !== SCANNER_JOB_TYPE) {
      throw new SundialError(
        "badRequest",
        `name: schedule "${name}" invokes ${schedule.invokeService}, not the task scanner (invokeService "${SCANNER_JOB_TYPE}")`,
        { field: "name" },
      );
    }
    const context = checkScanContext(schedule.invokeContext);
    const job = await jobs.enqueue(
      SCANNER_JOB_TYPE,
      { ...context, schedule: name },
      { label: name, ...(options.runBy === undefined ? {} : { runBy: options.runBy }) },
    );
    await this.runs.create({
      id: job.id,
      schedule: name,
      startedBy: options.runBy?.name ?? null,
      at: job.createDate,
    });
    if (options.waitForCompletion ?? context.waitForCompletion ?? false) {
      await this.waitForEnd(job.id, options.maxWaitMs ?? DEFAULT_WAIT_MS, options.signal);
    }
    return this.get(job.id);
  }

  /**
   * Cancels a run that has not ended: one waiting to start is cancelled with its job; a
   * running one is stopped (its tasks are interrupted, the records it has not reached
   * are left as they are), waiting up to `cancelWaitMs` for it to stop. Answers the run as
   * it then is.
   * @throws SundialError `notFound`; `conflict` for a run that has ended.
   */
  async cancel(id: string): Promise<ScanRun> {
    const run = await this.get(id);
    const state = run.progress.state;
    if (ENDED_SCAN_STATES.includes(state)) {
      throw new SundialError(
        "conflict",
        `Scan run ${id} has already ended (${state}); only an INITIALIZED or ACTIVE run can be cancelled.`,
      );
    }
    const { jobs } = this.host;
    const job = await jobs.findById(id).catch((error: unknown) => {
      if (error instanceof SundialError && error.code === "notFound") return undefined;
      throw error;
    });
    try {
      if (job?.status === "PENDING") await jobs.cancel(id);
      else if (job?.status === "RUNNING" || job?.status === "STOPPING") {
        await jobs.stop(id);
        await this.waitForEnd(id, this.options.cancelWaitMs ?? 10_000);
      }
    } catch (error) {
      // It started or ended meanwhile: what it is now decides below.
      if (!(error instanceof SundialError && error.code === "conflict")) throw error;
    }
    // A job that ended (or went) without its handler ending the run.
    const now = await this.host.store.now();
    if (await this.runs.move(id, { state: "CANCELLED", message: "cancelled", at: now })) {
      await this.runs.purge(this.keepRuns);
    }
    return this.get(id);
  }

  /** @throws SundialError `notFound`. */
  async get(id: string): Promise<ScanRun> {
    const run = await this.runs.byId(id);
    if (run === undefined) throw notFound(id);
    return run;
  }

  /**
   * Runs, newest first: those under way and the newest ended ones (the others are purged).
   * @throws SundialError `badRequest` naming `limit`.
   */
  list(query: ScanRunQuery = {}): Promise<ScanRun[]> {
    const limit = query.limit ?? 100;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
      throw new SundialError("badRequest", `limit: ${String(limit)} is not from 1 to 1000`, {
        field: "limit",
      });
    }
    return this.runs.list({ schedule: query.schedule, state: query.state, limit });
  }

  /** Waits until the run's job has ended, or `maxWaitMs` has passed, or `signal` aborts. */
  private async waitForEnd(id: string, maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    try {
      await this.host.jobs.waitForJob(id, ENDED_STATUSES, maxWaitMs, signal);
    } catch (error) {
      const gone = signal?.aborted === true;
      if (!gone && !(error instanceof SundialError && error.code === "timeout")) throw error;
    }
  }

  /** Ends the run of a job that ended without ending it. */
  private async settle(job: Job): Promise<void> {
    try {
      const canceled = job.status === "CANCELED" || job.status === "STOPPED";
      const message = canceled
        ? "cancelled"
        : `its job ended ${job.status}${job.reason === null ? "" : ` (${job.reason})`} without ending the scan`;
      const moved = await this.runs.move(job.id, {
        state: canceled ? "CANCELLED" : "ERROR",
        message,
        at: await this.host.store.now(),
      });
      if (moved) await this.runs.purge(this.keepRuns);
    } catch (error) {
      this.host.jobs.events.emit("error", error);
    }
  }
}
