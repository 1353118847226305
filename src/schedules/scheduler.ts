/**
 * The fire loop. It sleeps until the earliest due fire (no polling tick), is woken early
 * by changes, and turns each due fire into exactly one job: the store's `claimFire`
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
 */
import type { Clock } from "../clock.js";
import type { JobRow, NewJob, Store } from "../store/store.js";
import type { LiveSchedule, ScheduleService } from "./schedule.service.js";

export interface SchedulerOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly schedules: ScheduleService;
  /** This node's id, recorded on the jobs it creates. */
  readonly node: string;
  readonly newId: () => string;
  /** Called with each job a fire created, so the workers can be woken. */
  readonly onJob?: (job: JobRow) => void;
  /** `false`: this node manages schedules but fires no persisted one. Default true. */
  readonly executePersistentSchedules?: boolean;
  /** The longest sleep, so schedules created by other nodes are noticed; default 5 s. */
  readonly maxSleepMs?: number;
}

/** Fires handled per pass; a backlog larger than this is worked through pass after pass. */
const BATCH = 500;
/** While a fire waits for its schedule's previous job, how often to look again. */
const BLOCKED_RECHECK_MS = 1000;
/** Counting missed fires stops here; the count says "at least". */
const MAX_COUNTED_MISSES = 100_000;
const ACTIVE = ["PENDING", "RUNNING", "STOPPING"] as const;

export class Scheduler {
  private running = false;
  private paused = false;
  private loop: Promise<void> | undefined;
  private wakeUp = new AbortController();
  /** In-memory schedules' last job, for concurrentExecution (they have no schedule id in the store). */
  private readonly memoryJobs = new Map<string, string>();

  constructor(private readonly options: SchedulerOptions) {
    options.schedules.onChange(() => this.wake());
  }

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

  /** Re-plans the sleep now: a schedule changed, or a job the loop waits for ended. */
  wake(): void {
    this.wakeUp.abort();
  }

  /** Suspends all firing (running jobs are untouched); fires that come due wait. */
  pause(): void {
    this.paused = true;
    this.wake();
  }

  /** Resumes firing; fires that became later than their threshold follow their misfire policy. */
  resume(): void {
    this.paused = false;
    this.wake();
  }

  private async run(): Promise<void> {
    const { clock } = this.options;
    while (this.running) {
      const signal = this.wakeUp.signal;
      let wakeAt = Number.POSITIVE_INFINITY;
      if (!this.paused) {
        try {
          wakeAt = await this.pass();
        } catch (error) {
          // The store was unreachable for a moment: try again shortly rather than die.
          process.emitWarning(`sundial scheduler: ${(error as Error).message}`);
          wakeAt = clock.now() + BLOCKED_RECHECK_MS;
        }
      }
      if (!this.running) break;
      const maxSleep = this.options.maxSleepMs ?? 5000;
      const sleep = Math.min(Math.max(0, wakeAt - clock.now()), maxSleep);
      if (sleep > 0 && !signal.aborted) await clock.sleep(sleep, signal);
      if (this.wakeUp.signal.aborted) this.wakeUp = new AbortController();
    }
  }

  /** Handles every due fire; returns when the next one is due. */
  private async pass(): Promise<number> {
    const { store, clock, schedules } = this.options;
    let wakeAt = Number.POSITIVE_INFINITY;
    const now = clock.now();
    if (this.options.executePersistentSchedules !== false) {
      const due = await store.dueSchedules(now, BATCH);
      for (const row of due) {
        const waitUntil = await this.fire(schedules.live(row), now);
        if (waitUntil !== undefined) wakeAt = Math.min(wakeAt, waitUntil);
      }
      if (due.length === BATCH) return clock.now();
      const earliest = await store.earliestFire();
      if (earliest !== null && earliest > now) wakeAt = Math.min(wakeAt, earliest);
    }
    for (const live of schedules.inMemory()) {
      const next = live.row.nextFireAt;
      if (!live.row.enabled || next === null) continue;
      if (next <= now) {
        const waitUntil = await this.fire(live, now);
        if (waitUntil !== undefined) wakeAt = Math.min(wakeAt, waitUntil);
      } else wakeAt = Math.min(wakeAt, next);
    }
    return wakeAt;
  }

  /** Whether the schedule's previous job is still PENDING or RUNNING. */
  private async busy(live: LiveSchedule): Promise<boolean> {
    if (live.schedule.persisted) {
      const active = await this.options.store.findJobs({
        scheduleId: live.row.id,
        status: [...ACTIVE],
        size: 1,
      });
      return active.length > 0;
    }
    const last = this.memoryJobs.get(live.row.id);
    if (last === undefined) return false;
    const job = await this.options.store.getJob(last);
    return job !== undefined && (ACTIVE as readonly string[]).includes(job.status);
  }

  /** Handles one due fire; returns when to look again if it has to wait. */
  private async fire(live: LiveSchedule, now: number): Promise<number | undefined> {
    const { schedule, trigger, row } = live;
    const fireAt = row.nextFireAt as number;
    const late = now - fireAt > schedule.misfireThreshold;
    if (!schedule.concurrentExecution && (await this.busy(live))) {
      // It waits; under doNothing it is missed once it is too late to run.
      if (!late || schedule.misfirePolicy !== "doNothing") return now + BLOCKED_RECHECK_MS;
    }
    let next = trigger.nextMs(fireAt) ?? null;
    let missed = 0;
    if (late) {
      // Fold every fire missed up to now into this one.
      next = trigger.nextMs(now) ?? null;
      missed = countFires(live, fireAt, now);
    }
    const runs = !late || schedule.misfirePolicy === "fireAndProceed";
    const job: NewJob = {
      id: this.options.newId(),
      type: schedule.invokeService,
      label: schedule._id,
      status: runs ? "PENDING" : "CANCELED",
      reason: late ? "missed" : null,
      data: schedule.invokeContext ?? null,
      runAt: now,
      createDate: now,
      runById: null,
      runByName: null,
    };
    let created: JobRow | undefined;
    if (schedule.persisted) {
      created = await this.options.store.claimFire({
        scheduleId: row.id,
        expected: fireAt,
        next,
        job,
      });
    } else {
      // In memory: this node alone fires it, so no claim is needed; no schedule key either,
      // since every node makes its own job for the same fire.
      created = await this.options.store.insertJob({
        ...job,
        scheduleId: null,
        fireTime: fireAt,
      });
      this.options.schedules.advanceInMemory(row.id, fireAt, next);
      this.memoryJobs.set(row.id, created.id);
    }
    if (created && missed > 1)
      await this.options.store.appendLogs([missedLine(created, missed, fireAt, now)]);
    if (created && runs) this.options.onJob?.(created);
    return undefined;
  }
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

function missedLine(job: JobRow, missed: number, from: number, to: number) {
  const more = missed >= MAX_COUNTED_MISSES ? "at least " : "";
  return {
    jobId: job.id,
    at: to,
    level: "INFO" as const,
    message: `${more}${missed} fires missed from ${new Date(from).toISOString()} to ${new Date(to).toISOString()}; this job stands for them all`,
    additionalInfo: { missedFires: missed, firstMissed: new Date(from).toISOString() },
  };
}
