/**
 * One run of a claimed job: its handler, the handler's context, its timeout, and how the
 * run ends. The rules of an ending live here:
 *
 * - the handler returns → FINISHED with its results;
 * - it throws, or runs past `timeoutMs` → a retry after the backoff while
 *   `attempt < maxAttempts` (PENDING, reason `retry`, an INFO line), else FINISHED
 *   `hasErrors` with an ERROR line (reason `timeout` when it timed out);
 * - a user stopped it → STOPPED, keeping its checkpoint, whatever the handler did then;
 * - its node shut down → PENDING again at once with its checkpoint, the attempt not counted;
 * - its node lost the lease (another node recovered it) → nothing is recorded: the job is
 *   no longer this node's;
 * - the database refused the ending itself (a constraint, a trigger, a value it can't
 *   hold) → FINISHED `hasErrors` (STOPPED when stopped) with an ERROR line saying why,
 *   results and checkpoint left as stored: sending the same ending again can't succeed.
 *
 * A handler that ignores its aborted signal is waited for `abandonAfterMs`, then the run
 * ends without it: JavaScript can't kill a promise, so it runs on unobserved (the script
 * invoker runs in a worker thread so that it can be terminated).
 */
import { type Clock, WAKE } from "../clock.js";
import { SundialError } from "../errors.js";
import { statementRefused } from "../store/database-errors.js";
import type { JobOutcome, JobRow, LogLevel, Store } from "../store/store.js";
import { DEFAULT_BACKOFF, retryDelay } from "./backoff.js";
import type { Job } from "./job.js";
import { toJob } from "./job.js";
import type { JobService } from "./job.service.js";
import { type InterruptionKind, type JobContext, JobInterrupted } from "./job-context.js";
import type { JobDefinition } from "./job-registry.js";
import { jsonValue } from "./json-value.js";

/** What a run needs from the pool that claimed it. */
export interface RunEnvironment {
  readonly store: Store;
  readonly clock: Clock;
  readonly node: string;
  readonly jobs: JobService;
  /** Records an ending (see EndingBatch): `store.finishJob` for this node, batched. */
  readonly finish: (held: JobRow, outcome: JobOutcome) => Promise<JobRow | undefined>;
  readonly abandonAfterMs: number;
  readonly random: () => number;
  /** Aborted when the pool stops waiting for anything: an unrecordable ending is given up. */
  readonly givingUp: AbortSignal;
}

type Settled =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: unknown };

const HELD = ["RUNNING", "STOPPING"] as const;
/** Recording an ending that failed (the database away) is tried again after these waits. */
const RECORD_RETRY_MS = [100, 500, 2_000, 5_000, 10_000, 30_000];

export class JobRun {
  readonly id: string;
  // Both controllers are made when first needed: most runs are never interrupted and have
  // no timeout, and two controllers per run were a tenth of a busy node's time (bench/queue).
  private controller: AbortController | undefined;
  /** Cancels this run's timers (timeout, abandon) once it has ended. */
  private timerController: AbortController | undefined;
  private interruption: JobInterrupted | undefined;
  private settled: Settled | undefined;
  /** Ends the wait for the handler without it; set while execute waits. */
  private abandon: (() => void) | undefined;
  private givenUp = false;
  /** The context's writes, in order; the ending is recorded after them. */
  private writes: Promise<void> = Promise.resolve();
  /** Once the ending is being recorded the context writes nothing more. */
  private closed = false;
  private lastProgress: number;
  /** The checkpoint as this run last saved it; the claim's until then. */
  private checkpoint: unknown;
  /** When the handler began; later than the claim's startDate for a job claimed ahead. */
  private startedAt: number | undefined;
  /** Why the database refused this run's ending, once it has. */
  private refused: unknown;

  constructor(
    private readonly env: RunEnvironment,
    private readonly row: JobRow,
    private readonly definition: JobDefinition | undefined,
    /** The pool's claim counter when it started: tells runs claimed before a heartbeat query from later ones. */
    readonly seq: number,
  ) {
    this.id = row.id;
    this.lastProgress = row.progress;
    this.checkpoint = row.checkpoint;
  }

  /** The handler's signal, already aborted when the run was interrupted before it was asked for. */
  private get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.interruption !== undefined) this.controller.abort(this.interruption);
    }
    return this.controller.signal;
  }

  private get timers(): AbortController {
    this.timerController ??= new AbortController();
    return this.timerController;
  }

  /**
   * Aborts the handler's signal (the first interruption wins) and starts waiting
   * `abandonAfterMs` for it. Does nothing once the handler has returned or thrown.
   */
  interrupt(kind: InterruptionKind, message: string): void {
    if (this.settled !== undefined || this.interruption !== undefined) return;
    this.interruption = new JobInterrupted(kind, message);
    this.controller?.abort(this.interruption);
    void this.env.clock.sleep(this.env.abandonAfterMs, this.timers.signal).then(() => {
      this.givenUp = true;
      this.abandon?.();
    });
  }

  /**
   * Runs the handler and records how the run ended; `handled` is called once the handler is
   * done (or given up on), before the ending is recorded. Never rejects: failures are
   * reported as `error` events.
   */
  async execute(handled?: () => void): Promise<void> {
    this.startedAt = this.env.clock.now();
    const running = this.handle();
    const timeoutMs = this.definition?.timeoutMs;
    if (timeoutMs !== undefined) {
      void this.env.clock.sleep(timeoutMs, this.timers.signal).then(() => {
        if (!this.timers.signal.aborted) {
          this.interrupt("timeout", `timed out after ${timeoutMs} ms`);
        }
      });
    }
    // One promise for "the handler is done, or given up on": a race of two per run showed
    // in a busy node's profile.
    await new Promise<void>((resolve) => {
      this.abandon = resolve;
      if (this.givenUp) resolve();
      void running.then(resolve);
    });
    handled?.();
    this.timerController?.abort(WAKE);
    this.closed = true;
    await this.writes;
    await this.recordEnding();
  }

  private async handle(): Promise<void> {
    try {
      if (this.definition === undefined) {
        throw new SundialError(
          "internal",
          `No handler for job type "${this.row.type}" on node ${this.env.node}; define it on every node that runs jobs.`,
        );
      }
      const value = await this.definition.handler(this.context());
      // Results that can't be stored fail the attempt here, rather than the recording later.
      this.settled ??= { ok: true, value: jsonValue(value, "results") };
    } catch (error) {
      this.settled ??= { ok: false, error };
    }
  }

  /**
   * The handler's context. Its functions only call this run's methods, and `job` and
   * `signal` are made when first read: most handlers read only `data`. It is a plain
   * object, so that a handler may spread it (`inner({ ...ctx, extra })`) or take it apart
   * (`async ({ data, progress })`).
   */
  private context(): JobContext {
    const run = this;
    const madeAt = this.env.clock.now();
    let job: Job | undefined;
    return {
      get job() {
        job ??= run.jobAt(madeAt);
        return job;
      },
      data: this.row.data,
      get signal() {
        return run.signal;
      },
      checkpoint: this.row.checkpoint,
      log: {
        info: (message, additionalInfo) => run.log("INFO", message, additionalInfo),
        error: (message, additionalInfo) => run.log("ERROR", message, additionalInfo),
      },
      progress: (percent) => run.progress(percent),
      saveCheckpoint: (value) => run.saveCheckpoint(value),
    };
  }

  /** The job as its handler sees it: as claimed, RUNNING since the handler began. */
  private jobAt(now: number): Job {
    return toJob({ ...this.row, startDate: this.startedAt ?? now }, now);
  }

  /** A log line of the handler's (see {@link JobContext.log}). */
  private log(level: LogLevel, message: string, additionalInfo: unknown): Promise<void> {
    if (typeof message !== "string") {
      throw new SundialError("badRequest", "message: a log line's message must be text", {
        field: "message",
      });
    }
    return this.write(() => this.env.jobs.appendLog(this.id, level, message, additionalInfo));
  }

  /** See {@link JobContext.progress}. */
  private progress(percent: number): Promise<void> {
    if (typeof percent !== "number" || !(percent >= 0 && percent <= 100)) {
      throw new SundialError("badRequest", `progress: ${String(percent)} is not from 0 to 100`, {
        field: "progress",
      });
    }
    const progress = Math.round(percent);
    if (progress === this.lastProgress) return Promise.resolve();
    this.lastProgress = progress;
    return this.write(() => this.update({ progress }));
  }

  /** See {@link JobContext.saveCheckpoint}. */
  private saveCheckpoint(value: unknown): Promise<void> {
    const checkpoint = jsonValue(value, "checkpoint");
    return this.write(() => this.update({ checkpoint }));
  }

  private async update(change: { progress?: number; checkpoint?: unknown }): Promise<void> {
    await this.env.store.updateJob(this.id, { status: HELD, node: this.env.node }, change);
    if (change.checkpoint !== undefined) this.checkpoint = change.checkpoint;
  }

  /**
   * Queues a write behind the earlier ones. The caller's promise rejects if it fails; a
   * failure is also reported once, so a handler that doesn't await loses nothing silently.
   */
  private write(operation: () => Promise<void>): Promise<void> {
    if (this.closed) return Promise.resolve();
    const done = this.writes.then(operation);
    this.writes = done.catch((error: unknown) => this.env.jobs.events.emit("error", error));
    done.catch(() => undefined);
    return done;
  }

  private async recordEnding(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.record();
        return;
      } catch (error) {
        this.env.jobs.events.emit("error", error);
        // Sending a refused ending again can't succeed: the next try records the refusal.
        if (this.refused === undefined && statementRefused(error)) {
          this.refused = error;
          continue;
        }
        const wait = RECORD_RETRY_MS[Math.min(attempt, RECORD_RETRY_MS.length - 1)] as number;
        if (this.env.givingUp.aborted) return;
        await this.env.clock.sleep(wait, this.env.givingUp);
        if (this.env.givingUp.aborted) return;
      }
    }
  }

  private async record(): Promise<void> {
    const kind = this.interruption?.kind;
    if (kind === "leaseLost") {
      await this.discarded("its lease lapsed and the job was recovered");
      return;
    }
    const settled = this.settled;
    const now = this.env.clock.now();
    // The usual ending on its own: a small async function is a small allocation per run.
    const ended =
      this.refused === undefined && kind === undefined && settled?.ok === true
        ? await this.end({ status: "FINISHED", at: now, reason: null, results: settled.value })
        : await this.otherEnding(kind, settled, now);
    if (ended === undefined) await this.discarded("another node holds the job now");
    else this.env.jobs.announce(ended);
  }

  /** Every ending but a handler's plain return (see the rules at the top). */
  private async otherEnding(
    kind: InterruptionKind | undefined,
    settled: Settled | undefined,
    now: number,
  ): Promise<JobRow | undefined> {
    const { store, node, jobs } = this.env;
    if (this.refused !== undefined) {
      await jobs.appendLog(
        this.id,
        "ERROR",
        `the database refused to store how the run ended (${messageOf(this.refused)}); the job ends failed, without its results`,
        { error: storable(this.refused) },
      );
      return this.end({
        status: kind === "stopped" ? "STOPPED" : "FINISHED",
        hasErrors: true,
        at: now,
      });
    }
    if (kind === "stopped") {
      if (settled !== undefined && !settled.ok && !this.isAbort(settled.error)) {
        await jobs.appendLog(
          this.id,
          "ERROR",
          `failed while stopping: ${messageOf(settled.error)}`,
          { error: storable(settled.error) },
        );
      }
      return this.end({
        status: "STOPPED",
        at: now,
        ...(settled?.ok && settled.value !== undefined ? { results: settled.value } : {}),
      });
    }
    if (kind === "shutdown") {
      await jobs.appendLog(
        this.id,
        "INFO",
        `interrupted: node ${node} shut down; the job will run again`,
      );
      return (
        (await store.updateJob(
          this.id,
          { status: ["RUNNING"], node },
          { status: "PENDING", runAt: now, release: true, refundAttempt: true },
        )) ??
        // A user asked it to stop meanwhile: that wins.
        (await this.end({ status: "STOPPED", at: now }))
      );
    }
    return this.fail(
      kind === "timeout" || settled?.ok !== false ? this.interruption : settled.error,
      now,
    );
  }

  /** Records the ending, with the run's real start when it began after its claim. */
  private end(outcome: JobOutcome): Promise<JobRow | undefined> {
    const startedAt = this.startedAt;
    return this.env.finish(
      this.checkpoint === this.row.checkpoint
        ? this.row
        : { ...this.row, checkpoint: this.checkpoint },
      startedAt !== undefined && startedAt !== this.row.startDate
        ? { ...outcome, startedAt }
        : outcome,
    );
  }

  /** Whether a handler threw because it was aborted (our reason, or a library's AbortError). */
  private isAbort(error: unknown): boolean {
    return (
      error === this.interruption ||
      (error instanceof Error && (error.name === "AbortError" || error.cause === this.interruption))
    );
  }

  /** A failed attempt: a retry after the backoff while attempts remain, else the end. */
  private async fail(error: unknown, now: number): Promise<JobRow | undefined> {
    const { jobs } = this.env;
    const { attempt, maxAttempts } = this.row;
    const timedOut = error instanceof JobInterrupted && error.kind === "timeout";
    const info = { error: storable(error), attempt, maxAttempts };
    if (attempt < maxAttempts) {
      const delay = retryDelay(
        this.definition?.backoff ?? DEFAULT_BACKOFF,
        attempt,
        this.env.random,
      );
      const runAt = now + delay;
      await jobs.appendLog(
        this.id,
        "INFO",
        `attempt ${attempt} of ${maxAttempts} failed: ${messageOf(error)}; retrying at ${new Date(runAt).toISOString()}`,
        { ...info, retryAt: runAt },
      );
      return this.end({ status: "PENDING", runAt, reason: "retry", at: now });
    }
    const after = maxAttempts > 1 ? ` (attempt ${attempt} of ${maxAttempts})` : "";
    await jobs.appendLog(this.id, "ERROR", `failed${after}: ${messageOf(error)}`, info);
    return this.end({
      status: "FINISHED",
      hasErrors: true,
      reason: timedOut ? "timeout" : null,
      at: now,
    });
  }

  /** The run ended on a node that no longer holds the job: say so, change nothing else. */
  private async discarded(why: string): Promise<void> {
    await this.env.jobs.appendLog(
      this.id,
      "INFO",
      `node ${this.env.node} finished a run it no longer held (${why}); its outcome was discarded`,
    );
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return typeof error === "string" ? error : JSON.stringify(storable(error));
}

/** What a handler threw, as JSON; anything JSON can't hold (a cycle) as its text. */
function storable(error: unknown): unknown {
  try {
    return jsonValue(error, "error");
  } catch {
    return String(error);
  }
}
