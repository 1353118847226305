/**
 * Scan runs, and the words around them.
 *
 * - **task scanner**: a `taskScanner` schedule's job: it queries the records of a table
 *   whose `property` meets a `condition` and runs its `task` once for each.
 * - **scan run** (run): one such job's pass over the records; its id is the job's id, so
 *   its log is the job's log.
 * - **record**: one row the scan matched; its **objectID** is its id column's value.
 * - **claim**: setting the record's `taskState.started` with a compare-and-set, so that
 *   only one scanner (one node) runs its task; a claim older than `recovery.timeout` whose
 *   task did not complete may be taken again.
 * - **progress**: `total` records matched (at most `maxRecords`), `processed` of them dealt
 *   with: `successes` (task done, `taskState.completed` set), `failures` (task failed,
 *   left started so that it is tried again after the recovery timeout) and `skipped`
 *   (claimed by another scanner first); and the run's `state`.
 */

export const SCAN_STATES = ["INITIALIZED", "ACTIVE", "COMPLETED", "CANCELLED", "ERROR"] as const;
export type ScanState = (typeof SCAN_STATES)[number];

/** The states a run ends in; a resumed job starts its run again. */
export const ENDED_SCAN_STATES: readonly ScanState[] = ["COMPLETED", "CANCELLED", "ERROR"];

/** What a run has got through. */
export interface ScanCounts {
  readonly total: number;
  readonly processed: number;
  readonly successes: number;
  readonly failures: number;
  readonly skipped: number;
}

export interface ScanProgress extends ScanCounts {
  readonly state: ScanState;
}

export const NO_COUNTS: ScanCounts = {
  total: 0,
  processed: 0,
  successes: 0,
  failures: 0,
  skipped: 0,
};

/** One run, as the API and the library answer it. Times are ms since the epoch. */
export interface ScanRun {
  /** The `taskScanner` job's id. */
  readonly id: string;
  /** The schedule it scans for; null for a job enqueued without one. */
  readonly schedule: string | null;
  readonly progress: ScanProgress;
  /** Why it ended in ERROR (or was put back), for people. */
  readonly message: string | null;
  /** The node that runs (or ran) it. */
  readonly node: string | null;
  /** Who executed it; null for a schedule's fire. */
  readonly startedBy: string | null;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  readonly updatedAt: number;
}
