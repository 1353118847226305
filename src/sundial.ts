/**
 * Sundial as a library: one object that owns the store, the schedules and their fire
 * loop, the jobs and the worker pool, and the `conf/` files. `sundial serve` is this plus
 * HTTP; an application embeds it with only this.
 *
 * @example
 * const sundial = await Sundial.open({ database: "./data/sundial.db" });
 * sundial.define("send-report", async ({ data, log }) => {
 *   log.info(`sending to ${data.to}`);
 *   return { sent: true };
 * });
 * await sundial.schedules.put("daily-report", {
 *   schedule: "0 0 6 ? * MON-FRI", timeZone: "Europe/London",
 *   invokeService: "send-report", invokeContext: { to: "ops@example.com" },
 * });
 * await sundial.start({ concurrency: 4 });
 */

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { type Clock, systemClock } from "./clock.js";
import { type InvokersOptions, registerInvokers } from "./invokers/index.js";
import {
  type DataOf,
  type Job,
  type JobHandler,
  JobRegistry,
  JobService,
  type JobTypeOptions,
  newJobId,
  WorkerPool,
} from "./jobs/index.js";
import {
  JobRetention,
  type RetentionOptions,
  RetentionSchema,
  retentionRule,
} from "./jobs/job-retention.js";
import { ScheduleService } from "./schedules/schedule.service.js";
import { type FileProblem, ScheduleFiles } from "./schedules/schedule-files.js";
import { Scheduler, type SchedulerPass } from "./schedules/scheduler.js";
import {
  DEFAULT_SCHEDULER_CONFIG,
  readSchedulerConfig,
  type SchedulerConfig,
} from "./schedules/scheduler-config.js";
import { openStore } from "./store/open-store.js";
import type { Store } from "./store/store.js";
import { validate } from "./validation.js";

export interface SundialOptions {
  /** `postgres://…` for a cluster, else a SQLite file; default `$DATABASE_URL`, else `./data/sundial.db`. */
  readonly database?: string;
  /** PostgreSQL schema; default `public`. */
  readonly schema?: string;
  /** A folder of `schedule-<name>.json` files and `scheduler.json`, loaded at start and watched; none by default. */
  readonly conf?: string;
  /** This process's id, unique among live nodes; default host name, pid and a random suffix. */
  readonly node?: string;
  /** Told about each conf file that cannot be used; default: a warning on stderr. */
  readonly onConfProblem?: (problem: FileProblem) => void;
  /** For tests: the clock every loop sleeps on. */
  readonly clock?: Clock;
  /** How long a claimed job holds unrenewed before another node may take it back; default 30 s. */
  readonly leaseMs?: number;
  /**
   * The built-in job types `script`, `command` and `http` (docs/invokers.md): their
   * settings, or `false` for none. Default: all three, with their defaults.
   */
  readonly invokers?: InvokersOptions | false;
  /**
   * How long ended jobs (FINISHED, CANCELED) and their logs are kept while started:
   * `maxAgeMs` (default 30 days) and `maxCount`, `null` for no limit. Replaces
   * `conf/scheduler.json`'s `retention`. STOPPED jobs are kept.
   */
  readonly retention?: RetentionOptions;
}

export interface SundialStartOptions {
  /** How many jobs this node runs at once; default `conf/scheduler.json`'s `threadPool.threadCount`, else 10. */
  readonly concurrency?: number;
}

function defaultNode(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
}

export class Sundial {
  readonly schedules: ScheduleService;
  readonly jobs: JobService;
  private readonly registry = new JobRegistry();
  private readonly scheduler: Scheduler;
  private readonly pool: WorkerPool;
  private readonly files: ScheduleFiles | undefined;
  private readonly retention: JobRetention;
  private started = false;
  private relaying = false;
  private stopListening: (() => Promise<void>) | undefined;
  private readonly passListeners = new Set<(pass: SchedulerPass) => void>();

  private constructor(
    readonly store: Store,
    readonly node: string,
    private readonly clock: Clock,
    private readonly config: SchedulerConfig,
    options: SundialOptions,
  ) {
    const newId = () => newJobId(clock.now());
    this.jobs = new JobService({ store, clock, node, registry: this.registry });
    this.schedules = new ScheduleService(store, clock, newId, this.registry);
    this.scheduler = new Scheduler({
      store,
      clock,
      node,
      newId,
      schedules: this.schedules,
      executePersistentSchedules: config.executePersistentSchedules,
      onJob: (row) => this.jobs.announce(row),
      maxAttemptsOf: (type) => this.registry.get(type)?.maxAttempts ?? 1,
      onPass: (pass) => {
        for (const listener of this.passListeners) {
          try {
            listener(pass);
          } catch (error) {
            this.jobs.events.emit("error", error);
          }
        }
      },
    });
    // A schedule waiting on its previous job (concurrentExecution: false) fires when it ends.
    this.jobs.events.on("finished", () => {
      if (this.scheduler.hasWaitingFires) this.scheduler.wake();
    });
    // Other nodes hear of ready jobs and changed schedules at once (PostgreSQL NOTIFY);
    // a notice relayed from another node is not sent back out.
    this.jobs.events.on("enqueued", () => {
      if (!this.relaying) store.notify("jobs", node);
    });
    this.schedules.onChange(() => store.notify("schedules", node));
    this.pool = new WorkerPool({
      jobs: this.jobs,
      store,
      clock,
      node,
      registry: this.registry,
      ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
    });
    this.retention = new JobRetention(this.jobs, config.retention);
    if (options.invokers !== false) registerInvokers(this, options.invokers ?? {});
    if (options.conf !== undefined) {
      const onProblem =
        options.onConfProblem ??
        ((p: FileProblem) =>
          process.emitWarning(`${p.file}: ${p.message}; the schedule it held is unchanged`));
      this.files = new ScheduleFiles({ dir: options.conf, schedules: this.schedules, onProblem });
    }
  }

  /**
   * Opens the database (migrating it) and reads `conf/scheduler.json`. Nothing fires or
   * runs, and the schedule files are not loaded, until {@link start}.
   */
  static async open(options: SundialOptions = {}): Promise<Sundial> {
    const fromFile =
      options.conf === undefined
        ? DEFAULT_SCHEDULER_CONFIG
        : await readSchedulerConfig(options.conf);
    const config =
      options.retention === undefined
        ? fromFile
        : {
            ...fromFile,
            retention: retentionRule(validate(RetentionSchema, options.retention, "retention")),
          };
    const store = await openStore({
      ...((options.database ?? process.env.DATABASE_URL)
        ? { database: options.database ?? process.env.DATABASE_URL }
        : {}),
      ...(options.schema === undefined ? {} : { schema: options.schema }),
    });
    return new Sundial(
      store,
      options.node ?? defaultNode(),
      options.clock ?? systemClock,
      config,
      options,
    );
  }

  /**
   * Defines what jobs of `type` run (a schedule's `invokeService` names its type).
   * @throws SundialError `conflict` when the type is already defined.
   */
  define<TType extends string, TData = DataOf<TType>, TResults = unknown>(
    type: TType,
    handler: JobHandler<TData, TResults>,
    options?: JobTypeOptions,
  ): this {
    this.registry.define(type, handler, options);
    return this;
  }

  /**
   * Loads the schedule files, then starts firing schedules, running jobs, purging old ones
   * and watching `conf/`. The files are loaded here rather than at open so that the job
   * types defined meanwhile are known when each file's schedule is checked.
   */
  async start(options: SundialStartOptions = {}): Promise<void> {
    if (this.started) return;
    await this.files?.load();
    this.started = true;
    this.stopListening = await this.store.listen((topic, sender) => this.hear(topic, sender));
    await this.pool.start({ concurrency: options.concurrency ?? this.config.threadCount });
    this.scheduler.start();
    this.retention.start();
    this.files?.watch();
  }

  /** Stops firing and claiming; running jobs get `graceMs` (default 10 s) to finish. */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.files?.close();
    await this.stopListening?.();
    this.stopListening = undefined;
    await this.scheduler.stop();
    await this.retention.stop();
    await this.pool.stop(options.graceMs === undefined ? {} : { graceMs: options.graceMs });
  }

  /**
   * Hears each pass of this node's fire loop: when it ran (a heartbeat), the jobs its fires
   * made (missed fires among them, which no `finished` event reports) and the duplicate
   * fires it was kept from making. For metrics and the error log.
   * @example const off = sundial.onSchedulerPass(({ at, lost }) => console.log(at, lost));
   */
  onSchedulerPass(listener: (pass: SchedulerPass) => void): () => void {
    this.passListeners.add(listener);
    return () => this.passListeners.delete(listener);
  }

  /** Acts on another node's notice. */
  private hear(topic: "schedules" | "jobs", sender: string): void {
    if (sender === this.node) return;
    if (topic === "schedules") {
      this.scheduler.wake();
      return;
    }
    this.relaying = true;
    try {
      this.jobs.notifyEnqueued();
    } finally {
      this.relaying = false;
    }
  }

  /** Stops, then closes the database. */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    await this.stop(options);
    await this.files?.close();
    await this.store.close();
  }

  /**
   * Maintenance mode, on every node sharing the database: no schedule fires until
   * {@link resumeJobs}; running jobs carry on, and jobs can still be enqueued and run.
   */
  async pauseJobs(): Promise<void> {
    await this.scheduler.pause();
  }

  /** Ends maintenance mode everywhere; fires missed meanwhile follow their misfire policies. */
  async resumeJobs(): Promise<void> {
    await this.scheduler.resume();
  }

  /** Whether firing is paused across the cluster (read from the database). */
  async isPaused(): Promise<boolean> {
    return this.store.firingPaused();
  }

  /** The jobs running right now, on every node. */
  async listCurrentlyExecutingJobs(): Promise<Job[]> {
    return this.jobs.find({ status: "RUNNING,STOPPING", _size: 1000 });
  }
}
