import type { Clock } from "../../src/clock.js";

interface Sleeper {
  readonly until: number;
  readonly resolve: () => void;
}

/**
 * A clock that moves only when the test says so. `untilSleeping()` resolves once every
 * loop using it has finished its work and gone back to sleep, so a test can advance time
 * and then look at the store without sleeping on the wall clock.
 */
export class FakeClock implements Clock {
  private time: number;
  private sleepers: Sleeper[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(start: number | string) {
    this.time = typeof start === "number" ? start : Date.parse(start);
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = () => sleeper.resolve();
      const sleeper: Sleeper = {
        until: this.time + ms,
        resolve: () => {
          this.sleepers = this.sleepers.filter((s) => s !== sleeper);
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.sleepers.push(sleeper);
      this.notifyIdle();
    });
  }

  private notifyIdle(): void {
    // Let the sleeper's caller settle before reporting idle.
    setImmediate(() => {
      if (this.sleepers.length === 0) return;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    });
  }

  /** Resolves when some loop is asleep on this clock (at once if one already is and nothing is due). */
  untilSleeping(): Promise<void> {
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      if (this.sleepers.length > 0 && !this.sleepers.some((s) => s.until <= this.time))
        this.notifyIdle();
    });
  }

  /** Moves time forward by `ms`, waking every sleeper whose time has come, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    for (;;) {
      const due = this.sleepers
        .filter((s) => s.until <= target)
        .sort((a, b) => a.until - b.until)[0];
      if (!due) break;
      this.time = Math.max(this.time, due.until);
      const sleeping = this.untilSleeping();
      due.resolve();
      await sleeping;
    }
    this.time = target;
  }
}
