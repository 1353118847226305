/**
 * What a handler is given while it runs one job, and how it learns it must stop.
 */
import type { Job } from "./job.js";

/** Log lines of the running job; an ERROR line marks the job `hasErrors`. */
export interface JobLogger {
  info(message: string, additionalInfo?: unknown): Promise<void>;
  error(message: string, additionalInfo?: unknown): Promise<void>;
}

/**
 * The running job, as its handler sees it. The promises settle once the store has the
 * change; a handler may leave them un-awaited, the pool waits for them before it records
 * how the job ended.
 */
export interface JobContext<TData = unknown> {
  /** The job as it was claimed (status RUNNING). */
  readonly job: Job<TData>;
  readonly data: TData;
  /**
   * Aborted when the job must stop: a user stopped it, it ran past its `timeoutMs`, its
   * node is shutting down, or its node lost its lease. `signal.reason` is a
   * {@link JobInterrupted} saying which. Pass it on (`fetch(url, { signal })`) or check it.
   */
  readonly signal: AbortSignal;
  /** What an earlier run of this job saved with `saveCheckpoint` (stopped, failed or cut short), else `null`. */
  readonly checkpoint: unknown;
  readonly log: JobLogger;
  /** Reports how far the job has got, 0-100 (rounded to a whole number). */
  progress(percent: number): Promise<void>;
  /** Saves JSON that the next run of this job (after a resume or a retry) is handed as `checkpoint`. */
  saveCheckpoint(value: unknown): Promise<void>;
}

/**
 * Runs one job; what it returns (JSON) becomes the job's `results`, what it throws fails
 * the attempt.
 * @example
 * const sendInvoice: JobHandler<{ invoiceId: string }> = async ({ data, signal, log }) => {
 *   await log.info(`sending ${data.invoiceId}`);
 *   return { sent: true };
 * };
 */
export type JobHandler<TData = unknown, TResults = unknown> = (
  context: JobContext<TData>,
) => Promise<TResults> | TResults;

/** Why a running job's signal was aborted. */
export type InterruptionKind = "stopped" | "timeout" | "shutdown" | "leaseLost";

/**
 * The `reason` of an aborted job signal. A handler may rethrow it (or let an aborted
 * `fetch` throw); the pool knows the job was interrupted either way.
 * @example
 * if (signal.aborted && (signal.reason as JobInterrupted).kind === "stopped") await saveCheckpoint(state);
 */
export class JobInterrupted extends Error {
  override readonly name = "JobInterrupted";

  constructor(
    readonly kind: InterruptionKind,
    message: string,
  ) {
    super(message);
  }
}
