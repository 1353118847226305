/**
 * The hot ending path, hand-written: a node records the endings of many jobs in one
 * statement. The endings travel as one JSON parameter (an array of {@link EndingRecord}),
 * so the statement text is the same whatever the batch size.
 *
 * Parameters: $1 the endings (JSON text), $2 the node that must hold each job, and on
 * PostgreSQL $3 their ids (text[]).
 * A job is changed only while `node` holds it (RUNNING or STOPPING); the others are left
 * as they are and are missing from what the statement returns.
 *
 * PostgreSQL locks the rows in id order before changing them: a node's lease renewal
 * (renewLeases) locks the same rows in the same order, so the two can't deadlock. The
 * rows are found by the id array: it tells the planner how few they are. Left to its
 * statistics, which lag after a burst, it walks the node's index instead, through every
 * job the node held that vacuum has not yet cleared.
 */

import { type JsonColumns, jsonRowsPostgres, jsonRowsSqlite } from "./json-rows.js";

/** One ending as the statement reads it; `set*` says whether to write the field beside it. */
export interface EndingRecord {
  readonly id: string;
  readonly status: string;
  readonly has_errors: boolean | null;
  readonly set_results: boolean;
  /** JSON text, or null. */
  readonly results: string | null;
  readonly set_checkpoint: boolean;
  readonly checkpoint: string | null;
  readonly set_reason: boolean;
  readonly reason: string | null;
  readonly run_at: number | null;
  readonly end_date: number | null;
  /** When the run really began, if later than its claim (a job claimed ahead). */
  readonly start_date: number | null;
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

export const FINISH_JOBS_POSTGRES = `WITH held AS (
  SELECT id FROM jobs WHERE id = ANY($3::text[])
  ORDER BY id
  FOR UPDATE
)
UPDATE jobs SET ${SET("jobs", "endings", (text) => `${text}::jsonb`)}
FROM ${jsonRowsPostgres("$1", "endings", COLUMNS)} JOIN held ON held.id = endings.id
WHERE jobs.id = endings.id AND jobs.id = ANY($3::text[]) AND jobs.node = $2 AND jobs.${HELD}
RETURNING jobs.*`;

// SQLite has one writer, so nothing to order. The unary `+` keeps SQLite from driving
// the join by the node's index (every job the node holds) instead of by each ending's id.
export const FINISH_JOBS_SQLITE = `UPDATE jobs SET ${SET("jobs", "endings", (text) => text)}
FROM ${jsonRowsSqlite(COLUMNS)} AS endings
WHERE jobs.id = endings.id AND +jobs.node = ? AND jobs.${HELD}
RETURNING *`;
