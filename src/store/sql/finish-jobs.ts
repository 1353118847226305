/**
 * The hot ending path, hand-written: a node records the endings of many jobs in one
 * statement. The endings travel as one JSON parameter (an array of {@link EndingRecord}),
 * so the statement text is the same whatever the batch size.
 *
 * Parameters: $1 the endings (JSON text), $2 the node that must hold each job, and on
 * PostgreSQL $3 their ids (text[]).
 * A job is changed only while `node` holds it (RUNNING or STOPPING); the others are left
 * as they are and are missing from what the statement returns (see RETURNED).
 *
 * A node never runs this beside its lease renewal (renewLeases), the other statement that
 * changes many of its held jobs at once (EndingBatch.exclusive), so the two can't
 * deadlock; locking the rows in id order first, as this statement once did, cost a fifth
 * of it on PostgreSQL. The rows are found by the id array: it tells the planner how few
 * they are. Left to its statistics, which lag after a burst, it walks the node's index
 * instead, through every job the node held that vacuum has not yet cleared.
 */

import type { JobOutcome, JobRow } from "../store.js";
import { type JsonColumns, jsonRowsPostgres, jsonRowsSqlite } from "./json-rows.js";

/**
 * One ending as the statement reads it; `set_*` says whether to write the field beside it.
 * A field left out reads as NULL, which the statement takes as "keep": a typical ending
 * (finished, nothing else to say) is sent as its id, status and end, and the smaller JSON
 * parameter took a tenth off the ending path's CPU on both databases (bench/queue).
 */
export interface EndingRecord {
  readonly id: string;
  readonly status: string;
  readonly has_errors?: boolean;
  readonly set_results?: true;
  /** JSON text, or null. */
  readonly results?: string | null;
  readonly set_checkpoint?: true;
  readonly checkpoint?: string | null;
  readonly set_reason?: true;
  readonly reason?: string | null;
  readonly run_at?: number;
  readonly end_date?: number;
  /** When the run really began, if later than its claim (a job claimed ahead). */
  readonly start_date?: number;
}

/** The record of `outcome` for job `id`, with only the fields it sets; `json` writes a JSON column's value. */
export function endingRecord(
  id: string,
  outcome: JobOutcome,
  json: (value: unknown) => string | null,
): EndingRecord {
  const record: { -readonly [K in keyof EndingRecord]: EndingRecord[K] } = {
    id,
    status: outcome.status,
  };
  if (outcome.hasErrors !== undefined) record.has_errors = outcome.hasErrors;
  if (outcome.results !== undefined) {
    record.set_results = true;
    record.results = json(outcome.results);
  }
  if (outcome.checkpoint !== undefined) {
    record.set_checkpoint = true;
    record.checkpoint = json(outcome.checkpoint);
  }
  if (outcome.reason !== undefined) {
    record.set_reason = true;
    record.reason = outcome.reason;
  }
  if (outcome.status === "PENDING") record.run_at = outcome.runAt ?? outcome.at;
  else record.end_date = outcome.at;
  if (outcome.startedAt !== undefined) record.start_date = outcome.startedAt;
  return record;
}

const SET = (jobs: string, endings: string, json: (text: string) => string) => `
  status = ${endings}.status, node = NULL, lease_until = NULL,
  has_errors = COALESCE(${endings}.has_errors, ${jobs}.has_errors),
  results = CASE WHEN ${endings}.set_results THEN ${json(`${endings}.results`)} ELSE ${jobs}.results END,
  checkpoint = CASE WHEN ${endings}.set_checkpoint THEN ${json(`${endings}.checkpoint`)} ELSE ${jobs}.checkpoint END,
  reason = CASE WHEN ${endings}.set_reason THEN ${endings}.reason ELSE ${jobs}.reason END,
  run_at = COALESCE(${endings}.run_at, ${jobs}.run_at),
  end_date = COALESCE(${endings}.end_date, ${jobs}.end_date),
  start_date = COALESCE(${endings}.start_date, ${jobs}.start_date)`;

const HELD = `status IN ('RUNNING', 'STOPPING')`;

/**
 * What the statements return: the columns that others may change while a node holds the
 * job (an error line from elsewhere, a user's priority change), and the progress the run
 * itself wrote. The rest of the ended row follows from the held row and the ending, as
 * {@link endedRow} says; reading whole rows back was a third of a busy node's store time.
 */
const RETURNED = (jobs: string) =>
  `${jobs}.id, ${jobs}.has_errors, ${jobs}.progress, ${jobs}.low_priority, ${jobs}.priority`;

/** A row as the ending statements return it. */
export interface EndedColumns {
  readonly id: string;
  readonly has_errors: boolean | number;
  readonly progress: number;
  readonly low_priority: boolean | number;
  readonly priority: number;
}

/**
 * The row an ending leaves, from the row the node held: {@link SET} done in JavaScript.
 * The two must say the same; the store conformance suite compares them with the row read
 * back.
 */
export function endedRow(
  held: JobRow,
  record: EndingRecord,
  outcome: { readonly results?: unknown; readonly checkpoint?: unknown },
  returned: EndedColumns,
): JobRow {
  return {
    ...held,
    status: record.status as JobRow["status"],
    node: null,
    leaseUntil: null,
    hasErrors: Boolean(returned.has_errors),
    progress: returned.progress,
    lowPriority: Boolean(returned.low_priority),
    priority: returned.priority,
    results: record.set_results ? (outcome.results ?? null) : held.results,
    checkpoint: record.set_checkpoint ? (outcome.checkpoint ?? null) : held.checkpoint,
    reason: record.set_reason ? (record.reason ?? null) : held.reason,
    runAt: record.run_at ?? held.runAt,
    endDate: record.end_date ?? held.endDate,
    startDate: record.start_date ?? held.startDate,
  };
}

const COLUMNS: JsonColumns = [
  ["id", "text"],
  ["status", "text"],
  ["has_errors", "boolean"],
  ["set_results", "boolean"],
  ["results", "text"],
  ["set_checkpoint", "boolean"],
  ["checkpoint", "text"],
  ["set_reason", "boolean"],
  ["reason", "text"],
  ["run_at", "bigint"],
  ["end_date", "bigint"],
  ["start_date", "bigint"],
];

export const FINISH_JOBS_POSTGRES = `UPDATE jobs SET ${SET("jobs", "endings", (text) => `${text}::jsonb`)}
FROM ${jsonRowsPostgres("$1", "endings", COLUMNS)}
WHERE jobs.id = endings.id AND jobs.id = ANY($3::text[]) AND jobs.node = $2 AND jobs.${HELD}
RETURNING ${RETURNED("jobs")}`;

// SQLite has one writer, so nothing to order. The unary `+` keeps SQLite from driving
// the join by the node's index (every job the node holds) instead of by each ending's id.
export const FINISH_JOBS_SQLITE = `UPDATE jobs SET ${SET("jobs", "endings", (text) => text)}
FROM ${jsonRowsSqlite(COLUMNS)} AS endings
WHERE jobs.id = endings.id AND +jobs.node = ? AND jobs.${HELD}
RETURNING ${RETURNED("jobs")}`;
