/**
 * A job as users see it, and the words around it.
 *
 * - **job**: one execution of a job type with its `data`; it moves
 *   `PENDING → RUNNING → FINISHED`, or `RUNNING → STOPPING → STOPPED` (resumable), or ends
 *   `CANCELED` (final).
 * - **job type**: a name (`send-invoice`) with a handler, defined in a {@link JobRegistry}.
 * - **attempt**: one run of a job; a failed attempt is retried after a backoff while
 *   `attempt < maxAttempts`.
 * - **checkpoint**: JSON a handler saves while it runs; a resumed or retried job's next
 *   run is handed it, so it can carry on where it left off.
 * - **node**: the process running a job; it holds the job under a lease it renews.
 */
import type { JobRow, JobStatus } from "../store/store.js";

export type { JobStatus } from "../store/store.js";
export { JOB_STATUSES } from "../store/store.js";

/** Who asked for the job to run. */
export interface RunBy {
  readonly id: string;
  readonly name: string;
}

/**
 * One job. Times are instants in ms since the epoch; `waiting` and `duration` are ms.
 * @example
 * const job = await jobs.findById(id);
 * if (job.status === "FINISHED" && !job.hasErrors) console.log(job.results);
 */
export interface Job<TData = unknown, TResults = unknown> {
  /** Sortable by creation: a later job has a greater id. */
  readonly id: string;
  readonly type: string;
  readonly label: string | null;
  readonly status: JobStatus;
  readonly hasErrors: boolean;
  /** 0-100, as its handler last reported it. */
  readonly progress: number;
  /** From creation to its (last) start; while it has not started, to now (or its end). */
  readonly waiting: number;
  /** From its (last) start to its end; while it runs, to now; 0 if it never started. */
  readonly duration: number;
  readonly createDate: number;
  readonly startDate: number | null;
  readonly endDate: number | null;
  readonly runBy: RunBy | null;
  readonly data: TData;
  readonly results: TResults | null;
  /** The schedule whose fire made this job, and that fire's instant. */
  readonly scheduleId: string | null;
  readonly fireTime: number | null;
  /** Runs only when no normal job is waiting. */
  readonly lowPriority: boolean;
  /** Higher runs first among jobs of the same priority class. */
  readonly priority: number;
  /** Runs started so far (0 while it has never started). */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** The node running it, while RUNNING or STOPPING. */
  readonly node: string | null;
  /** The node that claimed the schedule's fire and made the job; `null` for an enqueued job. */
  readonly firedBy: string | null;
  /**
   * Why it is as it is when the status alone doesn't say: `retry` (PENDING until `runAt`
   * after a failed attempt), `timeout`, `missed` (a schedule's fire that could not run),
   * `leaseExpired` (its node died on its last attempt).
   */
  readonly reason: string | null;
  /** Not started before this instant: a delayed job, or one waiting for its retry. */
  readonly runAt: number;
}

/**
 * The data of each job type, for type-checked `enqueue` and `define`. Empty here; add
 * your types by declaration merging:
 * @example
 * declare module "sundial" {
 *   interface JobTypes {
 *     "send-invoice": { invoiceId: string; copyTo?: string };
 *   }
 * }
 * await sundial.jobs.enqueue("send-invoice", { invoiceId: "inv-1" }); // checked
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by users' declaration merging.
export interface JobTypes {}

/** The data of a job type: as declared in {@link JobTypes}, else anything. */
export type DataOf<TType extends string> = TType extends keyof JobTypes ? JobTypes[TType] : unknown;

/** The statuses a job never leaves. STOPPED is not one of them: it can be resumed. */
export const FINAL_STATUSES: readonly JobStatus[] = ["FINISHED", "CANCELED"];

/** The statuses in which a job is no longer pending or running (what `finished` reports). */
export const ENDED_STATUSES: readonly JobStatus[] = ["FINISHED", "STOPPED", "CANCELED"];

/**
 * The user's view of a stored job at `now`.
 * @example const job = toJob(await store.getJob(id), clock.now());
 */
export function toJob(row: JobRow, now: number): Job {
  const started = row.startDate;
  const ended = row.endDate;
  const waiting = started !== null ? started - row.createDate : (ended ?? now) - row.createDate;
  let duration = 0;
  if (started !== null && ended !== null && ended >= started) duration = ended - started;
  else if (started !== null && (row.status === "RUNNING" || row.status === "STOPPING")) {
    duration = now - started;
  }
  return {
    id: row.id,
    type: row.type,
    label: row.label,
    status: row.status,
    hasErrors: row.hasErrors,
    progress: row.progress,
    waiting: Math.max(0, waiting),
    duration: Math.max(0, duration),
    createDate: row.createDate,
    startDate: row.startDate,
    endDate: row.endDate,
    runBy: row.runById === null ? null : { id: row.runById, name: row.runByName ?? row.runById },
    data: row.data,
    results: row.results,
    scheduleId: row.scheduleId,
    fireTime: row.fireTime,
    lowPriority: row.lowPriority,
    priority: row.priority,
    attempt: row.attempt,
    maxAttempts: row.maxAttempts,
    node: row.node,
    firedBy: row.firedBy,
    reason: row.reason,
    runAt: row.runAt,
  };
}
