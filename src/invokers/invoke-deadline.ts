/**
 * The signal an invoker obeys while it runs something: the job's own (a stop, the job
 * type's timeout, a shutdown) or the invoke context's `timeoutMs`, whichever comes first.
 */
import type { Clock } from "../clock.js";
import { JobInterrupted } from "../jobs/job-context.js";

/** The longest timeout an invoke context may ask for: Node's longest timer, about 24.8 days. */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/** See {@link invokeDeadline}. */
export interface InvokeDeadline {
  readonly signal: AbortSignal;
  /** Cancels the timer; call it once what ran has ended. */
  clear(): void;
}

/**
 * Combines the job's signal with a `timeoutMs` of its own, timed on `clock` like the job
 * type's timeout. The reason it aborts with is a `JobInterrupted` of kind `timeout`, so a
 * handler that rethrows it ends its job with reason `timeout`, whichever limit was hit.
 * @example
 * const deadline = invokeDeadline(clock, signal, data.timeoutMs, "GET https://example.com/");
 * try { await fetch(url, { signal: deadline.signal }); } finally { deadline.clear(); }
 */
export function invokeDeadline(
  clock: Clock,
  jobSignal: AbortSignal,
  timeoutMs: number | undefined,
  what: string,
): InvokeDeadline {
  if (timeoutMs === undefined) return { signal: jobSignal, clear: () => undefined };
  const own = new AbortController();
  const cancel = new AbortController();
  void clock.sleep(timeoutMs, cancel.signal).then(() => {
    if (cancel.signal.aborted) return;
    own.abort(
      new JobInterrupted(
        "timeout",
        `${what} timed out after ${timeoutMs} ms (invokeContext.timeoutMs)`,
      ),
    );
  });
  return {
    signal: AbortSignal.any([jobSignal, own.signal]),
    clear: () => cancel.abort(),
  };
}
