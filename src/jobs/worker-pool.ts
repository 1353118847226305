/**
 * The worker pool of one node: it claims jobs up to its free slots, runs them, renews
 * their leases, takes back the jobs of nodes that died, and shuts down gracefully.
 *
 * Three loops, each asleep on the injected clock until it has work:
 * - claiming: woken at once by an enqueue in this process or a freed slot; otherwise it
 *   sleeps until the earliest future `runAt` (a retry, a delayed job), or at most the poll
 *   interval, which is how it sees jobs enqueued by other processes. While the jobs it
 *   runs are short it claims ahead: more jobs than it has free slots, kept in a local
 *   queue that a freed slot starts from at once, so a busy node makes one claim (and one
 *   ending write, see EndingBatch) for many jobs. A job claimed ahead shows RUNNING while it
 *   waits its turn (about 100 ms at most); its startDate becomes the instant it began.
 * - heartbeat (only while jobs run): renews this node's leases, and aborts the runs of
 *   jobs a user stopped from another node, or whose lease this node lost;
 * - maintenance: recovers jobs whose node's lease lapsed (a log line on each), and purges
 *   old jobs when a retention rule is given.
 */
import { type Clock, WAKE } from "../clock.js";
import { SundialError } from "../errors.js";
import type { JobRow, Store } from "../store/store.js";
import { EndingBatch } from "./ending-batch.js";
import type { JobService, RetentionRule } from "./job.service.js";
import type { JobRegistry } from "./job-registry.js";
import { JobRun, type RunEnvironment } from "./job-run.js";

export interface WorkerPoolOptions {
  /** The service whose events wake the pool; the pool also logs and announces through it. */
  readonly jobs: JobService;
  /** Default: the service's. */
  readonly store?: Store;
  readonly clock?: Clock;
  /** This process's node id, unique among live nodes. Default: the service's. */
  readonly node?: string;
  readonly registry?: JobRegistry;
  /** How long a claim holds a job unrenewed before another node may take it back; default 30 s. */
  readonly leaseMs?: number;
  /** The longest the pool sleeps before looking for jobs other processes enqueued; default 1 s. */
  readonly pollIntervalMs?: number;
  /** How often jobs of dead nodes are looked for; default a third of the lease. */
  readonly recoverIntervalMs?: number;
  /** How long a handler whose signal was aborted is waited for before the pool gives up on it; default 5 s. */
  readonly abandonAfterMs?: number;
  /** Purge old jobs on this node's maintenance loop, every `intervalMs` (default one hour). */
  readonly retention?: RetentionRule & { readonly intervalMs?: number };
  /** For backoff jitter; tests pass a fixed one. */
  readonly random?: () => number;
}

export interface StartOptions {
  /** How many jobs run at once on this node, 1-10000. */
  readonly concurrency: number;
}

export interface StopOptions {
  /** How long running jobs may take to finish before their signals are aborted; default 10 s. */
  readonly graceMs?: number;
}

const MAX_CONCURRENCY = 10_000;
/** Runs shorter than this, on average, make the pool claim ahead. */
const SHORT_RUN_MS = 50;
/** While runs are short the pool holds about this much work (ms) claimed ahead, at most MAX_AHEAD jobs. */
const AHEAD_WORK_MS = 100;
const MAX_AHEAD = 1000;
/** The weight of the latest run in the average run time. */
const RUN_TIME_WEIGHT = 0.2;
/** Runs whose endings are still being written; past this no new job starts until some are. */
const MAX_UNRECORDED = 1000;

/**
 * Runs jobs on this node.
 * @example
 * const pool = new WorkerPool({ store, clock, node, registry, jobs });
 * await pool.start({ concurrency: 4 });
 * process.once("SIGTERM", () => void pool.stop({ graceMs: 30_000 }));
 */
export class WorkerPool {
  private readonly jobs: JobService;
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly node: string;
  private readonly registry: JobRegistry;
  private readonly leaseMs: number;
  private readonly pollIntervalMs: number;
  private readonly recoverIntervalMs: number;
  private readonly abandonAfterMs: number;
  private readonly retention: WorkerPoolOptions["retention"];
  private readonly random: () => number;

  private state: "idle" | "running" | "stopping" = "idle";
  private concurrency = 0;
  /** Keyed by claim, not job id: a job this node lost and claimed again runs twice for a moment. */
  private readonly runs = new Map<number, { run: JobRun; done: Promise<void> }>();
  /**
   * Every run not yet over, including those whose handler is done and whose ending is
   * being recorded: a slot is freed when its handler is done, not when the ending is
   * written, so one slow write doesn't hold back the next jobs.
   */
  private readonly recording = new Set<Promise<void>>();
  /** Jobs claimed ahead, held by this node, waiting for a free slot; oldest claim first. */
  private ahead: { readonly row: JobRow; readonly claim: number }[] = [];
  /** Counts the claims that returned, so a heartbeat can tell jobs claimed before its query. */
  private claimsReturned = 0;
  /** The average run time (ms), from which the pool decides whether to claim ahead. */
  private runMs = Number.POSITIVE_INFINITY;
  private endings: EndingBatch;
  /** Counts claims, so a heartbeat can tell runs claimed before its query from later ones. */
  private claimSeq = 0;
  private woken = false;
  /** Ends the claim loop's sleep; set while it sleeps. */
  private wakeClaimer: (() => void) | undefined;
  private loops = new AbortController();
  private givingUp = new AbortController();
  /** What every run of this start shares (made again at each start, for its givingUp). */
  private environment: RunEnvironment;
  private claiming: Promise<void> = Promise.resolve();
  private background: Promise<void>[] = [];
  private stopListeningForEnqueues: () => void = () => undefined;
  private stopListeningForStops: () => void = () => undefined;
  private stopping: Promise<void> | undefined;

  constructor(options: WorkerPoolOptions) {
    this.jobs = options.jobs;
    this.store = options.store ?? options.jobs.store;
    this.clock = options.clock ?? options.jobs.clock;
    this.node = options.node ?? options.jobs.node;
    this.registry = options.registry ?? options.jobs.registry;
    this.leaseMs = positive(options.leaseMs ?? 30_000, "leaseMs");
    this.pollIntervalMs = positive(options.pollIntervalMs ?? 1_000, "pollIntervalMs");
    this.recoverIntervalMs = positive(
      options.recoverIntervalMs ?? Math.max(1, Math.round(this.leaseMs / 3)),
      "recoverIntervalMs",
    );
    this.abandonAfterMs = positive(options.abandonAfterMs ?? 5_000, "abandonAfterMs");
    this.retention = options.retention;
    this.random = options.random ?? Math.random;
    this.endings = new EndingBatch(this.store, this.node);
    this.environment = this.runEnvironment();
  }

  /** The ids of the jobs running on this pool now. */
  get running(): string[] {
    return [...this.runs.values()].map(({ run }) => run.id);
  }

  /** Whether the pool claims jobs (started and not stopping). */
  get started(): boolean {
    return this.state === "running";
  }

  /**
   * Starts claiming and running jobs. Jobs this node id held in an earlier life (a crash)
   * are recovered first.
   * @throws SundialError `conflict` when already started, `badRequest` for a bad concurrency.
   */
  async start(options: StartOptions): Promise<void> {
    const { concurrency } = options;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      throw new SundialError(
        "badRequest",
        `concurrency: ${String(concurrency)} is not a whole number from 1 to ${MAX_CONCURRENCY}`,
        { field: "concurrency" },
      );
    }
    if (this.state !== "idle") {
      throw new SundialError(
        "conflict",
        `The worker pool of node ${this.node} is already ${this.state}; stop it before starting it again.`,
      );
    }
    // Nothing runs here yet, so any job held under this node id is from a process that
    // died with it: end its lease now so that recovery (below) takes it back at once.
    await this.store.renewLeases(this.node, this.clock.now() - 1);
    this.state = "running";
    this.concurrency = concurrency;
    this.loops = new AbortController();
    this.givingUp = new AbortController();
    this.environment = this.runEnvironment();
    this.stopping = undefined;
    this.stopListeningForEnqueues = this.jobs.events.on("enqueued", () => this.wake());
    this.stopListeningForStops = this.jobs.events.on("stopRequested", (job) => {
      for (const run of this.runsOf(job.id)) run.interrupt("stopped", "stopped by a user");
      void this.dropAhead(new Map([[job.id, "STOPPING"]]));
    });
    this.claiming = this.claimLoop();
    this.background = [this.heartbeatLoop(), this.maintenanceLoop()];
  }

  /**
   * Stops claiming, lets running jobs finish within `graceMs`, then aborts their signals
   * (they go back to PENDING, to run again here or on another node) and waits at most
   * `abandonAfterMs` more for them. Leaves no timer behind.
   */
  stop(options: StopOptions = {}): Promise<void> {
    if (this.state === "idle") return Promise.resolve();
    this.stopping ??= this.shutDown(options.graceMs ?? 10_000);
    return this.stopping;
  }

  private async shutDown(graceMs: number): Promise<void> {
    this.state = "stopping";
    this.stopListeningForEnqueues();
    this.wake();
    await this.claiming;
    await this.returnAhead();
    if (this.recording.size > 0) {
      const grace = new AbortController();
      await Promise.race([this.allDone(), this.clock.sleep(graceMs, grace.signal)]);
      grace.abort();
      for (const { run } of this.runs.values()) {
        run.interrupt("shutdown", `node ${this.node} is shutting down`);
      }
      // Each run ends within abandonAfterMs of its interruption, bar recording its ending.
      const patience = new AbortController();
      await Promise.race([
        this.allDone(),
        this.clock.sleep(this.abandonAfterMs * 2, patience.signal).then(() => {
          if (!patience.signal.aborted) this.givingUp.abort();
        }),
      ]);
      patience.abort();
      this.givingUp.abort();
      await this.allDone();
    }
    this.loops.abort();
    await Promise.all(this.background);
    // Stop requests are heeded until the last run has ended.
    this.stopListeningForStops();
    this.state = "idle";
  }

  private allDone(): Promise<void> {
    return Promise.all(this.recording).then(() => undefined);
  }

  private wake(): void {
    this.woken = true;
    const wake = this.wakeClaimer;
    this.wakeClaimer = undefined;
    wake?.();
  }

  private async claimLoop(): Promise<void> {
    while (this.state === "running") {
      this.woken = false;
      this.startAhead();
      const free = this.concurrency - this.runs.size;
      const target = free + this.claimAheadTarget();
      const room = target - this.ahead.length;
      // undefined: sleep until woken (all slots busy; a finishing job wakes the loop).
      let idleMs: number | undefined;
      // Refill the local queue once it is half empty, not a job at a time.
      if (room > 0 && (free > 0 || this.ahead.length <= target / 2)) {
        try {
          const claimed = await this.store.claimJobs(
            this.node,
            this.clock.now(),
            this.leaseMs,
            room,
          );
          const claim = ++this.claimsReturned;
          for (const row of claimed) this.ahead.push({ row, claim });
          this.startAhead();
          if (claimed.length === room) continue;
          const earliest = await this.store.earliestRunAt();
          idleMs =
            earliest === null
              ? this.pollIntervalMs
              : Math.max(0, Math.min(this.pollIntervalMs, earliest - this.clock.now()));
        } catch (error) {
          this.jobs.events.emit("error", error);
          idleMs = this.pollIntervalMs;
        }
      }
      if (this.woken || this.state !== "running") continue;
      if (idleMs === undefined) {
        // Every handled job wakes a busy loop: a bare promise, since an AbortController per
        // wake-up cost several percent of a busy node (bench/queue).
        await new Promise<void>((resolve) => {
          this.wakeClaimer = resolve;
        });
      } else {
        const wake = new AbortController();
        this.wakeClaimer = () => wake.abort(WAKE);
        await this.clock.sleep(idleMs, wake.signal);
        wake.abort(WAKE);
      }
      this.wakeClaimer = undefined;
    }
  }

  /**
   * How many jobs to hold beyond the free slots: while runs are short, enough for about
   * AHEAD_WORK_MS of work, so a job claimed ahead shows RUNNING only that long before it
   * starts; none while they are long.
   */
  private claimAheadTarget(): number {
    if (!(this.runMs < SHORT_RUN_MS)) return 0;
    const perSlot = Math.ceil(AHEAD_WORK_MS / Math.max(1, this.runMs));
    return Math.min(MAX_AHEAD, this.concurrency * perSlot);
  }

  /** Starts jobs claimed ahead while slots are free. */
  private startAhead(): void {
    while (
      this.state === "running" &&
      this.runs.size < this.concurrency &&
      this.recording.size - this.runs.size < MAX_UNRECORDED
    ) {
      const next = this.ahead.shift();
      if (next === undefined) return;
      this.begin(next.row);
    }
  }

  /**
   * Lets go of jobs claimed ahead that the heartbeat or a stop request found changed:
   * gone from this node (recovered elsewhere) they are forgotten; STOPPING they end
   * STOPPED without having run.
   */
  private async dropAhead(changed: ReadonlyMap<string, string | undefined>): Promise<void> {
    const dropped = this.ahead.filter(({ row }) => changed.has(row.id)).map(({ row }) => row);
    if (dropped.length === 0) return;
    this.ahead = this.ahead.filter(({ row }) => !changed.has(row.id));
    const stopped = dropped.filter((row) => changed.get(row.id) === "STOPPING");
    const at = this.clock.now();
    const rows = await Promise.all(
      stopped.map((row) => this.endings.finish(row, { status: "STOPPED", at })),
    );
    for (const row of rows) if (row !== undefined) this.jobs.announce(row);
  }

  /** On shutdown: jobs claimed ahead go back to PENDING, their attempt not counted. */
  private async returnAhead(): Promise<void> {
    const returned = this.ahead;
    this.ahead = [];
    const now = this.clock.now();
    for (const { row } of returned) {
      const back = await this.store.updateJob(
        row.id,
        { status: ["RUNNING"], node: this.node },
        { status: "PENDING", runAt: now, release: true, refundAttempt: true },
      );
      if (back !== undefined) this.jobs.announce(back);
    }
  }

  private runEnvironment(): RunEnvironment {
    return {
      store: this.store,
      clock: this.clock,
      node: this.node,
      jobs: this.jobs,
      abandonAfterMs: this.abandonAfterMs,
      random: this.random,
      givingUp: this.givingUp.signal,
      finish: (held, outcome) => this.endings.finish(held, outcome),
    };
  }

  /** The runs of job `jobId` here; walked, not copied, since begin asks for every job. */
  private *runsOf(jobId: string): Generator<JobRun> {
    for (const { run } of this.runs.values()) if (run.id === jobId) yield run;
  }

  private begin(row: JobRow): void {
    // Still running here from before this node's lease lapsed: that run is no longer the job's.
    for (const stale of this.runsOf(row.id)) {
      stale.interrupt(
        "leaseLost",
        `node ${this.node} lost its lease on the job, which was recovered`,
      );
    }
    const seq = ++this.claimSeq;
    const run = new JobRun(this.environment, row, this.registry.get(row.type), seq);
    const began = this.clock.now();
    const handled = () => {
      if (!this.runs.delete(seq)) return;
      const took = this.clock.now() - began;
      this.runMs = Number.isFinite(this.runMs)
        ? this.runMs + RUN_TIME_WEIGHT * (took - this.runMs)
        : took;
      this.startAhead();
      this.wake();
    };
    const done: Promise<void> = run.execute(handled).finally(() => {
      handled();
      this.recording.delete(done);
      this.startAhead();
      this.wake();
    });
    this.runs.set(seq, { run, done });
    this.recording.add(done);
    this.jobs.announce(row);
  }

  private async heartbeatLoop(): Promise<void> {
    const beatMs = Math.max(1, Math.min(this.pollIntervalMs, Math.round(this.leaseMs / 3)));
    let renewedAt = this.clock.now();
    while (!this.loops.signal.aborted) {
      await this.clock.sleep(beatMs, this.loops.signal);
      // Leases are renewed until every ending is written, not just while handlers run.
      if (this.loops.signal.aborted || this.recording.size === 0) continue;
      try {
        const seq = this.claimSeq;
        const claimsBefore = this.claimsReturned;
        const now = this.clock.now();
        if (now - renewedAt >= this.leaseMs / 3) {
          await this.endings.exclusive(() => this.store.renewLeases(this.node, now + this.leaseMs));
          renewedAt = now;
        }
        const held = new Map(
          (await this.store.jobsHeldBy(this.node)).map((job) => [job.id, job.status]),
        );
        const changed = new Map<string, string | undefined>();
        for (const { row, claim } of this.ahead) {
          const status = held.get(row.id);
          // A claim that returned after the query began may not be in its answer yet.
          if (status !== "RUNNING" && claim <= claimsBefore) changed.set(row.id, status);
        }
        await this.dropAhead(changed);
        for (const { run } of this.runs.values()) {
          // A run claimed after the query began may not be in its answer yet.
          if (run.seq > seq) continue;
          const status = held.get(run.id);
          if (status === undefined) {
            run.interrupt(
              "leaseLost",
              `node ${this.node} lost its lease on the job, which was recovered`,
            );
          } else if (status === "STOPPING") {
            run.interrupt("stopped", "stopped by a user");
          }
        }
      } catch (error) {
        this.jobs.events.emit("error", error);
      }
    }
  }

  private async maintenanceLoop(): Promise<void> {
    const purgeEveryMs = this.retention?.intervalMs ?? 3_600_000;
    let purgedAt = Number.NEGATIVE_INFINITY;
    while (!this.loops.signal.aborted) {
      try {
        await this.recover();
        if (this.retention && this.clock.now() - purgedAt >= purgeEveryMs) {
          purgedAt = this.clock.now();
          await this.jobs.purge(this.retention);
        }
      } catch (error) {
        this.jobs.events.emit("error", error);
      }
      await this.clock.sleep(this.recoverIntervalMs, this.loops.signal);
    }
  }

  /**
   * Takes back the jobs of nodes whose lease lapsed, with a log line on each. The lines
   * are written just after the release, so another node may already have claimed a job;
   * they carry the instant of the release, so they still sort before its new run's lines.
   */
  private async recover(): Promise<void> {
    const now = this.clock.now();
    const lapsed = await this.store.lapsedLeases(now);
    if (lapsed.length === 0) return;
    const holders = new Map(lapsed.map((job) => [job.id, job.node]));
    const recovered = await this.store.releaseExpired(now);
    if (recovered.length === 0) return;
    // releaseExpired already marked the jobs that failed hasErrors.
    await this.store.appendLogs(
      recovered.map((row) => {
        const holder = holders.get(row.id);
        const who =
          holder === undefined
            ? "its node"
            : holder === this.node
              ? `node ${holder} (this node, in an earlier run)`
              : `node ${holder}`;
        const additionalInfo = { node: holder ?? null, recoveredBy: this.node };
        if (row.status === "PENDING") {
          return {
            jobId: row.id,
            at: now,
            level: "INFO",
            message: `recovered: ${who}'s lease lapsed; the job will run again`,
            additionalInfo,
          };
        }
        if (row.status === "STOPPED") {
          return {
            jobId: row.id,
            at: now,
            level: "INFO",
            message: `recovered: ${who}'s lease lapsed while the job was stopping; it is STOPPED`,
            additionalInfo,
          };
        }
        return {
          jobId: row.id,
          at: now,
          level: "ERROR",
          message: `recovered: ${who}'s lease lapsed on its last attempt (${row.attempt} of ${row.maxAttempts}); the job failed`,
          additionalInfo,
        };
      }),
    );
    for (const row of recovered) this.jobs.announce(row);
  }
}

function positive(value: number, field: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new SundialError(
      "badRequest",
      `${field}: ${String(value)} is not a whole number of milliseconds above 0`,
      { field },
    );
  }
  return value;
}
