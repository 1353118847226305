/**
 * The fire loop. It sleeps until the earliest due fire (no polling tick), is woken early
 * by changes, and turns each due fire into exactly one job: the store's `claimDueFires`
 * advances the schedule's next fire with a compare-and-set in the same transaction that
 * inserts the job under its (schedule, fire time) key, so nodes racing for a fire make
 * one job between them.
 *
 * Per fire, the rules (in this order):
 * - `concurrentExecution: false` and the schedule's previous job is still PENDING or
 *   RUNNING: the fire waits. When the job ends the loop is woken and the fire runs; if by
 *   then it is later than `misfireThreshold`, the misfire policy decides.
 * - Later than `misfireThreshold` (the node was down, the scheduler paused, or the fire
 *   waited): the fire is missed. `doNothing` records it as a CANCELED job with reason
 *   `missed`; `fireAndProceed` runs it once, now. Either way the missed fires after it, up
 *   to now, are folded into that one job (`results.missedFires`), and the schedule moves
 *   on to its first fire after now.
 * - Otherwise it runs: a PENDING job of type `invokeService` with `invokeContext` as data.
 *
 * Fires are claimed up to `fireAheadMs` (default 200 ms) before they are due, as jobs that
 * no worker takes before the fire time (`runAt`): the claim's database work is done by then,
 * and the workers start the jobs on the dot. A pause, edit or delete applies from the first
 * fire not yet claimed, so at most `fireAheadMs` later.
 */
import { type Clock, WAKE } from "../clock.js";
import type { JobRow, LogLine, NewJob, Store } from "../store/store.js";
import type { LiveSchedule, ScheduleService } from "./schedule.service.js";

export interface SchedulerOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly schedules: ScheduleService;
  /** This node's id, recorded on the jobs its fires make (`firedBy`). */
  readonly node: string;
  readonly newId: () => string;
  /** Called with each job a fire created, so the workers can be woken. */
  readonly onJob?: (job: JobRow) => void;
  /** How many attempts a job of this type gets (its type's `maxAttempts`); default 1. */
  readonly maxAttemptsOf?: (type: string) => number;
  /** `false`: this node manages schedules but fires no persisted one. Default true. */
  readonly executePersistentSchedules?: boolean;
  /** The longest sleep, so schedules created by other nodes are noticed; default 5 s. */
  readonly maxSleepMs?: number;
  /** How long before its time a fire is claimed; default 200 ms, 0 to claim fires only when due. */
  readonly fireAheadMs?: number;
  /** Told after each pass of the loop that reached the store (metrics read it; see {@link SchedulerPass}). */
  readonly onPass?: (pass: SchedulerPass) => void;
}

/** One pass of the fire loop, as {@link SchedulerOptions.onPass} hears of it. */
export interface SchedulerPass {
  /** When the pass began: the node's fire loop was alive and reached the store then. */
  readonly at: number;
  /** The jobs this node's fires made, PENDING, or CANCELED with reason `missed`; none while paused. */
  readonly jobs: readonly JobRow[];
  /**
   * Fires this node claimed whose schedule another node had moved on, or whose job already
   * existed: the duplicates the claim's compare-and-set prevented.
   */
  readonly lost: number;
}

/** Fires handled per pass; a backlog larger than this is worked through pass after pass. */
const BATCH = 500;
/** While a fire waits for its schedule's previous job, how often to look again. */
const BLOCKED_RECHECK_MS = 1000;
const DEFAULT_FIRE_AHEAD_MS = 200;
/** Counting missed fires stops here; the count says "at least". */
const MAX_COUNTED_MISSES = 100_000;
const ACTIVE = ["PENDING", "RUNNING", "STOPPING"] as const;

export class Scheduler {
  private running = false;
  private paused = false;
  private waiting = false;
  private loop: Promise<void> | undefined;
  private wakeUp = new AbortController();
  /** In-memory schedules' last job, for concurrentExecution (they have no schedule id in the store). */
  private readonly memoryJobs = new Map<string, string>();

  constructor(private readonly options: SchedulerOptions) {
    options.schedules.onChange(() => this.wake());
  }

  /** Whether firing is paused across the cluster, as this node last saw it. */
  get isPaused(): boolean {
    return this.paused;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    this.loop = undefined;
  }

  /** Whether the last pass left fires waiting for their schedule's previous job to end. */
  get hasWaitingFires(): boolean {
    return this.waiting;
  }

  /** Re-plans the sleep now: a schedule changed, or a job the loop waits for ended. */
  wake(): void {
    this.wakeUp.abort(WAKE);
  }

  /**
   * Suspends all firing on every node (running jobs are untouched); fires that come due
   * wait. The other nodes hear of it through the store's notices, or within `maxSleepMs`.
   */
  async pause(): Promise<void> {
    await this.setPaused(true);
  }

  /** Resumes firing everywhere; fires that became later than their threshold follow their misfire policy. */
  async resume(): Promise<void> {
    await this.setPaused(false);
  }

  private async setPaused(paused: boolean): Promise<void> {
    const { store, node, clock } = this.options;
    await store.setFiringPaused(paused, node, clock.now());
    this.paused = paused;
    store.notify("schedules", node);
    this.wake();
  }

  private async run(): Promise<void> {
    const { clock } = this.options;
    while (this.running) {
      const signal = this.wakeUp.signal;
      let wakeAt = Number.POSITIVE_INFINITY;
      const at = clock.now();
      try {
        this.paused = await this.options.store.firingPaused();
        const fired: Fired = { jobs: [], lost: 0 };
        if (!this.paused) wakeAt = await this.pass(fired);
        this.options.onPass?.({ at, ...fired });
      } catch (error) {
        // The store was unreachable for a moment: try again shortly rather than die.
        process.emitWarning(`sundial scheduler: ${(error as Error).message}`);
        wakeAt = clock.now() + BLOCKED_RECHECK_MS;
      }
      if (!this.running) break;
      const maxSleep = this.options.maxSleepMs ?? 5000;
      const sleep = Math.min(Math.max(0, wakeAt - clock.now()), maxSleep);
      if (sleep > 0 && !signal.aborted) await clock.sleep(sleep, signal);
      if (this.wakeUp.signal.aborted) this.wakeUp = new AbortController();
    }
  }

  /** Handles every due fire, noting what they made in `fired`; returns when the next one is due. */
  private async pass(fired: Fired): Promise<number> {
    const { store, clock, schedules } = this.options;
    let wakeAt = Number.POSITIVE_INFINITY;
    const now = clock.now();
    const ahead = this.options.fireAheadMs ?? DEFAULT_FIRE_AHEAD_MS;
    const horizon = now + ahead;
    if (this.options.executePersistentSchedules !== false) {
      const missedLines: LogLine[] = [];
      const claimed = await store.claimDueFires(horizon, BATCH, (row, busy) => {
        const decision = planFire(
          schedules.live(row),
          now,
          busy,
          this.options.newId,
          this.options.maxAttemptsOf,
        );
        if (decision.kind !== "fire") return decision;
        if (decision.missed > 1) missedLines.push(decision.missedLine);
        return { ...decision, job: { ...decision.job, firedBy: this.options.node } };
      });
      // Only for fires whose job was made (a replayed fire makes none).
      const made = new Set(claimed.jobs.map((job) => job.id));
      const lines = missedLines.filter((line) => made.has(line.jobId));
      if (lines.length > 0) await store.appendLogs(lines);
      for (const job of claimed.jobs) if (job.status === "PENDING") this.options.onJob?.(job);
      fired.jobs.push(...claimed.jobs);
      fired.lost += claimed.contended;
      if (claimed.waiting.length > 0) wakeAt = Math.min(wakeAt, now + BLOCKED_RECHECK_MS);
      this.waiting = claimed.waiting.length > 0;
      if (claimed.examined === BATCH) return clock.now();
      const earliest = await store.earliestFire();
      if (earliest !== null && earliest > horizon) wakeAt = Math.min(wakeAt, earliest - ahead);
    }
    for (const live of schedules.inMemory()) {
      const next = live.row.nextFireAt;
      if (!live.row.enabled || next === null) continue;
      if (next <= horizon) {
        const waitUntil = await this.fireInMemory(live, now, fired);
        if (waitUntil !== undefined) wakeAt = Math.min(wakeAt, waitUntil);
      } else wakeAt = Math.min(wakeAt, next - ahead);
    }
    return wakeAt;
  }

  /** Whether an in-memory schedule's previous job is still PENDING or RUNNING. */
  private async busyInMemory(id: string): Promise<boolean> {
    const last = this.memoryJobs.get(id);
    if (last === undefined) return false;
    const job = await this.options.store.getJob(last);
    return job !== undefined && (ACTIVE as readonly string[]).includes(job.status);
  }

  /**
   * Fires an in-memory schedule: this node alone fires it, so no claim is needed, and its
   * job has no schedule key, since every node makes its own job for the same fire.
   */
  private async fireInMemory(
    live: LiveSchedule,
    now: number,
    fired: Fired,
  ): Promise<number | undefined> {
    const { store, schedules } = this.options;
    const decision = planFire(
      live,
      now,
      await this.busyInMemory(live.row.id),
      this.options.newId,
      this.options.maxAttemptsOf,
    );
    if (decision.kind === "wait") return now + BLOCKED_RECHECK_MS;
    const fireAt = live.row.nextFireAt as number;
    const created = await store.insertJob({
      ...decision.job,
      scheduleId: null,
      fireTime: fireAt,
      firedBy: this.options.node,
    });
    schedules.advanceInMemory(live.row.id, fireAt, decision.next);
    this.memoryJobs.set(live.row.id, created.id);
    if (decision.missed > 1) await store.appendLogs([decision.missedLine]);
    if (created.status === "PENDING") this.options.onJob?.(created);
    fired.jobs.push(created);
    return undefined;
  }
}

/** What a pass's fires made, filled in as it goes. */
interface Fired {
  readonly jobs: JobRow[];
  lost: number;
}

type FireDecision =
  | { readonly kind: "wait" }
  | {
      readonly kind: "fire";
      readonly next: number | null;
      readonly job: NewJob;
      readonly missed: number;
      readonly missedLine: LogLine;
    };

/**
 * What a due fire becomes, by the rules at the top of this file: pure, so it can run inside
 * the store's claim transaction. `busy`: the schedule's previous job is still active.
 */
export function planFire(
  live: LiveSchedule,
  now: number,
  busy: boolean,
  newId: () => string,
  maxAttemptsOf: (type: string) => number = () => 1,
): FireDecision {
  const { schedule, trigger, row } = live;
  const fireAt = row.nextFireAt as number;
  const late = now - fireAt > schedule.misfireThreshold;
  // Held while the previous job runs; under doNothing it is missed once it is too late to run.
  if (!schedule.concurrentExecution && busy && (!late || schedule.misfirePolicy !== "doNothing")) {
    return { kind: "wait" };
  }
  // A missed fire stands for every fire missed up to now; the schedule moves past them.
  const next = (late ? trigger.nextMs(now) : trigger.nextMs(fireAt)) ?? null;
  const missed = late ? countFires(live, fireAt, now) : 0;
  const runs = !late || schedule.misfirePolicy === "fireAndProceed";
  const id = newId();
  const job: NewJob = {
    id,
    type: schedule.invokeService,
    label: schedule._id,
    status: runs ? "PENDING" : "CANCELED",
    reason: late ? "missed" : null,
    data: schedule.invokeContext ?? null,
    maxAttempts: maxAttemptsOf(schedule.invokeService),
    // A fire claimed ahead of its time runs at its time.
    runAt: Math.max(now, fireAt),
    createDate: now,
    runById: null,
    runByName: null,
  };
  const more = missed >= MAX_COUNTED_MISSES ? "at least " : "";
  const missedLine: LogLine = {
    jobId: id,
    at: now,
    level: "INFO",
    message: `${more}${missed} fires missed from ${new Date(fireAt).toISOString()} to ${new Date(now).toISOString()}; this job stands for them all`,
    additionalInfo: { missedFires: missed, firstMissed: new Date(fireAt).toISOString() },
  };
  return { kind: "fire", next, job, missed, missedLine };
}

/** How many fires of the schedule fell in [from, to], counting at most MAX_COUNTED_MISSES. */
function countFires(live: LiveSchedule, from: number, to: number): number {
  let count = 1;
  for (
    let t = live.trigger.nextMs(from);
    t !== undefined && t <= to && count < MAX_COUNTED_MISSES;
    t = live.trigger.nextMs(t)
  ) {
    count++;
  }
  return count;
}
