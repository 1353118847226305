/**
 * Time, injected. Services ask a Clock for "now" and for sleeps, so tests can drive the
 * scheduler with fake timers against a real store instead of waiting on the wall clock.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or at once (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The reason for aborting a controller that only wakes or cancels our own sleeps. Without
 * one, each abort makes a DOMException with a stack: a few percent of a busy node's time.
 */
export const WAKE = Object.freeze(new Error("woken"));

/** The process clock (which vitest's fake timers replace in tests). */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      // setTimeout takes at most 2^31-1 ms; a longer sleep is woken early and re-planned.
      const timer = setTimeout(done, Math.min(Math.max(0, ms), 2_147_483_647));
      signal?.addEventListener("abort", done, { once: true });
    }),
};
